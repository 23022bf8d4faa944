/**
 * RabbitMQ's report command: which connection a node (or a health link's
 * `{ connectionId }`) means, or picked in the palette; the panel, its fixes
 * (run through the shared operation flow) and exports are the shared report
 * host's. Required the first time an `upkeep.rabbitmq.report*` command runs.
 */
import type * as vscode from 'vscode';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import type { Prompter } from '../../app/prompter';
import type { ReportPanel } from '../../webviews/reportPanel';
import type { ReportPanels } from '../../webviews/reportPanels';
import { EXPORT_FORMATS, type ExportFormat } from '../../webviews/protocol';
import { pick } from '../pick';
import { resolveProfile } from './targets';

/** The report's "database" for the panel: RabbitMQ's reports cover the whole broker. */
export const BROKER = 'broker';

export class RabbitReportCommands {
  constructor(private readonly panels: () => ReportPanels, private readonly connections: ConnectionService, private readonly profiles: ProfileStore, private readonly prompter: () => Prompter) {}

  private profileId(node: unknown): Promise<string> {
    return resolveProfile(node, { profiles: this.profiles, connections: this.connections, prompter: this.prompter }).then((p) => p.id);
  }

  async open(node?: unknown): Promise<ReportPanel> {
    return this.panels().show('health', await this.profileId(node), BROKER);
  }

  async export(node?: unknown, format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const id = await this.profileId(node);
    const f = format ?? (await pick((Object.keys(EXPORT_FORMATS) as ExportFormat[]).map((x) => ({ label: EXPORT_FORMATS[x].label, value: x })), 'Export as'));
    return this.panels().export('health', id, BROKER, f, target);
  }
}
