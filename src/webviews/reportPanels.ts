/** Opens, reuses and restores report panels (one per report kind, connection and database). */
import * as vscode from 'vscode';
import type { ReportKind } from '../core/postgres/reports/model';
import type { PanelState } from './protocol';
import { PANEL_TITLES, REPORT_VIEW_TYPE, ReportPanel, type ReportDeps } from './reportPanel';

export class ReportPanels implements vscode.Disposable {
  private readonly open = new Map<string, ReportPanel>();
  constructor(private readonly deps: ReportDeps) {}

  /**
   * A panel coming back after a reload, from its saved state (the serializer
   * registered at activation calls this; there is no retainContextWhenHidden).
   */
  restore(panel: vscode.WebviewPanel, saved: unknown): void {
    const state = saved as PanelState | undefined;
    if (!state || !this.deps.profile(state.connectionId)) {
      panel.dispose();
      return;
    }
    this.track(new ReportPanel(panel, state, this.deps, (p) => this.untrack(p)));
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
