/**
 * PostgreSQL's commands in one place: maintenance, reports (their panels are
 * made here, at first use), history. The extension requires this module the
 * first time one of the `upkeep.pg.*` commands runs or a report panel comes
 * back after a reload, so activation never evaluates it.
 */
import * as vscode from 'vscode';
import type { FlowDeps } from '../../app/operationFlow';
import type { ProfileStore } from '../../connections/profileStore';
import { formatBytes } from '../../core/format';
import { historyToMarkdown, type HistoryEntry } from '../../core/history/historyStore';
import { CapacityStore } from '../../core/postgres/reports/capacityStore';
import { ReportPanels } from '../../webviews/reportPanels';
import { reportThresholds } from '../../webviews/reportSettings';
import { PgMaintenanceCommands } from './maintenanceCommands';
import { resolveTarget } from './pgTarget';
import { ReportCommands } from './reportCommands';

export { REPORT_KINDS } from './reportCommands';

export interface PostgresCommandDeps {
  flow: FlowDeps;
  profiles: ProfileStore;
  extensionUri: vscode.Uri;
  /** Where the capacity report keeps its snapshots. */
  capacityDir: string;
}

export class PostgresCommands implements vscode.Disposable {
  readonly maintenance: PgMaintenanceCommands;
  readonly reports: ReportPanels;
  readonly reportCommands: ReportCommands;

  constructor(private readonly deps: PostgresCommandDeps) {
    this.maintenance = new PgMaintenanceCommands(deps.flow, deps.profiles);
    const reportDeps = {
      extensionUri: deps.extensionUri,
      connections: deps.flow.connections,
      flow: deps.flow,
      log: deps.flow.log,
      capacity: new CapacityStore(deps.capacityDir),
      thresholds: reportThresholds,
      profile: (id: string) => deps.profiles.get(id)?.profile,
    };
    this.reports = new ReportPanels(reportDeps);
    this.reportCommands = new ReportCommands(this.reports, reportDeps, deps.profiles);
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
    this.reports.dispose();
  }
}
