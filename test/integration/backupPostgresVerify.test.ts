import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import { runBackup, verifyBackup, type BackupDone } from '../../src/core/backup/catalog';
import type { VerifyContext } from '../../src/core/backup/model';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { postgresBackup } from '../../src/core/postgres/backup/index';
import { startPostgres } from '../services/postgres';
import type { RunningService, ServicesInfo } from '../services/types';
import { pgClient, recreateDatabase, dropDatabase } from '../support/pg';
import { collectingLogger, watchChildren } from '../support/backup';
import { pgProfile, services, uniqueName } from './services';

const SCHEMA = `sch "ë" <img src=x onerror=alert(1)>`;
const TABLE = `t'a"b <script>`;

async function fixture(c: Client): Promise<void> {
  const s = c.escapeIdentifier(SCHEMA);
  const t = `${s}.${c.escapeIdentifier(TABLE)}`;
  await c.query(`CREATE SCHEMA ${s}`);
  await c.query(`CREATE TABLE ${t} (id int PRIMARY KEY, ${c.escapeIdentifier('v "x"')} text NOT NULL, at timestamptz DEFAULT now())`);
  await c.query(`INSERT INTO ${t} SELECT g, 'v' || g, timestamptz '2026-01-01 00:00+00' + g * interval '1 hour' FROM generate_series(1, 200) g`);
  await c.query(`CREATE INDEX ${c.escapeIdentifier('ix <v>')} ON ${t} (${c.escapeIdentifier('v "x"')})`);
  await c.query(`ALTER TABLE ${t} ADD CONSTRAINT ${c.escapeIdentifier('ck "id"')} CHECK (id > 0)`);
  await c.query(`CREATE FUNCTION ${s}.${c.escapeIdentifier('f "1"')}(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a * 2'`);
  await c.query(`CREATE PROCEDURE ${s}.${c.escapeIdentifier('p <2>')}(a int) LANGUAGE sql AS 'SELECT a'`);
  await c.query(`CREATE VIEW ${s}.${c.escapeIdentifier('v "w"')} AS SELECT id FROM ${t} WHERE id < 100`);
  await c.query(`CREATE SEQUENCE ${s}.${c.escapeIdentifier('sq €')} START 10 INCREMENT 5`);
  // Too big for the checksum limit the tests set (1 MB): counted only.
  await c.query(`CREATE TABLE ${s}.big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 30000) g`);
}

/** SQL the afterRestore hook runs in the restored database. */
function tamper(pg: ServicesInfo['postgres'], sql: (c: Client) => string[]): (db: string) => Promise<void> {
  return async (db) => {
    const c = await pgClient(pg, db);
    try {
      for (const s of sql(c)) await c.query(s);
    } finally {
      await c.end();
    }
  };
}

