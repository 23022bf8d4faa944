/** Catalog reads for the objects under a database: indexes, sessions, roles, extensions. */
import type { PostgresConnection } from './connection';
import { HELD_LOCKS_CTE, readAroundLocks, relationSizeSql, tableLockedSql } from './relationLocks';

export interface PgIndex {
  schema: string;
  table: string;
  name: string;
  /** pg_relation_size; an estimate from pg_class.relpages when the index is locked (see `locked`). */
  sizeBytes: number;
  scans: number;
  tuplesRead: number;
  tuplesFetched: number;
  unique: boolean;
  primary: boolean;
  exclusion: boolean;
  valid: boolean;
  /** indisready without indisvalid while a CREATE INDEX CONCURRENTLY runs. */
  beingBuilt: boolean;
  method: string;
  /** Column numbers in index order, keys then INCLUDE columns (0 for an expression). */
  columns: number[];
  /** Key columns (with their operator class, collation and order); `columns` beyond these are INCLUDE columns. */
  keys: IndexKey[];
  /** Table columns carried by INCLUDE (not searchable, not ordered). */
  include: number[];
  hasExpressions: boolean;
  /** Readable predicate of a partial index; null when not partial ('(not read)' while the table is locked). */
  predicate: string | null;
  /** The predicate as the server stores it (node tree, positions removed): what two partial indexes are compared by. */
  predicateTree: string | null;
  /** UNIQUE NULLS NOT DISTINCT (PostgreSQL 15). */
  nullsNotDistinct: boolean;
  /** Uniqueness checked at once, not deferred to the end of the transaction. */
  immediate: boolean;
  /** A constraint owns it (primary key, unique, exclusion) or a foreign key depends on it: DROP INDEX is refused. */
  backsConstraint: boolean;
  /** pg_get_indexdef; '' when it could not be read without waiting (the table is locked). */
  definition: string;
  /** Someone holds or awaits ACCESS EXCLUSIVE on the table or the index: the size is estimated and the definition not read. */
  locked: boolean;
}

/** One key column of an index, as pg_index records it. */
export interface IndexKey {
  /** Table column number; 0 for an expression. */
  attnum: number;
  /** An expression key's stored node tree, positions removed (null for a column). */
  expression: string | null;
  /** Operator class OID (text_ops and text_pattern_ops serve different operators). */
  opclass: number;
  /** Collation OID (0 for a type without collation). */
  collation: number;
  /** indoption: DESC, and NULLS FIRST (B-tree only). */
  desc: boolean;
  nullsFirst: boolean;
}

/** The columns both index listings select, named alike so one mapper serves them. */
export interface IndexRow {
  name: string; size: string; scans: string | null; tup_read: string | null; tup_fetch: string | null; indisunique: boolean; indisprimary: boolean;
  indisexclusion: boolean; indisvalid: boolean; building: boolean; amname: string; indkey: string; indclass: string; indcollation: string; indoption: string;
  exprs: string | null; pred_tree: string | null; pred: string | null; nulls_not_distinct: boolean; immediate: boolean; backs_constraint: boolean;
  def: string | null; locked: boolean;
}

/**
 * The index columns both listings select, from `pg_index i`, its relation
 * `ic`, its table `tc`, `pg_am am` and the `held` locks CTE. Sizes and
 * deparsed text would wait for a lock on the table or the index, so for a
 * locked one the size comes from pg_class and the definition is not read;
 * everything the duplicate judgement needs is plain catalog data.
 */
export const INDEX_COLUMNS = `ic.relname AS name, ${relationSizeSql('ic')} AS size,
            i.indisunique, i.indisprimary, i.indisexclusion, i.indisvalid, am.amname,
            i.indkey::text AS indkey, i.indclass::text AS indclass, i.indcollation::text AS indcollation, i.indoption::text AS indoption,
            -- indnullsnotdistinct exists from PostgreSQL 15: read through to_jsonb so older servers give null. Only for
            -- the unique indexes it can matter to (a primary key's columns are NOT NULL): to_jsonb of every row costs.
            CASE WHEN i.indisunique AND NOT i.indisprimary THEN coalesce((to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false) ELSE false END AS nulls_not_distinct,
            i.indimmediate AS immediate,
            i.indexprs::text AS exprs, i.indpred::text AS pred_tree,
            -- IN, not a correlated EXISTS: pg_constraint has no index on conindid, and IN is hashed once.
            i.indexrelid IN (SELECT con.conindid FROM pg_constraint con WHERE con.conindid <> 0) AS backs_constraint,
            (${tableLockedSql('tc')} OR ic.oid IN (SELECT relid FROM held)) AS locked,
            CASE WHEN NOT ${tableLockedSql('tc')} THEN pg_get_expr(i.indpred, i.indrelid) WHEN i.indpred IS NOT NULL THEN '(not read)' END AS pred,
            CASE WHEN NOT ${tableLockedSql('tc')} THEN pg_get_indexdef(i.indexrelid) END AS def`;

