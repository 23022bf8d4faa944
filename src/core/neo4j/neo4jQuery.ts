/**
 * Runs one Cypher statement from an editor and streams its rows.
 *
 * The statement is an auto-commit query in a session of its own (session.run),
 * so `CALL { … } IN TRANSACTIONS` and index / constraint commands work. Rows
 * come through the driver's async iterator, which pulls `fetchSize` records
 * per round trip and pauses pulling while its buffer is full: a result of
 * millions of rows costs one batch of memory until someone reads further.
 *
 * The transaction carries `{ app: 'Upkeep', upkeepTag: tag }` as metadata, so
 * cancel() can find it in SHOW TRANSACTIONS and TERMINATE it from another
 * session.
 */
import type * as Neo4j from 'neo4j-driver';
import { loadNeo4j } from '../drivers';
import { orAfter } from '../async';
import { toCell } from './neo4jValues';
import type { CellValue, HeldOnServer, QueryStream, ResultColumn, RunOptions, StatementSummary } from '../query/types';

export interface Neo4jQuery extends QueryStream {
  /**
   * Stops the statement on the server: terminates its transaction (found by
   * its tag in SHOW TRANSACTIONS; rolled back), then closes. A next() still
   * waiting returns the rows it has. Falls back to closing the session, which
   * resets the connection, when the server refuses TERMINATE TRANSACTIONS.
   */
  cancel(): Promise<void>;
}

export type CypherRunOptions = RunOptions & {
  /** Database to run in; the user's home database when absent. */
  database?: string;
  params?: Record<string, unknown>;
};

type TxConfig = NonNullable<Parameters<Neo4j.Session['run']>[2]>;
type Rows = AsyncIterator<Neo4j.Record, Neo4j.ResultSummary>;
type Step = IteratorResult<Neo4j.Record, Neo4j.ResultSummary>;

const DEFAULT_BATCH = 500;
/** How long close() waits for the server to acknowledge the end of the stream. */
const CLOSE_WAIT_MS = 2_000;
/** Transaction timeout of the SHOW / TERMINATE TRANSACTIONS that cancel() sends. */
const CANCEL_TIMEOUT_MS = 5_000;
/**
 * How long cancel() waits for TERMINATE TRANSACTIONS before falling back to a
 * connection reset: the pool may have no connection free to send it on.
 */
const TERMINATE_WAIT_MS = 3_000;

/**
 * Starts `text` and resolves once the server has accepted it and named its
 * columns (before any row: a long-running statement is already cancellable).
 * Syntax, permission and connection errors reject with the server's message;
 * errors raised while the statement runs come from next().
 */
export async function startCypher(driver: Neo4j.Driver, text: string, opts: CypherRunOptions): Promise<Neo4jQuery> {
  const neo4j = await loadNeo4j();
  const mode = opts.readOnly ? neo4j.session.READ : neo4j.session.WRITE;
  const session = driver.session({
    defaultAccessMode: mode,
    fetchSize: opts.batchSize !== undefined && opts.batchSize > 0 ? Math.ceil(opts.batchSize) : DEFAULT_BATCH,
    ...(opts.database ? { database: opts.database } : {}),
  });
  const config: TxConfig = {
    metadata: { app: 'Upkeep', upkeepTag: opts.tag },
    ...(opts.statementTimeoutMs > 0 ? { timeout: opts.statementTimeoutMs } : {}),
  };
  try {
    const result = session.run(text, opts.params ?? {}, config);
    // Asking for the first record now subscribes the iterator, paused, before
    // anything else: from here on the driver pulls only as rows are read.
    const rows = result[Symbol.asyncIterator]();
    const first = quiet(rows.next());
    const keys = await result.keys();
    return new CypherStream(neo4j, driver, session, mode, rows, first, keys, opts);
  } catch (err) {
    await session.close().catch(() => undefined);
    throw err;
  }
}

/** The promise itself, with its rejection marked as handled (whoever awaits it still sees it). */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

