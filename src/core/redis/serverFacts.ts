/**
 * What the connection node says about a Redis server, from one `INFO` reply
 * (the default sections: server, clients, memory, persistence, replication,
 * cluster, keyspace): version, role, memory against maxmemory, clients, and
 * the warnings that earn the node its warning icon.
 */
import { formatBytes } from '../format';
import { parseKeyspace, type RedisDatabase } from './keyspaceCounts';

export interface RedisServerFacts {
  version: string;
  /** standalone, cluster or sentinel (redis_mode). */
  mode: string;
  clusterEnabled: boolean;
  role: string;
  /** Replicas: up or down; undefined on a master. */
  masterLinkStatus?: string;
  masterHost?: string;
  connectedReplicas: number;
  usedMemory: number;
  /** 0 when no limit is set. */
  maxMemory: number;
  evictionPolicy: string;
  connectedClients: number;
  blockedClients: number;
  lastBgsaveStatus: string;
  databases: RedisDatabase[];
  /** Why the node shows a warning; empty when all is well. */
  warnings: string[];
}

/** Facts and warnings from an INFO map (parseRedisInfo of the reply). */
export function serverFacts(info: Record<string, string>, memoryWarnPercent: number): RedisServerFacts {
  const num = (k: string): number => {
    const n = Number(info[k]);
    return Number.isFinite(n) ? n : 0;
  };
  const facts: RedisServerFacts = {
    version: info['redis_version'] ?? '?',
    mode: info['redis_mode'] ?? 'standalone',
    clusterEnabled: info['cluster_enabled'] === '1',
    role: info['role'] ?? '?',
    connectedReplicas: num('connected_slaves'),
    usedMemory: num('used_memory'),
    maxMemory: num('maxmemory'),
    evictionPolicy: info['maxmemory_policy'] ?? '?',
    connectedClients: num('connected_clients'),
    blockedClients: num('blocked_clients'),
    lastBgsaveStatus: info['rdb_last_bgsave_status'] ?? '?',
    databases: parseKeyspace(info),
    warnings: [],
  };
  if (facts.role === 'slave') {
    facts.masterLinkStatus = info['master_link_status'] ?? '?';
    facts.masterHost = info['master_host'] ? `${info['master_host']}:${info['master_port'] ?? ''}` : undefined;
  }
  const percent = memoryPercent(facts);
  if (percent !== undefined && percent >= memoryWarnPercent) {
    facts.warnings.push(`Memory at ${percent.toFixed(0)}% of maxmemory (${formatBytes(facts.usedMemory)} of ${formatBytes(facts.maxMemory)}, policy ${facts.evictionPolicy}).`);
  }
  if (facts.lastBgsaveStatus === 'err') facts.warnings.push('The last background save (BGSAVE) failed: the snapshot on disk is older than the data.');
  if (facts.masterLinkStatus !== undefined && facts.masterLinkStatus !== 'up') {
    facts.warnings.push(`Replica link to the master${facts.masterHost ? ` ${facts.masterHost}` : ''} is ${facts.masterLinkStatus}.`);
  }
  return facts;
}

/** used_memory as a percentage of maxmemory, or undefined without a limit. */
export function memoryPercent(facts: Pick<RedisServerFacts, 'usedMemory' | 'maxMemory'>): number | undefined {
  return facts.maxMemory > 0 ? (facts.usedMemory / facts.maxMemory) * 100 : undefined;
}

/** "master" or "replica (link up)". */
export function roleText(facts: RedisServerFacts): string {
  if (facts.role === 'slave') return `replica (link ${facts.masterLinkStatus ?? '?'})`;
  if (facts.role === 'master') return facts.connectedReplicas ? `master, ${facts.connectedReplicas} replica${facts.connectedReplicas === 1 ? '' : 's'}` : 'master';
  return facts.role;
}

/** "1.2 MB of 100 MB (1%)" or "1.2 MB (no maxmemory)". */
export function memoryText(facts: RedisServerFacts): string {
  const percent = memoryPercent(facts);
  return percent === undefined ? `${formatBytes(facts.usedMemory)} (no maxmemory)` : `${formatBytes(facts.usedMemory)} of ${formatBytes(facts.maxMemory)} (${percent.toFixed(0)}%)`;
}

/** The message a cluster or Sentinel node gets instead of a tree that would show one shard as if it were the whole. */
export function unsupportedMode(facts: RedisServerFacts): string | undefined {
  if (facts.clusterEnabled || facts.mode === 'cluster') {
    return 'Redis Cluster is not supported yet: this server is one node of a cluster, and its keys are only the slots it holds, so no tree is shown.';
  }
  if (facts.mode === 'sentinel') return 'Redis Sentinel is not supported yet: this is a Sentinel, not a data server. Connect to the master it names instead.';
  return undefined;
}
