/**
 * What Verify compares a Redis snapshot with: key counts per database (INFO
 * keyspace) and a sample of values. The source keeps changing while and
 * after the snapshot is taken, so both are read twice — before the RDB
 * transfer and after it — and the snapshot (forked at some moment between)
 * must show a count between the two, and, for every sampled key whose value
 * was the same before and after, exactly that value. Keys that changed
 * meanwhile are left out of the comparison and counted.
 *
 * Values are compared type by type (GET, LRANGE, HGETALL sorted, SMEMBERS
 * sorted, ZRANGE WITHSCORES, XRANGE) as a SHA-256, not as DUMP payloads: the
 * scratch server may be another Redis version that encodes the same value
 * differently.
 */
import { createHash } from 'node:crypto';
import type IORedis from 'ioredis';

export interface DbCount {
  keys: number;
  expires: number;
}

/** Database index → counts, from INFO keyspace. */
export async function keyspace(client: IORedis): Promise<Record<number, DbCount>> {
  const { parseRedisInfo } = await import('./connection');
  const info = parseRedisInfo(await client.info('keyspace'));
  const out: Record<number, DbCount> = {};
  for (const [k, v] of Object.entries(info)) {
    const m = /^db(\d+)$/.exec(k);
    if (!m) continue;
    const f = Object.fromEntries(v.split(',').map((p) => p.split('=') as [string, string]));
    out[Number(m[1])] = { keys: Number(f['keys'] ?? 0), expires: Number(f['expires'] ?? 0) };
  }
  return out;
}

/** What a Redis backup records for Verify. */
export interface RedisSnapshotDetail {
  before: Record<number, DbCount>;
  after: Record<number, DbCount>;
  /** Sampled keys whose value did not change during the transfer: the RDB must hold exactly these. */
  sample: SampledKey[];
  /** Sampled keys that changed during the transfer (not compared). */
  changedDuringBackup: number;
  /** redis-check-rdb's verdict at backup time ('not installed' when absent). */
  checked: string;
}

export interface SampledKey {
  db: number;
  /** The key's bytes, base64 (keys are binary-safe). */
  key: string;
  type: string;
  digest: string;
  /** ms since the epoch when it expires (it had a TTL), else absent. */
  expiresAt?: number;
}

/** Values bigger than this are not sampled (their read would load the source for a sample). */
const MAX_ELEMENTS = 10_000;
const MAX_STRING = 1024 * 1024;

const READS: Record<string, { len: string; read: (key: Buffer) => [string, ...(string | Buffer)[]]; sortPairs?: boolean; sort?: boolean }> = {
  string: { len: 'STRLEN', read: (k) => ['GET', k] },
  list: { len: 'LLEN', read: (k) => ['LRANGE', k, '0', '-1'] },
  hash: { len: 'HLEN', read: (k) => ['HGETALL', k], sortPairs: true },
  set: { len: 'SCARD', read: (k) => ['SMEMBERS', k], sort: true },
  zset: { len: 'ZCARD', read: (k) => ['ZRANGE', k, '0', '-1', 'WITHSCORES'] },
  stream: { len: 'XLEN', read: (k) => ['XRANGE', k, '-', '+'] },
};

/** SHA-256 over a reply, with lengths so that no two different replies hash alike. */
function digestReply(type: string, reply: unknown, how: { sort?: boolean; sortPairs?: boolean }): string {
  const h = createHash('sha256');
  h.update(`${type}\n`);
  const feed = (v: unknown): void => {
    if (Buffer.isBuffer(v)) {
      h.update(`b${v.length}:`);
      h.update(v);
    } else if (Array.isArray(v)) {
      h.update(`a${v.length}:`);
      v.forEach(feed);
    } else if (v === null || v === undefined) h.update('n;');
    else h.update(`s${typeof v === 'number' || typeof v === 'string' ? String(v) : JSON.stringify(v)};`);
  };
  // ioredis turns an HGETALL reply into an object whatever way it is called: back to pairs.
  let value = reply !== null && typeof reply === 'object' && !Array.isArray(reply) && !Buffer.isBuffer(reply) ? Object.entries(reply as Record<string, unknown>).flat() : reply;
  if (Array.isArray(value) && how.sort) value = [...(value as Buffer[])].sort((a, b) => Buffer.compare(a, b));
  if (Array.isArray(value) && how.sortPairs) {
    const flat = value.map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v))));
    const pairs: [Buffer, Buffer][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] as Buffer, flat[i + 1] as Buffer]);
    value = pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  }
  feed(value);
  return h.digest('hex');
}

