/**
 * Runs Neo4jOps on the session's driver, one at a time, in the operation's
 * database. Statements go through `session.run` (auto-commit): schema
 * commands and `CALL { … } IN TRANSACTIONS` refuse explicit transactions.
 *
 * - An index being created or rebuilt is polled (`SHOW INDEXES … WHERE name =
 *   $name`) until ONLINE, with `populationPercent` as progress; FAILED ends the
 *   run with the server's failure message. A cancel stops the wait; the
 *   server goes on populating, which the outcome says, offering the DROP.
 * - A batched delete streams one row per deleted node with its batch's commit
 *   status; progress counts committed rows. A cancel terminates the statement
 *   (TERMINATE TRANSACTIONS on its tagged outer transaction): the batch in
 *   flight is rolled back, committed batches stay deleted, and the outcome
 *   gives the exact count (recounted from what is left).
 * - A server that goes away mid-run gives the connection-lost message and the
 *   count of what was committed before it went.
 */
import type * as Neo4j from 'neo4j-driver';
import type { ExecutorSettings } from '../engine';
import { describeConnectionError, factsOf } from '../connections/errors';
import type { BatchOutcome, OperationExecutor, OperationOutcome, RunCallbacks } from '../operations/operation';
import type { Neo4jSession } from './connection';
import { buildDropIndex, type Neo4jOp, type Neo4jTarget } from './operation';
import { countQuery, failureSummary, listIndexes, readRows } from './schema';
import { toNumber } from './cypherNames';

const POLL_MS = 200;

export function neo4jExecutor(session: Neo4jSession, settings: ExecutorSettings): OperationExecutor<Neo4jOp> {
  return {
    async sizeText(target: Neo4jTarget) {
      return sizeOf(session.driver, target);
    },
    async run(ops, cb) {
      const outcomes: OperationOutcome[] = [];
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as Neo4jOp;
        if (cb.signal?.aborted) return { outcomes, notRun: ops.slice(i) };
        cb.onStep?.(i, ops.length, op);
        outcomes.push(await runOne(session, op, cb, settings));
      }
      return { outcomes, notRun: [] } satisfies BatchOutcome<Neo4jOp>;
    },
  };
}

async function sizeOf(driver: Neo4j.Driver, t: Neo4jTarget): Promise<string | undefined> {
  if (t.kind === 'label' && t.name) {
    const [row] = await readRows(driver, t.database, countQuery([t.name], 'label'));
    return `${toNumber(row?.c0).toLocaleString('en-US')} nodes with label ${t.name}`;
  }
  if (t.kind === 'graph') {
    const [row] = await readRows(driver, t.database, 'RETURN COUNT { () } AS n, COUNT { ()-[]->() } AS r');
    return `${toNumber(row?.n).toLocaleString('en-US')} nodes, ${toNumber(row?.r).toLocaleString('en-US')} relationships`;
  }
  return undefined;
}

async function runOne(session: Neo4jSession, op: Neo4jOp, cb: RunCallbacks<Neo4jOp>, settings: ExecutorSettings): Promise<OperationOutcome> {
  const started = Date.now();
  const outcome: OperationOutcome = { title: op.title, text: op.text, status: 'done', startedAt: new Date(started).toISOString(), durationMs: 0, notices: [] };
  // A batched delete pulls one batch of status rows at a time: the server waits between batches, so a cancel lands there.
  const s = session.driver.session({ database: op.target.database, ...(op.batched ? { fetchSize: op.batched.batchSize } : {}) });
  let committed = 0;
  let answered = false;
  try {
    for (let i = 0; i < op.statements.length; i++) {
      const cypher = op.statements[i] as string;
      if (op.batched && i === op.statements.length - 1) {
        const r = await streamBatches(session.driver, s, cypher, op, cb, (n) => (committed = n));
        if (r.cancelled) {
          outcome.status = 'cancelled';
          committed = await deletedSoFar(session.driver, op, committed);
          outcome.leftBehind = `Stopped between batches: ${describeCount(committed, op)} of ${op.batched.expected.toLocaleString('en-US')} were deleted (each batch committed on its own).`;
        } else {
          outcome.notices.push(`${describeCount(committed, op)} deleted in batches of ${op.batched.batchSize.toLocaleString('en-US')}.`);
        }
      } else {
        await s.run(cypher);
        answered = true;
      }
      if (outcome.status !== 'done') break;
    }
    if (outcome.status === 'done' && op.awaitIndex) await awaitOnline(session.driver, op, cb, outcome);
  } catch (err) {
    outcome.status = 'failed';
    outcome.problem = describeConnectionError(session.profile, err, [], 'maintenance');
    const { code } = factsOf(err);
    // The server answered when the run began: a driver error about the connection now means it went away mid-run.
    if ((answered || committed > 0) && (code === 'ServiceUnavailable' || code === 'SessionExpired') && (outcome.problem.kind === 'timeout' || outcome.problem.kind === 'unreachable')) {
      outcome.problem = describeConnectionError(session.profile, Object.assign(new Error('connection terminated'), { code: 'connection-lost' }), [], 'maintenance');
    }
    if (op.batched) outcome.problem.message += ` ${describeCount(committed, op)} of ${op.batched.expected.toLocaleString('en-US')} had been deleted and committed before that.`;
    settings.log?.warn(`${op.title}: ${outcome.problem.message} (${factsOf(err).code}: ${factsOf(err).message})`);
  } finally {
    await s.close().catch(() => undefined);
  }
  outcome.durationMs = Date.now() - started;
  return outcome;
}

