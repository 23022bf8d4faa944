/**
 * Runs one MaintenanceOp: on its own connection, in autocommit, with progress
 * polled from pg_stat_progress_* and cancel sent to the server as
 * pg_cancel_backend for that backend. Never throws for a server-side
 * failure: the outcome says what happened.
 */
import type * as Pg from 'pg';
import type { PostgresConnection } from './connection';
import type { MaintenanceOp } from './maintenance';
import { readProgress, PROGRESS_VIEWS, type OpProgress } from './progress';
import { describeConnectionError } from '../connections/errors';
import { redact } from '../connections/redact';
import type { BatchOutcome as SharedBatchOutcome, OperationOutcome } from '../operations/operation';
import { type Logger, silentLogger } from '../log';
import { measureTarget, type TargetStats } from './measure';
import { describeLeftovers, findLeftovers, invalidIndexOids, leftoverDrops, mayLeaveInvalidIndex, type LeftoverIndex } from './leftovers';
import { displayName } from './identifiers';

export class ReadOnlyConnectionError extends Error {
  override name = 'ReadOnlyConnectionError';
  constructor(connectionName: string) {
    super(`"${connectionName}" is a read-only connection: maintenance is refused and nothing was sent to the server.`);
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: OpProgress) => void;
  log?: Logger;
  /** lock_timeout of the maintenance session. */
  lockTimeoutMs?: number;
  /**
   * lock_timeout of the CONCURRENTLY forms (0: none). They wait for every
   * transaction older than them through lock waits, which the maintenance
   * lock_timeout would cut short, leaving an invalid index behind.
   */
  concurrentLockTimeoutMs?: number;
  pollMs?: number;
}

/** The maintenance lock_timeout unless the settings say otherwise. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** The CONCURRENTLY forms wait until older transactions end, unless the settings say otherwise. */
export const DEFAULT_CONCURRENT_LOCK_TIMEOUT_MS = 0;

/** The shared outcome, plus what PostgreSQL adds: the SQL, rows returned, the backend that ran it. */
export interface OpOutcome extends OperationOutcome {
  sql: string;
  before?: TargetStats;
  after?: TargetStats;
  rows?: Record<string, unknown>[];
  backendPid?: number;
  /** Invalid indexes a failed or cancelled CONCURRENTLY build left behind (their drops are the follow-ups). */
  leftovers?: LeftoverIndex[];
}

