import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import type IORedis from 'ioredis';
import { readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { BackupContext } from '../../src/core/backup/model';
import { manifestName } from '../../src/core/backup/naming';
import type { ConnectionProfile, ContainerRef } from '../../src/core/connections/profile';
import { isCancelled } from '../../src/core/errors';
import { openDocker } from '../../src/core/docker/connection';
import { containerAccessOf } from '../../src/core/docker/containerAccess';
import { postgresBackup } from '../../src/core/postgres/backup/index';
import { redisBackup } from '../../src/core/redis/backup';
import { openRedis } from '../../src/core/redis/connection';
import { loadRedisFixture } from '../services/redisFixture';
import { freePort, waitFor } from '../services/util';
import { allCmdlines, collectingLogger } from '../support/backup';
import { removeLabelled, runLabel, TEST_LABEL } from '../support/dockerFixtures';
import { importHostImage } from '../support/hostImage';
import { dropDatabase, pgClient, recreateDatabase } from '../support/pg';
import { dockerProfile, pgProfile, redisProfile, services, uniqueName } from './services';

/** While `work` runs: every process' argv and the Cmd of every exec of the container, polled. */
async function watchSecrets<T>(docker: Dockerode, container: string, work: () => Promise<T>): Promise<{ result: T; cmdlines: Set<string>; execs: Map<string, string[]> }> {
  const cmdlines = new Set<string>();
  const execs = new Map<string, string[]>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const c of allCmdlines()) cmdlines.add(c);
      const ids = ((await docker.getContainer(container).inspect().catch(() => undefined))?.ExecIDs ?? []);
      for (const id of ids) {
        if (execs.has(id)) continue;
        const info = await docker.getExec(id).inspect().catch(() => undefined);
        if (info) execs.set(id, [info.ProcessConfig.entrypoint, ...info.ProcessConfig.arguments]);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    return { result: await work(), cmdlines, execs };
  } finally {
    running = false;
    await loop;
  }
}

