/**
 * Runs one statement typed in a file on a PostgreSQL connection of its own:
 * autocommit (nothing wraps it in a transaction, so VACUUM and CREATE INDEX
 * CONCURRENTLY work), the statement and lock timeouts applied by the server,
 * read-only on the server for readOnly profiles, and rows read through a
 * cursor a batch at a time so a million-row SELECT costs one batch of memory.
 *
 * A cursor left open between batches keeps the statement's implicit
 * transaction open: its snapshot holds back VACUUM in the whole database and
 * its ACCESS SHARE locks make DDL on the tables read wait. `held()` says so,
 * and the results panel closes cursors left idle.
 */
import type * as Pg from 'pg';
import { loadPgCursor, type PgCursor } from '../drivers';
import { orAfter } from '../async';
import type { PostgresConnection } from './connection';
import type { CellValue, HeldOnServer, QueryStream, ResultColumn, RunOptions, StatementSummary } from '../query/types';
import { lockWaitError } from '../query/errors';
import type { SqlAnalysis } from './sqlRisk';

export type PgRunMode = 'run' | 'explain' | 'explain-analyze';

export interface PgQueryOptions extends RunOptions {
  mode?: PgRunMode;
  /** classifySql() of the statement: decides cursor or simple protocol, and the rolled-back transaction of EXPLAIN ANALYZE on writes. */
  analysis: SqlAnalysis;
  /** Aborting stops the statement on the server (pg_cancel_backend) even before startPgQuery returns. */
  signal?: AbortSignal;
}

export interface PgQuery extends QueryStream {
  /** Server process id of the statement's session. */
  readonly pid: number;
  /** What was sent (EXPLAIN … around the statement for the explain modes). */
  readonly sent: string;
  /** Stops the statement on the server (pg_cancel_backend), then closes. */
  cancel(): Promise<void>;
}

/** Every value as the server printed it: the grid shows exactly that, and no precision is lost (bigint, numeric). */
const RAW_TEXT: Pg.CustomTypesConfig = { getTypeParser: () => (v: string) => v };
const JSON_OIDS = new Set([114, 3802]);

/** Type names by oid and typmod, per connection (the catalog is read once per new type). */
const typeNames = new WeakMap<PostgresConnection, Map<string, string>>();

async function columnsOf(conn: PostgresConnection, database: string, fields: Pg.FieldDef[]): Promise<ResultColumn[]> {
  let cache = typeNames.get(conn);
  if (!cache) typeNames.set(conn, (cache = new Map<string, string>()));
  const key = (f: Pg.FieldDef): string => `${database}:${f.dataTypeID}:${f.dataTypeModifier}`;
  const missing = fields.filter((f) => !cache.has(key(f)));
  if (missing.length) {
    try {
      const rows = await conn.query<{ oid: number; mod: number; name: string }>(
        database,
        'SELECT t.oid::int AS oid, t.mod::int AS mod, format_type(t.oid, NULLIF(t.mod, -1)) AS name FROM unnest($1::oid[], $2::int[]) AS t(oid, mod)',
        [missing.map((f) => f.dataTypeID), missing.map((f) => f.dataTypeModifier)],
      );
      for (const r of rows) cache.set(`${database}:${r.oid}:${r.mod}`, r.name);
    } catch {
      // Type names are a nicety: a catalog hiccup must not fail the user's statement.
    }
  }
  return fields.map((f) => ({ name: f.name, type: cache.get(key(f)) ?? `oid ${f.dataTypeID}` }));
}

function toCells(rows: unknown[][], fields: Pg.FieldDef[]): CellValue[][] {
  const json = fields.map((f) => JSON_OIDS.has(f.dataTypeID));
  if (!json.includes(true)) return rows as CellValue[][];
  return rows.map((r) => r.map((v, i) => (json[i] && typeof v === 'string' ? jsonCell(v) : (v as CellValue))));
}

function jsonCell(text: string): CellValue {
  try {
    return { kind: 'json', text, json: JSON.stringify(JSON.parse(text), null, 2) };
  } catch {
    return text;
  }
}