/** What a stopped batched delete really deleted: expected minus what is left (rows committed but not yet streamed count too). */
async function deletedSoFar(driver: Neo4j.Driver, op: Neo4jOp, streamed: number): Promise<number> {
  if (!op.batched) return streamed;
  try {
    const [row] = await readRows(driver, op.target.database, op.batched.remaining);
    return Math.max(streamed, op.batched.expected - toNumber(row?.c));
  } catch {
    return streamed;
  }
}

function describeCount(n: number, op: Neo4jOp): string {
  return `${n.toLocaleString('en-US')} ${op.batched?.noun ?? 'rows'}`;
}

/**
 * Streams the rows of a batched statement (one per deleted node, as its batch commits), pulling one batch of rows at a time (the session's
 * fetch size is the batch size, and the driver stops pulling while rows wait unread). A cancel stops reading,
 * so the server stops at the end of the batch it is on, and then terminates the statement's outer transaction
 * (found by its metadata tag): batches already committed stay deleted. Discarding the stream would not do: the
 * server runs an auto-commit statement to its end even when its rows are discarded.
 */
async function streamBatches(driver: Neo4j.Driver, s: Neo4j.Session, cypher: string, op: Neo4jOp, cb: RunCallbacks<Neo4jOp>, onCommitted: (n: number) => void): Promise<{ cancelled: boolean }> {
  const expected = op.batched?.expected ?? 0;
  const batchSize = op.batched?.batchSize ?? 1;
  const tag = `batch-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  let committed = 0;
  let reported = 0;
  const result = s.run(cypher, {}, { metadata: { app: 'Upkeep', upkeepTag: tag } });
  const rows = result[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (cb.signal?.aborted) break;
      const next = await rows.next();
      if (next.done) return { cancelled: false };
      committed++;
      onCommitted(committed);
      if (committed - reported >= batchSize || committed === expected) {
        reported = committed;
        cb.onProgress?.({ phase: `${describeCount(committed, op)} deleted`, percent: expected > 0 ? Math.min(100, (100 * committed) / expected) : null });
      }
    }
  } catch (err) {
    if (!cb.signal?.aborted) throw err;
  }
  const { terminateTagged } = await import('./neo4jQuery');
  await terminateTagged(driver, tag, { database: op.target.database }).catch(() => 0);
  await rows.return?.().catch(() => undefined);
  return { cancelled: true };
}

async function awaitOnline(driver: Neo4j.Driver, op: Neo4jOp, cb: RunCallbacks<Neo4jOp>, outcome: OperationOutcome): Promise<void> {
  const name = op.awaitIndex as string;
  for (;;) {
    const [ix] = await listIndexes(driver, op.target.database, name);
    if (!ix) {
      outcome.status = 'failed';
      outcome.problem = { kind: 'other', message: `Index ${name} is gone: it was dropped while Upkeep waited for it.` };
      return;
    }
    cb.onProgress?.({ phase: `${ix.state.toLowerCase()}`, percent: ix.populationPercent });
    if (ix.state === 'ONLINE') return;
    if (ix.state === 'FAILED') {
      outcome.status = 'failed';
      outcome.problem = { kind: 'other', message: `Index ${name} FAILED: ${failureSummary(ix.failureMessage)}` };
      outcome.leftBehind = `The FAILED index ${name} is still there.`;
      outcome.followUps = [{ label: `Drop ${name}`, op: buildDropIndex(op.target.database, { name }) }];
      return;
    }
    if (cb.signal?.aborted) {
      outcome.status = 'cancelled';
      outcome.leftBehind = `Index ${name} is still populating on the server (${ix.populationPercent.toFixed(0)}%): stopping the wait does not stop it.`;
      outcome.followUps = [{ label: `Drop ${name}`, op: buildDropIndex(op.target.database, { name }) }];
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