describe('Backups through the server\'s own container: pg_dump in the container, Redis BGSAVE + copy of the RDB', function () {
  this.timeout(180_000);
  const label = runLabel('bkctr');
  let docker: Dockerode;
  let dockerConn: ConnectionProfile;
  let folder: string;
  let logLines: string[];

  before(async () => {
    dockerConn = dockerProfile({ name: 'Docker for containers' });
    docker = await openDocker(dockerConn);
  });
  after(async () => {
    await removeLabelled(docker, label);
    for (const tag of [`upkeep-test/pgclient:${label}`, `upkeep-test/redis:${label}`]) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  });
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-ctr-'));
    logLines = [];
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  /** A container of `image` on the host's network, labelled as a database of `kind`, running `cmd`. */
  async function startContainer(image: string, kind: string, cmd: string[]): Promise<ContainerRef> {
    const name = `${label}-${kind}`;
    const c = await docker.createContainer({
      name, Image: image, Cmd: cmd, Labels: { [TEST_LABEL]: label, 'upkeep.database': kind }, HostConfig: { NetworkMode: 'host' },
    });
    await c.start();
    return { docker: dockerConn.id, id: c.id, name };
  }

  describe('PostgreSQL: pg_dump inside the container', () => {
    const db = `${uniqueName('upkeep_ctr')} "ü" <b>`;
    let ref: ContainerRef;
    let profile: ConnectionProfile;
    const ctx = (over: Partial<BackupContext> = {}): BackupContext => ({
      profile, password: services().postgres.password, log: collectingLogger(logLines), tools: { pgDumpInContainer: 'prefer' },
      container: () => containerAccessOf(dockerConn, docker, ref.id), ...over,
    });

    before(async () => {
      // The host's PostgreSQL 15 pg_dump and its libraries, as a "postgres" container would carry them.
      const image = await importHostImage(docker, `upkeep-test/pgclient:${label}`, [{ from: '/usr/lib/postgresql/15/bin/pg_dump', to: 'usr/bin/pg_dump', withLibraries: true }]);
      ref = await startContainer(image, 'postgres', ['sleep', '3600']);
      profile = pgProfile({ name: 'PG "in a container" <i>', container: ref });
      const c = await recreateDatabase(services().postgres, db);
      try {
        await c.query(`CREATE SCHEMA ${c.escapeIdentifier('Sch "ü" <b>')}`);
        await c.query(`CREATE TABLE ${c.escapeIdentifier('Sch "ü" <b>')}.${c.escapeIdentifier(`it's "x"`)} (id int PRIMARY KEY, t text)`);
        await c.query(`INSERT INTO ${c.escapeIdentifier('Sch "ü" <b>')}.${c.escapeIdentifier(`it's "x"`)} SELECT g, md5(g::text) FROM generate_series(1, 5000) g`);
        await c.query('CREATE TABLE public.locked (id int)');
      } finally {
        await c.end();
      }
    });
    after(async () => {
      await dropDatabase(services().postgres, db);
    });

    it('dumps the real server from inside the container (password only in the exec\'s environment), then Verify passes', async () => {
      const password = services().postgres.password;
      const { result: done, cmdlines, execs } = await watchSecrets(docker, ref.id, () => runBackup(postgresBackup, folder, { format: 'pg-custom' }, db, ctx()));
      const m = (await readManifest(path.join(folder, manifestName(path.basename(done.path)))))!;
      assert.match(m.tool, /^pg_dump in container ".+-postgres" on Docker for containers$/);
      assert.match(m.toolVersion, /^15\./);
      assert.ok(m.notes.some((n) => n.includes('upkeep.backup.pgDumpInContainer is "prefer"')), m.notes.join('\n'));
      assert.match(m.commandText, /^docker exec -e PGPASSWORD=… /);
      assert.equal(m.counts['rows'], 5000);
      const dumpExecs = [...execs.values()].filter((argv) => argv[0] === 'pg_dump' && argv.includes('--format=custom'));
      assert.ok(dumpExecs.length === 1, `the pg_dump exec was seen: ${JSON.stringify([...execs.values()])}`);
      assert.ok(!dumpExecs[0]!.includes('--file'), 'the dump goes to stdout');
      for (const argv of execs.values()) assert.ok(!argv.join(' ').includes(password), 'no password in an exec\'s Cmd');
      assert.ok([...cmdlines].some((c) => c.startsWith('pg_dump --format=custom')), 'the exec\'s process was seen on the host');
      for (const c of cmdlines) assert.ok(!c.includes(password), `password in a process' argv: ${c.slice(0, 80)}`);
      assert.ok(!logLines.join('\n').includes(password));
      assert.equal(fs.readFileSync(done.path).subarray(0, 5).toString('latin1'), 'PGDMP', 'a custom-format dump');

      const v = await verifyBackup(postgresBackup, done.path, done.manifest, ctx());
      assert.equal(v.status, 'passed', `${v.summary}\n${v.differences.join('\n')}`);
    });

    it('with "auto", the container is used when no local pg_dump fits, and the local one when it does', async () => {
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-no-pg-'));
      try {
        const viaContainer = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, db, ctx({ tools: { pgBinDir: empty } }));
        assert.match(viaContainer.manifest.tool, /^pg_dump in container /);
        assert.ok(viaContainer.manifest.notes.some((n) => /no local pg_dump fits/.test(n)));
      } finally {
        fs.rmSync(empty, { recursive: true, force: true });
      }
      const local = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, db, ctx({ tools: {} }));
      assert.match(local.manifest.tool, /\/pg_dump$/);
    });

    it('cancel mid-dump stops the exec\'s process and the backends, and leaves no file', async () => {
      // A lock the dump waits behind, so it is surely running when cancelled.
      const blocker = await pgClient(services().postgres, db);
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE public.locked IN ACCESS EXCLUSIVE MODE');
      const watcher = await pgClient(services().postgres);
      try {
        const controller = new AbortController();
        const run = runBackup(postgresBackup, folder, { format: 'pg-custom' }, db, ctx({ signal: controller.signal }));
        run.catch(() => undefined);
        const dumpExec = async (): Promise<boolean> => {
          const ids = ((await docker.getContainer(ref.id).inspect()).ExecIDs ?? []);
          for (const id of ids) if ((await docker.getExec(id).inspect()).ProcessConfig.arguments.includes('--format=custom')) return true;
          return false;
        };
        await waitFor('pg_dump waiting for the lock inside the container', async () => {
          const r = await watcher.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'Upkeep backup %' AND wait_event_type = 'Lock'");
          return (r.rows[0]?.n ?? 0) > 0 && (await dumpExec());
        }, 30_000);
        controller.abort();
        await assert.rejects(run, (err: Error) => isCancelled(err));
        assert.deepEqual(fs.readdirSync(folder), [], 'nothing under the final name, no partial file');
        const ids = ((await docker.getContainer(ref.id).inspect()).ExecIDs ?? []);
        for (const id of ids) assert.equal((await docker.getExec(id).inspect()).Running, false, 'the exec\'s process ended');
        const left = await watcher.query("SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'Upkeep backup %'");
        assert.equal(left.rowCount, 0, 'no backend of the dump is left');
      } finally {
        await blocker.query('ROLLBACK');
        await blocker.end();
        await watcher.end();
      }
    });
  });

  describe('Redis: BGSAVE in the container and the RDB copied out', () => {
    let ref: ContainerRef;
    let port: number;
    const password = `pw-${Date.now().toString(36)}`;
    let client: IORedis;
    let profile: ConnectionProfile;
    const ctx = (over: Partial<BackupContext> = {}): BackupContext => ({
      profile, password, log: collectingLogger(logLines), tools: { redisInContainer: 'prefer' },
      container: () => containerAccessOf(dockerConn, docker, ref.id), ...over,
    });

    before(async () => {
      port = await freePort();
      const conf = [`port ${port}`, 'bind 127.0.0.1', `requirepass ${password}`, 'dir /data', 'dbfilename "dump it.rdb"', 'save ""', 'appendonly no', ''].join('\n');
      const image = await importHostImage(docker, `upkeep-test/redis:${label}`, [{ from: '/usr/bin/redis-server', to: 'usr/bin/redis-server', withLibraries: true }], { 'etc/redis/redis.conf': conf });
      ref = await startContainer(image, 'redis', ['redis-server', '/etc/redis/redis.conf']);
      profile = redisProfile({ name: 'Redis "in a container" <i>', host: '127.0.0.1', port, container: ref });
      await waitFor('redis-server in the container', async () => {
        try {
          const c = await openRedis(profile, password);
          c.disconnect();
          return true;
        } catch {
          return false;
        }
      }, 20_000);
      client = await openRedis(profile, password);
      await loadRedisFixture(client, { db: 3, keys: 3_000 });
    });
    after(() => client?.disconnect());

    it('BGSAVE, the RDB copied out through the archive API and checked, then Verify in a scratch redis-server passes', async () => {
      const { result: done, cmdlines, execs } = await watchSecrets(docker, ref.id, () => runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx()));
      const m = done.manifest;
      assert.match(m.tool, /^BGSAVE in container ".+-redis" on Docker for containers$/);
      assert.match(m.commandText, /archive\?path=\/data\/dump it\.rdb/);
      assert.ok((m.counts['keys'] ?? 0) >= 3_000, JSON.stringify(m.counts));
      assert.equal(fs.readFileSync(done.path).subarray(0, 5).toString('latin1'), 'REDIS');
      assert.equal(fs.statSync(done.path).mode & 0o777, 0o600);
      assert.equal(execs.size, 0, 'no exec: only the archive API');
      for (const c of cmdlines) assert.ok(!c.includes(password), `password in a process' argv: ${c.slice(0, 80)}`);
      assert.ok(!logLines.join('\n').includes(password));

      const v = await verifyBackup(redisBackup, done.path, done.manifest, ctx());
      assert.equal(v.status, 'passed', `${v.summary}\n${v.differences.join('\n')}`);
    });

    it('a read-only connection never takes the BGSAVE route (it writes on the server): redis-cli --rdb is used', async () => {
      const done = await runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx({ profile: { ...profile, readOnly: true } }));
      assert.match(done.manifest.tool, /redis-cli$/);
    });
  });
});