async function verifyDatabases(pg: ServicesInfo['postgres']): Promise<string[]> {
  const c = await pgClient(pg, 'postgres');
  try {
    return (await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'upkeep\\_verify\\_%'")).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

describe('PostgreSQL Verify: row checksums, object definitions, a server the user names', function () {
  this.timeout(180_000);
  const dbName = `${uniqueName('upkeep_vf')} "ü"`;
  let folder: string;
  let logLines: string[];
  let done: BackupDone;
  let second: { info: ServicesInfo['postgres']; service: RunningService };
  let secondRoot: string;
  /** A role on the second server with a name and password pgpass must escape (`:` and `\`). */
  const targetUser = 'verifier "x" ü';
  const targetPassword = `t:pw\\${Math.random().toString(36).slice(2, 10)}`;
  const ctx = (over: Partial<VerifyContext> = {}): VerifyContext => ({
    profile: pgProfile({ name: 'Verify "source" <pg>', database: services().postgres.database }),
    password: services().postgres.password,
    log: collectingLogger(logLines),
    tools: {},
    checksumMaxBytes: 1024 * 1024,
    ...over,
  });
  const targetProfile = (over: Partial<ConnectionProfile> = {}): ConnectionProfile => ({
    id: uniqueName('pg-target'), engine: 'postgres', name: 'Scratch "target" <b>', host: second.info.host, port: second.info.port, user: targetUser,
    database: 'postgres', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000, ...over,
  });

  before(async function () {
    this.timeout(120_000);
    const c = await recreateDatabase(services().postgres, dbName);
    try {
      await fixture(c);
    } finally {
      await c.end();
    }
    secondRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-pg-target-'));
    // The cluster's folder is handed to the postgres user: it must be able to reach it.
    fs.chmodSync(secondRoot, 0o755);
    second = await startPostgres(secondRoot);
    const admin = await pgClient(second.info, 'postgres');
    try {
      await admin.query(`CREATE ROLE ${admin.escapeIdentifier(targetUser)} LOGIN CREATEDB PASSWORD ${admin.escapeLiteral(targetPassword)}`);
    } finally {
      await admin.end();
    }
    logLines = [];
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-vf-'));
    done = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, dbName, ctx());
  });
  after(async () => {
    await dropDatabase(services().postgres, dbName);
    await second?.service.stop();
    fs.rmSync(secondRoot, { recursive: true, force: true });
    fs.rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => {
    logLines = [];
  });

  it('records checksums for the tables under the limit only, and definitions of every object', () => {
    const inv = (done.manifest.snapshot as { inventory: { checksums: Record<string, string>; definitions: Record<string, string>; checksumMaxBytes: number } }).inventory;
    const key = (t: string): string => `"${SCHEMA.replace(/"/g, '""')}"."${t.replace(/"/g, '""')}"`;
    assert.deepEqual(Object.keys(inv.checksums), [key(TABLE)], 'the 30,000-row table is over 1 MB: counted only');
    assert.equal(inv.checksumMaxBytes, 1024 * 1024);
    for (const kind of ['index', 'check', 'function', 'procedure', 'view', 'sequence', 'table', 'primary key']) {
      assert.ok(Object.keys(inv.definitions).some((l) => l.startsWith(`${kind} `)), `a ${kind} definition`);
    }
  });

  it('a restore that differs in contents, not in counts, fails with each difference named', async () => {
    const v = await verifyBackup(postgresBackup, done.path, done.manifest, ctx({
      afterRestore: tamper(services().postgres, (c) => {
        const s = c.escapeIdentifier(SCHEMA);
        return [
          `UPDATE ${s}.${c.escapeIdentifier(TABLE)} SET ${c.escapeIdentifier('v "x"')} = 'changed' WHERE id = 7`,
          `CREATE OR REPLACE FUNCTION ${s}.${c.escapeIdentifier('f "1"')}(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a * 3'`,
          `DROP PROCEDURE ${s}.${c.escapeIdentifier('p <2>')}(int)`,
          `DROP INDEX ${s}.${c.escapeIdentifier('ix <v>')}`,
          `CREATE OR REPLACE VIEW ${s}.${c.escapeIdentifier('v "w"')} AS SELECT id FROM ${s}.${c.escapeIdentifier(TABLE)} WHERE id < 101`,
          `ALTER SEQUENCE ${s}.${c.escapeIdentifier('sq €')} INCREMENT 6`,
          `ALTER TABLE ${s}.big ADD COLUMN extra int`,
        ];
      }),
    }));
    assert.equal(v.status, 'failed');
    const s = `"${SCHEMA.replace(/"/g, '""')}"`;
    const t = `${s}."${TABLE.replace(/"/g, '""')}"`;
    assert.deepEqual([...v.differences].sort(), [
      `index ${s}."ix <v>" on "${TABLE.replace(/"/g, '""')}": missing after the restore`,
      `procedure ${s}."p <2>"(IN a integer): missing after the restore`,
      `function ${s}."f ""1"""(a integer): definition differs`,
      `sequence ${s}."sq €": definition differs`,
      `table ${s}."big": columns differ`,
      `table ${t}: checksum differs (the same 200 rows, other contents)`,
      `view ${s}."v ""w""": definition differs`,
    ].sort());
    assert.deepEqual(await verifyDatabases(services().postgres), []);
  });

  it('verifies on a server the user names: restored there with its own credentials, nothing created on the source, even from a read-only source', async () => {
    const source = services().postgres;
    let sawOnSource = false;
    const watcher = setInterval(() => void verifyDatabases(source).then((d) => (sawOnSource ||= d.length > 0), () => undefined), 50);
    let onTarget: string[] = [];
    try {
      const { result: v, seen } = await watchChildren(['pg_restore'], () =>
        verifyBackup(postgresBackup, done.path, done.manifest, ctx({
          profile: pgProfile({ name: 'Verify "source" <pg>', database: source.database, readOnly: true }),
          target: { profile: targetProfile(), password: targetPassword },
          afterRestore: async () => void (onTarget = await verifyDatabases(second.info)),
        })),
      );
      assert.equal(v.status, 'passed', v.summary);
      assert.match(v.summary, /on "Scratch "target" <b>": 2 tables \(30,200 rows, 1 checksummed\) and \d+ objects \(\d+ definitions compared\) equal/);
      assert.match(v.restoredInto ?? '', /^upkeep_verify_[0-9a-f]+ on Scratch "target" <b>$/);
      assert.equal(onTarget.length, 1, 'the throwaway database was on the target while it was compared');
      assert.ok(seen.length > 0, 'pg_restore was seen running');
      for (const s of seen) {
        const argv = s.argv.join(' ');
        assert.ok(!argv.includes(targetPassword) && !argv.includes(source.password), `a password in the argv of ${s.argv[0]}`);
        if (!s.argv.includes('--no-password')) continue;
        assert.equal(s.env['PGPORT'], String(second.info.port));
        assert.equal(s.env['PGUSER'], targetUser);
        assert.equal(s.env['PGPASSWORD'], undefined);
        assert.ok(s.env['PGPASSFILE'] && !fs.existsSync(s.env['PGPASSFILE']), 'its PGPASSFILE was deleted afterwards');
      }
      const log = logLines.join('\n');
      assert.ok(!log.includes(targetPassword) && !log.includes(source.password), 'a password in the log');
    } finally {
      clearInterval(watcher);
    }
    assert.equal(sawOnSource, false, 'no verify database was created on the source');
    assert.deepEqual(await verifyDatabases(second.info), []);
  });

  it('on the target too, the throwaway database is dropped after a difference and after a cancel', async () => {
    const target = { profile: targetProfile(), password: targetPassword };
    const failed = await verifyBackup(postgresBackup, done.path, done.manifest, ctx({
      target,
      afterRestore: tamper({ ...second.info, user: targetUser, password: targetPassword }, (c) => [`DELETE FROM ${c.escapeIdentifier(SCHEMA)}.big WHERE id <= 5`]),
    }));
    assert.equal(failed.status, 'failed');
    assert.deepEqual(failed.differences, [`table "${SCHEMA.replace(/"/g, '""')}"."big": 30,000 rows at backup, 29,995 restored`]);
    assert.deepEqual(await verifyDatabases(second.info), []);

    const controller = new AbortController();
    await assert.rejects(
      verifyBackup(postgresBackup, done.path, done.manifest, ctx({ target, signal: controller.signal, afterRestore: () => Promise.resolve(controller.abort()) })),
      (err: Error) => err.name === 'Cancelled',
    );
    assert.deepEqual(await verifyDatabases(second.info), []);
  });

  it('refuses without sending anything: a read-only source with no target, a read-only target', async () => {
    const ro = await verifyBackup(postgresBackup, done.path, done.manifest, ctx({ profile: pgProfile({ name: 'RO <pg>', database: services().postgres.database, readOnly: true }) }));
    assert.equal(ro.status, 'not-verifiable');
    assert.match(ro.summary, /"RO <pg>" is read-only .*Name another server to verify on\./);
    const roTarget = await verifyBackup(postgresBackup, done.path, done.manifest, ctx({ target: { profile: targetProfile({ readOnly: true }), password: targetPassword } }));
    assert.equal(roTarget.status, 'not-verifiable');
    assert.match(roTarget.summary, /"Scratch "target" <b>" is read-only/);
    assert.deepEqual(await verifyDatabases(services().postgres), []);
    assert.deepEqual(await verifyDatabases(second.info), []);
  });

  it('a target user without CREATEDB is told so; nothing is created', async () => {
    const admin = await pgClient(second.info, 'postgres');
    const user = `no createdb "${Math.random().toString(36).slice(2, 6)}"`;
    try {
      await admin.query(`CREATE ROLE ${admin.escapeIdentifier(user)} LOGIN PASSWORD 'pw'`);
      const v = await verifyBackup(postgresBackup, done.path, done.manifest, ctx({ target: { profile: targetProfile({ user }), password: 'pw' } }));
      assert.equal(v.status, 'not-verifiable');
      assert.match(v.summary, /may not CREATE DATABASE on "Scratch "target" <b>"/);
    } finally {
      await admin.query(`DROP ROLE ${admin.escapeIdentifier(user)}`);
      await admin.end();
    }
  });
});
