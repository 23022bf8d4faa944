/**
 * The health report's judgements, pure: INFO fields, SLOWLOG and LATENCY
 * replies in, sections and findings out. health.ts reads the server.
 */
import type { CellValue, Column, Section } from '../../reports/model';
import { formatBytes } from '../../format';
import { commandText, redisOp } from '../operation';
import type { RedisFinding } from './memoryFindings';

export type Info = Readonly<Record<string, string>>;

const col = (key: string, label: string, kind: Column['kind']): Column => ({ key, label, kind });
const num = (info: Info, key: string): number | undefined => {
  const v = info[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** A two-column section of facts. */
function facts(id: string, title: string, rows: [string, string, CellValue][], extra: Partial<Section> = {}): Section {
  return {
    id,
    title,
    columns: [col('metric', 'Metric', 'text'), col('value', 'Value', 'text')],
    rows: rows.map(([key, metric, value]) => ({ _key: key, metric, value: value === null ? 'n/a' : String(value) })),
    ...extra,
  };
}

const bytes = (n: number | undefined): string | null => (n === undefined ? null : formatBytes(n));
const int = (n: number | undefined): string | null => (n === undefined ? null : n.toLocaleString('en-US'));

/** Fragmentation above this ratio is worth defragmenting… */
export const FRAGMENTATION_HIGH = 1.5;
/** …when it wastes at least this much (a small dataset always shows a high ratio). */
export const FRAGMENTATION_MIN_BYTES = 100 * 1024 * 1024;

export function memoryHealth(info: Info, configRefused: boolean): { section: Section; findings: RedisFinding[] } {
  const used = num(info, 'used_memory');
  const rss = num(info, 'used_memory_rss');
  const max = num(info, 'maxmemory');
  const ratio = num(info, 'mem_fragmentation_ratio');
  const allocator = info['mem_allocator'] ?? '';
  const section = facts('memory', 'Memory', [
    ['used', 'Used (used_memory)', bytes(used)],
    ['rss', 'Resident (used_memory_rss)', bytes(rss)],
    ['peak', 'Peak (used_memory_peak)', bytes(num(info, 'used_memory_peak'))],
    ['max', 'maxmemory', max === 0 ? '0 (no limit)' : bytes(max)],
    ['used-of-max', 'Used of maxmemory', max && used !== undefined ? `${((100 * used) / max).toFixed(1)}%` : null],
    ['policy', 'Eviction policy', info['maxmemory_policy'] ?? null],
    ['fragmentation', 'Fragmentation ratio (mem_fragmentation_ratio)', ratio === undefined ? null : ratio.toFixed(2)],
    ['allocator', 'Allocator', allocator || null],
  ]);
  const findings: RedisFinding[] = [];
  const wasted = rss !== undefined && used !== undefined ? rss - used : undefined;
  if (ratio !== undefined && ratio > FRAGMENTATION_HIGH && (wasted ?? 0) >= FRAGMENTATION_MIN_BYTES) {
    const jemalloc = allocator.startsWith('jemalloc');
    findings.push({
      id: 'health:memory:fragmentation',
      severity: 'warning',
      sectionId: 'memory',
      rowKey: 'fragmentation',
      object: 'memory fragmentation',
      message: `Fragmentation ratio ${ratio.toFixed(2)}: Redis holds ${formatBytes(wasted ?? 0)} more than its data needs.${jemalloc ? ' With jemalloc, active defragmentation (activedefrag yes) gives it back while Redis runs, at some CPU cost.' : ` Active defragmentation needs jemalloc (this server uses ${allocator || 'another allocator'}): a restart gives the memory back.`}`,
      evidence: { ratio, wastedBytes: wasted ?? null, allocator },
      fixes: jemalloc
        ? [redisOp({ kind: 'config-set', title: 'CONFIG SET activedefrag yes', target: { kind: 'server' }, commands: [['CONFIG', 'SET', 'activedefrag', 'yes']], impact: 'defragments memory in the background, using some CPU (active-defrag-cycle-min/max); lost at restart unless CONFIG REWRITE', risk: 'heavy', confirmName: 'activedefrag' })]
        : [],
    });
  } else if (ratio !== undefined && ratio < 1 && used !== undefined && used > 0) {
    findings.push({
      id: 'health:memory:swapping',
      severity: 'critical',
      sectionId: 'memory',
      rowKey: 'fragmentation',
      object: 'memory',
      message: `Fragmentation ratio ${ratio.toFixed(2)} (below 1): part of Redis's memory is swapped out to disk, which makes every command that touches it slow. Give the machine more memory, lower maxmemory, or move data off this server.`,
      evidence: { ratio, usedBytes: used, rssBytes: rss ?? null },
      fixes: [],
    });
  }
  if (configRefused) section.note = 'CONFIG GET was refused for this user (ACL): settings read from INFO only.';
  return { section, findings };
}

/** Keyspace hit ratio below this (percent) is reported, when there were enough lookups to judge. */
export const HIT_RATIO_LOW = 80;
export const HIT_RATIO_MIN_LOOKUPS = 1_000;

export function keyspaceHealth(info: Info): { section: Section; findings: RedisFinding[] } {
  const hits = num(info, 'keyspace_hits') ?? 0;
  const misses = num(info, 'keyspace_misses') ?? 0;
  const lookups = hits + misses;
  const ratio = lookups > 0 ? (100 * hits) / lookups : undefined;
  const evicted = num(info, 'evicted_keys');
  const section = facts('keyspace', 'Keys: evictions, expiry, hit ratio', [
    ['evicted', 'Evicted keys (since start)', int(evicted)],
    ['expired', 'Expired keys (since start)', int(num(info, 'expired_keys'))],
    ['hits', 'Keyspace hits', int(hits)],
    ['misses', 'Keyspace misses', int(misses)],
    ['hit-ratio', 'Hit ratio', ratio === undefined ? null : `${ratio.toFixed(1)}%`],
  ]);
  const findings: RedisFinding[] = [];
  if (evicted && evicted > 0) {
    findings.push({
      id: 'health:keyspace:evicted',
      severity: 'warning',
      sectionId: 'keyspace',
      rowKey: 'evicted',
      object: 'evictions',
      message: `${evicted.toLocaleString('en-US')} keys were evicted since the server started: it reached maxmemory and dropped keys under its policy (${info['maxmemory_policy'] ?? 'unknown'}). If Redis is more than a cache here, raise maxmemory or reduce the data (see the memory analysis).`,
      evidence: { evicted },
      fixes: [],
    });
  }
  if (ratio !== undefined && lookups >= HIT_RATIO_MIN_LOOKUPS && ratio < HIT_RATIO_LOW) {
    findings.push({
      id: 'health:keyspace:hit-ratio',
      severity: 'info',
      sectionId: 'keyspace',
      rowKey: 'hit-ratio',
      object: 'hit ratio',
      message: `${ratio.toFixed(1)}% of key lookups found their key (${lookups.toLocaleString('en-US')} lookups). For a cache that is low: keys expire or are evicted before they are read again, or the application asks for keys it never writes.`,
      evidence: { hits, misses },
      fixes: [],
    });
  }
  return { section, findings };
}

/** Connected clients at or above this share of maxclients warn. */
export const CLIENTS_WARN_PERCENT = 80;

export function clientsHealth(info: Info, maxclients: number | undefined): { section: Section; findings: RedisFinding[] } {
  const connected = num(info, 'connected_clients');
  const blocked = num(info, 'blocked_clients');
  const max = maxclients ?? num(info, 'maxclients');
  const share = connected !== undefined && max ? (100 * connected) / max : undefined;
  const section = facts('clients', 'Clients', [
    ['connected', 'Connected clients', int(connected)],
    ['max', 'maxclients', int(max)],
    ['share', 'Connected of maxclients', share === undefined ? null : `${share.toFixed(1)}%`],
    ['blocked', 'Blocked clients (BLPOP, WAIT…)', int(blocked)],
    ['rejected', 'Rejected connections (since start)', int(num(info, 'rejected_connections'))],
  ]);
  const findings: RedisFinding[] = [];
  if (share !== undefined && share >= CLIENTS_WARN_PERCENT) {
    findings.push({
      id: 'health:clients:max',
      severity: share >= 95 ? 'critical' : 'warning',
      sectionId: 'clients',
      rowKey: 'share',
      object: 'clients',
      message: `${connected?.toLocaleString('en-US') ?? '?'} of ${max?.toLocaleString('en-US') ?? '?'} client connections are in use (${share.toFixed(0)}%): new connections will be refused at the limit. Look for connection leaks (Clients view), use pooling, or raise maxclients.`,
      evidence: { connected: connected ?? null, maxclients: max ?? null },
      fixes: [],
    });
  }
  return { section, findings };
}

/** One SLOWLOG GET entry as the server sends it. */
export interface SlowlogEntry {
  id: number;
  /** Unix seconds. */
  time: number;
  micros: number;
  args: (string | Buffer)[];
  client: string;
  clientName: string;
}

/** SLOWLOG GET's reply (arrays of id, time, µs, args[, client, name]) → entries; unknown shapes are skipped. */
export function parseSlowlog(reply: unknown): SlowlogEntry[] {
  if (!Array.isArray(reply)) return [];
  const out: SlowlogEntry[] = [];
  for (const e of reply as unknown[]) {
    if (!Array.isArray(e) || e.length < 4) continue;
    const [id, time, micros, args, client, name] = e as unknown[];
    const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : '');
    out.push({
      id: Number(id),
      time: Number(text(time) || time),
      micros: Number(text(micros) || micros),
      args: Array.isArray(args) ? (args as unknown[]).map((a) => (Buffer.isBuffer(a) ? a : String(a))) : [],
      client: text(client),
      clientName: text(name),
    });
  }
  return out;
}

export function slowlogHealth(entries: SlowlogEntry[] | undefined, refused: string | undefined, threshold: number | undefined): { section: Section; findings: RedisFinding[] } {
  const section: Section = {
    id: 'slowlog',
    title: 'Slow log',
    description: threshold === undefined ? undefined : `Commands slower than ${threshold.toLocaleString('en-US')} µs (slowlog-log-slower-than), newest first.`,
    columns: [col('time', 'Time', 'date'), col('micros', 'Duration (µs)', 'number'), col('command', 'Command', 'sql'), col('client', 'Client', 'text'), col('name', 'Client name', 'text')],
    rows: (entries ?? []).map((e) => ({
      _key: String(e.id),
      time: new Date(e.time * 1000).toISOString(),
      micros: e.micros,
      command: commandText(e.args.map((a, i) => (i === 0 && Buffer.isBuffer(a) ? a.toString('latin1') : a))).slice(0, 500),
      client: e.client,
      name: e.clientName,
    })),
    empty: refused ? `Not read: ${refused}` : 'The slow log is empty.',
  };
  if (refused) section.note = `SLOWLOG GET was refused (${refused}); the rest of the report is complete.`;
  const findings: RedisFinding[] = [];
  if (entries?.length) {
    const slowest = entries.reduce((a, b) => (b.micros > a.micros ? b : a));
    findings.push({
      id: 'health:slowlog',
      severity: slowest.micros >= 100_000 ? 'warning' : 'info',
      sectionId: 'slowlog',
      object: 'slow log',
      message: `${entries.length.toLocaleString('en-US')} slow command${entries.length === 1 ? '' : 's'} logged; the slowest took ${(slowest.micros / 1000).toFixed(1)} ms (${commandText([String(slowest.args[0] ?? '?')])}). While one runs, every other client waits. After looking at them, reset the log so new entries stand out.`,
      evidence: { entries: entries.length, slowestMicros: slowest.micros },
      fixes: [redisOp({ kind: 'slowlog-reset', title: 'SLOWLOG RESET', target: { kind: 'server' }, commands: [['SLOWLOG', 'RESET']], impact: 'empties the slow log (the entries above are gone; the server is not otherwise affected)', risk: 'destructive', confirmName: 'SLOWLOG' })],
    });
  }
  return { section, findings };
}

/** One LATENCY LATEST row: event, time of the latest spike, its ms, the maximum ms. */
export interface LatencyEvent {
  event: string;
  time: number;
  latestMs: number;
  maxMs: number;
}

export function parseLatencyLatest(reply: unknown): LatencyEvent[] {
  if (!Array.isArray(reply)) return [];
  return (reply as unknown[]).flatMap((e) => {
    if (!Array.isArray(e) || e.length < 4) return [];
    const [event, time, latest, max] = e as unknown[];
    return [{ event: String(event), time: Number(time), latestMs: Number(latest), maxMs: Number(max) }];
  });
}

/** The latency threshold suggested to turn latency monitoring on (ms). */
export const LATENCY_THRESHOLD_MS = 100;

export function latencyHealth(threshold: number | undefined, events: LatencyEvent[] | undefined, refused: string | undefined): { section: Section; findings: RedisFinding[] } {
  const section: Section = {
    id: 'latency',
    title: 'Latency monitor',
    columns: [col('event', 'Event', 'text'), col('time', 'Latest spike', 'date'), col('latest', 'Latest (ms)', 'number'), col('max', 'Max (ms)', 'number')],
    rows: (events ?? []).map((e) => ({ _key: e.event, event: e.event, time: new Date(e.time * 1000).toISOString(), latest: e.latestMs, max: e.maxMs })),
    empty: threshold === 0 ? 'Latency monitoring is off (latency-monitor-threshold 0).' : refused ? `Not read: ${refused}` : 'No latency spike recorded.',
  };
  const findings: RedisFinding[] = [];
  if (threshold === undefined) {
    section.note = `Whether latency monitoring is on is unknown: CONFIG GET latency-monitor-threshold was refused${refused ? ` (${refused})` : ''}.`;
  } else if (threshold === 0) {
    section.note = `Latency monitoring is off. To record spikes of ${LATENCY_THRESHOLD_MS} ms or more: CONFIG SET latency-monitor-threshold ${LATENCY_THRESHOLD_MS}.`;
    findings.push({
      id: 'health:latency:off',
      severity: 'info',
      sectionId: 'latency',
      object: 'latency monitor',
      message: `Latency monitoring is off, so spikes (slow commands, forks, expiry cycles) leave no trace. Turning it on costs next to nothing.`,
      evidence: { threshold },
      fixes: [redisOp({ kind: 'config-set', title: `CONFIG SET latency-monitor-threshold ${LATENCY_THRESHOLD_MS}`, target: { kind: 'server' }, commands: [['CONFIG', 'SET', 'latency-monitor-threshold', String(LATENCY_THRESHOLD_MS)]], impact: 'records latency spikes of 100 ms or more; lost at restart unless CONFIG REWRITE', risk: 'safe', confirmName: 'latency-monitor-threshold' })],
    });
  } else {
    section.description = `Spikes of ${threshold.toLocaleString('en-US')} ms or more (latency-monitor-threshold).`;
  }
  return { section, findings };
}

/** A last successful save older than this, with changes since, warns (seconds). */
export const SAVE_AGE_WARN_SECONDS = 24 * 3600;

export function persistenceHealth(info: Info, now: Date, saveConfig: string | undefined): { section: Section; findings: RedisFinding[] } {
  const lastSave = num(info, 'rdb_last_save_time');
  const age = lastSave !== undefined ? Math.max(0, Math.round(now.getTime() / 1000 - lastSave)) : undefined;
  const changes = num(info, 'rdb_changes_since_last_save');
  const aof = info['aof_enabled'] === '1';
  const section: Section = {
    id: 'persistence',
    title: 'Persistence',
    columns: [col('metric', 'Metric', 'text'), col('value', 'Value', 'text')],
    rows: [
      ['last-save', 'Last successful RDB save', lastSave !== undefined ? new Date(lastSave * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : null],
      ['save-age', 'Age of the last save', age !== undefined ? ageText(age) : null],
      ['changes', 'Changes since the last save', int(changes)],
      ['bgsave', 'Last BGSAVE status', info['rdb_last_bgsave_status'] ?? null],
      ['save-config', 'save (snapshot schedule)', saveConfig === undefined ? null : saveConfig || '(none: no automatic snapshots)'],
      ['aof', 'AOF', aof ? 'on' : 'off'],
      ['aof-write', 'Last AOF write status', aof ? (info['aof_last_write_status'] ?? null) : null],
      ['aof-rewrite', 'Last AOF rewrite status', info['aof_last_bgrewrite_status'] ?? null],
      ['aof-rewrite-time', 'Last AOF rewrite took (s)', info['aof_last_rewrite_time_sec'] === '-1' ? 'never run' : (info['aof_last_rewrite_time_sec'] ?? null)],
    ].map(([key, metric, value]) => ({ _key: key ?? '', metric: metric ?? '', value: value ?? 'n/a' })),
  };
  const findings: RedisFinding[] = [];
  if (info['rdb_last_bgsave_status'] === 'err') {
    findings.push({
      id: 'health:persistence:bgsave',
      severity: 'critical',
      sectionId: 'persistence',
      rowKey: 'bgsave',
      object: 'BGSAVE',
      message: 'The last background save failed: with stop-writes-on-bgsave-error (the default) Redis refuses writes until a save succeeds. The server log says why (disk full, permissions, fork failed for lack of memory).',
      evidence: { status: 'err' },
      fixes: [redisOp({ kind: 'bgsave', title: 'BGSAVE', target: { kind: 'server' }, commands: [['BGSAVE']], impact: 'forks the server to write a snapshot: memory for copy-on-write and disk I/O while it runs', risk: 'heavy', confirmName: 'BGSAVE' })],
    });
  }
  if (aof && (info['aof_last_write_status'] === 'err' || info['aof_last_bgrewrite_status'] === 'err')) {
    findings.push({
      id: 'health:persistence:aof',
      severity: 'critical',
      sectionId: 'persistence',
      rowKey: 'aof',
      object: 'AOF',
      message: `The append-only file ${info['aof_last_write_status'] === 'err' ? 'could not be written' : 'could not be rewritten'}: writes may be refused and durability is not what is configured. The server log says why.`,
      evidence: { write: info['aof_last_write_status'] ?? null, rewrite: info['aof_last_bgrewrite_status'] ?? null },
      fixes: [],
    });
  }
  if (!aof && age !== undefined && changes !== undefined && changes > 0 && age >= SAVE_AGE_WARN_SECONDS && saveConfig !== '') {
    findings.push({
      id: 'health:persistence:old-save',
      severity: 'warning',
      sectionId: 'persistence',
      rowKey: 'save-age',
      object: 'snapshot',
      message: `The last successful snapshot is ${ageText(age)} old with ${changes.toLocaleString('en-US')} changes since: a restart now would lose them.`,
      evidence: { ageSeconds: age, changes },
      fixes: [redisOp({ kind: 'bgsave', title: 'BGSAVE', target: { kind: 'server' }, commands: [['BGSAVE']], impact: 'forks the server to write a snapshot: memory for copy-on-write and disk I/O while it runs', risk: 'heavy', confirmName: 'BGSAVE' })],
    });
  }
  return { section, findings };
}

function ageText(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** A replica this many seconds behind (master_last_io_seconds_ago, or a replica's lag on the master) warns. */
export const REPLICA_LAG_WARN_SECONDS = 10;

export function replicationHealth(info: Info): { section: Section; findings: RedisFinding[] } {
  const role = info['role'] ?? 'unknown';
  const rows: [string, string, CellValue][] = [['role', 'Role', role]];
  const findings: RedisFinding[] = [];
  if (role === 'slave') {
    const link = info['master_link_status'] ?? 'unknown';
    const io = num(info, 'master_last_io_seconds_ago');
    rows.push(['master', 'Master', `${info['master_host'] ?? '?'}:${info['master_port'] ?? '?'}`], ['link', 'Link status', link], ['io', 'Last contact with the master (s)', int(io)], ['sync', 'Sync in progress', info['master_sync_in_progress'] === '1' ? 'yes' : 'no']);
    if (link !== 'up') {
      findings.push({ id: 'health:replication:link', severity: 'critical', sectionId: 'replication', rowKey: 'link', object: 'replication link', message: `The link to the master is ${link}: this replica serves data that grows older by the second${info['master_link_down_since_seconds'] ? ` (down for ${info['master_link_down_since_seconds']} s)` : ''}.`, evidence: { link }, fixes: [] });
    } else if (io !== undefined && io >= REPLICA_LAG_WARN_SECONDS) {
      findings.push({ id: 'health:replication:io', severity: 'warning', sectionId: 'replication', rowKey: 'io', object: 'replication', message: `Nothing heard from the master for ${io} s.`, evidence: { seconds: io }, fixes: [] });
    }
  } else {
    const n = num(info, 'connected_slaves') ?? 0;
    rows.push(['replicas', 'Connected replicas', int(n)]);
    for (let i = 0; i < n; i++) {
      const line = info[`slave${i}`];
      if (!line) continue;
      const f = Object.fromEntries(line.split(',').map((kv) => kv.split('=') as [string, string]));
      const lag = Number(f['lag']);
      rows.push([`slave${i}`, `Replica ${f['ip'] ?? '?'}:${f['port'] ?? '?'}`, `${f['state'] ?? '?'}, lag ${Number.isFinite(lag) ? `${lag} s` : 'n/a'}, offset ${f['offset'] ?? '?'}`]);
      if (Number.isFinite(lag) && lag >= REPLICA_LAG_WARN_SECONDS) {
        findings.push({ id: `health:replication:slave${i}`, severity: 'warning', sectionId: 'replication', rowKey: `slave${i}`, object: `replica ${f['ip'] ?? '?'}:${f['port'] ?? '?'}`, message: `The replica last acknowledged ${lag} s ago.`, evidence: { lag }, fixes: [] });
      }
    }
  }
  return { section: facts('replication', 'Replication', rows), findings };
}
