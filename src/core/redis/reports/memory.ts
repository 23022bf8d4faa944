/**
 * Memory analysis of one logical database: a SCAN sample (or every key, on
 * demand) measured key by key, turned into totals by type, namespace and TTL
 * bucket, the top keys, and findings with fixes. The report says how large
 * the sample was and that its totals are extrapolated.
 */
import type IORedis from 'ioredis';
import type { Column, Section } from '../../reports/model';
import { formatBytes } from '../../format';
import type { RedisReport } from './report';
import { parseRedisInfo } from '../connection';
import { analyse, TTL_BUCKETS, type KeyStat, type MemoryAnalysis } from './memoryModel';
import { bigKeyFindings, keyRowKey, keyText, maxmemoryFinding, missingTtlFindings, namespaceText, smallKeysFindings } from './memoryFindings';
import { sampleKeyspace } from './sample';
import type { MemorySettings } from './settings';

export interface MemoryRun {
  client: IORedis;
  db: number;
  connectionName: string;
  settings: MemorySettings;
  /** Every key instead of a sample. */
  full: boolean;
  signal?: AbortSignal;
  now?: Date;
}

const col = (key: string, label: string, kind: Column['kind']): Column => ({ key, label, kind });
const round = (n: number): number => Math.round(n);
const pct = (part: number, whole: number): number | null => (whole > 0 ? Math.round((1000 * part) / whole) / 10 : null);

/** The words every section of a sampled report carries. */
export function sampleNote(a: Pick<MemoryAnalysis, 'complete' | 'sampled' | 'dbsize' | 'factor'>): string {
  if (a.complete) return `Every key of the database was analysed (${a.sampled.toLocaleString('en-US')} keys).`;
  const share = a.dbsize > 0 ? ((100 * a.sampled) / a.dbsize).toFixed(1) : '0';
  return `A sample of ${a.sampled.toLocaleString('en-US')} of ${a.dbsize.toLocaleString('en-US')} keys (${share}%, taken by SCAN): counts and memory are extrapolated proportionally (each sampled key stands for ${a.factor.toFixed(1)}), so they are estimates; keys outside the sample are not listed. "Analyse all keys" measures every key.`;
}