export async function runMaintenance(conn: PostgresConnection, op: MaintenanceOp, opts: RunOptions = {}): Promise<OpOutcome> {
  if (conn.profile.readOnly) throw new ReadOnlyConnectionError(conn.profile.name);
  const log = opts.log ?? silentLogger;
  const database = op.target.database;
  const started = Date.now();
  const outcome: OpOutcome = { title: op.title, text: op.text, sql: op.sql, status: 'done', startedAt: new Date(started).toISOString(), durationMs: 0, notices: [] };
  if (opts.signal?.aborted) return { ...outcome, status: 'cancelled' };

  outcome.before = await measureTarget(conn, op.target).catch(() => undefined);
  // Invalid indexes that exist already: only new ones are this operation's leftovers.
  const invalidBefore = mayLeaveInvalidIndex(op) ? await invalidIndexOids(conn, database).catch(() => undefined) : undefined;
  const lockTimeoutMs = op.concurrently ? opts.concurrentLockTimeoutMs ?? DEFAULT_CONCURRENT_LOCK_TIMEOUT_MS : opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  let client: Pg.Client | undefined;
  let poller: NodeJS.Timeout | undefined;
  let cancelSent = false;
  const onAbort = (): void => {
    if (cancelSent || outcome.backendPid === undefined) return;
    cancelSent = true;
    log.info(`Cancelling backend ${outcome.backendPid}: ${op.title}`);
    conn.query(database, 'SELECT pg_cancel_backend($1)', [outcome.backendPid]).catch((err: unknown) => log.warn(redact(`pg_cancel_backend failed: ${String(err)}`)));
  };
  try {
    client = await conn.dedicatedClient(database, { lockTimeoutMs });
    client.on('notice', (n: { message?: string; severity?: string }) => outcome.notices.push(`${n.severity ?? 'NOTICE'}: ${n.message ?? ''}`));
    const pidRows = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    outcome.backendPid = pidRows.rows[0]?.pid;
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) onAbort();

    if (op.progress && opts.onProgress) {
      const report = opts.onProgress;
      const view = op.progress;
      const poll = async (): Promise<void> => {
        const rows = await conn.query<{ p: Record<string, unknown> }>(database, `SELECT row_to_json(p) AS p FROM ${PROGRESS_VIEWS[view]} p WHERE p.pid = $1`, [outcome.backendPid]);
        if (rows[0]) report(readProgress(view, rows[0].p));
      };
      poller = setInterval(() => void poll().catch(() => undefined), opts.pollMs ?? 500);
    }

    log.info(`Running on ${conn.profile.name}/${database} (backend ${outcome.backendPid ?? '?'}): ${op.sql}`);
    const result = await client.query(op.sql, op.params);
    if (result.rows.length) outcome.rows = result.rows as Record<string, unknown>[];
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (cancelSent && code === '57014') {
      outcome.status = 'cancelled';
    } else {
      outcome.status = 'failed';
      outcome.problem = describeConnectionError(conn.profile, err, [], op.concurrently ? 'concurrent-maintenance' : 'maintenance');
      log.error(redact(`${op.title} failed: ${code ?? ''} ${err instanceof Error ? err.message : String(err)}`));
    }
  } finally {
    if (poller) clearInterval(poller);
    opts.signal?.removeEventListener('abort', onAbort);
    await client?.end().catch(() => undefined);
  }
  if (outcome.status === 'cancelled' && outcome.backendPid !== undefined) {
    outcome.stoppedAfterMs = await waitUntilStopped(conn, database, outcome.backendPid);
  }
  if (outcome.status !== 'done' && invalidBefore) {
    const left = await findLeftovers(conn, op, invalidBefore).catch((err: unknown) => {
      log.warn(`Could not look for invalid indexes left by ${op.title}: ${String(err)}`);
      return [];
    });
    if (left.length) {
      outcome.leftovers = left;
      outcome.leftBehind = describeLeftovers(op, left);
      outcome.followUps = leftoverDrops(database, left).map((drop, i) => ({ label: `Drop ${displayName(left[i]?.schema, left[i]?.name ?? '')}`, op: drop }));
      log.warn(`${op.title} left invalid ${left.length === 1 ? 'index' : 'indexes'} behind: ${left.map((l) => displayName(l.schema, l.name)).join(', ')}`);
    }
  }
  outcome.durationMs = Date.now() - started;
  if (outcome.status !== 'failed' || outcome.problem?.kind !== 'connection-lost') {
    outcome.after = await measureTarget(conn, op.target).catch(() => undefined);
  }
  log.info(`${op.title}: ${outcome.status} in ${outcome.durationMs} ms`);
  return outcome;
}

/** Confirms on the server that a cancelled backend no longer runs its statement; returns how long that took. */
async function waitUntilStopped(conn: PostgresConnection, database: string, pid: number, timeoutMs = 5_000): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const rows = await conn.query<{ state: string | null }>(database, 'SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]).catch(() => undefined);
    if (rows && (rows.length === 0 || rows[0]?.state !== 'active')) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

export interface BatchOutcome extends SharedBatchOutcome<MaintenanceOp> {
  outcomes: OpOutcome[];
}

/**
 * Runs operations one at a time (VACUUM of a schema is one per table). A
 * cancel stops the running one on the server and starts no more; a failure
 * of one does not stop the rest.
 */
export async function runMaintenanceBatch(
  conn: PostgresConnection,
  ops: MaintenanceOp[],
  opts: RunOptions & { onStep?: (index: number, total: number, op: MaintenanceOp) => void } = {},
): Promise<BatchOutcome> {
  if (conn.profile.readOnly) throw new ReadOnlyConnectionError(conn.profile.name);
  const outcomes: OpOutcome[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (!op) continue;
    if (opts.signal?.aborted) return { outcomes, notRun: ops.slice(i) };
    opts.onStep?.(i, ops.length, op);
    outcomes.push(await runMaintenance(conn, op, opts));
  }
  return { outcomes, notRun: [] };
}
