/**
 * PostgreSQL's health checks as pure judgements: catalog facts in, checks out,
 * with the health report's own thresholds and rules (reports/healthStorage.ts,
 * healthActivity.ts, wraparound.ts), so the status bar and the report agree.
 * healthCheck.ts reads the facts.
 */
import type { ConnectionProfile } from '../connections/profile';
import { formatBytes, formatDuration } from '../format';
import { connectionLink, reportLink } from '../health/links';
import type { HealthCheck, HealthSeverity } from '../health/model';
import { CONNECTIONS_CRITICAL_PERCENT, CONNECTIONS_WARN_PERCENT, replicaLagging } from './reports/healthActivity';
import { CACHE_HIT_MIN_BLOCKS, cacheHitLow } from './reports/healthStorage';
import type { ReportThresholds } from './reports/model';
import { judgeAge, wraparoundLevels } from './reports/wraparound';

export interface PgHealthFacts {
  /** Blocks hit and read of user tables and of their indexes, in the profile's database. */
  cache: { what: 'tables' | 'indexes'; hit: number; read: number }[];
  connections: { used: number; maxConnections: number; reserved: number };
  /** Sessions idle in a transaction, and statements running, each with the oldest's seconds. */
  idleInTransaction: { count: number; oldestSeconds: number };
  longQueries: { count: number; oldestSeconds: number };
  wraparound: { database: string; xidAge: number; mxidAge: number; freezeMaxAge: number; mxidFreezeMaxAge: number } | undefined;
  inRecovery: boolean;
  replicas: { name: string; lagBytes: number | null; lagSeconds: number | null }[];
  inactiveSlots: { name: string; retainedBytes: number | null }[];
}

/** Where the checks link: the connection, and its health report on the profile's database. */
export interface PgLinkContext {
  profile: ConnectionProfile;
  database: string;
}

const pct = (n: number): string => `${n.toFixed(1)} %`;
const secs = (s: number): string => formatDuration(s * 1000);
const n = (v: number): string => v.toLocaleString('en-US');
const healthReport = (ctx: PgLinkContext): HealthCheck['explain'] => reportLink('Open the Health report', ctx.profile, 'health', ctx.database);

export function judgeCacheHit(facts: PgHealthFacts['cache'], th: Pick<ReportThresholds, 'cacheHitMin'>, ctx: PgLinkContext): HealthCheck {
  const ratios = facts.map((f) => ({ ...f, ratio: f.hit + f.read > 0 ? Math.round((1000 * f.hit) / (f.hit + f.read)) / 10 : undefined }));
  const low = ratios.filter((f) => cacheHitLow(f.hit, f.read, th));
  const base = { id: 'cache-hit', title: 'Cache hit ratio', explain: healthReport(ctx) };
  if (low.length) {
    const worst = low.reduce((a, b) => ((a.ratio ?? 100) <= (b.ratio ?? 100) ? a : b));
    return { ...base, severity: 'warning', reason: `cache hit ${pct(worst.ratio ?? 0)} for ${worst.what} (warning below ${th.cacheHitMin} %)` };
  }
  const judged = ratios.filter((f) => f.hit + f.read >= CACHE_HIT_MIN_BLOCKS && f.ratio !== undefined);
  if (!judged.length) return { ...base, severity: 'ok', reason: `fewer than ${n(CACHE_HIT_MIN_BLOCKS)} blocks read: too few to judge (warning below ${th.cacheHitMin} %)` };
  const lowest = judged.reduce((a, b) => ((a.ratio ?? 100) <= (b.ratio ?? 100) ? a : b));
  return { ...base, severity: 'ok', reason: `cache hit ${pct(lowest.ratio ?? 0)} for ${lowest.what} (warning below ${th.cacheHitMin} %)` };
}

export function judgeConnections(f: PgHealthFacts['connections'], ctx: PgLinkContext): HealthCheck {
  const max = f.maxConnections - f.reserved;
  const percent = max > 0 ? Math.round((1000 * f.used) / max) / 10 : 0;
  const severity: HealthSeverity = percent >= CONNECTIONS_CRITICAL_PERCENT ? 'critical' : percent >= CONNECTIONS_WARN_PERCENT ? 'warning' : 'ok';
  return {
    id: 'connections',
    title: 'Connections',
    severity,
    reason: `${f.used} of ${max} connections in use (${pct(percent)}; warning from ${CONNECTIONS_WARN_PERCENT} %, critical from ${CONNECTIONS_CRITICAL_PERCENT} %)`,
    explain: healthReport(ctx),
  };
}