const ints = (text: string): number[] => text.split(' ').filter(Boolean).map(Number);

/** Removes the source positions (":location 42") a node tree records, so equal expressions compare equal. */
export function normalizeNodeTree(tree: string | null): string | null {
  return tree === null ? null : tree.replace(/ :location -?\d+/g, '');
}

/**
 * Splits a stored list of expressions ("({FUNCEXPR …} {OPEXPR …})") into its
 * nodes. Node text escapes braces, parentheses and spaces inside tokens with
 * a backslash, so only unescaped braces count.
 */
export function splitNodeList(list: string | null): string[] {
  if (!list) return [];
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0 && start >= 0) out.push(list.slice(start, i + 1));
    }
  }
  return out;
}

export function toPgIndex(schema: string, table: string, r: IndexRow): PgIndex {
  const columns = ints(r.indkey);
  const opclass = ints(r.indclass);
  // indclass has one entry per key column (indnkeyatts, PostgreSQL 11+); the columns after them are INCLUDE columns.
  const nkeys = Math.min(opclass.length, columns.length);
  const collation = ints(r.indcollation);
  const option = ints(r.indoption);
  const exprs = splitNodeList(r.exprs).map((e) => normalizeNodeTree(e) ?? e);
  let nextExpr = 0;
  const keys: IndexKey[] = columns.slice(0, nkeys).map((attnum, k) => ({
    attnum,
    expression: attnum === 0 ? exprs[nextExpr++] ?? `unreadable expression of ${r.name}` : null,
    opclass: opclass[k] ?? 0,
    collation: collation[k] ?? 0,
    // indoption bits: 1 = DESC, 2 = NULLS FIRST.
    desc: ((option[k] ?? 0) & 1) !== 0,
    nullsFirst: ((option[k] ?? 0) & 2) !== 0,
  }));
  return {
    schema,
    table,
    name: r.name,
    sizeBytes: Number(r.size),
    scans: Number(r.scans ?? 0),
    tuplesRead: Number(r.tup_read ?? 0),
    tuplesFetched: Number(r.tup_fetch ?? 0),
    unique: r.indisunique,
    primary: r.indisprimary,
    exclusion: r.indisexclusion,
    valid: r.indisvalid,
    beingBuilt: r.building,
    method: r.amname,
    columns,
    keys,
    include: columns.slice(nkeys),
    hasExpressions: r.exprs !== null,
    predicate: r.pred,
    predicateTree: normalizeNodeTree(r.pred_tree),
    nullsNotDistinct: r.nulls_not_distinct,
    immediate: r.immediate,
    backsConstraint: r.backs_constraint,
    definition: r.def ?? '',
    locked: r.locked,
  };
}

export async function listIndexes(conn: PostgresConnection, database: string, schema: string, table: string): Promise<PgIndex[]> {
  const rows = await readAroundLocks(() => conn.query<IndexRow>(
    database,
    `WITH ${HELD_LOCKS_CTE}
     SELECT ${INDEX_COLUMNS},
            s.idx_scan AS scans, s.idx_tup_read AS tup_read, s.idx_tup_fetch AS tup_fetch,
            (NOT i.indisvalid AND EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)) AS building
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace
       JOIN pg_am am ON am.oid = ic.relam
       LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
      WHERE n.nspname = $1 AND tc.relname = $2
      ORDER BY ic.relname COLLATE "C"`,
    [schema, table],
  ));
  return rows.map((r) => toPgIndex(schema, table, r));
}

