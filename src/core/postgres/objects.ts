/** Catalog reads for the objects under a database: indexes, sessions, roles, extensions. */
import type { PostgresConnection } from './connection';

export interface PgIndex {
  schema: string;
  table: string;
  name: string;
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
  /** Column numbers in index order (0 for an expression). */
  columns: number[];
  hasExpressions: boolean;
  predicate: string | null;
  definition: string;
}

/** The columns both index listings select, named alike so one mapper serves them. */
export interface IndexRow {
  name: string; size: string; scans: string | null; tup_read: string | null; tup_fetch: string | null; indisunique: boolean; indisprimary: boolean;
  indisexclusion: boolean; indisvalid: boolean; building: boolean; amname: string; indkey: string; has_expr: boolean; pred: string | null; def: string;
}

export function toPgIndex(schema: string, table: string, r: IndexRow): PgIndex {
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
    columns: r.indkey.split(' ').filter(Boolean).map(Number),
    hasExpressions: r.has_expr,
    predicate: r.pred,
    definition: r.def,
  };
}

export async function listIndexes(conn: PostgresConnection, database: string, schema: string, table: string): Promise<PgIndex[]> {
  const rows = await conn.query<IndexRow>(
    database,
    `SELECT ic.relname AS name, pg_relation_size(ic.oid) AS size, s.idx_scan AS scans, s.idx_tup_read AS tup_read, s.idx_tup_fetch AS tup_fetch,
            i.indisunique, i.indisprimary, i.indisexclusion, i.indisvalid,
            (NOT i.indisvalid AND EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)) AS building,
            am.amname, i.indkey::text AS indkey, i.indexprs IS NOT NULL AS has_expr,
            pg_get_expr(i.indpred, i.indrelid) AS pred, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace
       JOIN pg_am am ON am.oid = ic.relam
       LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
      WHERE n.nspname = $1 AND tc.relname = $2
      ORDER BY ic.relname COLLATE "C"`,
    [schema, table],
  );
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