/** Idle-in-transaction sessions and statements older than `longQuerySeconds`: a warning, as in the health report, whose fixes cancel or terminate them. */
export function judgeLongTransactions(idle: PgHealthFacts['idleInTransaction'], active: PgHealthFacts['longQueries'], th: Pick<ReportThresholds, 'longQuerySeconds'>, ctx: PgLinkContext): HealthCheck {
  const limit = th.longQuerySeconds;
  const parts: string[] = [];
  if (idle.count > 0) parts.push(`${idle.count} idle in transaction (oldest ${secs(idle.oldestSeconds)})`);
  if (active.count > 0) parts.push(`${active.count} ${active.count === 1 ? 'query' : 'queries'} running (oldest ${secs(active.oldestSeconds)})`);
  const base = { id: 'long-transactions', title: 'Long transactions', explain: healthReport(ctx) };
  if (!parts.length) return { ...base, severity: 'ok', reason: `none longer than ${secs(limit)}` };
  return {
    ...base,
    severity: 'warning',
    reason: `${parts.join(', ')}: longer than ${secs(limit)}`,
    fixes: [reportLink('Cancel or terminate them in the Health report', ctx.profile, 'health', ctx.database)],
  };
}

export function judgeWraparound(f: PgHealthFacts['wraparound'], th: Pick<ReportThresholds, 'wraparoundWarnAge'>, ctx: PgLinkContext): HealthCheck {
  const base = { id: 'wraparound', title: 'Transaction-ID wraparound', explain: healthReport(ctx) };
  if (!f) return { ...base, severity: 'unknown', reason: 'pg_database could not be read' };
  const xid = wraparoundLevels(f.freezeMaxAge, th.wraparoundWarnAge);
  const mxid = wraparoundLevels(f.mxidFreezeMaxAge, th.wraparoundWarnAge);
  const xs = judgeAge(f.xidAge, xid);
  const ms = judgeAge(f.mxidAge, mxid);
  const severity: HealthSeverity = xs === 'critical' || ms === 'critical' ? 'critical' : xs || ms ? 'warning' : 'ok';
  const useMxid = !xs && ms;
  const age = useMxid ? f.mxidAge : f.xidAge;
  const levels = useMxid ? mxid : xid;
  const what = useMxid ? 'multixact ID age' : 'age(datfrozenxid)';
  return {
    ...base,
    severity,
    reason: `${what} ${n(age)} in ${f.database} (warning from ${n(levels.warn)}, critical from ${n(levels.critical)})`,
    ...(severity !== 'ok' ? { fixes: [reportLink('VACUUM (FREEZE) the oldest tables from the Health report', ctx.profile, 'health', ctx.database)] } : {}),
  };
}

export function judgeReplication(f: Pick<PgHealthFacts, 'inRecovery' | 'replicas' | 'inactiveSlots'>, th: Pick<ReportThresholds, 'replicationLagSeconds' | 'replicationLagBytes'>, ctx: PgLinkContext): HealthCheck {
  const base = { id: 'replication', title: 'Replication', explain: healthReport(ctx) };
  const limits = `warning from ${secs(th.replicationLagSeconds)} or ${formatBytes(th.replicationLagBytes)} behind`;
  if (f.inRecovery) return { ...base, severity: 'ok', reason: 'a standby: its lag is checked on the primary' };
  const lagging = f.replicas.filter((r) => replicaLagging(r.lagBytes, r.lagSeconds, th));
  const problems: string[] = [];
  if (lagging.length) {
    const r = lagging[0]!;
    problems.push(`replica ${r.name} replays ${r.lagSeconds === null ? 'an unknown time' : secs(r.lagSeconds)} (${formatBytes(r.lagBytes)}) behind${lagging.length > 1 ? ` (and ${lagging.length - 1} more)` : ''}`);
  }
  if (f.inactiveSlots.length) {
    const s = f.inactiveSlots[0]!;
    problems.push(`inactive slot ${s.name} keeps ${formatBytes(s.retainedBytes)} of WAL${f.inactiveSlots.length > 1 ? ` (and ${f.inactiveSlots.length - 1} more)` : ''}`);
  }
  if (problems.length) return { ...base, severity: 'warning', reason: `${problems.join('; ')} (${limits}; an inactive slot warns)` };
  if (!f.replicas.length) return { ...base, severity: 'ok', reason: 'no replicas and no inactive slots' };
  return { ...base, severity: 'ok', reason: `${f.replicas.length} ${f.replicas.length === 1 ? 'replica' : 'replicas'} within limits (${limits})` };
}

/** Every check but reachability and the backup age, in the order the panel lists equals. */
export function judgePostgres(f: PgHealthFacts, th: ReportThresholds, ctx: PgLinkContext): HealthCheck[] {
  return [
    { id: 'reachable', title: 'Reachable', severity: 'ok', reason: `answered (${ctx.database})`, explain: connectionLink(ctx.profile) },
    judgeCacheHit(f.cache, th, ctx),
    judgeConnections(f.connections, ctx),
    judgeLongTransactions(f.idleInTransaction, f.longQueries, th, ctx),
    judgeWraparound(f.wraparound, th, ctx),
    judgeReplication(f, th, ctx),
  ];
}