class CypherStream implements Neo4jQuery {
  readonly columns: ResultColumn[];
  private finished = false;
  private closed = false;
  private cancelling = false;
  /** cancel() could not terminate the transaction: close() must reset, not discard. */
  private mustReset = false;
  private result: StatementSummary | undefined;
  private reading: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  /** Ends the wait of a read in progress when close() is called. */
  private wake: (() => void) | undefined;
  /** Rows asked of the iterator and not yet delivered: the server is still producing them. */
  private awaited = 0;
  private pending: Promise<Step> | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly neo4j: typeof Neo4j,
    private readonly driver: Neo4j.Driver,
    private readonly session: Neo4j.Session,
    private readonly mode: Neo4j.SessionMode,
    private readonly rows: Rows,
    first: Promise<Step>,
    keys: readonly PropertyKey[],
    private readonly opts: CypherRunOptions,
  ) {
    this.columns = keys.map((k) => ({ name: String(k), type: '' }));
    this.pending = this.track(first);
  }

  /** The iterator's next step, counted in `awaited` until it settles. */
  private track(step: Promise<Step>): Promise<Step> {
    this.awaited++;
    const settled = (): void => void this.awaited--;
    step.then(settled, settled);
    return step;
  }

  get done(): boolean {
    return this.finished || this.closed;
  }

  /** A result not read to its end keeps its auto-commit transaction open on the server. */
  held(): HeldOnServer | undefined {
    if (this.done) return undefined;
    return {
      since: this.startedAt,
      what: 'an open transaction',
      effect: 'Neo4j keeps it, with its memory and any locks it took, until the rows are read or the cursor is closed',
      released: 'the transaction was closed',
    };
  }

  next(max: number): Promise<CellValue[][]> {
    // One read at a time: the driver's iterator serves a single waiting reader.
    const run = this.reading.then(() => this.read(max));
    this.reading = run.catch(() => undefined);
    return run;
  }

  private async read(max: number): Promise<CellValue[][]> {
    const out: CellValue[][] = [];
    while (out.length < max && !this.done) {
      const pending = this.pending ?? this.track(this.rows.next());
      this.pending = undefined;
      let step: Step | 'closed';
      try {
        // Not Promise.race with a shared promise: that would pile a reaction onto it for every row.
        step = await new Promise<Step | 'closed'>((resolve, reject) => {
          this.wake = () => resolve('closed');
          pending.then(resolve, reject);
        });
      } catch (err) {
        this.finished = true; // a failed stream sends nothing more
        if (this.closed || this.cancelling) break; // the end we asked for
        await this.release();
        throw err;
      }
      if (step === 'closed') break;
      if (step.done) {
        this.finished = true;
        this.result = summarize(step.value);
        await this.release();
        break;
      }
      const record = step.value;
      out.push(this.columns.map((_, i) => toCell(this.neo4j, record.get(i))));
    }
    this.wake = undefined;
    return out;
  }

  summary(): StatementSummary {
    return this.result ?? { command: '', notices: [] };
  }

  async cancel(): Promise<void> {
    if (!this.done && !this.cancelling) {
      this.cancelling = true;
      const database = this.opts.database ? { database: this.opts.database } : {};
      const attempt = terminateTagged(this.driver, this.opts.tag, { mode: this.mode, ...database }).then(
        (count) => count > 0,
        () => false, // not allowed or not supported
      );
      this.mustReset = !(await orAfter(TERMINATE_WAIT_MS, attempt, false));
    }
    await this.close();
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /**
   * Ending a statement that has not finished depends on what the server is doing:
   * - producing rows we asked for (a read is waiting): closing the session resets
   *   the connection, which interrupts the statement and rolls its transaction back;
   * - waiting for us to pull more: the rest is discarded (DISCARD) and the
   *   statement ends normally, so a write statement whose first rows were read
   *   still commits. Should that take longer than CLOSE_WAIT_MS, the reset
   *   follows. When cancel() could not terminate it, the reset follows the
   *   DISCARD at once (best effort: a statement that ends within that moment
   *   commits).
   */
  private async shutDown(): Promise<void> {
    const wasFinished = this.finished;
    const serverBusy = this.awaited > 0;
    this.closed = true;
    this.wake?.();
    if (wasFinished || serverBusy) return this.release();
    // The iterator drops its buffer, then sends DISCARD.
    const drained = this.rows.return?.().then(
      (step) => {
        if (step.done && isSummary(step.value)) this.result ??= summarize(step.value);
      },
      () => undefined,
    );
    if (this.mustReset) {
      // With the DISCARD under way the session's close resets the connection.
      await new Promise((resolve) => setImmediate(resolve));
      return this.release();
    }
    await orAfter(CLOSE_WAIT_MS, drained ?? Promise.resolve(), undefined);
    await this.release();
  }

  private async release(): Promise<void> {
    await this.session.close().catch(() => undefined);
  }
}

