/** PostgreSQL's report commands: which database a node means; the panels and exports are the shared host's. */
import * as vscode from 'vscode';
import { postgresReports } from '../../core/postgres/reports/hook';
import { REPORT_KINDS, type ReportKind } from '../../core/postgres/reports/model';
import type { ConnectionService } from '../../connections/connectionService';
import { EXPORT_FORMATS, type ExportFormat } from '../../webviews/protocol';
import type { ReportPanel } from '../../webviews/reportPanel';
import type { ReportPanels } from '../../webviews/reportPanels';
import type { ProfileStore } from '../../connections/profileStore';
import { Cancelled } from '../../core/errors';
import { resolveTarget } from './pgTarget';

export { REPORT_KINDS };

async function pickKind(): Promise<ReportKind> {
  const chosen = await vscode.window.showQuickPick(postgresReports.kinds.map((k) => ({ label: k.title, value: k.id as ReportKind })), { placeHolder: 'Which report?' });
  if (!chosen) throw new Cancelled();
  return chosen.value;
}

export class ReportCommands {
  constructor(private readonly panels: () => ReportPanels, private readonly connections: ConnectionService, private readonly profiles: ProfileStore) {}

  private async database(node: unknown): Promise<{ profileId: string; database: string }> {
    const t = await resolveTarget(node, ['database', 'connection'], this.profiles, this.connections);
    return { profileId: t.profile.id, database: t.database };
  }

  async open(node?: unknown, kind?: ReportKind): Promise<ReportPanel> {
    const k = kind ?? (await pickKind());
    const t = await this.database(node);
    return this.panels().show(k, t.profileId, t.database);
  }

  /** Computes a report without a panel and saves it: for the palette, and for scripts. */
  async export(node?: unknown, kind?: ReportKind, format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const k = kind ?? (await pickKind());
    let f = format;
    if (!f) {
      const chosen = await vscode.window.showQuickPick((Object.keys(EXPORT_FORMATS) as ExportFormat[]).map((x) => ({ label: EXPORT_FORMATS[x].label, value: x })), { placeHolder: 'Export as' });
      if (!chosen) throw new Cancelled();
      f = chosen.value;
    }
    const t = await this.database(node);
    return this.panels().export(k, t.profileId, t.database, f, target);
  }
}
