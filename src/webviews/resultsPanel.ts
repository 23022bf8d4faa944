/**
 * The one results panel (reused): a tab per statement run from a file. The
 * host reads rows from the statement's stream one window at a time (max-rows
 * per fetch) and posts them in chunks; the page holds what it was sent. The
 * open stream stays with its tab for "Fetch more" until the rows run out, the
 * user releases it, it is left without a fetch for `upkeep.results.
 * idleCloseSeconds`, or the tab or panel closes: an open PostgreSQL cursor
 * keeps a snapshot (VACUUM cannot clean up behind it) and locks on the tables
 * it read, and the tab says so while it lasts. "Export all" re-runs a plain
 * read on a session of its own and streams it to a file.
 */
import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import type { CellValue, QueryStream, ResultColumn, StatementSummary } from '../core/query/types';
import { exportStream } from '../core/query/exportRows';
import { statementErrorText } from '../core/query/errors';
import { panelHtml } from './panelHtml';
import { parseResultsMessage, type ResultsExportFormat, type ResultsHostToPage, type ResultsPageToHost, type TabHold, type TabInfo, type TabStatus } from './resultsProtocol';

export const RESULTS_VIEW_TYPE = 'upkeep.results';
/** Rows per message to the page. */
const CHUNK = 500;
/** Rows of each tab the host keeps (re-sent after a page reload; read by tests). */
const PREVIEW = 1_000;

/** Seconds without a fetch after which an open stream is closed (0 = only when its tab closes). */
function idleCloseSeconds(): number {
  return Math.max(0, vscode.workspace.getConfiguration('upkeep.results').get<number>('idleCloseSeconds', 300));
}

export interface RunRequest {
  info: Omit<TabInfo, 'id' | 'startedAt'>;
  /** Starts the statement; aborting the signal must stop it on the server. */
  start(signal: AbortSignal): Promise<QueryStream & { cancel?(): Promise<void> }>;
  /** Re-runs the statement for "Export all"; only for plain reads (re-running anything else could repeat what it did). */
  rerun?: () => Promise<QueryStream>;
  /** Without `rerun`: why Export all does not run it again, shown when asked. */
  notRerun?: string;
  /** Turns a failure into the message shown on the tab (connection problems in one line, the error's place in the file). */
  describe?: (err: unknown) => string;
}

export interface TabSnapshot {
  id: string;
  status: TabStatus;
  rowCount: number;
  columns: ResultColumn[];
  preview: CellValue[][];
  summary?: StatementSummary;
  message?: string;
  durationMs: number;
  /** While status is 'more': what the open stream holds on the server. */
  held?: TabHold;
  /** The last one-line message shown under the grid ("Exported 250 rows…", why Export did not re-run). */
  lastInfo?: string;
}

interface Tab {
  info: TabInfo;
  req: RunRequest;
  columns: ResultColumn[];
  stream?: QueryStream & { cancel?(): Promise<void> };
  abort: AbortController;
  rowCount: number;
  status: TabStatus;
  durationMs: number;
  summary?: StatementSummary;
  message?: string;
  preview: CellValue[][];
  held?: TabHold;
  lastInfo?: string;
  /** Closes the open stream when nobody fetches more for a while. */
  idle?: ReturnType<typeof setTimeout>;
}

