/**
 * PostgreSQL's commands in one place: maintenance, reports (on the shared
 * report panels), history. The extension requires this module the
 * first time one of the `upkeep.pg.*` commands runs or a report panel comes
 * back after a reload, so activation never evaluates it.
 */
import * as vscode from 'vscode';
import type { FlowDeps } from '../../app/operationFlow';
import type { ProfileStore } from '../../connections/profileStore';
import { formatBytes } from '../../core/format';
import { historyToMarkdown, type HistoryEntry } from '../../core/history/historyStore';
import type { ReportPanels } from '../../webviews/reportPanels';
import { PgMaintenanceCommands } from './maintenanceCommands';
import { resolveTarget } from './pgTarget';
import { ReportCommands } from './reportCommands';

export { REPORT_KINDS } from './reportCommands';

export interface PostgresCommandDeps {
  flow: FlowDeps;
  profiles: ProfileStore;
  /** The shared report panels (made by the extension at first use, for every engine). */
  reports: () => ReportPanels;
}

export class PostgresCommands implements vscode.Disposable {
  readonly maintenance: PgMaintenanceCommands;
  readonly reportCommands: ReportCommands;

  constructor(private readonly deps: PostgresCommandDeps) {
    this.maintenance = new PgMaintenanceCommands(deps.flow, deps.profiles);
    this.reportCommands = new ReportCommands(deps.reports, deps.flow.connections, deps.profiles);
  }

  /** The connection's maintenance history as a Markdown page. */
  async showHistory(node?: unknown): Promise<HistoryEntry[]> {
    const t = await resolveTarget(node, ['connection'], this.deps.profiles, this.deps.flow.connections);
    const entries = await this.deps.flow.history.read(t.profile.id);
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: historyToMarkdown(t.profile.name, entries, formatBytes) });
    await vscode.window.showTextDocument(doc, { preview: true });
    return entries;
  }

  dispose(): void {
    // The report panels are the extension's, not these commands'.
  }
}
