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
import { HEALTH_VIEW_TYPE, linkOf, parseHealthMessage, type HealthHostToPage } from './healthProtocol';

const TITLE = 'Upkeep Health';

/** What the panel shows (tests read it: they cannot look inside a webview). */
export interface HealthPanelSnapshot {
  visible: boolean;
  /** Links run from the page, in order (command ids). */
  opened: string[];
  refused: number;
  /** The page has loaded and asked for the run. */
  ready: boolean;
  /** Panels handed back by the serializer and shown. */
  restored: number;
  /** What the page was last sent: whether a check was running, and the run's start (undefined: nothing sent yet). */
  sent: { running: boolean; startedAt: string | undefined } | undefined;
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
  private restored = 0;
  private sent: HealthPanelSnapshot['sent'];
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
    if (this.panel) this.panel.reveal();
    else this.adopt(vscode.window.createWebviewPanel(HEALTH_VIEW_TYPE, TITLE, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [this.dist()] }));
    this.checkIfNone();
  }

  /**
   * The panel coming back after a window reload (the serializer registered at
   * activation calls this). Its saved state is the page's own: the page
   * redraws the last run from it, marked as from before the reload, until the
   * host's run arrives. The host takes nothing from that state (links are
   * looked up in its own run) and checks again when it has no run yet. There
   * is one Health panel: a second one handed back is closed.
   */
  restore(panel: vscode.WebviewPanel): void {
    if (this.panel) {
      panel.dispose();
      return;
    }
    this.restored++;
    this.adopt(panel);
    this.checkIfNone();
  }

  private dist(): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
  }

  private adopt(panel: vscode.WebviewPanel): void {
    const dist = this.dist();
    // A restored panel keeps the options it was saved with; they are set again so an older panel gets today's.
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    panel.title = TITLE;
    const uri = (f: string): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString();
    panel.webview.html = panelHtml({ cspSource: panel.webview.cspSource, scriptUri: uri('health.js'), styleUri: uri('health.css'), codiconUri: uri('codicon.css'), title: TITLE });
    panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw));
    panel.onDidDispose(() => {
      if (this.panel !== panel) return;
      this.panel = undefined;
      this.ready = false;
    });
    this.panel = panel;
    this.ready = false;
  }

  private checkIfNone(): void {
    if (!this.source.lastRun && !this.source.isRunning) void this.source.run().catch(() => this.send());
  }

  snapshot(): HealthPanelSnapshot {
    return { visible: this.panel?.visible === true, opened: [...this.opened], refused: this.refused, ready: this.ready, restored: this.restored, sent: this.sent };
  }

  private receive(raw: unknown): void {
    const m = parseHealthMessage(raw);
    if (!m) return;
    if (m.type === 'ready') {
      this.ready = true;
      this.send();
    } else if (m.type === 'refresh') {
      this.send(true);
      // A failed run fires no event: the page is told it is no longer running (the monitor logs why).
      void this.source.run().catch(() => this.send());
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
    this.sent = { running, startedAt: m.run?.startedAt };
    void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
