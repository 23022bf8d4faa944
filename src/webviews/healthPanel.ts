/**
 * The Health panel (chunk health-panel): every connection's and endpoint's
 * checks from the monitor's last run, grouped and sorted by severity, each
 * linking to the node or report that explains it and to its fixes. One panel;
 * the page renders with textContent under the shared strict CSP, and the host
 * runs only the commands health links may name.
 */
import * as vscode from 'vscode';
import { HEALTH_LINK_COMMANDS } from '../core/health/links';
import type { HealthRun } from '../core/health/model';
import type { Logger } from '../core/log';
import { panelHtml } from './panelHtml';
import { linkOf, parseHealthMessage, type HealthHostToPage } from './healthProtocol';

export const HEALTH_VIEW_TYPE = 'upkeep.health';

/** What the panel shows (tests read it: they cannot look inside a webview). */
export interface HealthPanelSnapshot {
  visible: boolean;
  /** Links run from the page, in order (command ids). */
  opened: string[];
  refused: number;
}

export interface HealthSource {
  readonly lastRun: HealthRun | undefined;
  readonly isRunning: boolean;
  run(): Promise<HealthRun>;
  onDidRun: vscode.Event<HealthRun>;
}

export class HealthPanels implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private readonly opened: string[] = [];
  private refused = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly source: HealthSource,
    private readonly log: Logger,
  ) {
    this.disposables.push(source.onDidRun(() => this.send()));
  }

  /** Opens (or reveals) the panel; runs a check first when there is none yet. */
  show(): void {
    if (this.panel) {
      this.panel.reveal();
    } else {
      const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
      const panel = vscode.window.createWebviewPanel(HEALTH_VIEW_TYPE, 'Upkeep Health', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist] });
      const uri = (f: string): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString();
      panel.webview.html = panelHtml({ cspSource: panel.webview.cspSource, scriptUri: uri('health.js'), styleUri: uri('health.css'), codiconUri: uri('codicon.css'), title: 'Upkeep Health' });
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw));
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.ready = false;
      });
      this.panel = panel;
    }
    if (!this.source.lastRun && !this.source.isRunning) void this.source.run().catch(() => undefined);
  }

  snapshot(): HealthPanelSnapshot {
    return { visible: this.panel?.visible === true, opened: [...this.opened], refused: this.refused };
  }

  private receive(raw: unknown): void {
    const m = parseHealthMessage(raw);
    if (!m) return;
    if (m.type === 'ready') {
      this.ready = true;
      this.send();
    } else if (m.type === 'refresh') {
      this.send(true);
      void this.source.run().catch(() => undefined);
    } else {
      const link = linkOf(this.source.lastRun, m);
      if (!link || !HEALTH_LINK_COMMANDS.includes(link.command)) {
        this.refused++;
        this.log.warn(`Health panel: refused a link that is not a health command (${link?.command ?? 'none'}).`);
        return;
      }
      this.opened.push(link.command);
      void vscode.commands.executeCommand(link.command, ...(link.args ?? []).map((a) => (a === null ? undefined : a))).then(undefined, (err: unknown) => {
        void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      });
    }
  }

  private send(running = this.source.isRunning): void {
    if (!this.panel || !this.ready) return;
    const m: HealthHostToPage = { type: 'run', run: this.source.lastRun, running };
    void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
