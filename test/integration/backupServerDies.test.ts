import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { BackupContext, BackupSupport } from '../../src/core/backup/model';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { neo4jBackup } from '../../src/core/neo4j/backup';
import { postgresBackup } from '../../src/core/postgres/backup/index';
import { rabbitBackup } from '../../src/core/rabbitmq/backup';
import { redisBackup } from '../../src/core/redis/backup';
import { openRedis } from '../../src/core/redis/connection';
import { startRedis } from '../services/redis';
import { loadRedisFixture } from '../services/redisFixture';
import { collectingLogger, watchChildren } from '../support/backup';
import { startCutProxy, type CutProxy } from '../support/cutProxy';
import * as neo4j from 'neo4j-driver';
import { pgClient } from '../support/pg';
import { verifyDatabasesLeft, withBigTableDatabase } from './pgBackupFixtures';
import { neo4jProfile, pgProfile, rabbitProfile, redisProfile, services } from './services';

/**
 * The server goes away while a backup or a Verify runs: a PostgreSQL backend
 * terminated by an administrator, a link cut under every engine's tool
 * (a proxy between the tool and the real server), a Redis server killed
 * mid-transfer. Each fails with one clear line, leaves no file under the
 * final name and no temporary one, and leaves nothing running.
 */
describe('Backups when the server goes away mid-operation', function () {
  this.timeout(240_000);
  let folder: string;
  let logLines: string[];
  let proxy: CutProxy | undefined;

  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-dies-'));
    logLines = [];
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    fs.rmSync(folder, { recursive: true, force: true });
  });

  /** The failure a user sees: a UserFacingError of one line, not a cancel and not a stack. */
  function clearFailure(re: RegExp): (err: Error) => boolean {
    return (err) => {
      assert.equal(err.name, 'UserFacingError', `${err.name}: ${err.message}`);
      assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
      assert.match(err.message, re);
      return true;
    };
  }

  /** Runs a backup through the catalog with progress; `during` is called once the first bytes are written. */
  async function backupFailing(support: BackupSupport, ctx: BackupContext, format: string, database: string | undefined, atBytes: number, during: () => void, re: RegExp): Promise<number> {
    let fired = false;
    let bytes = 0;
    const c: BackupContext = { ...ctx, onProgress: (p) => {
      bytes = p.bytes ?? bytes;
      if (!fired && bytes >= atBytes) {
        fired = true;
        during();
      }
    } };
    await assert.rejects(runBackup(support, folder, { format }, database, c), clearFailure(re));
    assert.ok(fired, 'the failure came while the backup was writing');
    assert.deepEqual(fs.readdirSync(folder), [], 'no file under the final name and no temporary file');
    return bytes;
  }

  /** A backup through a proxy that cuts the link once the server has sent `bytes`: the lost-connection line, and nothing in the folder. */
  async function cutMidBackup(support: BackupSupport, format: string, target: { host: string; port: number }, profileAt: (port: number) => ConnectionProfile, password: string, bytes: number, name: string, engine: string): Promise<void> {
    proxy = await startCutProxy(target);
    const p = proxy;
    void p.cutAfter(bytes, { refuse: true });
    const ctx: BackupContext = { profile: profileAt(p.port), password, log: collectingLogger(logLines), tools: {} };
    const lost = new RegExp(`^The backup of "${name}" failed: The connection to ${engine} at .* was lost \\(server shut down or restarted\\)\\. Nothing was kept\\.$`);
    await assert.rejects(runBackup(support, folder, { format }, undefined, ctx), clearFailure(lost));
    assert.ok(p.served >= bytes, 'the server had started answering');
    assert.deepEqual(fs.readdirSync(folder), []);
  }

  describe('PostgreSQL', () => {
    const bigDb = withBigTableDatabase('upkeep_bk_dies', 1_500_000);
    const ctx = (port?: number): BackupContext => ({
      profile: pgProfile({ name: 'Dies "pg" <b>', database: services().postgres.database, ...(port ? { port, host: '127.0.0.1' } : {}) }),
      password: services().postgres.password,
      log: collectingLogger(logLines),
      tools: {},
    });

    async function backendsLeft(): Promise<number> {
      const admin = await pgClient(services().postgres);
      try {
        return (await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'Upkeep backup %'")).rowCount ?? 0;
      } finally {
        await admin.end();
      }
    }

    it('pg_dump\'s backend terminated by an administrator mid-dump: one line naming it, nothing written, no backend left', async () => {
      const terminate = async (): Promise<void> => {
        const admin = await pgClient(services().postgres);
        try {
          await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'Upkeep backup %' AND pid <> pg_backend_pid()");
        } finally {
          await admin.end();
        }
      };
      const { seen } = await watchChildren(['pg_dump'], () => backupFailing(postgresBackup, ctx(), 'pg-custom', bigDb, 1_000_000, () => void terminate(), /^pg_dump failed \(exit 1\): Dumping the contents of table "big" failed: .*(terminating connection due to administrator command|server closed the connection unexpectedly)/));
      assert.ok(seen.length >= 1, 'pg_dump ran');
      assert.equal(await backendsLeft(), 0);
    });

    it('the link to the server cut mid-dump: one line, nothing written, no backend left once the server notices', async () => {
      const pg = services().postgres;
      proxy = await startCutProxy({ host: pg.host, port: pg.port });
      const p = proxy;
      await backupFailing(postgresBackup, ctx(p.port), 'pg-custom', bigDb, 1_000_000, () => p.cut({ refuse: true }), /^pg_dump failed \(exit 1\): .*server closed the connection unexpectedly/);
      for (let i = 0; i < 50 && (await backendsLeft()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
      assert.equal(await backendsLeft(), 0);
    });

    it('the link cut while Verify restores: no verdict (the backup was not judged), one line saying so, and the verify database dropped once the server answers again', async () => {
      const done = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, bigDb, ctx());
      const pg = services().postgres;
      proxy = await startCutProxy({ host: pg.host, port: pg.port });
      const p = proxy;
      let cutDone = false;
      const watcher = setInterval(() => {
        void verifyDatabasesLeft().then((dbs) => {
          if (dbs.length && !cutDone) {
            cutDone = true;
            // Restoring for a moment first, then the cut; new connections get through again (the clean-up needs one).
            setTimeout(() => p.cut(), 300);
          }
        });
      }, 100);
      try {
        await assert.rejects(verifyBackup(postgresBackup, done.path, done.manifest, ctx(p.port)), clearFailure(/^Verify on the same server stopped: pg_restore lost its connection to the server \(.*server closed the connection unexpectedly.*\)\. The backup was not judged; its manifest is unchanged\.$/));
        assert.ok(cutDone, 'the cut came while the verify database existed');
        assert.equal((await readManifest(`${done.path}.upkeep.json`))?.verification, undefined, 'no verdict recorded');
      } finally {
        clearInterval(watcher);
      }
      assert.deepEqual(await verifyDatabasesLeft(), []);
    });
  });

  describe('Redis', () => {
    let root: string;
    let server: Awaited<ReturnType<typeof startRedis>>;
    before(async function () {
      this.timeout(120_000);
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-redis-dies-'));
      server = await startRedis(root);
      const c = await openRedis(redisProfile({ port: server.info.port }), server.info.password);
      try {
        await c.config('SET', 'repl-diskless-sync-delay', '0');
        await loadRedisFixture(c, { db: 0, keys: 400_000, big: false, hostile: true });
      } finally {
        c.disconnect();
      }
    });
    after(async () => {
      await server?.service.stop().catch(() => undefined);
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it('the server killed mid-transfer: one line from redis-cli, nothing written, no checker or FIFO left', async () => {
      const fifosBefore = new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('upkeep-rdb-check-')));
      const pid = Number(fs.readFileSync(path.join(root, 'redis', 'redis.pid'), 'utf8').trim());
      const ctx: BackupContext = { profile: redisProfile({ name: 'Dies "redis"', port: server.info.port }), password: server.info.password, log: collectingLogger(logLines), tools: {} };
      // Killed as soon as the snapshot's first bytes are in the temporary file (looked for every few ms, not at the catalog's 500 ms progress).
      let killedAt = 0;
      const watcher = setInterval(() => {
        if (killedAt) return;
        for (const n of fs.readdirSync(folder)) {
          const size = fs.statSync(path.join(folder, n), { throwIfNoEntry: false })?.size ?? 0;
          if (size > 0) {
            killedAt = size;
            process.kill(pid, 'SIGKILL');
          }
        }
      }, 3);
      const { seen } = await watchChildren(['redis-cli', 'redis-check-rdb'], async () => {
        try {
          await assert.rejects(runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx), clearFailure(/^redis-cli --rdb failed \(exit 1\): I\/O Error reading RDB payload from socket$/));
        } finally {
          clearInterval(watcher);
        }
      });
      assert.ok(killedAt > 0, 'killed mid-transfer');
      assert.deepEqual(fs.readdirSync(folder), []);
      assert.ok(seen.some((s) => s.argv[0]?.endsWith('redis-cli')), 'redis-cli ran');
      for (const s of seen) assert.equal(fs.existsSync(`/proc/${s.pid}`), false, `${s.argv.join(' ')} still runs`);
      assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('upkeep-rdb-check-') && !fifosBefore.has(n)), []);
    });
  });

  describe('Neo4j (APOC export)', () => {
    const label = `Dies big ${process.pid}`;
    const openNeo4jDriver = (): neo4j.Driver => neo4j.driver(services().neo4j.url, neo4j.auth.basic(services().neo4j.user, services().neo4j.password));
    before(async () => {
      const d = openNeo4jDriver();
      try {
        await d.executeQuery(`UNWIND range(1, 30000) AS i CREATE (:\`${label}\` {i: i, s: 'x <b>' + toString(i)})`);
      } finally {
        await d.close();
      }
    });
    after(async () => {
      const d = openNeo4jDriver();
      const s = d.session();
      try {
        await s.run(`MATCH (n:\`${label}\`) CALL { WITH n DELETE n } IN TRANSACTIONS OF 10000 ROWS`);
      } finally {
        await s.close();
        await d.close();
      }
    });

    it('the Bolt link cut mid-export: one line, nothing written', async () => {
      const n = services().neo4j;
      // Cut by what has crossed the link (the export streams over Bolt), not by the file's size, which is polled every 500 ms.
      await cutMidBackup(neo4jBackup, 'neo4j-cypher', n, (port) => neo4jProfile({ name: 'Dies "neo4j"', host: '127.0.0.1', port }), n.password, 300_000, 'Dies "neo4j"', 'Neo4j');
    });
  });

  describe('RabbitMQ (definitions)', () => {
    it('the management API refusing mid-way (link cut after the first bytes): one line, nothing written', async () => {
      const r = services().rabbitmq;
      await cutMidBackup(rabbitBackup, 'rabbitmq-definitions', { host: r.host, port: r.managementPort }, (port) => rabbitProfile({ name: 'Dies "rabbit"', host: '127.0.0.1', port }), r.password, 200, 'Dies "rabbit"', 'RabbitMQ');
    });
  });
});
