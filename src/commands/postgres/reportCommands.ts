/** Commands that open report panels or export a report without one. */
import * as vscode from 'vscode';
import type { Report } from '../../core/reports/model';
import { REPORT_KINDS, type ReportKind } from '../../core/postgres/reports/model';
import { buildReport } from '../../core/postgres/reports/index';
import type { ExportFormat } from '../../webviews/protocol';
import { exportReport, EXPORTS, PANEL_TITLES, type ReportDeps } from '../../webviews/reportPanel';
import type { ReportPanels } from '../../webviews/reportPanels';
import type { ReportPanel } from '../../webviews/reportPanel';
import type { ProfileStore } from '../../connections/profileStore';
import { Cancelled } from '../../core/errors';
import { resolveTarget } from './pgTarget';

export { REPORT_KINDS };

async function pickKind(): Promise<ReportKind> {
  const chosen = await vscode.window.showQuickPick(REPORT_KINDS.map((k) => ({ label: PANEL_TITLES[k], value: k })), { placeHolder: 'Which report?' });
  if (!chosen) throw new Cancelled();
  return chosen.value;
}

export class ReportCommands {
  constructor(private readonly panels: ReportPanels, private readonly deps: ReportDeps, private readonly profiles: ProfileStore) {}

  private async database(node: unknown): Promise<{ profileId: string; database: string; name: string }> {
    const t = await resolveTarget(node, ['database', 'connection'], this.profiles, this.deps.connections);
    return { profileId: t.profile.id, database: t.database, name: t.profile.name };
  }

  async open(node?: unknown, kind?: ReportKind): Promise<ReportPanel> {
    const k = kind ?? (await pickKind());
    const t = await this.database(node);
    return this.panels.show(k, t.profileId, t.database);
  }

  /** Computes a report without a panel and saves it: for the palette, and for scripts. */
  async export(node?: unknown, kind?: ReportKind, format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const k = kind ?? (await pickKind());
    let f = format;
    if (!f) {
      const chosen = await vscode.window.showQuickPick((Object.keys(EXPORTS) as ExportFormat[]).map((x) => ({ label: EXPORTS[x].label, value: x })), { placeHolder: 'Export as' });
      if (!chosen) throw new Cancelled();
      f = chosen.value;
    }
    const t = await this.database(node);
    const profile = this.deps.profile(t.profileId);
    if (!profile) throw new Cancelled();
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${PANEL_TITLES[k]} report — ${t.database}`, cancellable: true },
      async (_progress, token): Promise<Report> => {
        const session = await this.deps.connections.postgresSession(profile, `Upkeep export ${process.pid}`, { lockTimeoutMs: 3_000, statementTimeoutMs: 120_000 });
        const tree = await this.deps.connections.postgres(profile);
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => {
          abort.abort();
          void session.cancelRunning(t.database, tree);
        });
        try {
          return await buildReport(k, session, t.database, profile.name, { signal: abort.signal, thresholds: this.deps.thresholds(), capacity: this.deps.capacity, connectionId: profile.id });
        } finally {
          sub.dispose();
          await session.dispose();
        }
      },
    );
    return exportReport(report, f, target);
  }
}
