import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import { applyRetention, listBackups, readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { BackupContext, BackupManifest } from '../../src/core/backup/model';
import { manifestName } from '../../src/core/backup/naming';
import { postgresBackup } from '../../src/core/postgres/backup/index';
import { pgClient, recreateDatabase, dropDatabase } from '../support/pg';
import { collectingLogger, flipBytes, watchChildren } from '../support/backup';
import { pgProfile, services, uniqueName } from './services';
import { verifyDatabasesLeft, withBigTableDatabase } from './pgBackupFixtures';
import { isRoot } from '../services/util';

const SCHEMA = `We"ird sch€ma <b>bold</b>`;
const TABLE = `o'rder "lines" <script>`;
const STAR = 'a*b';
const IMG = '<img src=x onerror=alert(1)>';

/** A database with hostile names everywhere: schema, tables, columns, index, constraints, function, view. */
async function hostileFixture(c: Client): Promise<void> {
  const s = c.escapeIdentifier(SCHEMA);
  await c.query(`CREATE SCHEMA ${s}`);
  await c.query(`CREATE TABLE ${s}.${c.escapeIdentifier(TABLE)} (id int PRIMARY KEY, "qty ü" int CHECK ("qty ü" >= 0), note text)`);
  await c.query(`INSERT INTO ${s}.${c.escapeIdentifier(TABLE)} SELECT g, g % 7, 'n<' || g || '>' FROM generate_series(1, 1234) g`);
  await c.query(`CREATE INDEX ${c.escapeIdentifier('ix "qty" ü')} ON ${s}.${c.escapeIdentifier(TABLE)} ("qty ü")`);
  await c.query(`CREATE TABLE ${s}.${c.escapeIdentifier(STAR)} (id int REFERENCES ${s}.${c.escapeIdentifier(TABLE)}(id))`);
  await c.query(`INSERT INTO ${s}.${c.escapeIdentifier(STAR)} SELECT g FROM generate_series(1, 10) g`);
  await c.query(`CREATE TABLE ${s}.${c.escapeIdentifier('aXb')} (x int)`);
  await c.query(`INSERT INTO ${s}.${c.escapeIdentifier('aXb')} VALUES (1), (2)`);
  await c.query(`CREATE FUNCTION ${s}.${c.escapeIdentifier('f "x"')}(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 1'`);
  await c.query(`CREATE VIEW ${s}.${c.escapeIdentifier('v <i>')} AS SELECT id FROM ${s}.${c.escapeIdentifier(TABLE)}`);
  await c.query('CREATE TABLE public.plain (id serial PRIMARY KEY, t text UNIQUE)');
  await c.query(`INSERT INTO public.plain (t) SELECT md5(g::text) FROM generate_series(1, 500) g`);
  // Values whose text depends on session settings (the database's own DateStyle, TimeZone and float digits differ from the verify database's),
  // and a column named like the row alias the checksum uses.
  await c.query(`CREATE TABLE ${s}.${c.escapeIdentifier(IMG)} (r int, ${c.escapeIdentifier('at "ü"')} timestamptz, f float8, b bytea, m money, j jsonb, d date, i interval)`);
  await c.query(`INSERT INTO ${s}.${c.escapeIdentifier(IMG)} SELECT g, timestamptz '2026-03-29 01:30:00+00' + g * interval '17 minutes', 1.0 / g, decode(md5(g::text), 'hex'), g * 1.25, jsonb_build_object('k', g, '<b>', 'x'), date '2020-02-29' + g, g * interval '1 day 3 hours' FROM generate_series(1, 300) g`);
  await c.query(`CREATE SEQUENCE ${s}.${c.escapeIdentifier('s€q "1"')} START 5 INCREMENT 3`);
  await c.query(`CREATE PROCEDURE ${s}.${c.escapeIdentifier('p "y"')}(a int) LANGUAGE sql AS 'SELECT a'`);
  await c.query(`CREATE FUNCTION ${s}.${c.escapeIdentifier('tg <i>')}() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'`);
  await c.query(`CREATE TRIGGER ${c.escapeIdentifier('trg "t"')} BEFORE INSERT ON public.plain FOR EACH ROW EXECUTE FUNCTION ${s}.${c.escapeIdentifier('tg <i>')}()`);
}

/** Session settings of the fixture database that would change a row's text if Verify did not fix its own. */
async function oddSessionDefaults(c: Client, db: string): Promise<void> {
  const id = c.escapeIdentifier(db);
  await c.query(`ALTER DATABASE ${id} SET DateStyle = 'SQL, DMY'`);
  await c.query(`ALTER DATABASE ${id} SET TimeZone = 'America/New_York'`);
  await c.query(`ALTER DATABASE ${id} SET extra_float_digits = 0`);
  await c.query(`ALTER DATABASE ${id} SET bytea_output = 'escape'`);
  await c.query(`ALTER DATABASE ${id} SET IntervalStyle = 'sql_standard'`);
}

describe('PostgreSQL backups: pg_dump, Verify by restore, retention', function () {
  this.timeout(180_000);
  const dbName = `${uniqueName('upkeep_bk')} "ü" <b>`;
  let folder: string;
  let logLines: string[];
  const ctx = (over: Partial<BackupContext> = {}): BackupContext => ({
    profile: pgProfile({ name: 'Backup "test" <pg>', database: services().postgres.database }),
    password: services().postgres.password,
    log: collectingLogger(logLines),
    tools: {},
    ...over,
  });

  before(async () => {
    const c = await recreateDatabase(services().postgres, dbName);
    try {
      await hostileFixture(c);
      await oddSessionDefaults(c, dbName);
    } finally {
      await c.end();
    }
  });
  after(async () => {
    await dropDatabase(services().postgres, dbName);
  });
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-pg-'));
    logLines = [];
  });
  afterEach(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });


  it('backs up a database with hostile names (custom format), restores it and verifies it equal; the password is in no argv and no log', async () => {
    const c = ctx();
    const { result: done, seen } = await watchChildren(['pg_dump', 'pg_restore'], async () => {
      const d = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, dbName, c);
      const v = await verifyBackup(postgresBackup, d.path, d.manifest, c);
      return { ...d, v };
    });
    assert.equal(done.v.status, 'passed', done.v.summary);
    assert.match(done.v.summary, /5 tables \(2,046 rows, 5 checksummed\) and 1\d objects \(\d+ definitions compared\) equal/);
    const m = (await readManifest(path.join(folder, manifestName(path.basename(done.path)))))!;
    assert.equal(m.verification?.status, 'passed');
    assert.equal(m.database, dbName);
    assert.equal(m.engine, 'postgres');
    assert.match(m.toolVersion, /^15\./);
    assert.match(m.serverVersion, /^15\./);
    assert.equal(m.counts['tables'], 5);
    assert.equal(m.counts['rows'], 1234 + 10 + 2 + 500 + 300);
    assert.equal(m.counts['checksummed tables'], 5);
    assert.ok((m.counts['indexes'] ?? 0) >= 3 && m.counts['functions'] === 2 && m.counts['procedures'] === 1 && m.counts['triggers'] === 1 && m.counts['views'] === 1 && m.counts['sequences'] === 2);
    assert.equal(typeof m.sha256, 'string');
    assert.equal(m.sizeBytes, fs.statSync(done.path).size);
    // Other tools on the same file: coreutils' sha256sum, and pg_restore's own table of contents (one TABLE DATA entry per table counted).
    assert.equal(execFileSync('sha256sum', [done.path], { encoding: 'utf8' }).split(' ')[0], m.sha256);
    const toc = execFileSync(path.join(path.dirname(m.tool), 'pg_restore'), ['--list', done.path], { encoding: 'utf8' });
    assert.equal(toc.split('\n').filter((l) => / TABLE DATA /.test(l)).length, m.counts['tables']);
    assert.ok(toc.includes(`TABLE DATA ${SCHEMA} ${TABLE} `), 'the hostile table by its own name');
    // Only the final file and its manifest: no partial left.
    assert.deepEqual(fs.readdirSync(folder).sort(), [path.basename(done.path), manifestName(path.basename(done.path))].sort());
    const password = services().postgres.password;
    assert.ok(seen.some((s) => s.argv.some((a) => a.includes('--format=custom'))), `pg_dump was seen running: ${JSON.stringify(seen.map((s) => s.argv))}`);
    assert.ok(seen.some((s) => s.argv.includes('--no-owner')), 'pg_restore was seen running');
    for (const s of seen) {
      assert.ok(!s.argv.join(' ').includes(password), `password in argv of ${s.argv[0]}`);
      // The --version probes that pick the tool connect nowhere and get no password file.
      if (!s.argv.includes('--no-password')) continue;
      assert.equal(s.env['PGPASSWORD'], undefined);
      const passFile = s.env['PGPASSFILE'];
      assert.ok(passFile, 'the child got a PGPASSFILE');
      assert.ok(!fs.existsSync(passFile), `${passFile} was deleted afterwards`);
    }
    assert.ok(!logLines.join('\n').includes(password), 'password in the log');
    assert.deepEqual(await verifyDatabasesLeft(), []);
  });

  it('directory format with two jobs: one SHA-256 per file, verified equal', async () => {
    const c = ctx();
    const d = await runBackup(postgresBackup, folder, { format: 'pg-directory', jobs: 2 }, dbName, c);
    assert.ok(fs.statSync(d.path).isDirectory());
    assert.equal(typeof d.manifest.sha256, 'object');
    assert.ok(Object.keys(d.manifest.sha256).includes('toc.dat'));
    assert.ok(d.manifest.commandText.includes('--jobs=2'));
    const v = await verifyBackup(postgresBackup, d.path, d.manifest, c);
    assert.equal(v.status, 'passed', v.summary);
  });

  it('selected schemas and tables (names with pattern characters matched exactly), schema-only', async () => {
    const c = ctx();
    // a*b references o'rder "lines": both are selected, so the restore has its foreign key's target.
    const t = await runBackup(postgresBackup, folder, { format: 'pg-custom', tables: [[SCHEMA, STAR], [SCHEMA, TABLE]] }, dbName, c);
    assert.equal(t.manifest.counts['tables'], 2, 'a*b and the orders, not aXb');
    assert.equal(t.manifest.counts['rows'], 1244);
    const tv = await verifyBackup(postgresBackup, t.path, t.manifest, c);
    assert.equal(tv.status, 'passed', tv.summary);
    const s = await runBackup(postgresBackup, folder, { format: 'pg-custom', schemas: [SCHEMA], content: 'schema' }, dbName, c);
    assert.equal(s.manifest.counts['tables'], 4);
    assert.equal(s.manifest.counts['rows'], 0);
    const sv = await verifyBackup(postgresBackup, s.path, s.manifest, c);
    assert.equal(sv.status, 'passed', sv.summary);
  });

  it('a tampered backup fails: flipped bytes are caught by the SHA-256, and by pg_restore when the manifest was rewritten too; rows deleted after the restore are named', async () => {
    const c = ctx();
    const d = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, dbName, c);
    const deleted = await verifyBackup(postgresBackup, d.path, d.manifest, {
      ...c,
      afterRestore: async (db) => {
        const client = await pgClient(services().postgres, db);
        try {
          await client.query(`DELETE FROM ${client.escapeIdentifier(SCHEMA)}.${client.escapeIdentifier('aXb')} WHERE x = 1`);
        } finally {
          await client.end();
        }
      },
    });
    assert.equal(deleted.status, 'failed');
    assert.deepEqual(deleted.differences, [`table "We""ird sch€ma <b>bold</b>"."aXb": 2 rows at backup, 1 restored`]);
    flipBytes(d.path);
    const flipped = await verifyBackup(postgresBackup, d.path, d.manifest, c);
    assert.equal(flipped.status, 'failed');
    assert.match(flipped.summary, /SHA-256 differs/);
    const { sha256File } = await import('../../src/core/backup/files');
    const rewritten: BackupManifest = { ...d.manifest, sha256: await sha256File(d.path) };
    const restored = await verifyBackup(postgresBackup, d.path, rewritten, c);
    assert.equal(restored.status, 'failed');
    assert.match(restored.summary, /pg_restore failed/);
    assert.deepEqual(await verifyDatabasesLeft(), []);
  });

  it('a pg_dump older than the server gives a message naming the version needed and how to get it; nothing is written', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-fake-pg-'));
    try {
      fs.writeFileSync(path.join(bin, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 12.3"\n', { mode: 0o755 });
      await assert.rejects(runBackup(postgresBackup, folder, { format: 'pg-custom' }, dbName, ctx({ tools: { pgBinDir: bin } })), (err: Error) => {
        assert.equal(err.name, 'UserFacingError');
        assert.match(err.message, /server runs PostgreSQL 15 but the newest pg_dump in .* is 12\.3/);
        assert.match(err.message, /apt-get install postgresql-client-15/);
        return true;
      });
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('retention deletes only backups a verified newer backup supersedes', async () => {
    const c = ctx();
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await runBackup(postgresBackup, folder, { format: 'pg-custom', tables: [[SCHEMA, 'aXb']] }, dbName, c));
    // One from outside Upkeep, named like ours, older than all.
    const outside = path.join(folder, path.basename(made[0]!.path).replace(/\d{8}T\d{6}Z(-\d+)?/, '20200101T000000Z'));
    fs.copyFileSync(made[0]!.path, outside);
    const profile = c.profile;
    // Nothing verified yet: nothing goes.
    assert.deepEqual((await applyRetention(folder, profile, postgresBackup, dbName, { keepLast: 1, keepDays: 0 })).deleted, []);
    // Verify the third; the fourth (newer, unverified) and the third stay, the first two go, the outside file stays.
    assert.equal((await verifyBackup(postgresBackup, made[2]!.path, made[2]!.manifest, c)).status, 'passed');
    const r = await applyRetention(folder, profile, postgresBackup, dbName, { keepLast: 1, keepDays: 0 });
    assert.deepEqual(r.deleted.sort(), [path.basename(made[0]!.path), path.basename(made[1]!.path)].sort());
    const left = await listBackups(folder, profile, postgresBackup, dbName);
    assert.deepEqual(left.map((e) => [path.basename(e.path), e.outside]), [
      [path.basename(made[3]!.path), false],
      [path.basename(made[2]!.path), false],
      [path.basename(outside), true],
    ]);
    assert.ok(!fs.existsSync(`${made[0]!.path}.upkeep.json`));
    // keepDays protects them all.
    for (let i = 0; i < 2; i++) await runBackup(postgresBackup, folder, { format: 'pg-custom', tables: [[SCHEMA, 'aXb']] }, dbName, c);
    const newest = (await listBackups(folder, profile, postgresBackup, dbName))[0]!;
    await verifyBackup(postgresBackup, newest.path, newest.manifest!, c);
    assert.deepEqual((await applyRetention(folder, profile, postgresBackup, dbName, { keepLast: 0, keepDays: 7 })).deleted, []);
  });

  describe('with a big table', () => {
    const bigDb = withBigTableDatabase('upkeep_bk_big', 2500000);

    it('cancel mid-dump leaves no file under the final name, no partial file and no backend behind', async () => {
      const controller = new AbortController();
      let bytes = 0;
      const c = ctx({ signal: controller.signal, onProgress: (p) => {
        bytes = p.bytes ?? bytes;
        if (bytes > 1_000_000) controller.abort();
      } });
      await assert.rejects(runBackup(postgresBackup, folder, { format: 'pg-custom' }, bigDb, c), (err: Error) => err.name === 'Cancelled');
      assert.ok(bytes > 1_000_000, 'the dump was under way');
      assert.deepEqual(fs.readdirSync(folder), []);
      assert.deepEqual(await verifyDatabasesLeft(), []);
      const admin = await pgClient(services().postgres);
      try {
        const left = await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'Upkeep backup %'");
        assert.equal(left.rowCount, 0);
      } finally {
        await admin.end();
      }
    });

    it('cancel mid-verify drops the verify database', async () => {
      const d = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, bigDb, ctx());
      const controller = new AbortController();
      const watcher = setInterval(() => {
        void verifyDatabasesLeft().then((dbs) => dbs.length && controller.abort());
      }, 100);
      try {
        await assert.rejects(verifyBackup(postgresBackup, d.path, d.manifest, ctx({ signal: controller.signal })), (err: Error) => err.name === 'Cancelled');
      } finally {
        clearInterval(watcher);
      }
      assert.deepEqual(await verifyDatabasesLeft(), []);
      // The manifest keeps no verification from a cancelled run.
      assert.equal((await readManifest(`${d.path}.upkeep.json`))?.verification, undefined);
    });

    it('a full disk fails cleanly with one line saying so, with nothing half-written left (custom and directory formats)', async function () {
      if (!isRoot()) throw new Error('This test mounts a tmpfs: run it as root (the CI machines are).');
      const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
      try {
        for (const format of ['pg-custom', 'pg-directory']) {
          await assert.rejects(runBackup(postgresBackup, mnt, { format }, bigDb, ctx()), (err: Error) => {
            assert.equal(err.name, 'UserFacingError', err.message);
            assert.match(err.message, /^pg_dump failed \(exit 1\): .*No space left on device/);
            assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
            return true;
          });
          assert.deepEqual(fs.readdirSync(mnt), [], `${format}: nothing left`);
        }
        assert.deepEqual(await verifyDatabasesLeft(), []);
      } finally {
        execFileSync('umount', [mnt]);
        fs.rmdirSync(mnt);
      }
    });
  });
});
