/**
 * One report panel: computes its report in core on a connection of its own
 * (so Cancel stops exactly its queries on the server), sends it to the page,
 * and answers the page's requests — run a fix through the maintenance flow,
 * write a fix script, export, measure a relation exactly.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import { describeConnectionError } from '../core/connections/errors';
import { errorDetail, redact } from '../core/connections/redact';
import type { Report } from '../core/reports/model';
import type { ReportKind, ReportThresholds } from '../core/postgres/reports/model';
import { buildReport, fixScript, measureExactBloat, renderCsv, renderHtml, renderJson, renderMarkdown, type CapacityStore } from '../core/postgres/reports/index';
import type { Logger } from '../core/log';
import type { ConnectionService } from '../connections/connectionService';
import { runOperationFlow, type FlowDeps } from '../app/operationFlow';
import { panelHtml } from './panelHtml';
import { parsePageMessage, REPORT_VIEW_TYPE, type ExportFormat, type HostToPage, type PageToHost, type PanelState } from './protocol';

export { REPORT_VIEW_TYPE };

/** Short names for tabs, menus and the picker (a report's own title is longer: see core/reports). */
export const PANEL_TITLES: Record<ReportKind, string> = {
  bloat: 'Bloat',
  indexes: 'Index usage',
  health: 'Health',
  capacity: 'Capacity',
};

export interface ReportDeps {
  extensionUri: vscode.Uri;
  connections: ConnectionService;
  flow: FlowDeps;
  log: Logger;
  capacity: CapacityStore;
  thresholds(): ReportThresholds;
  profile(id: string): ConnectionProfile | undefined;
}

let runCounter = 0;

