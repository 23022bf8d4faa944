/**
 * Running a statement from a file: find it, find the file's connection,
 * classify it (the server's parser for SQL), refuse writes on read-only
 * connections before anything is sent, ask before blocking or destructive
 * statements (typed name on production), then run it in the results panel.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import type { ConnectionService } from '../connections/connectionService';
import type { Logger } from '../core/log';
import type { Prompter, StatementPreview } from '../app/prompter';
import { UserFacingError } from '../core/errors';
import type { RunMode, StatementJudgement, StatementSupport } from '../core/engine';
import { engineModule } from '../core/engines';
import { errorPosition, lockWaitFacts, statementErrorText } from '../core/query/errors';
import { CONNECTION_LEVEL, describeConnectionError } from '../core/connections/errors';
import { asksBeforeRunning, readOnlyRefusal, rerunRefusal } from '../core/query/runChecks';
import type { ResultsPanel, RunRequest, TabSnapshot } from '../webviews/resultsPanel';
import { documentStatements, engineOf, statementAt, type DocStatement } from './statements';
import type { FileConnections } from './fileConnections';

export interface QueryDeps {
  connections: ConnectionService;
  files: FileConnections;
  results: ResultsPanel;
  log: Logger;
  /** The active prompter (tests replace it); falls back to `dialogs` for statements. */
  prompter(): Prompter;
  dialogs: Prompter;
}

export interface RunArgs {
  mode?: RunMode;
  /** Pick the connection for this run only ("Run on…"). */
  pick?: boolean;
}

let runCounter = 0;

/** The setting that bounds a statement's lock waits (named in the message when one gives up). */
export const LOCK_TIMEOUT_SETTING = 'upkeep.query.lockTimeoutMs';

function settings(): { statementTimeoutMs: number; lockTimeoutMs: number } {
  const c = vscode.workspace.getConfiguration('upkeep.query');
  return { statementTimeoutMs: Math.max(0, c.get<number>('statementTimeoutMs', 0)), lockTimeoutMs: Math.max(0, c.get<number>('lockTimeoutMs', 5000)) };
}

/** A statement that gave up waiting for a lock: for how long, under which setting, who held the lock. */
function lockWaitText(waitedMs: number, holders: string[]): string {
  const held = holders.length ? `\nHeld by ${holders.join('\nand by ')}` : '';
  return (
    `Gave up waiting for a lock after ${waitedMs.toLocaleString('en-US')} ms (${LOCK_TIMEOUT_SETTING}): another session holds a lock this statement needs, ` +
    `and waiting on could make later queries on that table queue behind it. Nothing this statement did was kept. ` +
    `Run it again once that session is done, or raise the setting (0 waits without limit).${held}`
  );
}

function title(text: string): string {
  const line = text.split('\n').find((l) => l.trim() && !l.trim().startsWith('--') && !l.trim().startsWith('//')) ?? text;
  const t = line.trim().replace(/\s+/g, ' ');
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
}

/**
 * A failed statement's message: connection-level problems (unreachable, wrong
 * password, TLS, lost connection…) in the same one line as everywhere else;
 * otherwise the server's message, with where in the file it points.
 */
export function describeFailure(profile: ConnectionProfile, doc: vscode.TextDocument, stmt: DocStatement, sent: string, err: unknown): string {
  const lockWait = lockWaitFacts(err);
  if (lockWait) return lockWaitText(lockWait.waitedMs, lockWait.holders);
  const problem = describeConnectionError(profile, err, [], 'statement');
  if (CONNECTION_LEVEL.has(problem.kind) || problem.kind === 'statement-timeout' || problem.kind === 'lock-timeout') return problem.message;
  const text = statementErrorText(err);
  const pos = errorPosition(err);
  if (pos === undefined) return text;
  const within = pos - 1 - (sent.length - stmt.text.length);
  if (within < 0 || within > stmt.text.length) return text;
  const at = doc.positionAt(doc.offsetAt(stmt.range.start) + within);
  return `${text}\n(line ${at.line + 1}, column ${at.character + 1} of ${vscode.workspace.asRelativePath(doc.uri)})`;
}

export class QueryCommands {
  constructor(private readonly deps: QueryDeps) {}