export function memorySections(a: MemoryAnalysis, info: Record<string, string>): Section[] {
  const note = sampleNote(a);
  const est = a.complete ? '' : ' (est.)';
  const usedMemory = Number(info['used_memory'] ?? NaN);
  const summary: Section = {
    id: 'summary',
    title: 'Summary',
    description: a.complete ? undefined : note,
    columns: [col('metric', 'Metric', 'text'), col('value', 'Value', 'text')],
    rows: [
      ['keys', 'Keys in the database', a.dbsize.toLocaleString('en-US')],
      ['sampled', 'Keys analysed', `${a.sampled.toLocaleString('en-US')}${a.complete ? ' (all)' : ' (sample)'}`],
      ['memory', `Memory of the keys${est}`, bytesText(a.estimatedBytes)],
      ['sampled-memory', 'Memory of the analysed keys', bytesText(a.sampledBytes)],
      ['used-memory', 'Server memory in use (INFO used_memory, all databases)', Number.isFinite(usedMemory) ? bytesText(usedMemory) : 'n/a'],
      ['maxmemory', 'maxmemory', info['maxmemory'] === undefined ? 'n/a' : info['maxmemory'] === '0' ? '0 (no limit)' : bytesText(Number(info['maxmemory']))],
      ['policy', 'Eviction policy', info['maxmemory_policy'] ?? 'n/a'],
    ].map(([k, metric, value]) => ({ _key: k ?? '', metric: metric ?? '', value: value ?? '' })),
  };
  const types: Section = {
    id: 'types',
    title: `Memory by type${est}`,
    note: a.complete ? undefined : note,
    columns: [col('type', 'Type', 'text'), col('keys', `Keys${est}`, 'number'), col('bytes', `Memory${est}`, 'bytes'), col('share', 'Share', 'percent'), col('avg', 'Average per key', 'bytes')],
    rows: [...a.types.entries()]
      .sort((x, y) => y[1].bytes - x[1].bytes)
      .map(([type, t]) => ({ _key: type, type, keys: round(t.keys), bytes: round(t.bytes), share: pct(t.bytes, a.estimatedBytes), avg: t.keys > 0 ? round(t.bytes / t.keys) : null })),
    chart: { kind: 'bar', title: 'Memory by type', x: 'type', y: ['bytes'] },
    empty: 'The database has no keys.',
  };
  const keyRow = (k: KeyStat): Record<string, string | number | null> => ({
    _key: keyRowKey(k.key),
    key: keyText(k.key),
    type: k.type,
    bytes: k.bytes,
    length: k.length,
    ttl: k.ttlMs >= 0 ? Math.ceil(k.ttlMs / 1000) : null,
  });
  const keyColumns = [col('key', 'Key', 'text'), col('type', 'Type', 'text'), col('bytes', 'Memory', 'bytes'), col('length', 'Length', 'number'), col('ttl', 'TTL', 'duration')];
  const topMemory: Section = {
    id: 'top-memory',
    title: 'Top keys by memory',
    description: 'Length is bytes for strings, elements for the other types. TTL n/a: the key never expires.',
    note: a.complete ? undefined : 'From the sample only.',
    columns: keyColumns,
    rows: a.topByMemory.map(keyRow),
    chart: { kind: 'bar', title: 'Largest keys', x: 'key', y: ['bytes'], limit: 10 },
    empty: 'No key was analysed.',
  };
  const topLength: Section = {
    id: 'top-length',
    title: 'Top keys by length',
    note: a.complete ? undefined : 'From the sample only.',
    columns: [col('key', 'Key', 'text'), col('type', 'Type', 'text'), col('length', 'Length', 'number'), col('bytes', 'Memory', 'bytes'), col('ttl', 'TTL', 'duration')],
    rows: a.topByLength.map(keyRow),
    empty: 'No key was analysed.',
  };
  const nsRow = (ns: MemoryAnalysis['namespaces'][number]): Record<string, string | number | null> => ({
    _key: ns.prefix ? keyRowKey(ns.prefix) : '-',
    namespace: namespaceText(ns),
    keys: round(ns.keys),
    bytes: round(ns.bytes),
    share: pct(ns.bytes, a.estimatedBytes),
    ttlShare: pct(ns.withTtl, ns.sampled),
  });
  const nsColumns = [col('namespace', 'Namespace', 'text'), col('keys', `Keys${est}`, 'number'), col('bytes', `Memory${est}`, 'bytes'), col('share', 'Share of memory', 'percent'), col('ttlShare', 'With a TTL', 'percent')];
  const byMemory = [...a.namespaces].sort((x, y) => y.bytes - x.bytes);
  const byCount = [...a.namespaces].sort((x, y) => y.keys - x.keys);
  const nsMemory: Section = {
    id: 'namespaces-memory',
    title: 'Namespaces by memory',
    description: 'A namespace is the key name up to its first delimiter (upkeep.redis.namespaceDelimiter).',
    note: a.complete ? undefined : note,
    columns: nsColumns,
    rows: byMemory.slice(0, 200).map(nsRow),
    chart: { kind: 'bar', title: 'Memory by namespace', x: 'namespace', y: ['bytes'], limit: 12 },
    empty: 'No key was analysed.',
  };
  const nsCount: Section = {
    id: 'namespaces-count',
    title: 'Namespaces by key count',
    columns: [nsColumns[0] as Column, nsColumns[1] as Column, nsColumns[2] as Column, nsColumns[4] as Column],
    rows: byCount.slice(0, 200).map(nsRow),
    chart: { kind: 'bar', title: 'Keys by namespace', x: 'namespace', y: ['keys'], limit: 12 },
    empty: 'No key was analysed.',
  };
  const ttl: Section = {
    id: 'ttl',
    title: 'Memory by time to live',
    note: a.complete ? undefined : note,
    columns: [col('bucket', 'Expires in', 'text'), col('keys', `Keys${est}`, 'number'), col('bytes', `Memory${est}`, 'bytes'), col('share', 'Share of memory', 'percent')],
    rows: TTL_BUCKETS.map((b) => {
      const t = a.buckets.get(b.id) ?? { keys: 0, bytes: 0 };
      return { _key: b.id, bucket: b.label, keys: round(t.keys), bytes: round(t.bytes), share: pct(t.bytes, a.estimatedBytes) };
    }),
    chart: { kind: 'bar', title: 'Memory by time to live', x: 'bucket', y: ['bytes'] },
  };
  return [summary, types, topMemory, topLength, nsMemory, nsCount, ttl];
}

function bytesText(n: number): string {
  return Number.isFinite(n) ? formatBytes(n) : 'n/a';
}

export async function buildMemoryReport(run: MemoryRun): Promise<RedisReport> {
  const started = Date.now();
  const now = run.now ?? new Date();
  const { client, db, settings } = run;
  const [infoText, dbsize] = await Promise.all([client.info(), client.dbsize()]);
  const info = parseRedisInfo(infoText);
  const sample = await sampleKeyspace(client, { limit: run.full ? Infinity : settings.sampleSize, memorySamples: settings.memorySamples, signal: run.signal });
  // A sample that went round the whole keyspace is every key (a small database).
  const a = analyse(sample.stats, Math.max(dbsize, sample.stats.length), settings.delimiter, sample.complete);
  const maxmemory = info['maxmemory'] === undefined ? undefined : Number(info['maxmemory']);
  const systemMemory = info['total_system_memory'] === undefined ? undefined : Number(info['total_system_memory']);
  const findings = [
    ...[maxmemoryFinding(maxmemory, info['maxmemory_policy'], systemMemory)].filter((f) => f !== undefined),
    ...bigKeyFindings(sample.stats, db, settings),
    ...missingTtlFindings(a, db),
    ...smallKeysFindings(a),
  ];
  return {
    kind: 'memory',
    title: 'Memory analysis',
    connectionName: run.connectionName,
    database: `db${db}`,
    server: 'Redis',
    serverVersion: info['redis_version'] ?? '',
    generatedAt: now.toISOString(),
    durationMs: Date.now() - started,
    sections: memorySections(a, info),
    findings,
  };
}
