import { strict as assert } from 'node:assert';
import type IORedis from 'ioredis';
import { openRedis, parseRedisInfo } from '../../src/core/redis/connection';
import { escapeGlob } from '../../src/core/redis/glob';
import { configuredDatabases, KeyScan, keyFacts, NamespaceLevel, type KeyFilter } from '../../src/core/redis/keyspace';
import { ValueReader, type ValuePage } from '../../src/core/redis/values';
import { pageText, stringKind, valueHeader } from '../../src/core/redis/valueText';
import { FIXTURE_BIG_KEYS, FIXTURE_NAMESPACES, loadRedisFixture, type RedisFixture } from '../services/redisFixture';
import { redisProfile, services } from './services';

/** redis-ops uses dbs 1–5, redis-reports 6–8: the tree's tests have db 9. */
const DB = 9;
const COLON = Buffer.from(':');

/** Every key of a walk, paging until the cursor comes back (and failing if it never does). */
async function scanAll(client: IORedis, opts: { prefix?: Buffer; filter?: KeyFilter; pageSize?: number } = {}): Promise<{ keys: Buffer[]; pages: number }> {
  const scan = new KeyScan(client, { prefix: opts.prefix, filter: opts.filter, count: 1000, pageSize: opts.pageSize ?? 500, maxCalls: 50 });
  const keys: Buffer[] = [];
  let pages = 0;
  while (!scan.done) {
    keys.push(...(await scan.nextPage()));
    if (++pages > 10_000) throw new Error('SCAN walk did not end');
  }
  return { keys, pages };
}

const ids = (keys: Buffer[]): string[] => keys.map((k) => k.toString('latin1')).sort();

/** Every page of a value. */
async function readAll(client: IORedis, key: string | Buffer, type: string, pageSize = 500): Promise<ValuePage[]> {
  const reader = new ValueReader(client, Buffer.from(key), type, { pageSize, stringBytes: 65_536 });
  const pages: ValuePage[] = [];
  while (!reader.done) {
    pages.push(await reader.next());
    if (pages.length > 10_000) throw new Error('value paging did not end');
  }
  return pages;
}