  /** The file a command means: the CodeLens's, else the active editor's. */
  private async document(uri?: vscode.Uri): Promise<vscode.TextDocument> {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc || !engineOf(doc)) throw new UserFacingError('Open a .sql (PostgreSQL) or .cypher (Neo4j) file to run its statements.');
    return doc;
  }

  /** The statement a command means: (uri, index) from a CodeLens, else the one at the active editor's cursor. */
  private async target(uri?: vscode.Uri, index?: number): Promise<{ doc: vscode.TextDocument; stmt: DocStatement }> {
    const doc = await this.document(uri);
    const list = await documentStatements(doc);
    const editor = vscode.window.activeTextEditor;
    const stmt = index !== undefined ? list[index] : editor?.document === doc ? statementAt(list, editor.selection.active) : list[0];
    if (!stmt) throw new UserFacingError('There is no statement to run here.');
    if (stmt.kind === 'flagged') throw new UserFacingError(`Not sent: ${stmt.note ?? 'this is not a statement'}`);
    return { doc, stmt };
  }

  async run(uri?: vscode.Uri, index?: number, args: RunArgs = {}): Promise<TabSnapshot | undefined> {
    const { doc, stmt } = await this.target(uri, index);
    const profile = args.pick ? await this.deps.files.pick(doc, false) : await this.deps.files.resolve(doc);
    const mode = args.mode ?? 'run';
    const support = engineModule(profile.engine).statements;
    if (!support) throw new UserFacingError(`${profile.name} is a ${engineModule(profile.engine).label} connection: statements run on PostgreSQL and Neo4j connections.`);
    const risk = await support.judge(stmt.text, mode);
    if (risk.refusal) throw new UserFacingError(risk.refusal);

    const refused = readOnlyRefusal(profile, risk, mode);
    if (refused) throw new UserFacingError(refused);
    if (asksBeforeRunning(profile, risk, mode)) {
      const preview: StatementPreview = { connection: profile, statement: stmt.text, risk: risk.risk, reasons: risk.reasons, mode };
      const p = this.deps.prompter();
      const ok = p.confirmStatement ? await p.confirmStatement(preview) : await (this.deps.dialogs.confirmStatement?.(preview) ?? Promise.resolve(false));
      if (!ok) return undefined;
    }
    this.deps.log.info(`Running on ${profile.name} (${mode}): ${title(stmt.text)}`);
    const req = this.request(profile, support, stmt.text, mode, risk);
    req.describe = (err) => describeFailure(profile, doc, stmt, risk.sent, err);
    return this.deps.results.run(req);
  }

  private request(profile: ConnectionProfile, support: StatementSupport, text: string, mode: RunMode, judgement: StatementJudgement): RunRequest {
    const { statementTimeoutMs, lockTimeoutMs } = settings();
    const tag = (): string => `Upkeep query ${process.pid}-${++runCounter}`;
    const engine = engineModule(profile.engine);
    const info = { title: `${mode === 'run' ? '' : mode === 'explain' ? 'EXPLAIN ' : 'EXPLAIN ANALYZE '}${title(text)}`, statement: text, connectionName: profile.name, engine: profile.engine, engineLabel: engine.label };
    const connections = this.deps.connections;
    const start = async (signal: AbortSignal | undefined, readOnly: boolean) => {
      const session = await connections.session(profile);
      const base = { text, mode, judgement, statementTimeoutMs, lockTimeoutMs, readOnly, tag: tag(), ...(profile.database ? { database: profile.database } : {}) };
      return support.start(session, signal ? { ...base, signal } : base);
    };
    const req: RunRequest = { info, start: (signal) => start(signal, profile.readOnly) };
    // Export all runs the statement again: only a plain read, and read-only on the server too, so a function that
    // writes and is unknown to the classifier fails there instead of acting twice.
    const notRerun = rerunRefusal(judgement, mode);
    if (notRerun) req.notRerun = notRerun;
    else req.rerun = () => start(undefined, true);
    return req;
  }

  /**
   * Runs every statement of the file in order, one results tab each. Each
   * statement passes the same checks as on its own; the first failure, refusal
   * or declined question stops the rest.
   */
  async runAll(uri?: vscode.Uri): Promise<TabSnapshot[]> {
    const doc = await this.document(uri);
    const list = (await documentStatements(doc)).filter((s) => s.kind === 'run');
    if (!list.length) throw new UserFacingError('This file has no statement to run.');
    // Ask for the connection once, before the first statement.
    await this.deps.files.resolve(doc);
    const done: TabSnapshot[] = [];
    for (const s of list) {
      const snap = await this.run(doc.uri, s.index);
      if (!snap) break;
      done.push(snap);
      if (snap.status === 'failed' || snap.status === 'cancelled') break;
    }
    const last = done.at(-1);
    const ended = last?.status === 'failed' ? `statement ${done.length} failed` : last?.status === 'cancelled' ? `statement ${done.length} was cancelled` : undefined;
    const stoppedAt = ended ?? (done.length < list.length ? `statement ${done.length + 1} was not confirmed` : undefined);
    if (stoppedAt) void vscode.window.showWarningMessage(`Run All stopped: ${stoppedAt} (${done.length} of ${list.length} ran).`);
    return done;
  }

  /** Status bar / palette: choose the active file's connection. */
  async pickConnection(): Promise<ConnectionProfile | undefined> {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !engineOf(doc)) throw new UserFacingError('Open a .sql or .cypher file first.');
    return this.deps.files.pick(doc, true);
  }
}
