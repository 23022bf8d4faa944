/**
 * Redis's health checks as pure judgements on one INFO reply, with the
 * thresholds the tree and the health report use (serverFacts.ts,
 * reports/healthModel.ts). healthCheck.ts sends the INFO.
 */
import type { ConnectionProfile } from '../connections/profile';
import { formatBytes } from '../format';
import { connectionLink, reportLink } from '../health/links';
import type { HealthCheck, HealthSeverity } from '../health/model';
import { REPLICA_LAG_WARN_SECONDS } from './reports/healthModel';

/** used_memory at or above this share of maxmemory warns (upkeep.redis.memoryWarnPercent, as the tree). */
export const DEFAULT_MEMORY_WARN_PERCENT = 90;

export interface RedisLinkContext {
  profile: ConnectionProfile;
  /** 'db0'. */
  database: string;
}

type Info = Readonly<Record<string, string>>;

const numOf = (info: Info, key: string): number | undefined => {
  const v = info[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * Memory against maxmemory: a warning from `warnPercent`; critical at the
 * limit under noeviction, where Redis refuses writes (OOM). No maxmemory: ok,
 * with the number.
 */
export function judgeMemory(info: Info, warnPercent: number, ctx: RedisLinkContext): HealthCheck {
  const used = numOf(info, 'used_memory') ?? 0;
  const max = numOf(info, 'maxmemory') ?? 0;
  const policy = info['maxmemory_policy'] ?? 'unknown';
  const base = { id: 'memory', title: 'Memory', explain: reportLink('Open the Memory analysis', ctx.profile, 'memory', ctx.database) };
  if (max <= 0) return { ...base, severity: 'ok', reason: `${formatBytes(used)} used, no maxmemory (warning from ${warnPercent} % of it when set)` };
  const percent = (100 * used) / max;
  const severity: HealthSeverity = percent >= 100 && policy === 'noeviction' ? 'critical' : percent >= warnPercent ? 'warning' : 'ok';
  return {
    ...base,
    severity,
    reason: `${formatBytes(used)} of ${formatBytes(max)} maxmemory (${percent.toFixed(1)} %, policy ${policy}; warning from ${warnPercent} %${policy === 'noeviction' ? ', critical at 100 %: writes refused' : ''})`,
  };
}

export function judgeBgsave(info: Info, ctx: RedisLinkContext): HealthCheck {
  const status = info['rdb_last_bgsave_status'];
  const health = reportLink('Open the Health report', ctx.profile, 'health', ctx.database);
  if (status === 'err') {
    return {
      id: 'bgsave',
      title: 'Last background save',
      severity: 'critical',
      reason: 'the last BGSAVE failed: with stop-writes-on-bgsave-error Redis refuses writes (critical on err)',
      explain: health,
      fixes: [reportLink('BGSAVE from the Health report', ctx.profile, 'health', ctx.database)],
    };
  }
  return { id: 'bgsave', title: 'Last background save', severity: 'ok', reason: `last BGSAVE ${status ?? 'status unknown'} (critical on err)`, explain: health };
}

export function judgeReplicaLink(info: Info, ctx: RedisLinkContext): HealthCheck {
  const base = { id: 'replica-link', title: 'Replication', explain: reportLink('Open the Health report', ctx.profile, 'health', ctx.database) };
  const role = info['role'] ?? 'unknown';
  if (role !== 'slave') {
    const n = numOf(info, 'connected_slaves') ?? 0;
    return { ...base, severity: 'ok', reason: `${role}, ${n} connected ${n === 1 ? 'replica' : 'replicas'}` };
  }
  const link = info['master_link_status'] ?? 'unknown';
  const master = `${info['master_host'] ?? '?'}:${info['master_port'] ?? '?'}`;
  if (link !== 'up') {
    const since = info['master_link_down_since_seconds'];
    return { ...base, severity: 'critical', reason: `replica link to ${master} is ${link}${since ? ` for ${since} s` : ''} (critical when not up)` };
  }
  const io = numOf(info, 'master_last_io_seconds_ago');
  if (io !== undefined && io >= REPLICA_LAG_WARN_SECONDS) return { ...base, severity: 'warning', reason: `nothing heard from ${master} for ${io} s (warning from ${REPLICA_LAG_WARN_SECONDS} s)` };
  return { ...base, severity: 'ok', reason: `replica of ${master}, link up (warning after ${REPLICA_LAG_WARN_SECONDS} s of silence)` };
}

/** Any eviction since the start warns, as in the health report: Redis reached maxmemory and dropped keys. */
export function judgeEvictions(info: Info, ctx: RedisLinkContext): HealthCheck {
  const evicted = numOf(info, 'evicted_keys') ?? 0;
  const explain = reportLink('Open the Memory analysis', ctx.profile, 'memory', ctx.database);
  if (evicted > 0) {
    return { id: 'evictions', title: 'Evictions', severity: 'warning', reason: `${evicted.toLocaleString('en-US')} keys evicted since start (policy ${info['maxmemory_policy'] ?? 'unknown'}; warning above 0)`, explain };
  }
  return { id: 'evictions', title: 'Evictions', severity: 'ok', reason: 'no keys evicted since start', explain };
}

export function judgeRedis(info: Info, warnPercent: number, ctx: RedisLinkContext): HealthCheck[] {
  return [
    { id: 'reachable', title: 'Reachable', severity: 'ok', reason: `Redis ${info['redis_version'] ?? '?'} answered`, explain: connectionLink(ctx.profile) },
    judgeMemory(info, warnPercent, ctx),
    judgeBgsave(info, ctx),
    judgeReplicaLink(info, ctx),
    judgeEvictions(info, ctx),
  ];
}
