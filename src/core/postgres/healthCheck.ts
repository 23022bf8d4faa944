/**
 * PostgreSQL's health checks (the `health` hook, chunk pg-health): four short
 * catalog reads on a connection of the check's own, each under a lock_timeout
 * and a statement_timeout, so a server busy with DDL answers "unknown" quickly
 * instead of queueing the check; then the pure judgements of healthJudge.ts
 * and, when the connection has a backup folder, the age of its last backup.
 */
import type { EngineHealth, HealthCheck, HealthRequest } from '../health/model';
import { lastBackupCheck } from '../health/backupAge';
import type { PostgresConnection } from './connection';
import { judgePostgres, type PgHealthFacts } from './healthJudge';

/** A catalog read that waits this long for a lock gives up (someone's DDL holds it). */
export const HEALTH_LOCK_TIMEOUT_MS = 1_000;
/** No health read runs longer than this on the server. */
export const HEALTH_STATEMENT_TIMEOUT_MS = 5_000;

const IDLE_IN_TX = "('idle in transaction', 'idle in transaction (aborted)')";

let counter = 0;

const num = (v: string | number | null | undefined): number => {
  const x = Number(v ?? 0);
  return Number.isFinite(x) ? x : 0;
};

export async function readPostgresFacts(conn: PostgresConnection, database: string, longQuerySeconds: number): Promise<PgHealthFacts> {
  const [base] = await conn.query<{ max_conn: number; reserved: number; used: string; xid_freeze: string; mxid_freeze: string; rec: boolean; t_hit: string | null; t_read: string | null; i_hit: string | null; i_read: string | null }>(
    database,
    `SELECT current_setting('max_connections')::int AS max_conn, current_setting('superuser_reserved_connections')::int AS reserved,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,
            current_setting('autovacuum_freeze_max_age') AS xid_freeze, current_setting('autovacuum_multixact_freeze_max_age') AS mxid_freeze,
            pg_is_in_recovery() AS rec,
            (SELECT sum(heap_blks_hit) FROM pg_statio_user_tables) AS t_hit, (SELECT sum(heap_blks_read) FROM pg_statio_user_tables) AS t_read,
            (SELECT sum(idx_blks_hit) FROM pg_statio_user_indexes) AS i_hit, (SELECT sum(idx_blks_read) FROM pg_statio_user_indexes) AS i_read`,
  );
  const [activity] = await conn.query<{ idle_n: string; idle_oldest: number | null; active_n: string; active_oldest: number | null }>(
    database,
    `SELECT count(*) FILTER (WHERE idle) AS idle_n, max(idle_secs) FILTER (WHERE idle) AS idle_oldest,
            count(*) FILTER (WHERE active) AS active_n, max(active_secs) FILTER (WHERE active) AS active_oldest
       FROM (SELECT state IN ${IDLE_IN_TX} AND state_change < now() - make_interval(secs => $1) AS idle,
                    extract(epoch FROM now() - state_change)::float8 AS idle_secs,
                    state = 'active' AND query_start < now() - make_interval(secs => $1) AS active,
                    extract(epoch FROM now() - query_start)::float8 AS active_secs
               FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()) s`,
    [longQuerySeconds],
  );
  const [wrap] = await conn.query<{ datname: string; age: number; mxid_age: number }>(
    database,
    `SELECT datname, age(datfrozenxid) AS age, (SELECT max(mxid_age(datminmxid)) FROM pg_database) AS mxid_age
       FROM pg_database ORDER BY age(datfrozenxid) DESC, datname LIMIT 1`,
  );
  const inRecovery = base?.rec === true;
  let replicas: PgHealthFacts['replicas'] = [];
  let inactiveSlots: PgHealthFacts['inactiveSlots'] = [];
  if (!inRecovery) {
    const rows = await conn.query<{ kind: string; name: string; lag_bytes: string | null; lag_secs: number | null; active: boolean }>(
      database,
      `SELECT 'replica' AS kind, coalesce(nullif(application_name, ''), host(client_addr), pid::text) AS name,
              pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS lag_bytes, extract(epoch FROM replay_lag)::float8 AS lag_secs, true AS active
         FROM pg_stat_replication
       UNION ALL
       SELECT 'slot', slot_name, CASE WHEN restart_lsn IS NOT NULL THEN pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) END, NULL, active
         FROM pg_replication_slots`,
    );
    replicas = rows.filter((r) => r.kind === 'replica').map((r) => ({ name: r.name, lagBytes: r.lag_bytes === null ? null : num(r.lag_bytes), lagSeconds: r.lag_secs }));
    inactiveSlots = rows.filter((r) => r.kind === 'slot' && !r.active).map((r) => ({ name: r.name, retainedBytes: r.lag_bytes === null ? null : num(r.lag_bytes) }));
  }
  return {
    cache: [
      { what: 'tables', hit: num(base?.t_hit), read: num(base?.t_read) },
      { what: 'indexes', hit: num(base?.i_hit), read: num(base?.i_read) },
    ],
    connections: { used: num(base?.used), maxConnections: base?.max_conn ?? 0, reserved: base?.reserved ?? 0 },
    idleInTransaction: { count: num(activity?.idle_n), oldestSeconds: activity?.idle_oldest ?? 0 },
    longQueries: { count: num(activity?.active_n), oldestSeconds: activity?.active_oldest ?? 0 },
    wraparound: wrap ? { database: wrap.datname, xidAge: num(wrap.age), mxidAge: num(wrap.mxid_age), freezeMaxAge: num(base?.xid_freeze), mxidFreezeMaxAge: num(base?.mxid_freeze) } : undefined,
    inRecovery,
    replicas,
    inactiveSlots,
  };
}

export const postgresHealth: EngineHealth = {
  async check(req: HealthRequest): Promise<HealthCheck[]> {
    const tree = req.session as PostgresConnection;
    const database = req.profile.database || 'postgres';
    // The reports' thresholds, read by the report code (its chunk, pg-reports, is required here too).
    const th = (await import('./reports/run')).reportThresholds(req.settings);
    // A connection of its own, with short limits and a name of its own in pg_stat_activity.
    const conn = tree.sibling(`Upkeep health ${process.pid}-${++counter}`, { lockTimeoutMs: HEALTH_LOCK_TIMEOUT_MS, statementTimeoutMs: HEALTH_STATEMENT_TIMEOUT_MS });
    const onAbort = (): void => void conn.dispose();
    req.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const facts = await readPostgresFacts(conn, database, th.longQuerySeconds);
      const checks = judgePostgres(facts, th, { profile: req.profile, database });
      if (req.backupFolder) {
        const support = (await import('./backup/index')).postgresBackup;
        checks.push(await lastBackupCheck(req.profile, req.backupFolder, support, req.settings));
      }
      return checks;
    } finally {
      req.signal.removeEventListener('abort', onAbort);
      await conn.dispose();
    }
  },
};