export interface PgSession {
  pid: number;
  user: string | null;
  application: string;
  client: string | null;
  state: string | null;
  backendType: string;
  queryStart: Date | null;
  xactStart: Date | null;
  stateChange: Date | null;
  waitEvent: string | null;
  query: string;
  /** This extension's own catalog session. */
  isUpkeep: boolean;
}

export async function listSessions(conn: PostgresConnection, database: string): Promise<PgSession[]> {
  const rows = await conn.query<{
    pid: number; usename: string | null; application_name: string; client_addr: string | null; state: string | null; backend_type: string;
    query_start: Date | null; xact_start: Date | null; state_change: Date | null; wait: string | null; query: string; own: boolean;
  }>(
    database,
    `SELECT a.pid, a.usename, a.application_name, host(a.client_addr) AS client_addr, a.state, a.backend_type,
            a.query_start, a.xact_start, a.state_change,
            CASE WHEN a.wait_event IS NOT NULL THEN a.wait_event_type || ': ' || a.wait_event END AS wait,
            coalesce(a.query, '') AS query, a.pid = pg_backend_pid() AS own
       FROM pg_stat_activity a
      WHERE a.datname = current_database() AND a.backend_type = 'client backend'
      ORDER BY a.state = 'active' DESC, a.query_start NULLS LAST`,
  );
  return rows.map((r) => ({
    pid: r.pid,
    user: r.usename,
    application: r.application_name,
    client: r.client_addr,
    state: r.state,
    backendType: r.backend_type,
    queryStart: r.query_start,
    xactStart: r.xact_start,
    stateChange: r.state_change,
    waitEvent: r.wait,
    query: r.query,
    isUpkeep: r.own || r.application_name === 'Upkeep',
  }));
}

export interface PgRole {
  name: string;
  superuser: boolean;
  canLogin: boolean;
  createRole: boolean;
  createDb: boolean;
  replication: boolean;
  /** PostgreSQL records no password-change time; the expiry is what it keeps. */
  validUntil: Date | null;
  memberOf: string[];
}

export async function listRoles(conn: PostgresConnection, database: string): Promise<PgRole[]> {
  const rows = await conn.query<{
    rolname: string; rolsuper: boolean; rolcanlogin: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolreplication: boolean; rolvaliduntil: Date | null; member_of: string[] | null;
  }>(
    database,
    `SELECT r.rolname, r.rolsuper, r.rolcanlogin, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolvaliduntil,
            ARRAY(SELECT b.rolname::text FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) AS member_of
       FROM pg_roles r
      WHERE r.rolname NOT LIKE 'pg\\_%'
      ORDER BY r.rolname`,
  );
  return rows.map((r) => ({
    name: r.rolname,
    superuser: r.rolsuper,
    canLogin: r.rolcanlogin,
    createRole: r.rolcreaterole,
    createDb: r.rolcreatedb,
    replication: r.rolreplication,
    validUntil: r.rolvaliduntil,
    memberOf: r.member_of ?? [],
  }));
}

export interface PgExtension {
  name: string;
  version: string;
  schema: string;
  /** The version the server could update to, when newer than the installed one. */
  updateTo: string | null;
}

export async function listExtensions(conn: PostgresConnection, database: string): Promise<PgExtension[]> {
  const rows = await conn.query<{ extname: string; extversion: string; nspname: string; default_version: string | null }>(
    database,
    `SELECT e.extname, e.extversion, n.nspname, a.default_version
       FROM pg_extension e
       JOIN pg_namespace n ON n.oid = e.extnamespace
       LEFT JOIN pg_available_extensions a ON a.name = e.extname
      ORDER BY e.extname`,
  );
  return rows.map((r) => ({
    name: r.extname,
    version: r.extversion,
    schema: r.nspname,
    updateTo: r.default_version && r.default_version !== r.extversion ? r.default_version : null,
  }));
}

/** Whether the current role may run CHECKPOINT: superuser, or pg_checkpoint (PostgreSQL 15+). */
export async function canCheckpoint(conn: PostgresConnection, database: string, hasCheckpointRole: boolean): Promise<boolean> {
  const rows = await conn.query<{ ok: boolean }>(
    database,
    hasCheckpointRole
      ? `SELECT rolsuper OR pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') AS ok FROM pg_roles WHERE rolname = current_user`
      : `SELECT rolsuper AS ok FROM pg_roles WHERE rolname = current_user`,
  );
  return rows[0]?.ok === true;
}
