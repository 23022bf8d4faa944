/**
 * Opens, reuses and restores report panels (one per report kind, connection
 * and database), for every engine, and exports reports without a panel.
 */
import * as vscode from 'vscode';
import type { Report } from '../core/reports/model';
import type { ConnectionProfile } from '../core/connections/profile';
import { globalReportKind, panelIdentity, type ExportFormat, type PanelIdentity } from './protocol';
import { computeReport, exportReport, panelTitle, REPORT_VIEW_TYPE, ReportPanel, reportKind, type ReportDeps } from './reportPanel';

export class ReportPanels implements vscode.Disposable {
  private readonly open = new Map<string, ReportPanel>();
  constructor(private readonly deps: ReportDeps) {}

  /**
   * A panel coming back after a reload, from its saved state (the serializer
   * registered at activation calls this; there is no retainContextWhenHidden).
   * The page wrote that state, so only the report's identity is taken from it:
   * the report is computed again on the host, and Run, fix scripts and
   * exports act on that, never on statements that came back from the page.
   */
  restore(panel: vscode.WebviewPanel, saved: unknown): ReportPanel | undefined {
    const identity = panelIdentity(saved);
    const global = identity?.connectionId === '' && this.deps.globalReports?.[identity.kind] !== undefined;
    const profile = identity && !global ? this.deps.profile(identity.connectionId) : undefined;
    if (!identity || (!global && (!profile || !reportKind(profile, identity.kind)))) {
      panel.dispose();
      return undefined;
    }
    const restored = new ReportPanel(panel, identity, this.deps, (p) => this.untrack(p));
    this.track(restored);
    return restored;
  }

  private key(s: PanelIdentity): string {
    return `${s.kind}\u0000${s.connectionId}\u0000${s.database}`;
  }

  private track(p: ReportPanel): void {
    this.open.set(this.key(p.state), p);
  }

  private untrack(p: ReportPanel): void {
    if (this.open.get(this.key(p.state)) === p) this.open.delete(this.key(p.state));
  }

  show(kind: string, connectionId: string, database: string): ReportPanel {
    const existing = this.open.get(this.key({ kind, connectionId, database }));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const profile = this.deps.profile(connectionId);
    if (!profile) throw new Error('That connection no longer exists.');
    if (!reportKind(profile, kind)) throw new Error(`This connection has no "${kind}" report.`);
    return this.create(kind, connectionId, database, profile);
  }

  /** The panel of a report over every connection (protocol.ts GLOBAL_REPORT_KINDS): one per kind. */
  showGlobal(kind: string): ReportPanel {
    const existing = this.open.get(this.key({ kind, connectionId: '', database: '' }));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    if (!globalReportKind(kind) || !this.deps.globalReports?.[kind]) throw new Error(`There is no "${kind}" report.`);
    return this.create(kind, '', '', undefined);
  }

  private create(kind: string, connectionId: string, database: string, profile: ConnectionProfile | undefined): ReportPanel {
    const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, panelTitle(profile, kind, database), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview')],
    });
    const p = new ReportPanel(panel, { kind, connectionId, database }, this.deps, (x) => this.untrack(x));
    this.track(p);
    return p;
  }

  /** Computes a report without a panel (progress with cancel) and saves it: for the palette, and for scripts. */
  async export(kind: string, connectionId: string, database: string, format: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const profile = this.deps.profile(connectionId);
    if (!profile) throw new Error('That connection no longer exists.');
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${panelTitle(profile, kind, database).replace(' — ', ' report — ')}`, cancellable: true },
      async (_progress, token): Promise<Report> => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          return await computeReport(this.deps, profile, kind, database, abort.signal);
        } finally {
          sub.dispose();
        }
      },
    );
    return exportReport(report, format, target);
  }

  /** Open panels, for tests. */
  panels(): ReportPanel[] {
    return [...this.open.values()];
  }

  dispose(): void {
    for (const p of [...this.open.values()]) p.panel.dispose();
  }
}