function noticeText(n: { severity?: string; message?: string; detail?: string; hint?: string }): string {
  return [`${n.severity ?? 'NOTICE'}: ${n.message ?? ''}`, n.detail ? `DETAIL: ${n.detail}` : '', n.hint ? `HINT: ${n.hint}` : ''].filter(Boolean).join('\n');
}

/** The SQL actually sent for a mode. */
export function pgStatementFor(text: string, mode: PgRunMode): string {
  if (mode === 'explain') return `EXPLAIN ${text}`;
  if (mode === 'explain-analyze') return `EXPLAIN (ANALYZE, BUFFERS) ${text}`;
  return text;
}

/** The fields and command tag pg-cursor collects (it has no public accessor for them). */
function cursorResult(c: PgCursor): Pg.QueryResult | undefined {
  return (c as unknown as { _result?: Pg.QueryResult })._result;
}

const AFFECTS_ROWS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/** What an open cursor holds, for its tab. */
const SNAPSHOT: Omit<HeldOnServer, 'since'> = {
  what: 'a snapshot (open transaction)',
  effect: 'VACUUM cannot remove rows deleted or updated after it in any table of this database, and DDL on the tables it read (ALTER TABLE, TRUNCATE, VACUUM FULL…) waits for it',
  released: 'the snapshot was released',
};

/** The sessions holding the lock a backend waits for, one line each. */
async function lockHolders(conn: PostgresConnection, database: string, pid: number): Promise<string[]> {
  const rows = await conn.query<{ pid: number; usr: string | null; app: string | null; state: string | null; secs: number | null; query: string | null }>(
    database,
    `SELECT a.pid, a.usename AS usr, a.application_name AS app, a.state,
            extract(epoch FROM now() - a.xact_start)::int AS secs, left(a.query, 200) AS query
       FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids($1)) ORDER BY a.xact_start NULLS LAST`,
    [pid],
  );
  return rows.map((r) => {
    const facts = [r.usr ?? '?', r.app ? `"${r.app}"` : '', r.state ?? '', r.secs !== null ? `transaction open ${r.secs} s` : ''].filter(Boolean).join(', ');
    return `pid ${r.pid} (${facts})${r.query ? `: ${r.query.replace(/\s+/g, ' ').trim()}` : ''}`;
  });
}

/** The server's lock_timeout, not a NOWAIT the statement asked for (same SQLSTATE 55P03). */
function isLockTimeout(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === '55P03' && typeof e.message === 'string' && e.message.includes('lock timeout');
}

