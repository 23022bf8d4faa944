import type { PostgresConnection } from './connection';
import { describeLocks, HELD_LOCKS_CTE, readAroundLocks, type RelationLock, tableLockedSql, totalSizeSql } from './relationLocks';

export interface PgDatabase {
  name: string;
  /** Bytes, or null when the role may not connect to it. */
  sizeBytes: number | null;
  allowConnections: boolean;
}

export interface PgSchema {
  name: string;
  tableCount: number;
}

export interface PgTable {
  schema: string;
  name: string;
  kind: 'table' | 'partitioned' | 'materialized view';
  /** Planner estimate from pg_class.reltuples; null when the table was never analyzed or vacuumed. */
  estimatedRows: number | null;
  /** With indexes and TOAST; an estimate from pg_class.relpages when `sizeEstimated` (the table was locked). */
  totalBytes: number;
  /** Someone held or awaited ACCESS EXCLUSIVE on it (or one of its parts): the size is an estimate, read without waiting. */
  sizeEstimated: boolean;
  /** Who holds that lock (absent when it was released before the holder could be read). */
  lock?: RelationLock;
  /** From pg_stat_user_tables (null on a partitioned parent, which keeps no such counters). */
  liveTuples: number | null;
  deadTuples: number | null;
  modifiedSinceAnalyze: number | null;
  lastVacuum: Date | null;
  lastAutovacuum: Date | null;
  lastAnalyze: Date | null;
  lastAutoanalyze: Date | null;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `after` to get the next page; absent on the last page. */
  next?: string;
}

export async function listDatabases(conn: PostgresConnection): Promise<PgDatabase[]> {
  const rows = await conn.query<{ datname: string; size: string | null; datallowconn: boolean }>(
    conn.defaultDatabase,
    `SELECT datname,
            CASE WHEN datallowconn AND has_database_privilege(oid, 'CONNECT') THEN pg_database_size(oid) END AS size,
            datallowconn
       FROM pg_database
      WHERE NOT datistemplate
      ORDER BY datname`,
  );
  return rows.map((r) => ({ name: r.datname, sizeBytes: r.size === null ? null : Number(r.size), allowConnections: r.datallowconn }));
}

export async function listSchemas(conn: PostgresConnection, database: string): Promise<PgSchema[]> {
  const rows = await conn.query<{ nspname: string; tables: string }>(
    database,
    `SELECT n.nspname,
            (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'm')) AS tables
       FROM pg_namespace n
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%'
        AND n.nspname NOT LIKE 'pg\\_temp\\_%'
      ORDER BY n.nspname`,
  );
  return rows.map((r) => ({ name: r.nspname, tableCount: Number(r.tables) }));
}

const KINDS: Record<string, PgTable['kind']> = { r: 'table', p: 'partitioned', m: 'materialized view' };

/**
 * Tables of one schema, in name order, a page at a time (keyset paging on the
 * name), so a schema of 10,000 tables never arrives in one piece.
 */
export async function listTables(conn: PostgresConnection, database: string, schema: string, opts: { limit?: number; after?: string } = {}): Promise<Page<PgTable>> {
  const limit = opts.limit ?? 500;
  const rows = await readTables(conn, database, `SELECT c.oid, c.relname, c.relkind, c.reltuples
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1
        AND c.relkind IN ('r', 'p', 'm')
        AND ($2::text IS NULL OR c.relname COLLATE "C" > $2::text COLLATE "C")
      ORDER BY c.relname COLLATE "C"
      LIMIT $3`, [schema, opts.after ?? null, limit + 1]);
  const items = await withLocks(conn, database, rows.slice(0, limit), schema);
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, next: last.name } : { items };
}

interface TableRow {
  oid: string;
  locked: boolean;
  relname: string;
  relkind: string;
  reltuples: number;
  total: string;
  n_live_tup: string | null;
  n_dead_tup: string | null;
  n_mod_since_analyze: string | null;
  last_vacuum: Date | null;
  last_autovacuum: Date | null;
  last_analyze: Date | null;
  last_autoanalyze: Date | null;
}

