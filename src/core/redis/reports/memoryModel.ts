/**
 * The memory analysis's arithmetic, pure: one record per sampled key in,
 * totals by type, namespace and TTL bucket out, extrapolated from the sample
 * to the whole database proportionally (sampled share of the keys).
 */

/** What the analysis learns of one key. */
export interface KeyStat {
  key: Buffer;
  /** TYPE: string, hash, list, set, zset, stream, or a module's type. */
  type: string;
  /** MEMORY USAGE (bytes), null when the server gave none. */
  bytes: number | null;
  /** PTTL in ms: -1 no expiry. */
  ttlMs: number;
  /** STRLEN/HLEN/LLEN/SCARD/ZCARD/XLEN; null for a type without one. */
  length: number | null;
}

export const TTL_BUCKETS = [
  { id: 'none', label: 'No expiry' },
  { id: 'lt1h', label: '< 1 h' },
  { id: '1h-24h', label: '1–24 h' },
  { id: '1d-7d', label: '1–7 d' },
  { id: 'gt7d', label: '> 7 d' },
] as const;
export type TtlBucket = (typeof TTL_BUCKETS)[number]['id'];

const HOUR = 3_600_000;

export function ttlBucket(ttlMs: number): TtlBucket {
  if (ttlMs < 0) return 'none';
  if (ttlMs < HOUR) return 'lt1h';
  if (ttlMs < 24 * HOUR) return '1h-24h';
  if (ttlMs <= 7 * 24 * HOUR) return '1d-7d';
  return 'gt7d';
}

/** The label of keys with no delimiter in their name. */
export const NO_NAMESPACE = '(no namespace)';

/**
 * A key's namespace: its name up to and including the first delimiter
 * ("user:42" → "user:"), as the tree groups it; binary names are compared as bytes.
 */
export function namespaceOf(key: Buffer, delimiter: string): Buffer | undefined {
  const i = key.indexOf(Buffer.from(delimiter, 'utf8'));
  return i > 0 ? key.subarray(0, i + Buffer.byteLength(delimiter)) : undefined;
}

export interface Totals {
  keys: number;
  bytes: number;
}

export interface NamespaceTotals extends Totals {
  /** Undefined for keys without a delimiter. */
  prefix: Buffer | undefined;
  /** Sampled keys (not extrapolated). */
  sampled: number;
  /** Sampled keys with a TTL. */
  withTtl: number;
  /** Their TTLs in seconds, for the namespace's typical TTL. */
  ttlSeconds: number[];
  /** Sampled keys without a TTL. */
  withoutTtl: KeyStat[];
  /** Sampled strings and their total length (for "cheaper as a hash"). */
  strings: number;
  stringBytes: number;
}

export interface MemoryAnalysis {
  /** Keys in the database (DBSIZE). */
  dbsize: number;
  /** Keys analysed. */
  sampled: number;
  /** Whether every key was analysed. */
  complete: boolean;
  /** dbsize / sampled: what each sampled key stands for (1 when complete). */
  factor: number;
  /** Sampled memory (sum of MEMORY USAGE) and its extrapolation to the database. */
  sampledBytes: number;
  estimatedBytes: number;
  /** Per type, extrapolated. */
  types: Map<string, Totals & { sampled: number }>;
  namespaces: NamespaceTotals[];
  buckets: Map<TtlBucket, Totals>;
  topByMemory: KeyStat[];
  topByLength: KeyStat[];
}

export const TOP_KEYS = 50;

/** Keeps the n largest by `by` (stable for ties: first seen first). */
function top(stats: readonly KeyStat[], by: (k: KeyStat) => number | null, n: number): KeyStat[] {
  return stats.filter((k) => by(k) !== null).sort((a, b) => (by(b) ?? 0) - (by(a) ?? 0)).slice(0, n);
}

/**
 * Totals from the sampled keys. A sample stands for the whole database in
 * proportion: `factor` = keys in the database / keys sampled, applied to
 * counts and bytes alike (an estimate: a few large keys in or out of the
 * sample move it most).
 */
export function analyse(stats: readonly KeyStat[], dbsize: number, delimiter: string, complete: boolean): MemoryAnalysis {
  const sampled = stats.length;
  const factor = complete || sampled === 0 ? 1 : Math.max(1, dbsize / sampled);
  const types = new Map<string, Totals & { sampled: number }>();
  const namespaces = new Map<string, NamespaceTotals>();
  const buckets = new Map<TtlBucket, Totals>(TTL_BUCKETS.map((b) => [b.id, { keys: 0, bytes: 0 }]));
  let sampledBytes = 0;
  for (const k of stats) {
    const bytes = k.bytes ?? 0;
    sampledBytes += bytes;
    const t = types.get(k.type) ?? { keys: 0, bytes: 0, sampled: 0 };
    t.sampled++;
    t.keys += factor;
    t.bytes += bytes * factor;
    types.set(k.type, t);
    const b = buckets.get(ttlBucket(k.ttlMs));
    if (b) {
      b.keys += factor;
      b.bytes += bytes * factor;
    }
    const prefix = namespaceOf(k.key, delimiter);
    const id = prefix ? prefix.toString('latin1') : '';
    const ns = namespaces.get(id) ?? { prefix, keys: 0, bytes: 0, sampled: 0, withTtl: 0, ttlSeconds: [], withoutTtl: [], strings: 0, stringBytes: 0 };
    ns.sampled++;
    ns.keys += factor;
    ns.bytes += bytes * factor;
    if (k.ttlMs >= 0) {
      ns.withTtl++;
      ns.ttlSeconds.push(Math.ceil(k.ttlMs / 1000));
    } else {
      ns.withoutTtl.push(k);
    }
    if (k.type === 'string') {
      ns.strings++;
      ns.stringBytes += bytes;
    }
    namespaces.set(id, ns);
  }
  return {
    dbsize,
    sampled,
    complete,
    factor,
    sampledBytes,
    estimatedBytes: sampledBytes * factor,
    types,
    namespaces: [...namespaces.values()],
    buckets,
    topByMemory: top(stats, (k) => k.bytes, TOP_KEYS),
    topByLength: top(stats, (k) => k.length, TOP_KEYS),
  };
}

/** The median, rounded up; undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return Math.ceil(sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2);
}