export async function startPgQuery(conn: PostgresConnection, database: string, text: string, opts: PgQueryOptions): Promise<PgQuery> {
  const mode = opts.mode ?? 'run';
  const sent = pgStatementFor(text, mode);
  // Concurrent builds wait for older transactions through lock waits, by design; their own locks let reads and writes through.
  const lockTimeoutMs = opts.analysis.waitsForOlderTransactions ? 0 : Math.max(0, opts.lockTimeoutMs ?? 0);
  const startedAt = Date.now();
  const client = await conn.dedicatedClient(database, {
    lockTimeoutMs,
    applicationName: opts.tag,
    statementTimeoutMs: opts.statementTimeoutMs,
    readOnly: opts.readOnly,
  });
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(noticeText(n)));
  const pid = (client as unknown as { processID: number }).processID;
  const batch = opts.batchSize ?? 500;

  let closed = false;
  let done = false;
  let command = '';
  let affected: number | undefined;
  let cursor: PgCursor | undefined;
  let buffered: CellValue[][] = [];
  let fields: Pg.FieldDef[] = [];

  /** The round trip under way, if any: cancel needs to know whether the server is working for us. */
  let inflight: Promise<unknown> | undefined;
  /** Who held the lock the statement last waited for, seen half-way through its lock timeout. */
  let holders: string[] = [];
  const roundTrip = async <T>(work: () => Promise<T>): Promise<T> => {
    const p = work();
    inflight = p;
    // While it may be waiting for a lock, look (once per half lock timeout) at who holds it, to name them if it gives up.
    let watch: ReturnType<typeof setTimeout> | undefined;
    const look = (): void => {
      watch = setTimeout(() => {
        void lockHolders(conn, database, pid).then(
          (h) => {
            if (h.length) holders = h;
          },
          () => undefined,
        );
        if (inflight === p) look();
      }, Math.max(50, lockTimeoutMs / 2));
    };
    if (lockTimeoutMs > 0) look();
    try {
      return await p;
    } catch (err) {
      if (isLockTimeout(err)) throw lockWaitError({ waitedMs: lockTimeoutMs, holders, serverMessage: (err as Error).message });
      throw err;
    } finally {
      inflight = undefined;
      if (watch) clearTimeout(watch);
    }
  };

  const endClient = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    done = true;
    // A cursor or client whose server went away may never answer Close/Terminate: give each a moment, then drop the socket.
    if (cursor && !inflight) await orAfter(1_000, cursor.close().catch(() => undefined), undefined);
    if (!(await orAfter(1_000, client.end().then(() => true, () => true), false))) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  };

  const finish = (result: { command?: string; rowCount?: number | null } | undefined): void => {
    command = result?.command ?? command;
    if (AFFECTS_ROWS.has(command) && typeof result?.rowCount === 'number') affected = result.rowCount;
  };

  const cancel = async (): Promise<void> => {
    const running = inflight;
    if (running && !closed) {
      await conn.query(database, 'SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
      // Let the cancelled round trip come back with its error before the session is ended.
      await orAfter(2_000, running.catch(() => undefined), undefined);
    }
    await endClient();
  };
  const onAbort = (): void => void cancel();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) await cancel();

  try {
    if (mode === 'run' && opts.analysis.streamable) {
      const Cursor = await loadPgCursor();
      const c = client.query(new Cursor(sent, [], { rowMode: 'array', types: RAW_TEXT }));
      cursor = c;
      const first = await roundTrip(() => c.read(batch));
      const result = cursorResult(c);
      fields = result?.fields ?? [];
      buffered = toCells(first, fields);
      if (first.length < batch) {
        done = true;
        finish(result);
        await endClient();
      }
    } else {
      const rollback = mode === 'explain-analyze' && opts.analysis.writes;
      if (rollback) await client.query('BEGIN');
      const raw = await roundTrip(() => client.query({ text: sent, rowMode: 'array', types: RAW_TEXT }));
      if (rollback) await client.query('ROLLBACK');
      const result = (Array.isArray(raw) ? raw[raw.length - 1] : raw) as Pg.QueryResult<unknown[]> | undefined;
      fields = result?.fields ?? [];
      buffered = toCells(result?.rows ?? [], fields);
      done = true;
      finish(result);
      if (rollback) notices.push('EXPLAIN ANALYZE ran the statement inside a transaction that was rolled back: nothing it changed was kept.');
      await endClient();
    }
  } catch (err) {
    opts.signal?.removeEventListener('abort', onAbort);
    await endClient();
    throw err;
  }
  if (done) opts.signal?.removeEventListener('abort', onAbort);

  const columns = await columnsOf(conn, database, fields);
  let rowsRead = buffered.length;

  return {
    columns,
    pid,
    sent,
    get done() {
      return done && buffered.length === 0;
    },
    async next(max: number): Promise<CellValue[][]> {
      const out = buffered.splice(0, max);
      if (out.length >= max || done || !cursor) return out;
      const c = cursor;
      const want = max - out.length;
      const more = await roundTrip(() => c.read(want));
      rowsRead += more.length;
      out.push(...toCells(more, fields));
      if (more.length < want) {
        done = true;
        finish(cursorResult(c));
        await endClient();
      }
      return out;
    },
    summary(): StatementSummary {
      const s: StatementSummary = { command: command || (cursor ? 'SELECT' : ''), notices: [...notices] };
      if (affected !== undefined) s.affected = affected;
      else if (command === 'INSERT' || command === 'UPDATE' || command === 'DELETE') s.affected = rowsRead;
      return s;
    },
    cancel,
    close: cancel,
    held(): HeldOnServer | undefined {
      return cursor && !done && !closed ? { since: startedAt, ...SNAPSHOT } : undefined;
    },
  };
}