describe('Redis tree: keyspace and values (real server, 100,000 keys in db 9)', function () {
  this.timeout(120_000);
  let client: IORedis;
  let fixture: RedisFixture;
  let expected: Set<string>;
  const sent: string[][] = [];
  let monitor: { disconnect(): void } | undefined;

  before(async () => {
    const password = services().redis.password;
    client = await openRedis(redisProfile({ database: String(DB) }), password, 'upkeep-tree-test');
    fixture = await loadRedisFixture(client, { db: DB, keys: 100_000 });
    await client.set('json:doc', JSON.stringify({ name: 'Ada', tags: ['a', 'b'], nested: { n: 1 } }));
    await client.set('bin:blob', Buffer.from([0x00, 0x01, 0xff, 0x41, 0x42, 0x0a]));
    expected = new Set<string>();
    for (const ns of FIXTURE_NAMESPACES) for (let i = 0; i < (fixture.counts[ns.prefix] ?? 0); i++) expected.add(`${ns.prefix}:${i}`);
    for (const k of fixture.bigKeys) expected.add(k);
    for (const k of fixture.hostile) expected.add(k.toString('latin1'));
    expected.add('json:doc');
    expected.add('bin:blob');
    // From here on every command the tree's code sends is counted (commandstats) and recorded with its arguments (MONITOR).
    await client.call('CONFIG', 'RESETSTAT');
    const watcher = await openRedis(redisProfile(), password, 'upkeep-tree-monitor');
    const m = (await watcher.monitor()) as unknown as { on(e: 'monitor', f: (time: string, args: string[], source: string, db: string) => void): void; disconnect(): void };
    m.on('monitor', (_time, args, _source, db) => {
      if (db === String(DB)) sent.push(args);
    });
    monitor = m;
    watcher.disconnect();
  });

  after(async () => {
    monitor?.disconnect();
    await client?.flushdb();
    client?.disconnect();
  });

  it('pages through every key with SCAN and visits each exactly once', async () => {
    const { keys, pages } = await scanAll(client);
    assert.ok(pages > 10, `${pages} pages`);
    assert.equal(keys.length, new Set(ids(keys)).size, 'no key given twice');
    assert.deepEqual(ids(keys), [...expected].sort());
    assert.equal(keys.length, fixture.total + 2);
  });

  it('counts the namespaces of the whole database, nested ones included', async () => {
    const { keys } = await scanAll(client);
    const root = new NamespaceLevel(Buffer.alloc(0), COLON);
    root.add(keys);
    const counts = Object.fromEntries(root.namespaces().map((n) => [n.prefix.toString('latin1'), n.count]));
    assert.deepEqual(counts, {
      'big:': 6, 'bin:': 1, 'cache:': 15_000, 'counter:': 15_000, 'events:': 1_000, 'hostile:': 7, 'json:': 1,
      'queue:': 5_000, 'rank:': 4_000, 'session:': 25_000, 'tags:': 5_000, 'user:': 30_000,
    });
    assert.deepEqual(root.keys.map((k) => k.toString()), ['<img src=x onerror=alert(1)>']);
    // One level down, from a MATCH scan of the namespace alone.
    const cache = await scanAll(client, { prefix: Buffer.from('cache:') });
    const level = new NamespaceLevel(Buffer.from('cache:'), COLON);
    level.add(cache.keys);
    assert.deepEqual(level.namespaces().map((n) => [n.prefix.toString(), n.count]), [['cache:page:', 15_000]]);
    assert.equal(level.keys.length, 0);
  });

  it('scans a namespace with MATCH on its escaped prefix, hostile characters included', async () => {
    const tags = await scanAll(client, { prefix: Buffer.from('tags:') });
    assert.equal(tags.keys.length, 5_000);
    assert.ok(tags.keys.every((k) => k.toString().startsWith('tags:')));
    const glob = await scanAll(client, { prefix: Buffer.from('hostile:glob*?[abc]') });
    assert.deepEqual(glob.keys.map(String), ['hostile:glob*?[abc]\\']);
    const binary = Buffer.from([0x68, 0x6f, 0x73, 0x74, 0x69, 0x6c, 0x65, 0x3a, 0x00, 0xff]);
    assert.deepEqual(ids((await scanAll(client, { prefix: binary })).keys), [Buffer.from([...binary, 0xfe, 0x80]).toString('latin1')]);
  });

  it('filters by pattern (escaped glob characters match literally) and by type', async () => {
    const literal = escapeGlob('hostile:glob*?[abc]\\').toString('latin1');
    assert.deepEqual((await scanAll(client, { filter: { pattern: literal } })).keys.map(String), ['hostile:glob*?[abc]\\']);
    // Unescaped, the same text is a glob that matches nothing (the class wants one of a, b, c after "?").
    assert.deepEqual((await scanAll(client, { filter: { pattern: 'hostile:glob*?[abc]\\' } })).keys, []);
    assert.equal((await scanAll(client, { filter: { pattern: 'user:1*' } })).keys.length, 11_111);
    const zsets = await scanAll(client, { filter: { type: 'zset' } });
    assert.equal(zsets.keys.length, 4_001);
    const streamsInEvents = await scanAll(client, { prefix: Buffer.from('events:'), filter: { type: 'stream', pattern: '*:9?' } });
    assert.deepEqual(streamsInEvents.keys.map(String).sort(), Array.from({ length: 10 }, (_, i) => `events:9${i}`).sort());
    // A namespace and a pattern that exclude each other: nothing is sent, nothing found.
    assert.deepEqual((await scanAll(client, { prefix: Buffer.from('tags:'), filter: { pattern: 'user:*' } })).keys, []);
    // A pattern narrower than the namespace is sent as it is.
    assert.equal((await scanAll(client, { prefix: Buffer.from('user:'), filter: { pattern: 'user:2999*' } })).keys.length, 11);
  });

  it('reads type, TTL, size and length of a page of keys in pipelines', async () => {
    const keys = ['user:1', 'session:1', 'big:hash', 'big:string', 'queue:3', 'rank:4', 'events:5', 'tags:6', 'missing:key'].map((k) => Buffer.from(k));
    const facts = await keyFacts(client, keys, 5, { encoding: true });
    const by = Object.fromEntries(facts.map((f) => [f.key.toString(), f]));
    assert.equal(by['user:1']?.type, 'hash');
    assert.equal(by['user:1']?.length, 3);
    assert.equal(by['user:1']?.ttlMs, null);
    assert.equal(by['user:1']?.encoding, 'listpack');
    assert.equal((await keyFacts(client, keys.slice(0, 1), 5))[0]?.encoding, null, 'the tree does not ask for it');
    assert.equal(by['session:1']?.type, 'string');
    assert.ok((by['session:1']?.ttlMs ?? 0) > 1_000_000, 'session keys expire in ~30 min');
    assert.equal(by['big:hash']?.length, FIXTURE_BIG_KEYS['big:hash'].length);
    assert.ok((by['big:hash']?.bytes ?? 0) > 1_000_000, 'big:hash is over a MB');
    assert.equal(by['big:string']?.length, 2 * 1024 * 1024);
    assert.equal(by['queue:3']?.type, 'list');
    assert.equal(by['rank:4']?.type, 'zset');
    assert.equal(by['events:5']?.type, 'stream');
    assert.equal(by['tags:6']?.type, 'set');
    assert.equal(by['missing:key']?.type, 'none');
    assert.equal(by['missing:key']?.ttlMs, undefined);
  });

  it('pages through big values of every type, never all at once', async () => {
    const hash = await readAll(client, 'big:hash', 'hash');
    const fields = hash.flatMap((p) => (p.type === 'hash' ? p.entries.map(([f]) => f.toString()) : []));
    assert.equal(new Set(fields).size, 50_000);
    assert.equal(fields.length, 50_000, 'no field twice');
    assert.ok(hash.length >= 50, `${hash.length} pages`);

    const list = await readAll(client, 'big:list', 'list');
    const items = list.flatMap((p) => (p.type === 'list' ? p.items.map(String) : []));
    assert.equal(items.length, 100_000);
    assert.equal(items[0], 'item-0');
    assert.equal(items[99_999], 'item-99999');
    assert.ok(list.every((p) => p.type === 'list' && p.items.length <= 500));

    const set = await readAll(client, 'big:set', 'set');
    assert.equal(new Set(set.flatMap((p) => (p.type === 'set' ? p.members.map(String) : []))).size, 50_000);

    const zset = await readAll(client, 'big:zset', 'zset');
    const scores = new Map(zset.flatMap((p) => (p.type === 'zset' ? p.entries.map(([m, s]) => [m.toString(), s] as const) : [])));
    assert.equal(scores.size, 50_000);
    assert.equal(scores.get('member-123'), '123');

    const stream = await readAll(client, 'big:stream', 'stream', 1_000);
    const entries = stream.flatMap((p) => (p.type === 'stream' ? p.entries : []));
    assert.equal(entries.length, 5_000);
    assert.equal(new Set(entries.map((e) => e.id)).size, 5_000);
    const first = stream[0];
    assert.ok(first?.type === 'stream' && first.info?.['length'] === '5000', 'XINFO STREAM on the first page');
    assert.equal(entries[4_999]?.fields.find(([f]) => f.toString() === 'n')?.[1].toString(), '4999');

    const str = await readAll(client, 'big:string', 'string');
    assert.equal(str.length, 32, '2 MB in 64 KB slices');
    assert.equal(str.reduce((n, p) => n + (p.type === 'string' ? p.bytes.length : 0), 0), 2 * 1024 * 1024);
  });

  it('shows strings as text, JSON pretty-printed and binary as a hex dump', async () => {
    const [json] = await readAll(client, 'json:doc', 'string');
    assert.ok(json?.type === 'string');
    assert.equal(stringKind(json.bytes, true), 'json');
    assert.match(pageText(json, 'json'), /^\{\n {2}"name": "Ada",\n {2}"tags": \[/);
    const [bin] = await readAll(client, 'bin:blob', 'string');
    assert.ok(bin?.type === 'string');
    assert.equal(stringKind(bin.bytes, true), 'binary');
    assert.equal(pageText(bin, 'binary'), `00000000  00 01 ff 41 42 0a${' '.repeat(47 - 17 + 2)}|...AB.|`);
    const small = await readAll(client, 'user:7', 'hash');
    assert.equal(pageText(small[0] as ValuePage, 'text'), 'name\tUser 7\nemail\tuser7@example.com\nvisits\t7');
  });

  it('lists and opens every hostile key name, each on one line', async () => {
    const facts = await keyFacts(client, fixture.hostile, 5);
    for (const f of facts) {
      assert.equal(f.type, 'string', f.key.toString('latin1').slice(0, 40));
      const [page] = await readAll(client, f.key, f.type);
      assert.ok(page);
      assert.equal(pageText(page, 'text'), 'hostile value <script>alert(1)</script>');
      const header = valueHeader(f, DB, '#');
      assert.equal(header.split('\n').length, 2, 'a name cannot add lines to the header');
    }
  });

  it('reads server facts and databases from one INFO; CONFIG GET databases where allowed', async () => {
    const { serverFacts } = await import('../../src/core/redis/serverFacts');
    const facts = serverFacts(parseRedisInfo(await client.info()), 90);
    assert.match(facts.version, /^\d+\.\d+\.\d+$/);
    assert.equal(facts.role, 'master');
    assert.equal(facts.clusterEnabled, false);
    assert.ok(facts.usedMemory > 1_000_000);
    assert.ok(facts.connectedClients >= 2);
    assert.deepEqual(facts.warnings, []);
    const db9 = facts.databases.find((d) => d.db === DB);
    assert.equal(db9?.keys, fixture.total + 2);
    assert.equal(db9?.expires, fixture.expiring);
    assert.equal(await configuredDatabases(client), 16);
    // An ACL user without +config still gets the databases INFO names.
    const user = `upkeep-tree-noconfig-${process.pid}`;
    const password = 'noconfig-pw';
    await client.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '+@all', '-config');
    try {
      const limited = await openRedis(redisProfile({ user, database: String(DB) }), password, 'upkeep-tree-acl');
      try {
        assert.equal(await configuredDatabases(limited), undefined);
        assert.ok(serverFacts(parseRedisInfo(await limited.info()), 90).databases.some((d) => d.db === DB));
      } finally {
        limited.disconnect();
      }
    } finally {
      await client.call('ACL', 'DELUSER', user);
    }
  });

  it('sent no KEYS and nothing unbounded (INFO commandstats and MONITOR)', async () => {
    const stats = parseRedisInfo(String(await client.info('commandstats')));
    const commands = Object.keys(stats).map((k) => k.replace(/^cmdstat_/, '').toLowerCase());
    assert.ok(commands.includes('scan'), commands.join(' '));
    assert.ok(!commands.includes('keys'), 'KEYS was sent');
    for (const unbounded of ['smembers', 'hgetall', 'hkeys', 'hvals', 'get', 'dump', 'sort', 'debug']) assert.ok(!commands.includes(unbounded), `${unbounded} was sent`);
    const allowed = new Set(['scan', 'type', 'pttl', 'memory|usage', 'object|encoding', 'strlen', 'hlen', 'llen', 'scard', 'zcard', 'xlen', 'getrange', 'lrange', 'hscan', 'sscan', 'zscan', 'xrange', 'xinfo|stream',
      'info', 'config|get', 'config|resetstat', 'select', 'client|setname', 'auth', 'hello', 'acl|setuser', 'acl|deluser', 'monitor', 'ping', 'quit']);
    assert.deepEqual(commands.filter((c) => !allowed.has(c)), [], 'only bounded reads');
    // Arguments: every SCAN has a COUNT, every LRANGE and XRANGE a bounded window, every MEMORY USAGE its SAMPLES.
    const upper = (args: string[]): string[] => args.map((a) => a.toUpperCase());
    assert.ok(sent.length > 100, `${sent.length} commands seen by MONITOR`);
    for (const args of sent) {
      const [name = '', ...rest] = upper(args);
      if (name === 'SCAN' || name === 'HSCAN' || name === 'SSCAN' || name === 'ZSCAN') assert.ok(rest.includes('COUNT'), args.join(' '));
      if (name === 'LRANGE') assert.ok(Number(rest[2]) - Number(rest[1]) < 1000 && Number(rest[2]) >= 0, args.join(' '));
      if (name === 'XRANGE') assert.ok(rest.includes('COUNT'), args.join(' '));
      if (name === 'MEMORY') assert.ok(rest.includes('SAMPLES'), args.join(' '));
      if (name === 'GETRANGE') assert.ok(Number(args[3]) - Number(args[2]) < 65_536, args.join(' '));
    }
  });
});
