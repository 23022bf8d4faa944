/**
 * A Redis keyspace to test and measure against: keys of every type across
 * namespaces, with and without TTL, a few big keys, and hostile names. Loaded
 * with pipelines (a 100,000-key fixture takes a second or two), into one
 * logical database, which it empties first.
 */
import type IORedis from 'ioredis';

export interface RedisFixtureOptions {
  db: number;
  /** Small keys in all (big and hostile keys come on top). Default 100,000. */
  keys?: number;
  /** Add the big keys (several MB in all). Default true. */
  big?: boolean;
  /** Add the hostile names. Default true. */
  hostile?: boolean;
}

/** Namespaces of the small keys, their type, share of `keys`, and TTL (seconds; 0 = none). */
export const FIXTURE_NAMESPACES = [
  { prefix: 'user', type: 'hash', share: 0.3, ttl: 0 },
  { prefix: 'session', type: 'string', share: 0.25, ttl: 1800 },
  { prefix: 'cache:page', type: 'string', share: 0.15, ttl: 3 * 86400 },
  { prefix: 'counter', type: 'string', share: 0.15, ttl: 0 },
  { prefix: 'queue', type: 'list', share: 0.05, ttl: 0 },
  { prefix: 'tags', type: 'set', share: 0.05, ttl: 0 },
  { prefix: 'rank', type: 'zset', share: 0.04, ttl: 0 },
  { prefix: 'events', type: 'stream', share: 0.01, ttl: 0 },
] as const;

/** The big keys and their sizes (elements, or bytes for the string). */
export const FIXTURE_BIG_KEYS = {
  'big:string': { type: 'string', length: 2 * 1024 * 1024 },
  'big:hash': { type: 'hash', length: 50_000 },
  'big:list': { type: 'list', length: 100_000 },
  'big:set': { type: 'set', length: 50_000 },
  'big:zset': { type: 'zset', length: 50_000 },
  'big:stream': { type: 'stream', length: 5_000 },
} as const;

/** Names that break naive tools: spaces, quotes, glob characters, newlines, bytes that are not UTF-8, 10 KB, HTML. */
export function hostileKeyNames(): Buffer[] {
  return [
    Buffer.from('hostile:with space'),
    Buffer.from('hostile:"double" and \'single\''),
    Buffer.from('hostile:glob*?[abc]\\'),
    Buffer.from('hostile:new\nline'),
    Buffer.from([0x68, 0x6f, 0x73, 0x74, 0x69, 0x6c, 0x65, 0x3a, 0x00, 0xff, 0xfe, 0x80]),
    Buffer.from(`hostile:${'x'.repeat(10 * 1024)}`),
    Buffer.from('<img src=x onerror=alert(1)>'),
    Buffer.from('hostile:ünïcødé 🔑'),
  ];
}

export interface RedisFixture {
  db: number;
  /** Small keys per namespace prefix. */
  counts: Record<string, number>;
  /** Small keys with a TTL. */
  expiring: number;
  bigKeys: string[];
  hostile: Buffer[];
  /** Every key written. */
  total: number;
}

async function flushPipeline(p: ReturnType<IORedis['pipeline']>): Promise<void> {
  const results = await p.exec();
  const failed = results?.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

/** Empties `db` and fills it (the client is moved to `db` and left there). */
export async function loadRedisFixture(client: IORedis, opts: RedisFixtureOptions): Promise<RedisFixture> {
  const total = opts.keys ?? 100_000;
  await client.select(opts.db);
  await client.flushdb();
  const counts: Record<string, number> = {};
  let expiring = 0;
  let written = 0;
  let p = client.pipeline();
  let queued = 0;
  const queue = async (): Promise<void> => {
    if (++queued >= 2_000) {
      await flushPipeline(p);
      p = client.pipeline();
      queued = 0;
    }
  };
  for (const ns of FIXTURE_NAMESPACES) {
    const n = Math.max(1, Math.round(total * ns.share));
    counts[ns.prefix] = n;
    for (let i = 0; i < n; i++) {
      const key = `${ns.prefix}:${i}`;
      switch (ns.type) {
        case 'hash':
          p.hset(key, 'name', `User ${i}`, 'email', `user${i}@example.com`, 'visits', String(i % 97));
          break;
        case 'string':
          p.set(key, ns.prefix === 'counter' ? String(i) : `payload-${i}-${'v'.repeat(i % 64)}`);
          break;
        case 'list':
          p.rpush(key, 'a', 'b', String(i));
          break;
        case 'set':
          p.sadd(key, 'red', 'green', String(i));
          break;
        case 'zset':
          p.zadd(key, 1, 'alice', 2, 'bob', i, 'carol');
          break;
        case 'stream':
          p.xadd(key, '*', 'event', 'login', 'n', String(i));
          break;
      }
      if (ns.ttl) {
        // Spread TTLs a little so they do not all fall in one second.
        p.expire(key, ns.ttl + (i % 600));
        expiring++;
      }
      written++;
      await queue();
    }
  }
  await flushPipeline(p);

  const bigKeys: string[] = [];
  if (opts.big !== false) {
    for (const [key, spec] of Object.entries(FIXTURE_BIG_KEYS)) {
      bigKeys.push(key);
      await loadBigKey(client, key, spec.type, spec.length);
      written++;
    }
  }
  const hostile = opts.hostile === false ? [] : hostileKeyNames();
  for (const key of hostile) {
    await client.set(key, 'hostile value <script>alert(1)</script>');
    written++;
  }
  return { db: opts.db, counts, expiring, bigKeys, hostile, total: written };
}

async function loadBigKey(client: IORedis, key: string, type: string, length: number): Promise<void> {
  if (type === 'string') {
    await client.set(key, 'S'.repeat(length));
    return;
  }
  const chunk = 1_000;
  for (let start = 0; start < length; start += chunk) {
    const end = Math.min(length, start + chunk);
    const p = client.pipeline();
    for (let i = start; i < end; i++) {
      if (type === 'hash') p.hset(key, `field:${i}`, `value-${i}`);
      else if (type === 'list') p.rpush(key, `item-${i}`);
      else if (type === 'set') p.sadd(key, `member-${i}`);
      else if (type === 'zset') p.zadd(key, i, `member-${i}`);
      else if (type === 'stream') p.xadd(key, '*', 'n', String(i), 'body', `event ${i}`);
    }
    await flushPipeline(p);
  }
}
