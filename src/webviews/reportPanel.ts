/**
 * One report panel, for any engine: it asks the connection's engine module to
 * compute the report (`reports.build`, which works on a connection of its own
 * so Cancel stops exactly its work on the server), sends it to the page, and
 * answers the page's requests — run a fix through the operation flow, write a
 * fix script in the fixes' language, export, run the kind's row action.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import { describeConnectionError } from '../core/connections/errors';
import { errorDetail, redact } from '../core/connections/redact';
import type { EngineReports, ReportKindInfo, ReportRequest, SettingsReader } from '../core/engine';
import { engineModule } from '../core/engines';
import type { Report } from '../core/reports/model';
import { fixScript, fixScriptLanguage, renderCsv, renderHtml, renderJson, renderMarkdown } from '../core/reports/render';
import type { Logger } from '../core/log';
import type { ConnectionService } from '../connections/connectionService';
import { runOperationFlow, type FlowDeps } from '../app/operationFlow';
import { panelHtml } from './panelHtml';
import { EXPORT_FORMATS, globalReportKind, parsePageMessage, REPORT_VIEW_TYPE, type ExportFormat, type HostToPage, type PageActions, type PageToHost, type PanelIdentity } from './protocol';

export { REPORT_VIEW_TYPE };

export interface ReportDeps {
  extensionUri: vscode.Uri;
  connections: ConnectionService;
  flow: FlowDeps;
  log: Logger;
  /** The extension's storage folder for reports (PostgreSQL keeps capacity snapshots under it). */
  storageDir: string;
  profile(id: string): ConnectionProfile | undefined;
  /** The code of the reports over every connection (protocol.ts GLOBAL_REPORT_KINDS), by kind; loaded when one is computed. */
  globalReports?: Readonly<Record<string, () => GlobalReport>>;
}

/** A report over every connection at once: how it is computed, and the editor commands its findings may run. */
export interface GlobalReport {
  build(signal: AbortSignal): Promise<Report>;
  /** The only commands the panel runs for its findings' actions. */
  commands: readonly string[];
}

/** Settings as the engines' report code reads them. */
export const editorSettings: SettingsReader = {
  get: <T>(key: string, fallback: T): T => vscode.workspace.getConfiguration().get<T>(key, fallback),
};

/** The engine's reports and the kind's description, or undefined when the engine does not offer it. */
export function reportKind(profile: ConnectionProfile, kind: string): { reports: EngineReports; info: ReportKindInfo } | undefined {
  const reports = engineModule(profile.engine).reports;
  const info = reports?.kinds.find((k) => k.id === kind);
  return reports && info ? { reports, info } : undefined;
}

/** "Memory — db0": a panel's tab title; a report over every connection has its title alone. */
export function panelTitle(profile: ConnectionProfile | undefined, kind: string, database: string): string {
  const global = globalReportKind(kind);
  if (global && !database) return global.longTitle;
  return `${(profile && reportKind(profile, kind)?.info.title) ?? kind} — ${database}`;
}

/**
 * Computes one report with the engine's hook: the host's part (for panels
 * and for exports without one). Rejects when the signal aborts.
 */
export async function computeReport(deps: Pick<ReportDeps, 'connections' | 'log' | 'storageDir'>, profile: ConnectionProfile, kind: string, database: string, signal: AbortSignal, options?: Record<string, unknown>): Promise<Report> {
  const found = reportKind(profile, kind);
  if (!found) throw new Error(`${engineModule(profile.engine).label} has no "${kind}" report.`);
  const session = await deps.connections.session(profile);
  const req: ReportRequest = { session, profile, database, signal, settings: editorSettings, storageDir: deps.storageDir, log: deps.log, options };
  return found.reports.build(kind, req);
}

