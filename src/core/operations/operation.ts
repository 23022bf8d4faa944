/**
 * An Operation is data: what will be sent to which server, what it locks,
 * stops or deletes, and how risky that is. Every engine's maintenance action
 * is one (PostgreSQL's MaintenanceOp is its kind), and one flow in the editor
 * (app/operationFlow.ts) runs them all the same way: read-only refused →
 * preview → confirmation → progress with server-side cancel → history →
 * refresh. Report findings carry Operations as their fixes.
 */
import type { Engine } from '../engine';
import type { ConnectionProblem } from '../connections/errors';

/**
 * `safe`: others keep working. `heavy`: nothing is locked against others but
 * it loads the server (I/O, CPU) — always previewed. `blocking`: others wait
 * while it runs. `destructive`: it removes something that cannot be brought back.
 */
export type Risk = 'safe' | 'heavy' | 'blocking' | 'destructive';
export const RISK_ORDER: readonly Risk[] = ['safe', 'heavy', 'blocking', 'destructive'];

/** The worst risk of a batch. */
export function highestRisk(ops: readonly { risk: Risk }[]): Risk {
  return ops.reduce<Risk>((worst, op) => (RISK_ORDER.indexOf(op.risk) > RISK_ORDER.indexOf(worst) ? op.risk : worst), 'safe');
}

/** The language of an Operation's text: it decides how a fix script comments it. */
export type OperationLanguage = 'sql' | 'cypher' | 'redis' | 'shell' | 'http';

/** The line-comment prefix of each language, for fix scripts. */
export const COMMENT_PREFIX: Record<OperationLanguage, string> = {
  sql: '--',
  cypher: '//',
  redis: '#',
  shell: '#',
  http: '#',
};

/** What an operation acts on; each engine adds its own fields (PostgreSQL: database, schema, name…). */
export interface OperationTarget {
  kind: string;
}

export interface Operation {
  engine: Engine;
  target: OperationTarget;
  /** The engine's own kind: 'vacuum', 'flushdb', 'prune-images'… */
  kind: string;
  /** Short, human: "VACUUM (ANALYZE) public.orders". */
  title: string;
  /** The exact text that will be sent: SQL, Cypher, a Redis command, a Docker API call as its CLI equivalent, an HTTP request. */
  text: string;
  language: OperationLanguage;
  /** What it does to others, in words: the lock and what waits, or what it stops or deletes. */
  impact: string;
  /** PostgreSQL: the lock level it takes ('none' when it takes none). Other engines leave it out. */
  lockLevel?: string;
  risk: Risk;
  /** The name a production connection asks the user to type before a risky run. */
  confirmName: string;
  /**
   * The name is typed before it runs on every connection, not only on
   * production: work whose loss is total (Redis FLUSHDB / FLUSHALL).
   */
  alwaysType?: boolean;
  /** What Cancel does while it runs, when that is not "stops it on the server" (a Redis BGSAVE cannot be stopped once forked). */
  cancelNote?: string;
  /** What progress it can report, in the engine's terms (PostgreSQL: a pg_stat_progress_* view). */
  progress?: string;
}

/** What an operation does to others, without the lock level its `lockLevel` already names ("reads and writes continue; …"). */
export function effectText(op: Pick<Operation, 'impact' | 'lockLevel'>): string {
  const prefix = `${op.lockLevel ?? ''} lock: `;
  return op.lockLevel !== undefined && op.impact.startsWith(prefix) ? op.impact.slice(prefix.length) : op.impact;
}

/** Progress of a running operation: a phase in words and, where known, a percentage. */
export interface OperationProgress {
  phase: string;
  percent: number | null;
}

/** Measurements before and after (sizes, counts), engine-specific but plain numbers. */
export interface OperationMeasure {
  sizeBytes: number | null;
  deadTuples?: number | null;
  liveTuples?: number | null;
}

export interface OperationOutcome {
  title: string;
  /** The text that was sent. */
  text: string;
  status: 'done' | 'cancelled' | 'failed';
  startedAt: string;
  durationMs: number;
  before?: OperationMeasure;
  after?: OperationMeasure;
  /** Server notices (a VERBOSE report, warnings). */
  notices: string[];
  problem?: ConnectionProblem;
  /** After a cancel: how long until the server showed the work stopped. */
  stoppedAfterMs?: number;
  /** What a failed or cancelled operation left behind, in words (PostgreSQL: an invalid index from a CONCURRENTLY build). */
  leftBehind?: string;
  /** Operations that clean up what it left, offered to the user; each runs through the same flow (preview, confirmation…). */
  followUps?: FollowUp[];
  /** What the run did, counted, in a few words, for the message after it and the history ("1,204 keys deleted", "3 removed, 12 MB reclaimed"). */
  summary?: string;
  /** The engine's own account of the run (a prune's deleted ids), for callers that act on it; not shown. */
  details?: unknown;
}

/** An operation offered after another one, with the words of its button ("Drop public.orders_ix"). */
export interface FollowUp<Op extends Operation = Operation> {
  label: string;
  op: Op;
}

export interface BatchOutcome<Op extends Operation = Operation> {
  outcomes: OperationOutcome[];
  /** Operations not started because the run was cancelled. */
  notRun: Op[];
}

export interface RunCallbacks<Op extends Operation = Operation> {
  signal?: AbortSignal;
  /** A batch step starts. */
  onStep?: (index: number, total: number, op: Op) => void;
  onProgress?: (p: OperationProgress) => void;
}

/**
 * What an executor found out before asking, for the preview: facts that need
 * a pass over the server (the keys a pattern matches, a sample of them), each
 * a line of text already safe to show.
 */
export interface OperationInspection {
  details: string[];
}

/**
 * Runs one engine's Operations, one at a time: a cancel stops the running one
 * on the server and starts no more; a failure of one does not stop the rest.
 * Never throws for a server-side failure: the outcome says what happened.
 */
export interface OperationExecutor<Op extends Operation = Operation> {
  /** The size of what an operation (or a batch) acts on, for the preview ("8.0 MB"), when the engine can tell. */
  sizeText(target: Op['target']): Promise<string | undefined>;
  /**
   * Optional: a read-only pass before the preview (bounded in time, with
   * progress and cancel) whose findings the preview shows; the run may use
   * them (a count to report progress against).
   */
  inspect?(ops: Op[], callbacks: Pick<RunCallbacks<Op>, 'signal' | 'onProgress'>): Promise<OperationInspection | undefined>;
  run(ops: Op[], callbacks: RunCallbacks<Op>): Promise<BatchOutcome<Op>>;
}

/** "size 8.0 MB → 4.1 MB, dead tuples 10,000 → 0" */
export function describeChange(o: Pick<OperationOutcome, 'before' | 'after'>, formatBytes: (n: number) => string): string {
  const parts: string[] = [];
  if (o.before?.sizeBytes != null && o.after?.sizeBytes != null) parts.push(`size ${formatBytes(o.before.sizeBytes)} → ${formatBytes(o.after.sizeBytes)}`);
  if (o.before?.deadTuples != null && o.after?.deadTuples != null) parts.push(`dead tuples ${o.before.deadTuples.toLocaleString('en-US')} → ${o.after.deadTuples.toLocaleString('en-US')}`);
  return parts.join(', ');
}