function isSummary(value: unknown): value is Neo4j.ResultSummary {
  return typeof value === 'object' && value !== null && 'counters' in value && 'queryType' in value;
}

/**
 * Terminates the transactions whose metadata carries `upkeepTag: tag` (those
 * startCypher began with that tag), from a session of its own. Use the access
 * mode the statement ran with, so a cluster routes this to the same kind of
 * member. Returns how many were terminated. Neo4j Community 5 supports SHOW /
 * TERMINATE TRANSACTIONS too.
 */
export async function terminateTagged(driver: Neo4j.Driver, tag: string, opts: { mode?: Neo4j.SessionMode; database?: string } = {}): Promise<number> {
  const session = driver.session({ defaultAccessMode: opts.mode ?? 'WRITE', ...(opts.database ? { database: opts.database } : {}) });
  const config: TxConfig = { timeout: CANCEL_TIMEOUT_MS, metadata: { app: 'Upkeep', upkeepCancels: tag } };
  try {
    const shown = await session.run(
      'SHOW TRANSACTIONS YIELD transactionId, metaData WHERE metaData.upkeepTag = $tag RETURN transactionId',
      { tag },
      config,
    );
    const ids = shown.records.map((r) => String(r.get('transactionId')));
    if (ids.length) await session.run('TERMINATE TRANSACTIONS $ids', { ids }, config);
    return ids.length;
  } finally {
    await session.close();
  }
}

/* ---------- summary ---------- */

const COUNTERS: [key: string, one: string, many: string, verb: string][] = [
  ['nodesCreated', 'node', 'nodes', 'created'],
  ['nodesDeleted', 'node', 'nodes', 'deleted'],
  ['relationshipsCreated', 'relationship', 'relationships', 'created'],
  ['relationshipsDeleted', 'relationship', 'relationships', 'deleted'],
  ['propertiesSet', 'property', 'properties', 'set'],
  ['labelsAdded', 'label', 'labels', 'added'],
  ['labelsRemoved', 'label', 'labels', 'removed'],
  ['indexesAdded', 'index', 'indexes', 'added'],
  ['indexesRemoved', 'index', 'indexes', 'removed'],
  ['constraintsAdded', 'constraint', 'constraints', 'added'],
  ['constraintsRemoved', 'constraint', 'constraints', 'removed'],
];

/** Notifications first (as the server words them), then what the statement changed: "3 nodes deleted". */
export function summarize(summary: Neo4j.ResultSummary): StatementSummary {
  const notices: string[] = [];
  for (const n of summary.notifications) {
    const severity = n.severity ? `${n.severity.charAt(0)}${n.severity.slice(1).toLowerCase()}: ` : '';
    const title = n.title.trim();
    const description = n.description.trim();
    notices.push(`${severity}${title}${description && description !== title ? ` ${description}` : ''}`);
  }
  if (summary.counters.containsUpdates()) {
    const updates = summary.counters.updates();
    for (const [key, one, many, verb] of COUNTERS) {
      const count = updates[key] ?? 0;
      if (count) notices.push(`${count} ${count === 1 ? one : many} ${verb}`);
    }
  }
  if (summary.counters.containsSystemUpdates()) {
    const count = summary.counters.systemUpdates();
    notices.push(`${count} system ${count === 1 ? 'update' : 'updates'}`);
  }
  return { command: summary.queryType ?? '', notices };
}
