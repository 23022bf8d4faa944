import { prefixPattern } from '../../src/core/redis/glob';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type IORedis from 'ioredis';
import { openRedis, RedisSession } from '../../src/core/redis/connection';
import { redisExecutor } from '../../src/core/redis/executor';
import { redisOp, type RedisOp } from '../../src/core/redis/operation';
import {
  buildBgrewriteaof, buildBgsave, buildClientKill, buildDeleteKey, buildDeleteMatching, buildExpire, buildFlushAll, buildFlushDb, buildPersist, buildRename,
  redisFeatures,
} from '../../src/core/redis/operations';
import { parseClientList } from '../../src/core/redis/clientList';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import type { BatchOutcome } from '../../src/core/operations/operation';
import { loadRedisFixture } from '../services/redisFixture';
import { freePort, run, waitFor, which } from '../services/util';
import { redisProfile, services } from './services';

const F = redisFeatures('7.0.0');

async function session(profile: ConnectionProfile, password = services().redis.password): Promise<RedisSession> {
  return new RedisSession(profile, password, await openRedis(profile, password));
}

/** Every key of the client's database, as latin1 strings (byte-exact), by SCAN. */
async function allKeys(client: IORedis): Promise<Set<string>> {
  const out = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = (await client.callBuffer('SCAN', cursor, 'COUNT', '1000')) as [Buffer, Buffer[]];
    cursor = next.toString();
    for (const k of keys) out.add(k.toString('latin1'));
  } while (cursor !== '0');
  return out;
}

async function runOps(s: RedisSession, ops: RedisOp[], signal?: AbortSignal, onProgress?: (phase: string) => void): Promise<BatchOutcome<RedisOp>> {
  const ex = redisExecutor(s);
  await ex.inspect?.(ops, {});
  return ex.run(ops, { ...(signal ? { signal } : {}), onProgress: (p) => onProgress?.(p.phase) });
}

