/**
 * Reading the keyspace for the memory analysis: SCAN with COUNT (never KEYS)
 * until the sample is full, and per batch of keys two pipelined rounds —
 * TYPE + MEMORY USAGE … SAMPLES n + PTTL, then the length command its type
 * has. Every command is O(1) or bounded (SAMPLES), so none makes Redis wait.
 */
import type IORedis from 'ioredis';
import type { KeyStat } from './memoryModel';

/** The O(1) length command of each type. */
export const LENGTH_COMMAND: Readonly<Record<string, string>> = {
  string: 'STRLEN',
  hash: 'HLEN',
  list: 'LLEN',
  set: 'SCARD',
  zset: 'ZCARD',
  stream: 'XLEN',
};

/** Keys per SCAN call and per pipeline round. */
export const SCAN_COUNT = 1_000;

export interface SampleOptions {
  /** Keys to analyse; Infinity: all of them. */
  limit: number;
  memorySamples: number;
  signal?: AbortSignal;
}

export interface Sample {
  stats: KeyStat[];
  /** Whether SCAN went round the whole keyspace (every key seen). */
  complete: boolean;
  scanCalls: number;
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('cancelled');
}

function pipelineValues(results: [Error | null, unknown][] | null): unknown[] {
  return (results ?? []).map(([err, value]) => (err ? undefined : value));
}

/** TYPE, MEMORY USAGE and PTTL, then the length, of a batch of keys (keys gone meanwhile are left out). */
export async function statKeys(client: IORedis, keys: readonly Buffer[], memorySamples: number): Promise<KeyStat[]> {
  if (!keys.length) return [];
  const first = client.pipeline();
  for (const key of keys) {
    first.type(key);
    first.call('MEMORY', 'USAGE', key, 'SAMPLES', String(memorySamples));
    first.pttl(key);
  }
  const v = pipelineValues(await first.exec());
  const stats: KeyStat[] = [];
  keys.forEach((key, i) => {
    const type = v[i * 3];
    if (typeof type !== 'string' || type === 'none') return;
    const bytes = v[i * 3 + 1];
    const ttl = v[i * 3 + 2];
    stats.push({ key, type, bytes: typeof bytes === 'number' ? bytes : null, ttlMs: typeof ttl === 'number' && ttl >= 0 ? ttl : -1, length: null });
  });
  const measured = stats.filter((s) => LENGTH_COMMAND[s.type]);
  if (measured.length) {
    const second = client.pipeline();
    for (const s of measured) second.call(LENGTH_COMMAND[s.type] ?? 'STRLEN', s.key);
    const lengths = pipelineValues(await second.exec());
    measured.forEach((s, i) => {
      const n = lengths[i];
      s.length = typeof n === 'number' ? n : null;
    });
  }
  return stats;
}

/** Batches measured at once: their pipelines go out together, so round trips overlap instead of adding up. */
export const BATCHES_IN_FLIGHT = 10;

/**
 * SCANs the selected database until `limit` distinct keys are analysed or the
 * cursor comes back to 0. Keys are measured a window at a time (up to
 * BATCHES_IN_FLIGHT pipelines of SCAN_COUNT keys sent together), so memory
 * stays bounded when every key of a large database is analysed.
 */
export async function sampleKeyspace(client: IORedis, opts: SampleOptions): Promise<Sample> {
  const seen = new Set<string>();
  const stats: KeyStat[] = [];
  let cursor = '0';
  let scanCalls = 0;
  let pending: Buffer[] = [];
  let cut = false;
  const flush = async (): Promise<void> => {
    aborted(opts.signal);
    const batches: Buffer[][] = [];
    for (let i = 0; i < pending.length; i += SCAN_COUNT) batches.push(pending.slice(i, i + SCAN_COUNT));
    pending = [];
    for (const measured of await Promise.all(batches.map((b) => statKeys(client, b, opts.memorySamples)))) stats.push(...measured);
  };
  do {
    aborted(opts.signal);
    const [next, keys] = await client.scanBuffer(cursor, 'COUNT', SCAN_COUNT);
    scanCalls++;
    cursor = next.toString();
    for (const key of keys) {
      // SCAN may return a key twice (the table grew or shrank between calls).
      const id = key.toString('latin1');
      if (seen.has(id)) continue;
      if (seen.size >= opts.limit) {
        cut = true;
        break;
      }
      seen.add(id);
      pending.push(key);
    }
    if (pending.length >= SCAN_COUNT * BATCHES_IN_FLIGHT) await flush();
  } while (cursor !== '0' && seen.size < opts.limit);
  await flush();
  // Every key was seen when the cursor came round and the limit cut nothing off.
  return { stats, complete: cursor === '0' && !cut, scanCalls };
}