let tabCounter = 0;

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready: Promise<void> = Promise.resolve();
  private markReady: () => void = () => undefined;
  private readonly tabs = new Map<string, Tab>();
  private readonly updated = new vscode.EventEmitter<TabSnapshot>();
  /** Fires whenever a tab's status changes (tests wait on it). */
  readonly onDidUpdate = this.updated.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
    private readonly maxRows: () => number,
  ) {}

  private ensurePanel(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, 'Upkeep Results', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [dist],
      // The page holds the rows it was sent; rebuilding them after every hide would mean keeping them here too.
      retainContextWhenHidden: true,
    });
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    const uri = (f: string): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString();
    panel.webview.html = panelHtml({ cspSource: panel.webview.cspSource, scriptUri: uri('results.js'), styleUri: uri('results.css'), codiconUri: uri('codicon.css'), title: 'Upkeep Results' });
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = parseResultsMessage(raw);
      if (msg) void this.handle(msg).catch((err: unknown) => this.log.error(`Results panel: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
      else this.log.warn(`Results panel: ignored an unknown message ${JSON.stringify(raw).slice(0, 200)}`);
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      for (const id of [...this.tabs.keys()]) void this.closeTab(id);
    });
    this.panel = panel;
  }

  private post(message: ResultsHostToPage): void {
    const panel = this.panel;
    if (!panel) return;
    void this.ready.then(() => panel.webview.postMessage(message));
  }

  /** Handles one message from the page (tests call it too: they cannot click inside a webview). */
  async handle(msg: ResultsPageToHost, exportTarget?: vscode.Uri): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.markReady();
        for (const tab of this.tabs.values()) this.resend(tab);
        return;
      case 'fetchMore': {
        const tab = this.tabs.get(msg.tabId);
        if (tab?.stream && tab.status === 'more') await this.pump(tab);
        return;
      }
      case 'release':
        await this.release(msg.tabId);
        return;
      case 'cancel':
        await this.cancel(msg.tabId);
        return;
      case 'export':
        await this.exportAll(msg.tabId, msg.format, exportTarget);
        return;
      case 'closeTab':
        await this.closeTab(msg.tabId);
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(msg.text);
        return;
    }
  }

  private resend(tab: Tab): void {
    this.post({ type: 'tab', tab: tab.info });
    if (tab.columns.length) this.post({ type: 'columns', tabId: tab.info.id, columns: tab.columns });
    for (let i = 0; i < tab.preview.length; i += CHUNK) this.post({ type: 'rows', tabId: tab.info.id, offset: i, rows: tab.preview.slice(i, i + CHUNK) });
    this.postStatus(tab);
  }

  private postStatus(tab: Tab): void {
    const m: ResultsHostToPage = { type: 'status', tabId: tab.info.id, status: tab.status, rowCount: tab.rowCount, durationMs: tab.durationMs };
    if (tab.summary) m.summary = tab.summary;
    if (tab.message) m.message = tab.message;
    if (tab.held && tab.status === 'more') m.held = tab.held;
    this.post(m);
    this.updated.fire(this.snapshot(tab.info.id) as TabSnapshot);
  }

  /** Opens a tab, runs the statement with a cancellable progress notification, and shows its first window of rows. */
  async run(req: RunRequest): Promise<TabSnapshot> {
    this.ensurePanel();
    const info: TabInfo = { ...req.info, id: `r${++tabCounter}`, startedAt: Date.now() };
    const tab: Tab = { info, req, columns: [], abort: new AbortController(), rowCount: 0, status: 'running', durationMs: 0, preview: [] };
    this.tabs.set(info.id, tab);
    this.post({ type: 'tab', tab: info });
    this.postStatus(tab);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Running on ${info.connectionName}: ${info.title}`, cancellable: true },
      async (_progress, token) => {
        token.onCancellationRequested(() => void this.cancel(info.id));
        const started = Date.now();
        try {
          tab.stream = await req.start(tab.abort.signal);
          tab.durationMs = Date.now() - started;
          if (tab.status === 'cancelled') return;
          tab.columns = tab.stream.columns;
          if (tab.columns.length) this.post({ type: 'columns', tabId: info.id, columns: tab.columns });
          await this.pump(tab);
        } catch (err) {
          this.fail(tab, err);
        }
      },
    );
    return this.snapshot(info.id) as TabSnapshot;
  }

  /** Reads up to max-rows more rows of a tab, posting them as they come. */
  private async pump(tab: Tab): Promise<void> {
    const stream = tab.stream;
    if (!stream) return;
    this.disarmIdle(tab);
    // A first window follows run()'s own 'running'; Fetch more turns the tab back to it.
    if (tab.status !== 'running') {
      tab.status = 'running';
      this.postStatus(tab);
    }
    const started = Date.now();
    let left = Math.max(1, this.maxRows());
    try {
      while (left > 0 && !stream.done) {
        const rows = await stream.next(Math.min(CHUNK, left));
        // cancel() may have run while we waited.
        if ((tab.status as TabStatus) === 'cancelled') return;
        if (!rows.length) break;
        this.post({ type: 'rows', tabId: tab.info.id, offset: tab.rowCount, rows });
        if (tab.preview.length < PREVIEW) tab.preview.push(...rows.slice(0, PREVIEW - tab.preview.length));
        tab.rowCount += rows.length;
        left -= rows.length;
      }
      tab.durationMs += Date.now() - started;
      tab.status = stream.done ? 'done' : 'more';
      if (stream.done) {
        tab.summary = stream.summary();
        await stream.close();
      } else this.armIdle(tab);
      this.postStatus(tab);
    } catch (err) {
      tab.durationMs += Date.now() - started;
      this.fail(tab, err);
    }
  }

  /** The stream stays open for Fetch more: say what it holds, and close it after the idle time. */
  private armIdle(tab: Tab): void {
    this.disarmIdle(tab);
    const seconds = idleCloseSeconds();
    const stream = tab.stream;
    const held = stream?.held?.();
    if (held) tab.held = { ...held, idleCloseSeconds: seconds };
    // A stream that says it holds nothing (its rows are all read, some still to show) costs the server nothing.
    if (seconds > 0 && (held || !stream?.held)) {
      tab.idle = setTimeout(() => {
        const released = held?.released ?? 'its session was closed';
        void this.release(tab.info.id, `Cursor closed after ${seconds} s without Fetch more: ${released}. Run the statement again to fetch more.`);
      }, seconds * 1000);
    }
  }

  private disarmIdle(tab: Tab): void {
    if (tab.idle) clearTimeout(tab.idle);
    tab.idle = undefined;
    tab.held = undefined;
  }

  /** Closes a tab's open stream before its end (left idle, or the user's Close cursor); the rows shown stay. */
  async release(tabId: string, why?: string): Promise<void> {
    const tab = this.tabs.get(tabId);
    if (!tab || tab.status !== 'more') return;
    const released = tab.held?.released ?? 'its session was closed';
    this.disarmIdle(tab);
    tab.status = 'closed';
    tab.message = why ?? `Cursor closed: ${released}. Run the statement again to fetch more.`;
    const stream = tab.stream;
    tab.stream = undefined;
    if (stream) {
      tab.summary = stream.summary();
      await stream.close().catch(() => undefined);
    }
    this.log.info(`Results: ${tab.info.title} on ${tab.info.connectionName}: ${tab.message}`);
    this.postStatus(tab);
  }

  private fail(tab: Tab, err: unknown): void {
    this.disarmIdle(tab);
    if (tab.status === 'cancelled') return;
    tab.status = 'failed';
    tab.message = tab.req.describe ? tab.req.describe(err) : statementErrorText(err);
    tab.summary = tab.stream?.summary();
    void tab.stream?.close();
    this.log.warn(`Statement on ${tab.info.connectionName} failed: ${tab.message}`);
    this.postStatus(tab);
  }

  async cancel(tabId: string): Promise<void> {
    const tab = this.tabs.get(tabId);
    if (!tab || (tab.status !== 'running' && tab.status !== 'more')) return;
    this.disarmIdle(tab);
    tab.status = 'cancelled';
    tab.abort.abort();
    const stream = tab.stream;
    if (stream) await (stream.cancel ? stream.cancel() : stream.close()).catch(() => undefined);
    this.postStatus(tab);
  }

  async closeTab(tabId: string): Promise<void> {
    const tab = this.tabs.get(tabId);
    if (!tab) return;
    this.tabs.delete(tabId);
    this.disarmIdle(tab);
    tab.abort.abort();
    await tab.stream?.close().catch(() => undefined);
    this.post({ type: 'closeTab', tabId });
  }

  /** "Export all": re-runs a read and streams every row to a file. Returns the row count. */
  async exportAll(tabId: string, format: ResultsExportFormat, target?: vscode.Uri): Promise<number | undefined> {
    const tab = this.tabs.get(tabId);
    if (!tab) return undefined;
    const rerun = tab.req.rerun;
    if (!rerun) {
      const text = tab.req.notRerun ?? 'Export all runs the statement again, and this one is not a plain read: it was not re-run. Copy the rows shown instead.';
      this.info(tab, text);
      void vscode.window.showWarningMessage(text);
      return undefined;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `result-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${format}`;
    const uri = target ?? (await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters: { [format.toUpperCase()]: [format] } }));
    if (!uri) return undefined;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting all rows to ${uri.fsPath}`, cancellable: true }, async (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const started = Date.now();
      try {
        const { rows } = await exportStream(await rerun(), format, uri.fsPath, { signal: abort.signal });
        const text = `Exported ${rows.toLocaleString('en-US')} rows to ${uri.fsPath} in ${((Date.now() - started) / 1000).toFixed(1)} s.`;
        this.info(tab, text);
        void vscode.window.showInformationMessage(text);
        return rows;
      } catch (err) {
        const text = `Export failed: ${statementErrorText(err)}`;
        this.info(tab, text);
        void vscode.window.showErrorMessage(text);
        return undefined;
      }
    });
  }

  private info(tab: Tab, text: string): void {
    tab.lastInfo = text;
    this.post({ type: 'info', tabId: tab.info.id, text });
  }

  snapshot(tabId: string): TabSnapshot | undefined {
    const t = this.tabs.get(tabId);
    if (!t) return undefined;
    const s: TabSnapshot = { id: tabId, status: t.status, rowCount: t.rowCount, columns: t.columns, preview: t.preview, durationMs: t.durationMs };
    if (t.summary) s.summary = t.summary;
    if (t.message) s.message = t.message;
    if (t.held && t.status === 'more') s.held = t.held;
    if (t.lastInfo) s.lastInfo = t.lastInfo;
    return s;
  }

  tabIds(): string[] {
    return [...this.tabs.keys()];
  }

  get visible(): boolean {
    return this.panel !== undefined;
  }

  dispose(): void {
    this.panel?.dispose();
    this.updated.dispose();
  }
}