/**
 * Adds sizes and statistics counters to a page of tables. The page is chosen
 * first (its LIMIT makes the subquery a fence), so sizes and counters are read
 * for those rows only: joining pg_stat_all_tables instead made the server
 * compute them for the whole schema on every page (3–4× slower on 10,000
 * tables, measured by npm run bench). A table someone holds in ACCESS
 * EXCLUSIVE mode gets its size from pg_class instead of waiting for the lock
 * (relationLocks.ts).
 */
function readTables(conn: PostgresConnection, database: string, pageSql: string, params: unknown[]): Promise<TableRow[]> {
  return readAroundLocks(() => conn.query<TableRow>(database, withTableStats(pageSql), params));
}

function withTableStats(pageSql: string): string {
  return `WITH ${HELD_LOCKS_CTE}
          SELECT p.oid::int8 AS oid, ${tableLockedSql('p')} AS locked, p.relname, p.relkind, p.reltuples, ${totalSizeSql('p')} AS total,
                 pg_stat_get_live_tuples(p.oid) AS n_live_tup, pg_stat_get_dead_tuples(p.oid) AS n_dead_tup,
                 pg_stat_get_mod_since_analyze(p.oid) AS n_mod_since_analyze,
                 pg_stat_get_last_vacuum_time(p.oid) AS last_vacuum, pg_stat_get_last_autovacuum_time(p.oid) AS last_autovacuum,
                 pg_stat_get_last_analyze_time(p.oid) AS last_analyze, pg_stat_get_last_autoanalyze_time(p.oid) AS last_autoanalyze
            FROM (${pageSql}) p
           ORDER BY p.relname COLLATE "C"`;
}

const numOrNull = (v: string | null): number | null => (v === null ? null : Number(v));

/** Maps rows to tables, with who holds the lock on the ones read around a lock. */
async function withLocks(conn: PostgresConnection, database: string, rows: TableRow[], schema: string): Promise<PgTable[]> {
  const locked = rows.filter((r) => r.locked).map((r) => Number(r.oid));
  const locks = await describeLocks(conn, database, locked);
  return rows.map((r) => {
    const t = toTable(schema, r);
    const lock = locks.get(Number(r.oid));
    return lock ? { ...t, lock } : t;
  });
}

function toTable(schema: string, r: TableRow): PgTable {
  return {
    schema,
    name: r.relname,
    kind: KINDS[r.relkind] ?? 'table',
    // reltuples is -1 (PG 14+) or 0 with relpages 0 (older) before the first ANALYZE/VACUUM.
    estimatedRows: r.reltuples < 0 ? null : Math.round(r.reltuples),
    totalBytes: Number(r.total),
    sizeEstimated: r.locked,
    liveTuples: numOrNull(r.n_live_tup),
    deadTuples: numOrNull(r.n_dead_tup),
    modifiedSinceAnalyze: numOrNull(r.n_mod_since_analyze),
    lastVacuum: r.last_vacuum,
    lastAutovacuum: r.last_autovacuum,
    lastAnalyze: r.last_analyze,
    lastAutoanalyze: r.last_autoanalyze,
  };
}

/** One table, fresh (after an operation, or to show its size before one). */
export async function getTable(conn: PostgresConnection, database: string, schema: string, name: string): Promise<PgTable | undefined> {
  const rows = await readTables(conn, database, `SELECT c.oid, c.relname, c.relkind, c.reltuples
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'm')`, [schema, name]);
  return (await withLocks(conn, database, rows, schema))[0];
}

/** Every table of a schema (all pages), for operations that run table by table. */
export async function listAllTables(conn: PostgresConnection, database: string, schema: string, limit = 2000): Promise<PgTable[]> {
  const out: PgTable[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await listTables(conn, database, schema, { limit, after });
    out.push(...page.items);
    if (!page.next) break;
    after = page.next;
  }
  return out;
}
