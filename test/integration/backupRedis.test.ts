import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type IORedis from 'ioredis';
import { listBackups, readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { BackupContext, BackupManifest } from '../../src/core/backup/model';
import { sha256File } from '../../src/core/backup/files';
import { followFile } from '../../src/core/backup/follow';
import { checkRdbStream } from '../../src/core/redis/backupTools';
import { redisBackup } from '../../src/core/redis/backup';
import type { RedisSnapshotDetail } from '../../src/core/redis/backupSample';
import { openRedis } from '../../src/core/redis/connection';
import { hostileKeyNames, loadRedisFixture } from '../services/redisFixture';
import { collectingLogger, flipBytes, watchChildren } from '../support/backup';
import { redisProfile, services } from './services';
import { isRoot } from '../services/util';

describe('Redis backups: redis-cli --rdb, Verify in a scratch redis-server', function () {
  this.timeout(120_000);
  let client: IORedis;
  let folder: string;
  let logLines: string[];
  const ctx = (over: Partial<BackupContext> = {}): BackupContext => ({
    profile: redisProfile({ id: 'redis-backup-test', name: 'Redis "backup" <test>' }),
    password: services().redis.password,
    log: collectingLogger(logLines),
    tools: {},
    ...over,
  });

  before(async () => {
    client = await openRedis(redisProfile(), services().redis.password);
    await loadRedisFixture(client, { db: 5, keys: 20_000 });
    await loadRedisFixture(client, { db: 6, keys: 2_000, big: false });
  });
  after(async () => {
    for (const db of [5, 6]) {
      await client.select(db);
      await client.flushdb();
    }
    client.disconnect();
  });
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-redis-'));
    logLines = [];
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  /** The scratch server's own password, from the config file Verify wrote (0600, in its temporary folder). */
  function scratchPassword(port: number): string {
    const dir = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('upkeep-verify-redis-')).map((n) => path.join(os.tmpdir(), n))
      .find((p) => fs.existsSync(path.join(p, 'redis.conf')) && fs.readFileSync(path.join(p, 'redis.conf'), 'utf8').includes(`port ${port}\n`));
    assert.ok(dir, 'the scratch folder');
    const conf = path.join(dir, 'redis.conf');
    assert.equal(fs.statSync(conf).mode & 0o777, 0o600);
    return /requirepass (\S+)/.exec(fs.readFileSync(conf, 'utf8'))![1]!;
  }

  /** redis-server processes that are children of this test process (the scratch servers). */
  function scratchServers(): number[] {
    return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
      } catch {
        return false;
      }
    }).map(Number);
  }

  it('backs up every database (hostile keys included), checks the RDB, loads it in a scratch server and verifies counts and sampled values; the password is in no argv and no log', async () => {
    const c = ctx();
    const scratchDirs = (): string[] => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('upkeep-verify-redis-'));
    const dirsBefore = new Set(scratchDirs());
    const { result: done, seen } = await watchChildren(['redis-cli', 'redis-server', 'redis-check-rdb'], async () => {
      const d = await runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, c);
      return { ...d, v: await verifyBackup(redisBackup, d.path, d.manifest, c) };
    });
    assert.equal(done.v.status, 'passed', done.v.summary);
    const m = (await readManifest(`${done.path}.upkeep.json`))!;
    assert.equal(m.verification?.status, 'passed');
    assert.equal(m.engine, 'redis');
    const detail = m.snapshot as RedisSnapshotDetail;
    assert.ok((detail.before[5]?.keys ?? 0) > 20_000 && (detail.before[6]?.keys ?? 0) > 2_000);
    assert.ok(detail.sample.length > 100, `sampled ${detail.sample.length}`);
    assert.equal(detail.checked, 'RDB looks OK');
    assert.equal(m.sha256, await sha256File(done.path), 'hashed while it was written: equal to the finished file');
    // Other tools on the same file: coreutils' sha256sum, and redis-check-rdb run by hand counts the keys the manifest holds.
    assert.equal(execFileSync('sha256sum', [done.path], { encoding: 'utf8' }).split(' ')[0], m.sha256);
    const byHand = execFileSync('redis-check-rdb', [done.path], { encoding: 'utf8' });
    assert.match(byHand, /RDB looks OK/);
    const keysRead = Number(/\[info\] (\d+) keys read/.exec(byHand)?.[1]);
    const total = (counts: Record<number, { keys: number }>): number => Object.values(counts).reduce((a, c) => a + c.keys, 0);
    assert.ok(keysRead >= Math.min(total(detail.before), total(detail.after)) && keysRead <= Math.max(total(detail.before), total(detail.after)), `${keysRead} keys read by redis-check-rdb`);
    assert.equal(m.counts['keys'], total(detail.after));
    assert.match(done.v.summary, /keys in \d+ databases as at backup time, \d+ sampled values equal/);
    // The hostile keys made it, bytes and all; the scratch server asks for a password.
    let hostileSeen = 0;
    const scratchCheck = await verifyBackup(redisBackup, done.path, m, {
      ...c,
      afterRestore: async (where) => {
        const port = Number(where.split(':')[1]);
        await assert.rejects(openRedis(redisProfile({ port, database: '5' }), undefined));
        const scratch = await openRedis(redisProfile({ port, database: '5' }), scratchPassword(port));
        try {
          await client.select(5);
          for (const key of hostileKeyNames()) {
            assert.deepEqual(await scratch.getBuffer(key).catch(() => 'not a string'), await client.getBuffer(key).catch(() => 'not a string'), `key ${key.toString('hex').slice(0, 40)}`);
            assert.equal(await scratch.exists(key), 1);
            hostileSeen++;
          }
        } finally {
          scratch.disconnect();
        }
      },
    });
    assert.equal(hostileSeen, hostileKeyNames().length);
    assert.equal(scratchCheck.status, 'passed');
    const password = services().redis.password;
    const cli = seen.filter((s) => s.argv.includes('--rdb'));
    assert.ok(cli.length, 'redis-cli --rdb was seen running');
    // The check reads the file as it arrives, below the transfer's priority; redis-cli keeps the normal one.
    const checkers = seen.filter((s) => s.argv.some((a) => a.endsWith('redis-check-rdb')) && s.argv.some((a) => a.includes('/upkeep-rdb-check-')));
    assert.ok(checkers.length, 'redis-check-rdb was seen reading the transfer');
    for (const s of checkers) assert.equal(s.nice, 19, `nice of ${s.argv.join(' ')}`);
    for (const s of cli) assert.equal(s.nice, 0, `nice of ${s.argv.join(' ')}`);
    for (const s of seen) assert.ok(!s.argv.join(' ').includes(password), `password in argv of ${s.argv.join(' ')}`);
    for (const s of cli) assert.equal(s.env['REDISCLI_AUTH'], password, 'the password went through REDISCLI_AUTH');
    assert.ok(!logLines.join('\n').includes(password));
    assert.ok(!m.commandText.includes(password));
    assert.deepEqual(scratchServers(), [], 'the scratch server is gone');
    assert.deepEqual(scratchDirs().filter((n) => !dirsBefore.has(n)), [], 'its folder is gone');
    const listed = await listBackups(folder, c.profile, redisBackup);
    assert.deepEqual(listed.map((e) => [e.name, e.outside]), [[path.basename(done.path), false]]);
  });

  it('without redis-check-rdb (tools.absentTools, as the bench measures the check\'s cost) backs up unchecked and says so', async () => {
    const { result: done, seen } = await watchChildren(['redis-cli', 'redis-check-rdb'], () => runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx({ tools: { absentTools: ['redis-check-rdb'] } })));
    assert.equal((done.manifest.snapshot as RedisSnapshotDetail).checked, 'not installed');
    assert.ok(done.manifest.notes.some((n) => n.startsWith('redis-check-rdb is not installed: the file was not checked')), done.manifest.notes.join('\n'));
    assert.ok(seen.some((s) => s.argv.includes('--rdb')), 'redis-cli ran');
    assert.ok(!seen.some((s) => s.argv.some((a) => a.endsWith('redis-check-rdb'))), 'no redis-check-rdb ran');
    assert.equal(done.manifest.sha256, await sha256File(done.path));
  });

  it('a tampered RDB fails: the SHA-256 first, redis-check-rdb when the manifest was rewritten too; keys lost or changed in the restore are named', async () => {
    const c = ctx();
    const d = await runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, c);
    const detail = d.manifest.snapshot as RedisSnapshotDetail;
    const victim = detail.sample.find((s) => s.db === 6)!;
    const changed = await verifyBackup(redisBackup, d.path, d.manifest, {
      ...c,
      afterRestore: async (where) => {
        const port = Number(where.split(':')[1]);
        const scratch = await openRedis(redisProfile({ port, database: '5' }), scratchPassword(port));
        try {
          const keys = await scratch.scan('0', 'MATCH', 'counter:*', 'COUNT', 1000);
          await scratch.del(...keys[1].slice(0, 5));
          await scratch.select(6);
          await scratch.del(Buffer.from(victim.key, 'base64'));
        } finally {
          scratch.disconnect();
        }
      },
    });
    assert.equal(changed.status, 'failed');
    assert.ok(changed.differences.some((x) => /^database 5: [\d,]+ keys at backup, [\d,]+ restored$/.test(x)), changed.differences.join('\n'));
    assert.ok(changed.differences.some((x) => x.startsWith('database 6: key ') && x.endsWith('is missing after the restore')), changed.differences.join('\n'));
    flipBytes(d.path);
    const flipped = await verifyBackup(redisBackup, d.path, d.manifest, c);
    assert.equal(flipped.status, 'failed');
    assert.match(flipped.summary, /SHA-256 differs/);
    const rewritten: BackupManifest = { ...d.manifest, sha256: await sha256File(d.path) };
    const checked = await verifyBackup(redisBackup, d.path, rewritten, c);
    assert.equal(checked.status, 'failed');
    assert.match(checked.summary, /redis-check-rdb: .*(CRC|error|Unexpected|Wrong)/i);
    assert.deepEqual(scratchServers(), []);
  });

  it('redis-check-rdb fed through its FIFO while a file grows: a good snapshot passes, flipped bytes fail, a checker that reads nothing does not hang', async () => {
    const d = await runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx());
    const bytes = fs.readFileSync(d.path);
    const feed = async (data: Buffer, checker = '/usr/bin/redis-check-rdb'): Promise<{ ok: boolean; message: string }> => {
      const check = (await checkRdbStream(checker))!;
      for (let i = 0; i < data.length; i += 65_536) await check.write(data.subarray(i, i + 65_536));
      return check.end();
    };
    assert.equal((await feed(bytes)).ok, true);
    const bad = Buffer.from(bytes);
    for (let i = 0; i < 16; i++) bad.writeUInt8(bad.readUInt8(Math.floor(bad.length / 2) + i) ^ 0xff, Math.floor(bad.length / 2) + i);
    const broken = await feed(bad);
    assert.equal(broken.ok, false, broken.message);
    // /bin/true exits without opening the FIFO: the writer must not wait for a reader forever.
    assert.equal((await feed(bytes.subarray(0, 100_000), '/bin/true')).ok, false);
    // A file followed while it grows and is then cut short, as redis-cli does with a diskless transfer's end marker.
    const grow = path.join(folder, 'growing');
    const following = followFile(grow, { holdBack: 64 });
    fs.writeFileSync(grow, bytes.subarray(0, 1000));
    await following.firstBytes;
    fs.appendFileSync(grow, bytes.subarray(1000));
    fs.appendFileSync(grow, Buffer.alloc(40, 0x41));
    await new Promise((r) => setTimeout(r, 50));
    fs.truncateSync(grow, bytes.length);
    const hashed = await following.finish();
    assert.deepEqual(hashed, { sha256: await sha256File(d.path), bytes: bytes.length });
  });

  it('cancel mid-transfer leaves no file under the final name and no partial file', async () => {
    const controller = new AbortController();
    const c = ctx({ signal: controller.signal, onProgress: (p) => p.phase === 'transferring the snapshot' && setTimeout(() => controller.abort(), 200) });
    await assert.rejects(runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, c), (err: Error) => err.name === 'Cancelled');
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('a full disk fails cleanly with one line, nothing half-written and no checker FIFO left', async function () {
    if (!isRoot()) throw new Error('This test mounts a tmpfs: run it as root (the CI machines are).');
    const fifosBefore = new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('upkeep-rdb-check-')));
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-full-redis-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    try {
      await assert.rejects(runBackup(redisBackup, mnt, { format: 'redis-rdb' }, undefined, ctx()), (err: Error) => {
        assert.equal(err.name, 'UserFacingError', err.message);
        assert.match(err.message, /^redis-cli --rdb failed \(exit 1\): /);
        assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
        return true;
      });
      assert.deepEqual(fs.readdirSync(mnt), []);
      assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('upkeep-rdb-check-') && !fifosBefore.has(n)), []);
    } finally {
      execFileSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    }
  });

  it('a wrong password fails with redis-cli\'s reason and leaves nothing', async () => {
    await assert.rejects(runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx({ password: 'not-the-password' })), (err: Error) => /^The backup of "Redis "backup" <test>" failed: Redis rejected the user name or password for 127\.0\.0\.1:\d+\. Nothing was kept\.$/.test(err.message));
    assert.deepEqual(fs.readdirSync(folder), []);
  });
});