/** A redis-server of the test's own on a free port (password in a 0600 config file), for what must not touch the shared one. */
async function throwawayRedis(extra: string[]): Promise<{ port: number; password: string; dir: string; stop(): Promise<void> }> {
  const server = which('redis-server');
  if (!server) throw new Error('redis-server is not installed: apt-get install -y redis-server');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-redis-ops-'));
  const port = await freePort();
  const password = `pw-${Math.random().toString(36).slice(2, 10)}`;
  const conf = path.join(dir, 'redis.conf');
  fs.writeFileSync(conf, `requirepass ${password}\n`, { mode: 0o600 });
  const pidfile = path.join(dir, 'redis.pid');
  await run(server, [conf, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', pidfile, '--dir', dir, '--logfile', path.join(dir, 'redis.log'), ...extra]);
  const probe = redisProfile({ port });
  await waitFor('throwaway Redis', async () => {
    try {
      (await openRedis(probe, password)).disconnect();
      return true;
    } catch {
      return false;
    }
  }, 10_000);
  return {
    port, password, dir,
    stop: async () => {
      try {
        process.kill(Number(fs.readFileSync(pidfile, 'utf8').trim()), 'SIGTERM');
      } catch {
        /* gone */
      }
      await waitFor('throwaway Redis shutdown', () => Promise.resolve(!fs.existsSync(pidfile)), 5_000).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('Redis operations (real server)', function () {
  this.timeout(60_000);
  let admin: IORedis;

  before(async () => {
    admin = await openRedis(redisProfile(), services().redis.password);
  });
  after(() => admin.disconnect());

  describe('pattern delete', () => {
    const db = 1;
    let s: RedisSession;
    /** Literal glob characters in a namespace, and decoys an unescaped pattern would catch. */
    const globNs = Buffer.from('a*b?[c]\\:');
    const globKeys = Array.from({ length: 40 }, (_, i) => Buffer.concat([globNs, Buffer.from(String(i))]));
    const decoys = ['aXb?[c]\\:1', 'a*bZ[c]\\:1', 'a*b?c\\:1', 'a*b?[c]:1', 'aLONGb![c]\\:2'].map((k) => Buffer.from(k));

    before(async () => {
      await loadRedisFixture(admin, { db, keys: 20_000, big: false });
      const p = admin.pipeline();
      for (const k of [...globKeys, ...decoys]) p.set(k, 'v');
      await p.exec();
      s = await session(redisProfile({ database: String(db) }));
    });
    after(async () => {
      await admin.select(db);
      await admin.flushdb();
      await s.dispose();
    });

    it('a namespace with *?[]\\ in its prefix deletes exactly its own keys, not the decoys an unescaped glob would match', async () => {
      await admin.select(db);
      const before = await allKeys(admin);
      const op = buildDeleteMatching(db, prefixPattern(globNs), F, { batchSize: 7 });
      assert.equal(op.commands[0]?.[3]?.toString(), 'a\\*b\\?\\[c\\]\\\\:*');
      const ex = redisExecutor(s);
      const found = await ex.inspect?.([op], {});
      assert.match(found?.details[0] ?? '', /^40 keys match \(counted with a full SCAN pass/);
      assert.equal(await ex.sizeText(op.target), '40 keys match');
      const result = await ex.run([op], {});
      assert.equal(result.outcomes[0]?.status, 'done', JSON.stringify(result.outcomes[0]?.problem));
      assert.equal(result.outcomes[0]?.summary, '40 keys deleted (40 matched in the preview)');
      const after = await allKeys(admin);
      const expected = new Set([...before].filter((k) => !globKeys.some((g) => g.toString('latin1') === k)));
      assert.deepEqual(after, expected);
      for (const d of decoys) assert.ok(after.has(d.toString('latin1')), `decoy ${d.toString()} kept`);
    });

    it('the hostile: namespace (spaces, quotes, globs, newline, binary bytes, 10 KB name) goes, and nothing else; the sample shows the names safely', async () => {
      await admin.select(db);
      const before = await allKeys(admin);
      const prefix = Buffer.from('hostile:');
      const doomed = [...before].filter((k) => Buffer.from(k, 'latin1').subarray(0, prefix.length).equals(prefix));
      assert.ok(doomed.length >= 6, `hostile keys present: ${doomed.length}`);
      const op = buildDeleteMatching(db, prefixPattern(prefix), F, { batchSize: 3 });
      const ex = redisExecutor(s, { sampleSize: 20 });
      const found = await ex.inspect?.([op], {});
      const sample = found?.details[1] ?? '';
      assert.match(sample, new RegExp(`^Sample \\(${doomed.length} of ${doomed.length}\\):`));
      assert.ok(sample.includes('hostile:new\\nline') || sample.includes('"hostile:new\\nline"'), sample);
      assert.ok(sample.includes('"hostile:\\x00\\xff\\xfe\\x80"'), 'binary name in redis-cli quoting');
      assert.ok(sample.includes('… (10,248 bytes)'), '10 KB name clipped');
      assert.equal(sample.split('\n').length, doomed.length + 1, 'one line per key: no raw newline from a key');
      const result = await ex.run([op], {});
      assert.equal(result.outcomes[0]?.status, 'done');
      const after = await allKeys(admin);
      assert.deepEqual(after, new Set([...before].filter((k) => !doomed.includes(k))));
      assert.ok(after.has('<img src=x onerror=alert(1)>'), 'the HTML-named key outside the namespace is kept');
    });

    it('a user\'s own glob with a TYPE filter deletes only the matching keys of that type', async () => {
      await admin.select(db);
      const p = admin.pipeline();
      p.hset('session:1hash', 'f', 'v');
      await p.exec();
      const before = await allKeys(admin);
      const op = buildDeleteMatching(db, 'session:1*', F, { type: 'string' });
      const result = await runOps(s, [op]);
      assert.equal(result.outcomes[0]?.status, 'done');
      const after = await allKeys(admin);
      const gone = [...before].filter((k) => !after.has(k));
      assert.ok(gone.length > 100);
      assert.ok(gone.every((k) => k.startsWith('session:1')), 'only session:1…');
      assert.ok(after.has('session:1hash'), 'the hash is kept (TYPE string)');
      assert.ok(![...after].some((k) => k.startsWith('session:1') && k !== 'session:1hash'), 'every string session:1… is gone');
    });

    it('cancel between batches stops it: whole batches deleted, the rest remain', async () => {
      await admin.select(2);
      await admin.flushdb();
      const p = admin.pipeline();
      for (let i = 0; i < 5_000; i++) p.set(`cancel:${i}`, 'v');
      await p.exec();
      const s2 = await session(redisProfile({ database: '2' }));
      try {
        const op = buildDeleteMatching(2, 'cancel:*', F, { batchSize: 100, scanCount: 100 });
        const controller = new AbortController();
        let batches = 0;
        const result = await runOps(s2, [op], controller.signal, () => {
          if (++batches === 3) controller.abort();
        });
        const o = result.outcomes[0];
        assert.equal(o?.status, 'cancelled');
        assert.equal(o.summary, '300 keys deleted before the cancel; the rest are still there');
        assert.equal(Number(await admin.dbsize()), 4_700);
      } finally {
        await admin.flushdb();
        await s2.dispose();
      }
    });

    it('a connection killed half-way is a lost connection, saying how many keys went before it', async () => {
      await admin.select(2);
      await admin.flushdb();
      const p = admin.pipeline();
      for (let i = 0; i < 20_000; i++) p.set(`lost:${i}`, 'v');
      await p.exec();
      const s2 = await session(redisProfile({ database: '2' }));
      try {
        const op = buildDeleteMatching(2, 'lost:*', F, { batchSize: 100, scanCount: 100 });
        let killing: Promise<unknown> | undefined;
        const result = await runOps(s2, [op], undefined, () => {
          killing ??= admin.client('LIST').then((list) => {
            const mine = parseClientList(String(list)).find((c) => c.name === 'upkeep-op' && c.db === 2);
            return mine ? admin.client('KILL', 'ID', mine.id) : undefined;
          });
        });
        await killing;
        const o = result.outcomes[0];
        assert.equal(o?.status, 'failed');
        assert.equal(o.problem?.kind, 'connection-lost', o.problem?.message);
        const left = Number(await admin.dbsize());
        assert.ok(left > 0 && left < 20_000, `some went, some stayed: ${left} left`);
        const said = Number(/^([\d,]+) keys deleted before it failed, and perhaps the batch that was in flight$/.exec(o.summary ?? '')?.[1]?.replace(/,/g, '') ?? NaN);
        // The batch sent when the connection dropped may have run without its reply arriving.
        assert.ok(said <= 20_000 - left && 20_000 - left <= said + 100, `${o.summary ?? ''}; ${20_000 - left} actually gone`);
      } finally {
        await admin.flushdb();
        await s2.dispose();
      }
    });
  });

  describe('keys', () => {
    let s: RedisSession;
    before(async () => {
      await admin.select(3);
      await admin.flushdb();
      s = await session(redisProfile({ database: '3' }));
    });
    after(async () => {
      await admin.select(3);
      await admin.flushdb();
      await s.dispose();
    });

    it('deletes, expires, persists and renames keys with binary names; RENAMENX refuses to overwrite, RENAME overwrites', async () => {
      const bin = Buffer.from([0x6b, 0x00, 0xff, 0x0a, 0x22]);
      await admin.set(bin, 'v');
      await admin.set('taken', 'keep me');
      const ex = redisExecutor(s);
      assert.match((await ex.sizeText({ kind: 'key', db: 3, key: bin })) ?? '', /^\d+ B$/);
      assert.equal(await ex.sizeText({ kind: 'key', db: 3, key: 'missing' }), 'the key does not exist');

      let r = await ex.run([buildExpire(3, bin, 100)], {});
      assert.equal(r.outcomes[0]?.status, 'done');
      assert.ok(Number(await admin.ttl(bin)) > 90);
      r = await ex.run([buildPersist(3, bin)], {});
      assert.equal(r.outcomes[0]?.summary, 'the key no longer expires');
      assert.equal(Number(await admin.ttl(bin)), -1);
      r = await ex.run([buildExpire(3, 'missing', 5)], {});
      assert.equal(r.outcomes[0]?.status, 'failed');
      assert.equal(r.outcomes[0]?.problem?.message, 'The key missing no longer exists: no TTL was set.');

      r = await ex.run([buildRename(3, bin, 'taken')], {});
      assert.equal(r.outcomes[0]?.status, 'failed');
      assert.match(r.outcomes[0]?.problem?.message ?? '', /^A key named taken already exists: nothing was renamed/);
      assert.equal(await admin.get('taken'), 'keep me');
      r = await ex.run([buildRename(3, bin, 'taken', true)], {});
      assert.equal(r.outcomes[0]?.status, 'done');
      assert.equal(await admin.get('taken'), 'v');

      r = await ex.run([buildDeleteKey(3, 'taken', F)], {});
      assert.equal(r.outcomes[0]?.summary, '1 key deleted');
      assert.equal(await admin.exists('taken'), 0);
      r = await ex.run([buildRename(3, 'gone', 'x', true)], {});
      assert.equal(r.outcomes[0]?.problem?.message, 'The key no longer exists: nothing was renamed or overwritten.');
    });

    it('runs any RedisOp generically, as a report fix builds it (commands in order on the target database)', async () => {
      await admin.set('fix:a', '1');
      const op = redisOp({ kind: 'report-fix', title: 'fix', target: { kind: 'key', db: 3, key: 'fix:a' }, commands: [['EXPIRE', 'fix:a', '500'], ['SET', 'fix:b', '2']], impact: 'x', risk: 'safe', confirmName: 'fix:a' });
      assert.equal(op.text, 'SELECT 3\nEXPIRE fix:a 500\nSET fix:b 2');
      const r = await redisExecutor(s).run([op], {});
      assert.equal(r.outcomes[0]?.status, 'done');
      assert.deepEqual(r.outcomes[0]?.notices, ['EXPIRE fix:a 500 → 1', 'SET fix:b 2 → OK']);
      assert.equal(await admin.get('fix:b'), '2');
      assert.ok(Number(await admin.ttl('fix:a')) > 400);
    });

    it('FLUSHDB says how many keys and how much memory will go, then how many went; the other databases keep theirs', async () => {
      await admin.select(4);
      await admin.flushdb();
      await admin.set('other-db', 'stays');
      await admin.select(3);
      const p = admin.pipeline();
      for (let i = 0; i < 1_000; i++) p.set(`f:${i}`, 'x'.repeat(100));
      await p.exec();
      const keys = Number(await admin.dbsize());
      const ex = redisExecutor(s);
      const size = await ex.sizeText({ kind: 'db', db: 3 });
      const m = new RegExp(`^${keys.toLocaleString('en-US')} keys of about ([\\d.]+) kB \\(MEMORY USAGE of 200 sampled keys, scaled\\); the server uses [\\d.]+ MB in all$`).exec(size ?? '');
      assert.ok(m, size);
      // 1,000 strings of 100 bytes: about 150 bytes each with their overhead.
      assert.ok(Number(m[1]) > 100 && Number(m[1]) < 250, size);
      assert.match((await ex.sizeText({ kind: 'server' })) ?? '', /^[\d,]+ keys in \d+ databases?; the server uses [\d.]+ MB \([\d.]+ (kB|MB) of it data\)$/);
      assert.match((await ex.sizeText({ kind: 'db', db: 5 })) ?? '', /^no keys; the server uses [\d.]+ MB$/);
      const op = buildFlushDb(3, F);
      assert.equal(op.text, 'SELECT 3\nFLUSHDB ASYNC');
      const r = await ex.run([op], {});
      assert.equal(r.outcomes[0]?.status, 'done');
      assert.equal(r.outcomes[0]?.summary, `${keys.toLocaleString('en-US')} keys deleted`);
      assert.equal(Number(await admin.dbsize()), 0);
      await admin.select(4);
      assert.equal(await admin.get('other-db'), 'stays');
      await admin.flushdb();
    });
  });

  describe('refusals', () => {
    it('an ACL user without +flushdb gets one line naming the command, and the keys stay', async () => {
      const user = `ops_limited_${process.pid}`;
      await admin.call('ACL', 'SETUSER', user, 'on', '>limited-pw', '~*', '&*', '+@all', '-flushdb');
      await admin.select(5);
      await admin.set('acl:keep', '1');
      const s = await session(redisProfile({ database: '5', user }), 'limited-pw');
      try {
        const r = await redisExecutor(s).run([buildFlushDb(5, F)], {});
        assert.equal(r.outcomes[0]?.status, 'failed');
        assert.equal(r.outcomes[0]?.problem?.kind, 'permission');
        assert.equal(r.outcomes[0]?.problem?.message, `The ACL user "${user}" may not run FLUSHDB (+flushdb): nothing was deleted.`);
        assert.equal(await admin.get('acl:keep'), '1');
      } finally {
        await s.dispose();
        await admin.call('ACL', 'DELUSER', user);
        await admin.del('acl:keep');
      }
    });

    it('a FLUSHDB renamed away (rename-command FLUSHDB "") is named, with nothing deleted', async () => {
      const server = await throwawayRedis(['--rename-command', 'FLUSHDB', '']);
      const profile = redisProfile({ port: server.port, database: '1' });
      const s = await session(profile, server.password);
      try {
        await s.client.set('renamed:keep', '1');
        const r = await redisExecutor(s).run([buildFlushDb(1, F)], {});
        assert.equal(r.outcomes[0]?.status, 'failed');
        assert.equal(r.outcomes[0]?.problem?.message, 'FLUSHDB is renamed or disabled on this server (rename-command): nothing was deleted.');
        assert.equal(await s.client.get('renamed:keep'), '1');
      } finally {
        await s.dispose();
        await server.stop();
      }
    });
  });

  describe('persistence and clients (a server of the test\'s own)', () => {
    let server: Awaited<ReturnType<typeof throwawayRedis>>;
    let s: RedisSession;
    before(async () => {
      server = await throwawayRedis([]);
      s = await session(redisProfile({ port: server.port }), server.password);
      const p = s.client.pipeline();
      for (let i = 0; i < 2_000; i++) p.set(`k:${i}`, 'v');
      await p.exec();
    });
    after(async () => {
      await s.dispose();
      await server.stop();
    });

    it('BGSAVE follows INFO persistence to its result and writes dump.rdb', async () => {
      const phases: string[] = [];
      const r = await redisExecutor(s).run([buildBgsave()], { onProgress: (p) => phases.push(p.phase) });
      const o = r.outcomes[0];
      assert.equal(o?.status, 'done', o?.problem?.message);
      assert.match(o.summary ?? '', new RegExp(`^snapshot written to ${server.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/dump\\.rdb`));
      assert.ok(fs.existsSync(path.join(server.dir, 'dump.rdb')));
    });

    it('BGSAVE while another client\'s save runs waits for it, then saves (rdb_saves goes up by two)', async () => {
      // About a millisecond per key: the other save takes ~2 s, long enough to be seen running.
      await s.client.config('SET', 'rdb-key-save-delay', '1000');
      try {
        const saves = async (): Promise<number> => Number(/rdb_saves:(\d+)/.exec(String(await s.client.info('persistence')))?.[1]);
        const before = await saves();
        assert.equal(await s.client.bgsave(), 'Background saving started');
        const phases: string[] = [];
        const r = await redisExecutor(s).run([buildBgsave()], { onProgress: (p) => phases.push(p.phase) });
        const o = r.outcomes[0];
        assert.equal(o?.status, 'done', o?.problem?.message);
        assert.ok(o.notices[0]?.startsWith('A background save was already running'), o.notices.join(' | '));
        assert.ok(phases.includes('another background save is running: waiting for it to end'));
        assert.ok(phases.some((p) => /^writing the snapshot: [\d,]+ of 2,000 keys$/.test(p)), phases.join(' | '));
        assert.equal(await saves(), before + 2);
      } finally {
        await s.client.config('SET', 'rdb-key-save-delay', '0');
      }
    });

    it('cancelling a running BGSAVE stops the watching and says the save goes on in the server', async () => {
      await s.client.config('SET', 'rdb-key-save-delay', '1000');
      try {
        const controller = new AbortController();
        const r = await redisExecutor(s).run([buildBgsave()], {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.phase.startsWith('writing the snapshot')) controller.abort();
          },
        });
        const o = r.outcomes[0];
        assert.equal(o?.status, 'cancelled');
        assert.match(o.leftBehind ?? '', /goes on in the server \(Redis has no command to stop it\)/);
        assert.match(String(await s.client.info('persistence')), /rdb_bgsave_in_progress:1/);
      } finally {
        await s.client.config('SET', 'rdb-key-save-delay', '0');
        await waitFor('the save to end', async () => /rdb_bgsave_in_progress:0/.test(String(await s.client.info('persistence'))), 30_000);
      }
    });

    it('BGREWRITEAOF reports its result', async () => {
      const r = await redisExecutor(s).run([buildBgrewriteaof()], {});
      assert.equal(r.outcomes[0]?.status, 'done', r.outcomes[0]?.problem?.message);
      assert.match(r.outcomes[0]?.summary ?? '', /^append-only file rewritten/);
    });

    it('a BGSAVE that fails (its file name taken by a directory) is a failed outcome with the status and where to look', async () => {
      // As root a read-only directory does not stop a save; a directory where the RDB file must be renamed to does.
      const blocked = await throwawayRedis(['--dbfilename', 'blocked.rdb']);
      fs.mkdirSync(path.join(blocked.dir, 'blocked.rdb', 'x'), { recursive: true });
      const bs = await session(redisProfile({ port: blocked.port }), blocked.password);
      try {
        await bs.client.set('a', '1');
        const r = await redisExecutor(bs).run([buildBgsave()], {});
        const o = r.outcomes[0];
        assert.equal(o?.status, 'failed');
        assert.match(o.problem?.message ?? '', /^The background save failed \(rdb_last_bgsave_status:err\)\. Redis gives the reason only in its log; check that .*blocked\.rdb is writable/);
      } finally {
        await bs.dispose();
        await blocked.stop();
      }
    });

    it('FLUSHALL (on this server of the test\'s own) empties every database and says how many keys went', async () => {
      const other = await openRedis(redisProfile({ port: server.port, database: '7' }), server.password);
      try {
        await other.set('in-db7', '1');
        const ex = redisExecutor(s);
        assert.match((await ex.sizeText({ kind: 'server' })) ?? '', /^2,001 keys in 2 databases; the server uses/);
        const r = await ex.run([buildFlushAll(F)], {});
        assert.equal(r.outcomes[0]?.status, 'done');
        assert.equal(r.outcomes[0]?.summary, '2,001 keys deleted');
        assert.equal(Number(await other.dbsize()) + Number(await s.client.dbsize()), 0);
      } finally {
        other.disconnect();
      }
    });

    it('CLIENT LIST parses, and CLIENT KILL ID disconnects the client the test opened', async () => {
      const victim = await openRedis(redisProfile({ port: server.port }), server.password, 'victim');
      try {
        const id = String(await victim.client('ID'));
        const listed = parseClientList(String(await s.client.client('LIST')));
        const v = listed.find((c) => c.id === id);
        assert.equal(v?.name, 'victim');
        assert.match(v.addr, /^127\.0\.0\.1:\d+$/);
        assert.ok((v.memoryBytes ?? 0) > 0);
        const op = buildClientKill(id, 'victim');
        assert.equal(op.text, `CLIENT KILL ID ${id}`);
        const r = await redisExecutor(s).run([op], {});
        assert.equal(r.outcomes[0]?.status, 'done');
        await waitFor('victim gone', async () => !parseClientList(String(await s.client.client('LIST'))).some((c) => c.id === id), 5_000);
        const again = await redisExecutor(s).run([op], {});
        assert.equal(again.outcomes[0]?.problem?.message, `Client ${id} is no longer connected: nothing was disconnected.`);
      } finally {
        victim.disconnect();
      }
    });
  });
});
