/**
 * `upkeep run backup` as cron runs it: the built CLI as a child process
 * against the real test PostgreSQL and Redis — a verified pg_dump with its
 * manifest, retention after a newer verified backup, the default folder from
 * the settings, a read-only profile, a Redis RDB, the password in no argv,
 * and Ctrl+C in the middle of a dump.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackupManifest } from '../../src/core/backup/model';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { watchChildren } from '../support/backup';
import { assertNoSecret, entry, startUpkeep, upkeep, useCliFixture, writeConfig } from '../support/cli';
import { pgClient } from '../support/pg';
import { openDocker } from '../../src/core/docker/connection';
import { makeVolume, removeLabelled, runLabel, runToEnd } from '../support/dockerFixtures';
import { startCutProxy } from '../support/cutProxy';
import { rabbitProfile, services } from './services';
import { verifyDatabasesLeft, withBigTableDatabase } from './pgBackupFixtures';

function manifestOf(file: string): BackupManifest {
  return JSON.parse(fs.readFileSync(`${file}.upkeep.json`, 'utf8')) as BackupManifest;
}

/** The path the summary line names: `done: backup <path> (…`. */
function fileOf(stdout: string): string {
  const m = /^\S+(?: \S+)?: backup (.+?) \(\d/.exec(stdout);
  assert.ok(m?.[1], `a file in: ${stdout}`);
  return m[1];
}


describe('upkeep run backup (built CLI, child process, real servers)', function () {
  this.timeout(240_000);
  const f = useCliFixture();
  let pg: ConnectionProfile;
  let folder = '';
  beforeEach(() => {
    pg = f.pg;
    folder = fs.mkdtempSync(path.join(f.dir, 'bk-'));
  });

  it('backs up a PostgreSQL database with --verify: exit 0, the dump and its manifest (verify passed), one summary line; the password is in no argv', async () => {
    const config = writeConfig(f.dir, { 'upkeep.connections': [entry(pg)] });
    const { result: ran, seen } = await watchChildren(['pg_dump', 'pg_restore'], () =>
      upkeep(['run', 'backup', '--connection', pg.id, '--config', config, '--database', f.database, '--folder', folder, '--verify'], f.env));
    assert.equal(ran.code, 0, ran.stderr);
    assertNoSecret(ran);
    const lines = ran.stdout.trim().split('\n');
    assert.equal(lines.length, 1, ran.stdout);
    assert.match(lines[0] ?? '', /^done: backup .*\.dump \([\d.]+ kB, sha256 [0-9a-f]{12}\) in [\d.]+ m?s — verify passed: /);
    const file = fileOf(ran.stdout);
    assert.equal(path.dirname(file), folder);
    assert.deepEqual(fs.readdirSync(folder).sort(), [path.basename(file), `${path.basename(file)}.upkeep.json`].sort());
    const m = manifestOf(file);
    assert.equal(m.format, 'pg-custom');
    assert.equal(m.database, f.database);
    assert.equal(m.connectionId, pg.id);
    assert.equal(m.verification?.status, 'passed', JSON.stringify(m.verification));
    assert.ok(lines[0]?.includes(`sha256 ${(typeof m.sha256 === 'string' ? m.sha256 : '').slice(0, 12)}`));
    // pg_dump ran as the CLI's child, with a PGPASSFILE and no password in its argv.
    const dumps = seen.filter((s) => s.argv.some((a) => a.endsWith('pg_dump')));
    assert.ok(dumps.length > 0, `pg_dump was seen running: ${JSON.stringify(seen.map((s) => s.argv))}`);
    for (const s of seen) {
      assert.ok(!s.argv.join(' ').includes(services().postgres.password), `no password in ${s.argv[0] ?? ''}'s argv`);
      assert.ok(!('PGPASSWORD' in s.env), 'no PGPASSWORD');
    }
    const dumping = dumps.filter((s) => s.argv.some((a) => a.startsWith('--format')));
    assert.ok(dumping.length > 0 && dumping.every((s) => s.env['PGPASSFILE']), `the dumping pg_dump got a PGPASSFILE: ${JSON.stringify(dumps.map((s) => s.argv))}`);
    assert.deepEqual(await verifyDatabasesLeft(), [], 'the throwaway database was dropped');
  });

  it('takes the password from --password-file (0600) to pg_dump through a temporary PGPASSFILE, removed afterwards; never in argv', async () => {
    const config = writeConfig(f.dir, { 'upkeep.connections': [entry(pg, { passwordSource: 'secretStorage', passwordEnv: undefined })] });
    const pwFile = path.join(f.dir, 'backup-pw');
    fs.writeFileSync(pwFile, `${services().postgres.password}\n`, { mode: 0o600 });
    fs.chmodSync(pwFile, 0o600);
    const { result: ran, seen } = await watchChildren(['pg_dump'], () =>
      upkeep(['run', 'backup', '--connection', pg.id, '--config', config, '--folder', folder, '--password-file', pwFile]));
    assert.equal(ran.code, 0, ran.stderr);
    assert.ok(ran.cmdline.includes('--password-file'), 'the CLI was seen running');
    assertNoSecret(ran);
    const dumping = seen.filter((s) => s.argv.some((a) => a.startsWith('--format')));
    assert.ok(dumping.length > 0, `pg_dump was seen: ${JSON.stringify(seen.map((s) => s.argv))}`);
    for (const s of dumping) {
      assert.ok(!s.argv.join(' ').includes(services().postgres.password), 'no password in pg_dump\'s argv');
      const passFile = s.env['PGPASSFILE'] ?? '';
      assert.ok(passFile && passFile !== pwFile, 'pg_dump got a PGPASSFILE of its own');
      assert.ok(!fs.existsSync(passFile), `the temporary PGPASSFILE ${passFile} was removed`);
    }
    assert.ok(fs.existsSync(fileOf(ran.stdout)));
  });

  it('applies retention only after a newer verified backup, into the settings\' backup folder by default', async () => {
    const config = writeConfig(f.dir, { 'upkeep.connections': [entry(pg)], 'upkeep.backup.folder': folder, 'upkeep.backup.keepLast': 1 });
    const first = await upkeep(['run', 'backup', '--connection', pg.id, '--config', config], f.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /not verified \(no --verify\)/);
    const older = fileOf(first.stdout);
    assert.equal(path.dirname(older), folder, 'upkeep.backup.folder is the default folder');
    // An unverified backup never retires anything: the first one is still there after a second unverified one.
    const second = await upkeep(['run', 'backup', '--connection', pg.id, '--config', config], f.env);
    assert.equal(second.code, 0, second.stderr);
    assert.ok(fs.existsSync(older));
    const third = await upkeep(['run', 'backup', '--connection', pg.id, '--config', config, '--verify'], f.env);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout.trim(), /verify passed: .*; retention removed 2 older backups$/);
    const kept = fileOf(third.stdout);
    assert.deepEqual(fs.readdirSync(folder).sort(), [path.basename(kept), `${path.basename(kept)}.upkeep.json`].sort());
  });

  it('backs up a read-only profile (a backup only reads); --verify is not run there: a warning, exit 0', async () => {
    const config = writeConfig(f.dir, { 'upkeep.connections': [entry(pg, { readOnly: true })] });
    const plain = await upkeep(['run', 'backup', '--connection', pg.id, '--config', config, '--folder', folder], f.env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(fs.existsSync(fileOf(plain.stdout)));
    const verified = await upkeep(['run', 'backup', '--connection', pg.id, '--config', config, '--folder', folder, '--verify'], f.env);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^not verified: backup .* — not verifiable here: .*read-only/);
    assert.match(verified.stderr, /^upkeep: warning: .*\.dump is not verified: .*read-only/m);
    assert.equal(manifestOf(fileOf(verified.stdout)).verification?.status, 'not-verifiable');
    assert.deepEqual(await verifyDatabasesLeft(), []);
  });

  it('backs up Redis as an RDB snapshot with --verify: exit 0, the .rdb and its manifest', async () => {
    const config = writeConfig(f.dir, { 'upkeep.connections': [entry(f.redis)] });
    const ran = await upkeep(['run', 'backup', '--connection', f.redis.id, '--config', config, '--folder', folder, '--verify'], f.env);
    assert.equal(ran.code, 0, ran.stderr);
    assertNoSecret(ran);
    const file = fileOf(ran.stdout);
    assert.match(file, /\.rdb$/);
    assert.equal(fs.readFileSync(file).subarray(0, 5).toString(), 'REDIS');
    const m = manifestOf(file);
    assert.equal(m.format, 'redis-rdb');
    assert.equal(m.verification?.status, 'passed', JSON.stringify(m.verification));
    const wrong = await upkeep(['run', 'backup', '--connection', f.redis.id, '--config', config, '--database', '3'], f.env);
    assert.equal(wrong.code, 64, wrong.stderr);
    assert.match(wrong.stderr, /whole server: it takes no --database/);
  });

  it('backs up RabbitMQ definitions, a Neo4j database (APOC export) and a Docker volume (verified) without the editor', async () => {
    const rabbit = rabbitProfile({ id: 'cli-rabbit', name: 'Broker' });
    const label = runLabel('cli-backup');
    const docker = await openDocker(f.docker);
    const volume = `${label}-vol`;
    await makeVolume(docker, volume, label);
    try {
      assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['sh', '-c', 'echo "<b>x</b>" > /v/a.txt && mkdir /v/d && head -c 50000 /dev/urandom > /v/d/b.bin'], mounts: [{ volume, target: '/v' }] }), 0);
      const config = writeConfig(f.dir, { 'upkeep.connections': [entry(rabbit), entry(f.neo4j), entry(f.docker)] });
      const env = { ...f.env, UPKEEP_PASSWORD_CLI_RABBIT: services().rabbitmq.password };
      const defs = await upkeep(['run', 'backup', '--connection', rabbit.id, '--config', config, '--folder', folder], env);
      assert.equal(defs.code, 0, defs.stderr);
      assertNoSecret(defs);
      assert.ok(Array.isArray((JSON.parse(fs.readFileSync(fileOf(defs.stdout), 'utf8')) as { vhosts?: unknown }).vhosts), 'RabbitMQ definitions');
      const graph = await upkeep(['run', 'backup', '--connection', f.neo4j.id, '--config', config, '--folder', folder], env);
      assert.equal(graph.code, 0, graph.stderr);
      assert.match(fileOf(graph.stdout), /\.cypher$/);
      assert.equal(manifestOf(fileOf(graph.stdout)).engine, 'neo4j');
      const vol = await upkeep(['run', 'backup', '--connection', f.docker.id, '--config', config, '--folder', folder, '--target', volume, '--verify'], env);
      assert.equal(vol.code, 0, vol.stderr);
      assert.match(fileOf(vol.stdout), /\.tar\.gz$/);
      assert.equal(manifestOf(fileOf(vol.stdout)).verification?.status, 'passed', vol.stdout);
      const noVolume = await upkeep(['run', 'backup', '--connection', f.docker.id, '--config', config], env);
      assert.equal(noVolume.code, 64, noVolume.stderr);
      assert.match(noVolume.stderr, /needs --target NAME: what to back up/);
    } finally {
      await removeLabelled(docker, label);
      await docker.getVolume(volume).remove({ force: true }).catch(() => undefined);
    }
  });

  it('a link that drops as the definitions are asked for: exit 1, one line naming the lost connection, nothing kept', async () => {
    const s = services().rabbitmq;
    const proxy = await startCutProxy({ host: s.host, port: s.managementPort });
    try {
      const rabbit = rabbitProfile({ id: 'cli-rabbit-cut', name: 'Broker <b>"cut"</b>', host: '127.0.0.1', port: proxy.port });
      const config = writeConfig(f.dir, { 'upkeep.connections': [entry(rabbit)] });
      // The probe passes; the link drops when the definitions are requested.
      void proxy.cutWhenSent('GET /api/definitions', { refuse: true });
      const ran = await upkeep(['run', 'backup', '--connection', rabbit.id, '--config', config, '--folder', folder], { UPKEEP_PASSWORD_CLI_RABBIT_CUT: s.password });
      assert.equal(ran.code, 1, ran.stderr);
      assertNoSecret(ran);
      assert.equal(ran.stdout, '');
      assert.match(ran.stderr.trim(), /^upkeep: The backup of "Broker <b>"cut"<\/b>" failed: The connection to RabbitMQ at .* was lost \(server shut down or restarted\)\. Nothing was kept\.$/);
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      await proxy.close();
    }
  });

  describe('with a larger database', () => {
    const bigDb = withBigTableDatabase('upkeep_cli_bk_big', 1500000);

    it('Ctrl+C during pg_dump: exit 130, no file under the final name, no temporary file, no backend left', async () => {
      const config = writeConfig(f.dir, { 'upkeep.connections': [entry(pg)] });
      const { child, done } = startUpkeep(['run', 'backup', '--connection', pg.id, '--config', config, '--database', bigDb, '--folder', folder], f.env);
      let exited = false;
      void done.then(() => (exited = true));
      // Wait until the dump is under way: its temporary file is growing.
      const partialBytes = (): number => fs.readdirSync(folder).filter((n) => n.startsWith('.')).reduce((sum, n) => sum + fs.statSync(path.join(folder, n)).size, 0);
      for (let i = 0; i < 2400 && !exited && partialBytes() < 256 * 1024; i++) await new Promise((r) => setTimeout(r, 25));
      if (exited) assert.fail(`the backup ended before it could be stopped: ${JSON.stringify(await done)}`);
      assert.ok(partialBytes() >= 256 * 1024, 'the dump was under way');
      child.kill('SIGINT');
      const ran = await done;
      assert.equal(ran.code, 130, ran.stderr);
      assert.equal(ran.stdout, '');
      assert.match(ran.stderr, /stopped \(Ctrl\+C\): the backup of .* was cancelled; nothing was kept/);
      assertNoSecret(ran);
      assert.deepEqual(fs.readdirSync(folder), [], 'neither a final nor a temporary file');
      const admin = await pgClient(services().postgres);
      try {
        let left = -1;
        for (let i = 0; i < 100 && left !== 0; i++) {
          if (i) await new Promise((r) => setTimeout(r, 50));
          const r = await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND (application_name LIKE 'Upkeep%' OR application_name = 'pg_dump')", [bigDb]);
          left = r.rowCount ?? 0;
        }
        assert.equal(left, 0, 'no backend of the dump left');
      } finally {
        await admin.end();
      }
    });

    it('Ctrl+C during Verify: exit 130, the backup kept under its name, the throwaway database dropped', async () => {
      const config = writeConfig(f.dir, { 'upkeep.connections': [entry(pg)] });
      const { child, done } = startUpkeep(['run', 'backup', '--connection', pg.id, '--config', config, '--database', bigDb, '--folder', folder, '--verify'], f.env);
      let exited = false;
      void done.then(() => (exited = true));
      for (let i = 0; i < 1200 && !exited && (await verifyDatabasesLeft()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      if (exited) assert.fail(`the run ended before its Verify could be stopped: ${JSON.stringify(await done)}`);
      child.kill('SIGINT');
      const ran = await done;
      assert.equal(ran.code, 130, ran.stderr);
      assert.match(ran.stderr, /stopped \(Ctrl\+C\) during Verify: .*the backup is kept at .*\.dump, not verified/);
      const names = fs.readdirSync(folder).sort();
      assert.equal(names.length, 2, names.join(', '));
      assert.ok(names.every((n) => !n.startsWith('.')), 'no temporary file');
      const dump = path.join(folder, names.find((n) => n.endsWith('.dump')) ?? '');
      assert.equal(manifestOf(dump).verification, undefined, 'not recorded as verified');
      let left = await verifyDatabasesLeft();
      for (let i = 0; i < 100 && left.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = await verifyDatabasesLeft();
      }
      assert.deepEqual(left, [], 'the throwaway database was dropped');
    });
  });
});