export class ReportPanel implements vscode.Disposable {
  private report: Report | undefined;
  private running: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Resolves each time a report (or a failure) reaches the page; for tests and commands. */
  private readonly settled = new vscode.EventEmitter<Report | undefined>();
  readonly onDidSettle = this.settled.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    /** The report's identity only: its data is computed here, never taken from a page's state. */
    readonly state: PanelIdentity,
    private readonly deps: ReportDeps,
    private readonly onDispose: (p: ReportPanel) => void,
  ) {
    const dist = vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    panel.title = panelTitle(deps.profile(state.connectionId), state.kind, state.database);
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

  private get global(): GlobalReport | undefined {
    return this.state.connectionId === '' && globalReportKind(this.state.kind) ? this.deps.globalReports?.[this.state.kind]?.() : undefined;
  }

  private info(): ReportKindInfo {
    return (this.state.connectionId === '' ? globalReportKind(this.state.kind) : undefined) ?? this.kind().info;
  }

  private kind(): { reports: EngineReports; info: ReportKindInfo } {
    const profile = this.profile();
    const found = reportKind(profile, this.state.kind);
    if (!found) throw new Error(`${engineModule(profile.engine).label} has no "${this.state.kind}" report.`);
    return found;
  }

  private async actions(): Promise<PageActions> {
    if (this.global) return {};
    const found = this.kind();
    const row = await found.reports.rowAction?.(this.state.kind);
    return {
      ...(row ? { rowAction: { column: row.column, label: row.label, title: row.title } } : {}),
      ...(found.info.fullRun ? { fullRun: { label: found.info.fullRun.label } } : {}),
    };
  }

  /** Handles one message from the page (also called by tests, which cannot click in a webview). */
  async handle(msg: PageToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.post({ type: 'init', state: { ...this.state, report: this.report }, actions: await this.actions() });
        if (!this.report) await this.compute();
        return;
      case 'refresh':
        await (msg.full ? this.computeFull() : this.compute());
        return;
      case 'cancel':
        this.running?.abort();
        return;
      case 'runFix':
        return this.runFix(msg.findingId, msg.fixIndex);
      case 'runAction':
        await this.runAction(msg.findingId, msg.actionIndex);
        return;
      case 'fixScript':
        await this.openFixScript(msg.findingIds);
        return;
      case 'export':
        await this.exportTo(msg.format);
        return;
      case 'measureExact':
        return this.rowAction(msg.sectionId, msg.rowKey);
    }
  }

  /** The kind's heavier run (Redis: every key), after the kind's own warning. */
  async computeFull(confirm = true): Promise<Report | undefined> {
    const full = this.info().fullRun;
    if (!full) return this.compute();
    if (confirm) {
      const ok = await vscode.window.showWarningMessage(`${full.label}?`, { modal: true, detail: full.warning }, full.label);
      if (ok !== full.label) return undefined;
    }
    return this.compute({ full: true });
  }

  async compute(options?: Record<string, unknown>): Promise<Report | undefined> {
    this.running?.abort();
    const { kind, database } = this.state;
    const global = this.global;
    const abort = new AbortController();
    this.running = abort;
    this.post({ type: 'computing', message: global ? `Computing the ${this.info().longTitle.toLowerCase()}…` : `Computing the ${this.info().title.toLowerCase()} report for ${database}…` });
    try {
      const report = global ? await global.build(abort.signal) : await computeReport(this.deps, this.profile(), kind, database, abort.signal, options);
      if (abort.signal.aborted) throw new Error('cancelled');
      this.report = report;
      this.post({ type: 'report', report });
      this.settled.fire(report);
      return report;
    } catch (err) {
      if (abort.signal.aborted) {
        // A newer run replaced this one: it will settle; only a cancel by the user says so.
        if (this.running === abort || !this.running) {
          this.post({ type: 'cancelled' });
          this.settled.fire(undefined);
        }
        return undefined;
      }
      this.fail(err);
      return undefined;
    } finally {
      if (this.running === abort) this.running = undefined;
    }
  }

  private fail(err: unknown): void {
    const profile = this.state.connectionId ? this.deps.profile(this.state.connectionId) : undefined;
    const message = profile ? describeConnectionError(profile, err).message : redact(err instanceof Error ? err.message : String(err));
    this.deps.log.error(redact(`Report ${this.state.kind}${this.state.database ? ` on ${this.state.database}` : ''}: ${errorDetail(err)}`));
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

  /**
   * Runs a finding's editor command (Back up now, Verify now) from the report
   * this host computed; the page sends ids only, and only the commands the
   * report kind allows are run, with the arguments the report computed.
   */
  async runAction(findingId: string, actionIndex: number): Promise<unknown> {
    const finding = this.report?.findings.find((f) => f.id === findingId);
    const action = finding?.actions?.[actionIndex];
    if (!finding || !action) {
      this.post({ type: 'fixDone', findingId, ok: false, message: 'Nothing was run: the report is being computed again. Run it from the fresh report.' });
      return undefined;
    }
    if (!this.global?.commands.includes(action.command)) {
      this.deps.log.warn(`Report panel: refused to run ${action.command}, which this report does not offer.`);
      return undefined;
    }
    const result: unknown = await vscode.commands.executeCommand(action.command, undefined, { ...action.args });
    const ok = result !== undefined;
    this.post({ type: 'fixDone', findingId, ok, message: ok ? `${action.title}: done.` : `${action.title}: not finished (cancelled, or see the notification).` });
    if (ok) await this.compute();
    return result;
  }

  async openFixScript(findingIds: string[]): Promise<vscode.TextDocument | undefined> {
    const report = this.report;
    if (!report) return undefined;
    const findings = report.findings.filter((f) => findingIds.includes(f.id) && (f.fixes.length || f.manualSteps));
    if (!findings.length) return undefined;
    const doc = await vscode.workspace.openTextDocument({ language: fixScriptLanguage(findings), content: fixScript(findings, report.connectionName, report.database) });
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    return doc;
  }

  private async exportTo(format: ExportFormat): Promise<void> {
    if (!this.report) return;
    await exportReport(this.report, format);
  }

  private async rowAction(sectionId: string, rowKey: string): Promise<void> {
    if (this.global) return;
    const action = await this.kind().reports.rowAction?.(this.state.kind);
    const section = this.report?.sections.find((s) => s.id === sectionId);
    const row = section?.rows.find((r) => r['_key'] === rowKey);
    if (!action || !section || !row) return;
    const question = action.confirm(sectionId, row);
    if (!question) return;
    const ok = await vscode.window.showWarningMessage(question.message, { modal: true, detail: question.detail }, question.button);
    if (ok !== question.button) return;
    const profile = this.profile();
    const session = await this.deps.connections.session(profile);
    const req: ReportRequest = { session, profile, database: this.state.database, signal: new AbortController().signal, settings: editorSettings, storageDir: this.deps.storageDir, log: this.deps.log };
    const text = await action.run(req, sectionId, row);
    this.post({ type: 'exact', sectionId, rowKey, text });
  }

  dispose(): void {
    this.running?.abort();
    for (const d of this.disposables) d.dispose();
    this.settled.dispose();
    this.onDispose(this);
  }
}

export const EXPORTS: Record<ExportFormat, { ext: string; label: string; render: (r: Report) => string }> = {
  html: { ...EXPORT_FORMATS.html, render: renderHtml },
  markdown: { ...EXPORT_FORMATS.markdown, render: renderMarkdown },
  csv: { ...EXPORT_FORMATS.csv, render: renderCsv },
  json: { ...EXPORT_FORMATS.json, render: renderJson },
};

/** Asks where to save (unless given) and writes the report in one format. */
export async function exportReport(report: Report, format: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const e = EXPORTS[format];
  const name = `${report.kind}-${report.scope ? '' : `${report.database}-`}${report.generatedAt.slice(0, 10)}.${e.ext}`.replace(/[^\w.-]+/g, '_');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = target ?? (await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters: { [e.label]: [e.ext] } }));
  if (!uri) return undefined;
  await fs.promises.writeFile(uri.fsPath, e.render(report), 'utf8');
  void vscode.window.showInformationMessage(`Saved the ${report.kind} report as ${e.label}: ${uri.fsPath}`);
  return uri;
}
