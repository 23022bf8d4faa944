/** Opens, reuses and restores report panels (one per report kind, connection and database). */
import * as vscode from 'vscode';
import type { ReportKind } from '../core/postgres/reports/model';
import { panelIdentity, type PanelState } from './protocol';
import { PANEL_TITLES, REPORT_VIEW_TYPE, ReportPanel, type ReportDeps } from './reportPanel';

export class ReportPanels implements vscode.Disposable {
  private readonly open = new Map<string, ReportPanel>();
  constructor(private readonly deps: ReportDeps) {}

  /**
   * A panel coming back after a reload, from its saved state (the serializer
   * registered at activation calls this; there is no retainContextWhenHidden).
   * The page wrote that state, so only the report's identity is taken from it:
   * the report is computed again on the host, and Run, fix scripts and
   * exports act on that, never on SQL that came back from the page.
   */
  restore(panel: vscode.WebviewPanel, saved: unknown): ReportPanel | undefined {
    const identity = panelIdentity(saved);
    if (!identity || !this.deps.profile(identity.connectionId)) {
      panel.dispose();
      return undefined;
    }
    const restored = new ReportPanel(panel, identity, this.deps, (p) => this.untrack(p));
    this.track(restored);
    return restored;
  }

  private key(s: Pick<PanelState, 'kind' | 'connectionId' | 'database'>): string {
    return `${s.kind}\u0000${s.connectionId}\u0000${s.database}`;
  }

  private track(p: ReportPanel): void {
    this.open.set(this.key(p.state), p);
  }

  private untrack(p: ReportPanel): void {
    if (this.open.get(this.key(p.state)) === p) this.open.delete(this.key(p.state));
  }

  show(kind: ReportKind, connectionId: string, database: string): ReportPanel {
    const existing = this.open.get(this.key({ kind, connectionId, database }));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, `${PANEL_TITLES[kind]} — ${database}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview')],
    });
    const p = new ReportPanel(panel, { kind, connectionId, database }, this.deps, (x) => this.untrack(x));
    this.track(p);
    return p;
  }

  /** Open panels, for tests. */
  panels(): ReportPanel[] {
    return [...this.open.values()];
  }

  dispose(): void {
    for (const p of [...this.open.values()]) p.panel.dispose();
  }
}
