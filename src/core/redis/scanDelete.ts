/**
 * The two passes of a pattern delete, both SCAN with MATCH and COUNT (never
 * KEYS): counting what matches for the preview (bounded in time), and
 * deleting what matches, one UNLINK per batch, with a cancel between batches.
 */
import type IORedis from 'ioredis';
import type { OperationProgress } from '../operations/operation';
import type { RedisArg } from './operation';

export interface ScanSpec {
  pattern: RedisArg;
  type?: string;
  /** SCAN's COUNT: how much of the keyspace one step looks at. */
  count: number;
}

/** Each SCAN step's keys (raw bytes), until the cursor comes back to 0 or `signal` aborts. */
export async function* scanSteps(client: IORedis, spec: ScanSpec, signal?: AbortSignal, state: { complete: boolean } = { complete: false }): AsyncGenerator<Buffer[]> {
  let cursor = '0';
  do {
    if (signal?.aborted) return;
    const args: RedisArg[] = [cursor, 'MATCH', spec.pattern, 'COUNT', String(spec.count), ...(spec.type ? ['TYPE', spec.type] : [])];
    const [next, keys] = (await client.callBuffer('SCAN', ...args)) as [Buffer, Buffer[]];
    cursor = next.toString('latin1');
    if (cursor === '0') state.complete = true;
    yield keys;
  } while (cursor !== '0');
}

export interface MatchCount {
  count: number;
  /** The first keys found, at most `sampleSize`. */
  sample: Buffer[];
  /** False when the time limit or a cancel ended the pass first: `count` is then a lower bound. */
  complete: boolean;
  /** Keys in the database when the pass began (DBSIZE), to say how far it got. */
  dbSize: number;
  steps: number;
}

/** Counts the keys a pattern matches with one SCAN pass, stopping at `limitMs`. */
export async function countMatches(
  client: IORedis,
  spec: ScanSpec,
  opts: { limitMs: number; sampleSize: number; signal?: AbortSignal; onProgress?: (p: OperationProgress) => void },
): Promise<MatchCount> {
  const dbSize = Number(await client.dbsize());
  const started = Date.now();
  const out: MatchCount = { count: 0, sample: [], complete: false, dbSize, steps: 0 };
  const state = { complete: false };
  for await (const keys of scanSteps(client, spec, opts.signal, state)) {
    out.steps++;
    out.count += keys.length;
    for (const k of keys) if (out.sample.length < opts.sampleSize) out.sample.push(k);
    const looked = Math.min(dbSize, out.steps * spec.count);
    opts.onProgress?.({ phase: `counting: ${out.count.toLocaleString('en-US')} found so far`, percent: dbSize ? Math.min(99, (100 * looked) / dbSize) : null });
    if (!state.complete && Date.now() - started > opts.limitMs) return out;
  }
  out.complete = state.complete;
  return out;
}

export interface DeleteResult {
  deleted: number;
  /** Keys found by SCAN (a key may be found twice while the server rehashes; UNLINK counts each once). */
  found: number;
  cancelled: boolean;
}

/**
 * Deletes what the pattern matches as SCAN finds it: every `batchSize` keys
 * one UNLINK (DEL on servers without it). A cancel is honoured between
 * batches: the batch being sent completes, no other starts.
 */
export async function deleteMatches(
  client: IORedis,
  spec: ScanSpec,
  opts: { batchSize: number; verb: 'UNLINK' | 'DEL'; expected?: number; signal?: AbortSignal; onProgress?: (p: OperationProgress) => void },
  /** Counts as they go: the caller's, so they survive a failure half-way (a lost connection). */
  result: DeleteResult = { deleted: 0, found: 0, cancelled: false },
): Promise<DeleteResult> {
  let pending: Buffer[] = [];
  const flush = async (all: boolean): Promise<boolean> => {
    while (pending.length >= opts.batchSize || (all && pending.length)) {
      if (opts.signal?.aborted) return false;
      const batch = pending.slice(0, opts.batchSize);
      pending = pending.slice(batch.length);
      result.deleted += Number(await client.callBuffer(opts.verb, ...batch));
      const percent = opts.expected ? Math.min(99, (100 * result.deleted) / opts.expected) : null;
      opts.onProgress?.({ phase: `${result.deleted.toLocaleString('en-US')} keys deleted`, percent });
    }
    return true;
  };
  const state = { complete: false };
  for await (const keys of scanSteps(client, spec, opts.signal, state)) {
    result.found += keys.length;
    pending.push(...keys);
    if (!(await flush(false))) break;
  }
  if (state.complete) await flush(true);
  result.cancelled = !state.complete || pending.length > 0;
  return result;
}