export class ReportPanel implements vscode.Disposable {
  private report: Report | undefined;
  private running: { abort: AbortController; cancel: () => Promise<void> } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Resolves each time a report (or a failure) reaches the page; for tests and commands. */
  private readonly settled = new vscode.EventEmitter<Report | undefined>();
  readonly onDidSettle = this.settled.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    /** The report's identity only: its data is computed here, never taken from a page's state. */
    readonly state: Pick<PanelState, 'kind' | 'connectionId' | 'database'>,
    private readonly deps: ReportDeps,
    private readonly onDispose: (p: ReportPanel) => void,
  ) {
    const dist = vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    panel.title = `${PANEL_TITLES[state.kind]} — ${state.database}`;
    const uri = (f: string): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString();
    panel.webview.html = panelHtml({ cspSource: panel.webview.cspSource, scriptUri: uri('report.js'), styleUri: uri('report.css'), codiconUri: uri('codicon.css'), title: panel.title });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const msg = parsePageMessage(raw);
        if (msg) void this.handle(msg).catch((err: unknown) => this.fail(err));
        else deps.log.warn(`Report panel: ignored an unknown message ${JSON.stringify(raw).slice(0, 200)}`);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get lastReport(): Report | undefined {
    return this.report;
  }

  private post(message: HostToPage): void {
    void this.panel.webview.postMessage(message);
  }

  private profile(): ConnectionProfile {
    const p = this.deps.profile(this.state.connectionId);
    if (!p) throw new Error('The connection of this report no longer exists.');
    return p;
  }

  /** Handles one message from the page (also called by tests, which cannot click in a webview). */
  async handle(msg: PageToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.post({ type: 'init', state: { ...this.state, report: this.report } });
        if (!this.report) await this.compute();
        return;
      case 'refresh':
        await this.compute();
        return;
      case 'cancel':
        await this.running?.cancel();
        return;
      case 'runFix':
        return this.runFix(msg.findingId, msg.fixIndex);
      case 'fixScript':
        await this.openFixScript(msg.findingIds);
        return;
      case 'export':
        await this.exportTo(msg.format);
        return;
      case 'measureExact':
        return this.measureExact(msg.sectionId, msg.rowKey);
    }
  }

  async compute(): Promise<Report | undefined> {
    await this.running?.cancel();
    const profile = this.profile();
    const { kind, database } = this.state;
    const appName = `Upkeep report ${process.pid}-${++runCounter}`;
    const session = await this.deps.connections.postgresSession(profile, appName, { lockTimeoutMs: 3_000, statementTimeoutMs: 120_000 });
    const tree = await this.deps.connections.postgres(profile);
    const abort = new AbortController();
    const cancel = async (): Promise<void> => {
      abort.abort();
      await session.cancelRunning(database, tree).catch(() => 0);
    };
    this.running = { abort, cancel };
    this.post({ type: 'computing', message: `Computing the ${PANEL_TITLES[kind].toLowerCase()} report for ${database}…` });
    try {
      const report = await buildReport(kind, session, database, profile.name, { signal: abort.signal, thresholds: this.deps.thresholds(), capacity: this.deps.capacity, connectionId: profile.id });
      if (abort.signal.aborted) throw new Error('cancelled');
      this.report = report;
      this.post({ type: 'report', report });
      this.settled.fire(report);
      return report;
    } catch (err) {
      if (abort.signal.aborted) {
        this.post({ type: 'cancelled' });
        this.settled.fire(undefined);
        return undefined;
      }
      this.fail(err);
      return undefined;
    } finally {
      if (this.running?.abort === abort) this.running = undefined;
      await session.dispose();
    }
  }

  private fail(err: unknown): void {
    const profile = this.deps.profile(this.state.connectionId);
    const message = profile ? describeConnectionError(profile, err).message : err instanceof Error ? err.message : String(err);
    this.deps.log.error(redact(`Report ${this.state.kind} on ${this.state.database}: ${errorDetail(err)}`));
    this.post({ type: 'failed', message });
    this.settled.fire(undefined);
  }

  /** Runs a fix of the report this host computed (never one the page sent or kept: it sends ids only). */
  private async runFix(findingId: string, fixIndex: number): Promise<void> {
    if (!this.report) {
      this.post({ type: 'fixDone', findingId, ok: false, message: 'Nothing was run: the report is being computed again (after a reload, fixes come from a fresh report). Run it from there.' });
      return;
    }
    const finding = this.report.findings.find((f) => f.id === findingId);
    const fix = finding?.fixes[fixIndex];
    if (!finding || !fix) return;
    const result = await runOperationFlow(this.deps.flow, { profile: this.profile(), ops: [fix] });
    const outcome = result?.outcomes[0];
    if (!outcome) return;
    this.post({ type: 'fixDone', findingId, ok: outcome.status === 'done', message: `${fix.title}: ${outcome.status}${outcome.problem ? ` — ${outcome.problem.message}` : ''}` });
    if (outcome.status === 'done') await this.compute();
  }

  async openFixScript(findingIds: string[]): Promise<vscode.TextDocument | undefined> {
    const report = this.report;
    if (!report) return undefined;
    const findings = report.findings.filter((f) => findingIds.includes(f.id) && f.fixes.length);
    if (!findings.length) return undefined;
    const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: fixScript(findings, report.connectionName, report.database) });
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    return doc;
  }

  private async exportTo(format: ExportFormat): Promise<void> {
    if (!this.report) return;
    await exportReport(this.report, format);
  }

  private async measureExact(sectionId: string, rowKey: string): Promise<void> {
    const section = this.report?.sections.find((s) => s.id === sectionId);
    const row = section?.rows.find((r) => r['_key'] === rowKey);
    if (!section || !row || typeof row['schema'] !== 'string' || typeof row['name'] !== 'string') return;
    const kind = /index/i.test(sectionId) ? 'index' : 'table';
    const ok = await vscode.window.showWarningMessage(
      `Measure ${row['schema']}.${row['name']} exactly?`,
      { modal: true, detail: 'pgstattuple reads the whole relation (pgstattuple_approx skips all-visible pages of a table). On a large relation this is heavy I/O.' },
      'Measure',
    );
    if (ok !== 'Measure') return;
    const conn = await this.deps.connections.postgres(this.profile());
    const result = await measureExactBloat(conn, this.state.database, { kind, schema: row['schema'], name: row['name'] });
    const text = result.available ? `${result.wastedPercent.toFixed(1)}% wasted` : result.reason;
    this.post({ type: 'exact', sectionId, rowKey, text });
  }

  dispose(): void {
    void this.running?.cancel();
    for (const d of this.disposables) d.dispose();
    this.settled.dispose();
    this.onDispose(this);
  }
}

export const EXPORTS: Record<ExportFormat, { ext: string; label: string; render: (r: Report) => string }> = {
  html: { ext: 'html', label: 'HTML', render: renderHtml },
  markdown: { ext: 'md', label: 'Markdown', render: renderMarkdown },
  csv: { ext: 'csv', label: 'CSV', render: renderCsv },
  json: { ext: 'json', label: 'JSON', render: renderJson },
};

/** Asks where to save (unless given) and writes the report in one format. */
export async function exportReport(report: Report, format: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const e = EXPORTS[format];
  const name = `${report.kind}-${report.database}-${report.generatedAt.slice(0, 10)}.${e.ext}`.replace(/[^\w.-]+/g, '_');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = target ?? (await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters: { [e.label]: [e.ext] } }));
  if (!uri) return undefined;
  await fs.promises.writeFile(uri.fsPath, e.render(report), 'utf8');
  void vscode.window.showInformationMessage(`Saved the ${report.kind} report as ${e.label}: ${uri.fsPath}`);
  return uri;
}
