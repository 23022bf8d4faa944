/** Health checks on what the server is doing: connections, idle transactions, long queries, replication. */
import { buildCancelBackend, buildTerminateBackend } from '../maintenance';
import { formatBytes, formatDuration } from '../../format';
import { col, finding, num, round1, type ReportContext, type SectionResult } from './common';
import type { PgFinding as Finding, ReportThresholds } from './model';

/** Share of max_connections (less the superuser reserve) that warns, and that is critical. */
export const CONNECTIONS_WARN_PERCENT = 80;
export const CONNECTIONS_CRITICAL_PERCENT = 95;

const secs = (s: number): string => formatDuration(s * 1000);

export async function connectionsCheck(ctx: ReportContext): Promise<SectionResult> {
  const limits = await ctx.conn.query<{ max_conn: number; reserved: number; used: string }>(
    ctx.database,
    `SELECT current_setting('max_connections')::int AS max_conn, current_setting('superuser_reserved_connections')::int AS reserved,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS used`,
  );
  const rows = await ctx.conn.query<{ datname: string | null; state: string | null; n: string }>(
    ctx.database,
    `SELECT datname, coalesce(state, 'unknown') AS state, count(*) AS n
       FROM pg_stat_activity WHERE backend_type = 'client backend'
      GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
  );
  const l = limits[0];
  const max = l ? l.max_conn - l.reserved : 0;
  const used = num(l?.used) ?? 0;
  const percent = max > 0 ? round1((100 * used) / max) : 0;
  const findings: Finding[] = [];
  if (percent >= CONNECTIONS_WARN_PERCENT) {
    findings.push(finding('health', 'connections', 'total', percent >= CONNECTIONS_CRITICAL_PERCENT ? 'critical' : 'warning', 'connections',
      `${used} of ${max} connections in use (${percent}%): new ones will soon be refused; look for idle sessions or use a pooler`, { used, max, percent }));
  }
  return {
    section: {
      id: 'connections',
      title: 'Connections',
      description: `${used} client connections of max_connections ${l?.max_conn ?? '?'} (${l?.reserved ?? '?'} reserved for superusers): ${percent}% of what applications may use.`,
      columns: [col('database', 'Database'), col('state', 'State'), col('count', 'Sessions', 'number')],
      rows: rows.map((r) => ({ _key: `${r.datname ?? ''}/${r.state ?? ''}`, database: r.datname, state: r.state, count: Number(r.n) })),
      chart: { kind: 'bar', title: 'Sessions by state', x: 'state', y: ['count'], limit: 10 },
      empty: 'No client sessions.',
    },
    findings,
  };
}

interface SessionRow {
  pid: number;
  datname: string | null;
  usename: string | null;
  application_name: string;
  state: string | null;
  secs: number;
  wait: string | null;
  query: string | null;
}

const SESSION_COLS = `a.pid, a.datname, a.usename, a.application_name, a.state,
  CASE WHEN a.wait_event IS NOT NULL THEN a.wait_event_type || ': ' || a.wait_event END AS wait, a.query`;

const sessionRow = (r: SessionRow): Record<string, string | number | null> => ({
  _key: String(r.pid), pid: r.pid, database: r.datname, user: r.usename, application: r.application_name, state: r.state, duration: round1(r.secs), wait: r.wait, query: r.query,
});
const sessionColumns = (durationLabel: string): ReturnType<typeof col>[] => [
  col('pid', 'PID', 'number'), col('database', 'Database'), col('user', 'User'), col('application', 'Application'), col('state', 'State'),
  col('duration', durationLabel, 'duration'), col('wait', 'Waiting on'), col('query', 'Query', 'sql'),
];

export async function idleInTransactionCheck(ctx: ReportContext): Promise<SectionResult> {
  const rows = await ctx.conn.query<SessionRow>(
    ctx.database,
    `SELECT ${SESSION_COLS}, extract(epoch FROM now() - a.state_change)::float8 AS secs
       FROM pg_stat_activity a
      WHERE a.backend_type = 'client backend' AND a.state IN ('idle in transaction', 'idle in transaction (aborted)') AND a.pid <> pg_backend_pid()
      ORDER BY a.state_change`,
  );
  const limit = ctx.thresholds.longQuerySeconds;
  const findings = rows.filter((r) => r.secs >= limit).map((r) =>
    finding('health', 'idle-in-transaction', String(r.pid), 'warning', `backend ${r.pid}`,
      `idle in transaction for ${secs(r.secs)} (${r.usename ?? '?'}, ${r.application_name || 'no application name'}): it holds its locks and keeps VACUUM from removing rows newer than its snapshot`,
      { pid: r.pid, database: r.datname, seconds: round1(r.secs) }, [buildTerminateBackend(ctx.database, r.pid)]));
  return {
    section: {
      id: 'idle-in-transaction',
      title: 'Idle in transaction',
      description: `Sessions that opened a transaction and are waiting on the client; those idle longer than ${secs(limit)} are findings (ending the session rolls its transaction back).`,
      columns: sessionColumns('Idle for'),
      rows: rows.map(sessionRow),
      empty: 'No session is idle in a transaction.',
    },
    findings,
  };
}

export async function longQueriesCheck(ctx: ReportContext): Promise<SectionResult> {
  const limit = ctx.thresholds.longQuerySeconds;
  const rows = await ctx.conn.query<SessionRow>(
    ctx.database,
    `SELECT ${SESSION_COLS}, extract(epoch FROM now() - a.query_start)::float8 AS secs
       FROM pg_stat_activity a
      WHERE a.backend_type = 'client backend' AND a.state = 'active' AND a.pid <> pg_backend_pid()
        AND a.query_start < now() - make_interval(secs => $1)
      ORDER BY a.query_start`,
    [limit],
  );
  const findings = rows.map((r) =>
    finding('health', 'long-queries', String(r.pid), 'warning', `backend ${r.pid}`,
      `query running for ${secs(r.secs)}, over ${secs(limit)} (${r.usename ?? '?'} on ${r.datname ?? '?'})`,
      { pid: r.pid, database: r.datname, seconds: round1(r.secs), query: (r.query ?? '').slice(0, 500) },
      [buildCancelBackend(ctx.database, r.pid), buildTerminateBackend(ctx.database, r.pid)]));
  return {
    section: {
      id: 'long-queries',
      title: 'Long-running queries',
      description: `Statements running longer than ${secs(limit)}, on every database of the server. Cancel stops the statement; terminate ends the session.`,
      columns: sessionColumns('Running for'),
      rows: rows.map(sessionRow),
      empty: `No query has run longer than ${secs(limit)}.`,
    },
    findings,
  };
}

/**
 * A replica's replay lag crosses its own thresholds (not the long-query one):
 * seconds behind (replay_lag, null once an idle replica has caught up) or
 * bytes of WAL not yet replayed.
 */
export function replicaLagging(lagBytes: number | null, lagSeconds: number | null, th: Pick<ReportThresholds, 'replicationLagSeconds' | 'replicationLagBytes'>): boolean {
  return (lagSeconds !== null && lagSeconds >= th.replicationLagSeconds) || (lagBytes !== null && lagBytes >= th.replicationLagBytes);
}

export async function replicationCheck(ctx: ReportContext): Promise<SectionResult> {
  const base = {
    id: 'replication',
    title: 'Replication lag',
    description: `Replicas replaying ${secs(ctx.thresholds.replicationLagSeconds)} or ${formatBytes(ctx.thresholds.replicationLagBytes)} of WAL behind, or more, are findings (upkeep.reports.replicationLagSeconds, replicationLagBytes).`,
    columns: [col('application', 'Replica'), col('client', 'Address'), col('state', 'State'), col('sync', 'Sync'), col('lagBytes', 'Replay lag', 'bytes'), col('lagSeconds', 'Replay lag (time)', 'duration')],
    empty: 'No replicas are connected to this server.',
  };
  if (ctx.inRecovery) return { section: { ...base, rows: [], note: 'This server is a standby: check replication lag on its primary.' }, findings: [] };
  const rows = await ctx.conn.query<{ pid: number; application_name: string; client: string | null; state: string | null; sync_state: string | null; lag_bytes: string | null; lag_secs: number | null }>(
    ctx.database,
    `SELECT pid, application_name, host(client_addr) AS client, state, sync_state,
            pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS lag_bytes, extract(epoch FROM replay_lag)::float8 AS lag_secs
       FROM pg_stat_replication ORDER BY application_name, pid`,
  );
  const th = ctx.thresholds;
  const findings = rows.filter((r) => replicaLagging(num(r.lag_bytes), r.lag_secs, th)).map((r) =>
    finding('health', 'replication', String(r.pid), 'warning', `replica ${r.application_name || r.client || r.pid}`,
      `replays ${r.lag_secs === null ? 'an unknown time' : secs(r.lag_secs)} behind (${formatBytes(num(r.lag_bytes))} of WAL): warning from ${secs(th.replicationLagSeconds)} or ${formatBytes(th.replicationLagBytes)}`,
      { lagBytes: num(r.lag_bytes), lagSeconds: r.lag_secs }));
  return {
    section: {
      ...base,
      rows: rows.map((r) => ({ _key: String(r.pid), application: r.application_name, client: r.client, state: r.state, sync: r.sync_state, lagBytes: num(r.lag_bytes), lagSeconds: r.lag_secs })),
    },
    findings,
  };
}

export async function slotsCheck(ctx: ReportContext): Promise<SectionResult> {
  const rows = await ctx.conn.query<{ slot_name: string; slot_type: string; database: string | null; active: boolean; retained: string | null; xmin_age: number | null }>(
    ctx.database,
    `SELECT slot_name, slot_type, database, active,
            CASE WHEN restart_lsn IS NOT NULL AND NOT pg_is_in_recovery() THEN pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) END AS retained,
            greatest(age(xmin), age(catalog_xmin)) AS xmin_age
       FROM pg_replication_slots ORDER BY active, slot_name`,
  );
  const findings = rows.filter((r) => !r.active).map((r) =>
    finding('health', 'replication-slots', r.slot_name, 'warning', `slot ${r.slot_name}`,
      `inactive ${r.slot_type} replication slot: the server keeps WAL for it${num(r.retained) !== null ? ` (${formatBytes(num(r.retained))} so far)` : ''} until it is used again or dropped (pg_drop_replication_slot)`,
      { slotType: r.slot_type, retainedBytes: num(r.retained), active: r.active }));
  return {
    section: {
      id: 'replication-slots',
      title: 'Replication slots',
      description: 'An inactive slot keeps WAL (and, with xmin, dead rows) until its consumer returns: the disk fills.',
      columns: [col('name', 'Slot'), col('type', 'Type'), col('database', 'Database'), col('active', 'Active'), col('retainedBytes', 'WAL retained', 'bytes'), col('xminAge', 'xmin age', 'number')],
      rows: rows.map((r) => ({ _key: r.slot_name, name: r.slot_name, type: r.slot_type, database: r.database, active: r.active, retainedBytes: num(r.retained), xminAge: r.xmin_age })),
      empty: 'No replication slots.',
    },
    findings,
  };
}
