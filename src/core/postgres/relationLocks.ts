/**
 * Reading the catalog around a table someone holds in ACCESS EXCLUSIVE mode
 * (VACUUM FULL, most ALTER TABLE forms, TRUNCATE, LOCK TABLE, REINDEX of one
 * of its indexes, DROP in an open transaction).
 *
 * Plain catalog rows (pg_class, pg_index, pg_stats, the statistics counters)
 * are read without locks. Three kinds of function open the relation and so
 * wait for the ACCESS SHARE lock that ACCESS EXCLUSIVE blocks (checked on
 * PostgreSQL 15): the size functions (pg_relation_size on the relation itself,
 * pg_total_relation_size and pg_indexes_size on the table and each of its
 * indexes and TOAST parts), and the deparsers (pg_get_indexdef, pg_get_expr
 * with the table), which lock the table. An ACCESS EXCLUSIVE request still
 * waiting in the queue blocks them just the same: later lock requests queue
 * behind it.
 *
 * So every read that calls those functions first looks in pg_locks (no lock
 * needed) and, for a relation with such a lock granted or waiting, reads its
 * size from pg_class.relpages × block_size instead — the page count the last
 * VACUUM, ANALYZE or CREATE INDEX recorded: an estimate, said so wherever it
 * is shown — and leaves the definition unread. The lock check and the reads
 * run in one statement; if a lock arrives in between, the statement gives up
 * after lock_timeout (55P03) and `readAroundLocks` runs it once more, when
 * the new lock is seen. Who holds the lock is read from pg_locks and
 * pg_stat_activity and shown next to the table.
 */
import type { PostgresConnection } from './connection';

/**
 * Two CTEs. `held`: relations of the current database with an ACCESS
 * EXCLUSIVE lock granted or waiting (not our own), each with the table it
 * belongs to (`tableid`: an index maps to its table, a TOAST table or index to
 * the table that owns it); prepared transactions hold locks with no pid.
 * `held_pages`: for each such table, the pages pg_class records for it, its
 * TOAST and all their indexes (`total_pages`), and for its indexes alone
 * (`index_pages`). Computed once for the few locked tables, so the planner
 * does not cost an estimate for every row (a per-row subquery made the tree's
 * page cross jit_above_cost and spend 40 ms compiling).
 */
export const HELD_LOCKS_CTE = `held AS (
  SELECT DISTINCT l.relation AS relid, coalesce(owner.oid, base.oid) AS tableid
    FROM pg_locks l
    LEFT JOIN pg_index lix ON lix.indexrelid = l.relation
    JOIN pg_class base ON base.oid = coalesce(lix.indrelid, l.relation)
    LEFT JOIN pg_class owner ON base.relkind = 't' AND owner.reltoastrelid = base.oid
   WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
     AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
     AND l.pid IS DISTINCT FROM pg_backend_pid()
),
held_pages AS (
  SELECT f.tableid, sum(c.relpages)::int8 AS total_pages, coalesce(sum(c.relpages) FILTER (WHERE f.own_index), 0)::int8 AS index_pages
    FROM (
      SELECT t.oid AS tableid, t.oid AS relid, false AS own_index FROM pg_class t WHERE t.oid IN (SELECT tableid FROM held)
      UNION ALL
      SELECT t.oid, t.reltoastrelid, false FROM pg_class t WHERE t.oid IN (SELECT tableid FROM held) AND t.reltoastrelid <> 0
      UNION ALL
      SELECT t.oid, i.indexrelid, true FROM pg_class t JOIN pg_index i ON i.indrelid = t.oid WHERE t.oid IN (SELECT tableid FROM held)
      UNION ALL
      SELECT t.oid, i.indexrelid, false FROM pg_class t JOIN pg_index i ON i.indrelid = t.reltoastrelid WHERE t.oid IN (SELECT tableid FROM held) AND t.reltoastrelid <> 0
    ) f
    JOIN pg_class c ON c.oid = f.relid
   GROUP BY f.tableid
)`;

const BLOCK_SIZE = `current_setting('block_size')::int8`;

/** True when the table `alias` (a pg_class row), one of its indexes or its TOAST is locked. Needs the CTEs. */
export const tableLockedSql = (alias: string): string => `(${alias}.oid IN (SELECT tableid FROM held))`;

/** pg_relation_size of one relation (a table's main fork, or an index), or its relpages estimate when it is locked. Needs the CTEs. */
export const relationSizeSql = (alias: string): string =>
  `(CASE WHEN ${alias}.oid IN (SELECT relid FROM held) THEN ${alias}.relpages::int8 * ${BLOCK_SIZE} ELSE pg_relation_size(${alias}.oid) END)`;