async function execPipeline(client: IORedis, commands: [string, ...(string | Buffer)[]][]): Promise<unknown[]> {
  if (!commands.length) return [];
  const p = client.pipeline();
  for (const [cmd, ...args] of commands) p.callBuffer(cmd, args);
  const replies = (await p.exec()) ?? [];
  return replies.map(([err, v]) => (err ? undefined : v));
}

/** Type and digest of each key (undefined: missing, too big or of a type not compared). Runs on the selected database. */
export async function digestKeys(client: IORedis, keys: Buffer[]): Promise<({ type: string; digest: string; pttl: number } | undefined)[]> {
  const meta = await execPipeline(client, keys.flatMap((k) => [['TYPE', k], ['PTTL', k]] as [string, Buffer][]));
  const types = keys.map((_, i) => (Buffer.isBuffer(meta[2 * i]) ? (meta[2 * i] as Buffer).toString() : 'none'));
  const pttls = keys.map((_, i) => Number(meta[2 * i + 1] ?? -2));
  const lens = await execPipeline(client, keys.map((k, i) => [READS[types[i] ?? '']?.len ?? 'EXISTS', k]));
  const readable = keys.map((_, i) => {
    const how = READS[types[i] ?? ''];
    const len = Number(lens[i] ?? 0);
    return how !== undefined && (types[i] === 'string' ? len <= MAX_STRING : len <= MAX_ELEMENTS);
  });
  const values = await execPipeline(client, keys.flatMap((k, i) => (readable[i] ? [READS[types[i] ?? '']?.read(k) ?? ['EXISTS', k]] : [])));
  let j = 0;
  return keys.map((_, i) => {
    if (!readable[i]) return undefined;
    const type = types[i] ?? 'none';
    const reply = values[j++];
    if (reply === undefined) return undefined;
    return { type, digest: digestReply(type, reply, READS[type] ?? {}), pttl: pttls[i] ?? -1 };
  });
}

/** Up to `perDb` distinct random keys of each database (RANDOMKEY, so the sample spreads over the keyspace). */
export async function randomKeys(client: IORedis, db: number, perDb: number): Promise<Buffer[]> {
  await client.select(db);
  const replies = await execPipeline(client, Array.from({ length: perDb }, () => ['RANDOMKEY'] as [string]));
  const seen = new Map<string, Buffer>();
  for (const r of replies) if (Buffer.isBuffer(r)) seen.set(r.toString('base64'), r);
  return [...seen.values()];
}

/** A key for a message: its text in quotes when it is text, else its bytes in hex. */
export function keyText(base64: string): string {
  const b = Buffer.from(base64, 'base64');
  const s = b.toString('utf8');
  return Buffer.from(s, 'utf8').equals(b) && ![...s].some((c) => c.charCodeAt(0) < 32) ? JSON.stringify(s) : `0x${b.toString('hex')}`;
}

/** The sampled keys whose value was the same before and after the snapshot; the rest are counted as changed. */
export function stableSample(before: SampledKey[], after: Map<string, string | undefined>): { stable: SampledKey[]; changed: number } {
  const stable = before.filter((s) => after.get(`${s.db}:${s.key}`) === s.digest);
  return { stable, changed: before.length - stable.length };
}

/** Whether a restored count fits the counts before and after the snapshot, allowing keys that have expired since. */
export function countFits(restored: number, before: number, after: number, expiredSince: number): boolean {
  return restored <= Math.max(before, after) && restored >= Math.min(before, after) - expiredSince;
}