/** pg_total_relation_size of a table, or its relpages estimate when any part of it is locked. Needs the CTEs. */
export const totalSizeSql = (alias: string): string =>
  `(CASE WHEN ${tableLockedSql(alias)} THEN (SELECT hp.total_pages FROM held_pages hp WHERE hp.tableid = ${alias}.oid) * ${BLOCK_SIZE} ELSE pg_total_relation_size(${alias}.oid) END)`;

/** pg_indexes_size of a table, or its relpages estimate when any part of it is locked. Needs the CTEs. */
export const indexesSizeSql = (alias: string): string =>
  `(CASE WHEN ${tableLockedSql(alias)} THEN (SELECT hp.index_pages FROM held_pages hp WHERE hp.tableid = ${alias}.oid) * ${BLOCK_SIZE} ELSE pg_indexes_size(${alias}.oid) END)`;

/** Who holds (or waits for) an ACCESS EXCLUSIVE lock on a table or one of its parts. */
export interface RelationLock {
  /** The locked relation as the server names it (the table, or one of its indexes or TOAST). */
  relation: string;
  /** null for a prepared transaction. */
  pid: number | null;
  /** false: still waiting in the queue (and everything after it waits too). */
  granted: boolean;
  /** The holder's current or last statement ('' when hidden from this role or a prepared transaction). */
  query: string;
  state: string | null;
  backendType: string | null;
  /** Granted: when the holder's transaction began (the lock lasts until it ends); waiting: when the wait began. */
  since: Date | null;
}

/**
 * The ACCESS EXCLUSIVE locks on the given tables (or their parts), one per
 * table: a granted one first, else the oldest waiting one.
 */
export async function describeLocks(conn: PostgresConnection, database: string, tableOids: number[]): Promise<Map<number, RelationLock>> {
  const out = new Map<number, RelationLock>();
  if (!tableOids.length) return out;
  const rows = await conn.query<{
    tableid: string; relation: string; pid: number | null; granted: boolean; query: string | null; state: string | null; backend_type: string | null;
    xact_start: Date | null; query_start: Date | null; waitstart: Date | null;
  }>(
    database,
    // waitstart exists from PostgreSQL 14; read through to_jsonb so older servers give null instead of an error.
    `SELECT coalesce(owner.oid, base.oid)::int8 AS tableid, l.relation::regclass::text AS relation, l.pid, l.granted,
            a.query, a.state, a.backend_type, a.xact_start, a.query_start, (to_jsonb(l) ->> 'waitstart')::timestamptz AS waitstart
       FROM pg_locks l
       LEFT JOIN pg_index lix ON lix.indexrelid = l.relation
       JOIN pg_class base ON base.oid = coalesce(lix.indrelid, l.relation)
       LEFT JOIN pg_class owner ON base.relkind = 't' AND owner.reltoastrelid = base.oid
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
        AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
        AND l.pid IS DISTINCT FROM pg_backend_pid()
        AND coalesce(owner.oid, base.oid) = ANY($1::oid[])
      ORDER BY l.granted DESC, coalesce(a.xact_start, a.query_start) NULLS LAST`,
    [tableOids],
  );
  for (const r of rows) {
    const id = Number(r.tableid);
    if (out.has(id)) continue;
    out.set(id, {
      relation: r.relation,
      pid: r.pid,
      granted: r.granted,
      query: r.query ?? '',
      state: r.state,
      backendType: r.backend_type,
      since: r.granted ? (r.xact_start ?? r.query_start) : (r.waitstart ?? r.query_start),
    });
  }
  return out;
}

/** The lock in one line, for notes and descriptions: "ACCESS EXCLUSIVE held by backend 123 since 2024-05-01 10:00:00 UTC (LOCK TABLE …)". */
export function describeLock(lock: RelationLock | undefined, maxQuery = 120): string {
  if (!lock) return 'locked in ACCESS EXCLUSIVE mode while it was read (the lock has since been released)';
  const who = lock.pid === null ? 'a prepared transaction' : `backend ${lock.pid}${lock.backendType && lock.backendType !== 'client backend' ? ` (${lock.backendType})` : ''}`;
  const since = lock.since ? ` since ${lock.since.toISOString().replace('T', ' ').slice(0, 19)} UTC` : '';
  const query = lock.query.replace(/\s+/g, ' ').trim();
  const shown = query.length > maxQuery ? `${query.slice(0, maxQuery - 1)}…` : query;
  return `ACCESS EXCLUSIVE ${lock.granted ? 'held' : 'requested (waiting in the queue)'} by ${who}${since}${lock.relation ? ` on ${lock.relation}` : ''}${shown ? `: ${shown}` : ''}`;
}

/** SQLSTATE lock_not_available: lock_timeout gave up. */
const LOCK_TIMEOUT = '55P03';

/**
 * Runs a read that checks pg_locks before calling the size functions; if a
 * lock arrived between the check and the call, it gave up after lock_timeout,
 * and runs once more (now seeing the lock).
 */
export async function readAroundLocks<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code !== LOCK_TIMEOUT) throw err;
    return read();
  }
}
