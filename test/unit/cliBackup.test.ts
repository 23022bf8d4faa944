import { strict as assert } from 'node:assert';
import { parseArgs } from '../../src/cli/args';
import { backupSubject, backupSummary, backupToolSettings, retentionFrom, verifyServer } from '../../src/cli/backupCommand';
import { CliError } from '../../src/cli/errors';
import { RUN_HELP } from '../../src/cli/help';
import { catalogLimitsFrom } from '../../src/cli/sessions';
import { settingsReader } from '../../src/cli/settingsFile';
import { verifyRefusal } from '../../src/core/backup/verifyRules';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { dockerBackup } from '../../src/core/docker/backup';
import { neo4jBackup } from '../../src/core/neo4j/backup';
import { postgresBackup } from '../../src/core/postgres/backup/index';
import { redisBackup } from '../../src/core/redis/backup';

function usageError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CliError && err.kind === 'usage' && re.test(err.message), String(re));
}

const profile = (engine: ConnectionProfile['engine'], extra: Partial<ConnectionProfile> = {}): ConnectionProfile =>
  ({ id: `${engine}-1`, name: `My ${engine}`, engine, host: 'h', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 1000, ...extra });

describe('cli: upkeep run backup arguments', () => {
  it('reads --folder, --verify and --verify-on', () => {
    assert.deepEqual(parseArgs(['run', 'backup', '--connection', 'prod', '--database', 'shop', '--folder', '/srv/bk', '--verify']), {
      command: 'run', operation: 'backup', connection: 'prod', database: 'shop', folder: '/srv/bk', verify: true, yes: false, verbose: false,
    });
    assert.deepEqual(parseArgs(['run', 'backup', '--connection=g', '--verify', '--verify-on=scratch']), {
      command: 'run', operation: 'backup', connection: 'g', verify: true, verifyOn: 'scratch', yes: false, verbose: false,
    });
    // Without --verify nothing is verified: the key is absent, as the other operations' commands stay unchanged.
    assert.deepEqual(parseArgs(['run', 'backup', '--connection', 'cache']), { command: 'run', operation: 'backup', connection: 'cache', yes: false, verbose: false });
  });

  it('refuses the backup options with other operations, and what is empty or incomplete', () => {
    usageError(() => parseArgs(['run', 'vacuum', '--connection', 'p', '--verify']), /--verify: only for run backup/);
    usageError(() => parseArgs(['run', 'bgsave', '--connection', 'p', '--folder', '/x']), /--folder: only for run backup/);
    usageError(() => parseArgs(['run', 'analyze', '--connection', 'p', '--verify-on', 'q', '--verify']), /--verify, --verify-on: only for run backup/);
    usageError(() => parseArgs(['run', 'backup', '--connection', 'p', '--folder=']), /--folder needs a folder name/);
    usageError(() => parseArgs(['run', 'backup', '--connection', 'p', '--verify-on', 'q']), /--verify-on goes with --verify/);
    usageError(() => parseArgs(['run', 'backup', '--connection', 'p', '--verify=yes']), /takes no value/);
    usageError(() => parseArgs(['run', 'backup']), /needs --connection/);
    usageError(() => parseArgs(['run', 'backup', '--connection', 'p', '--password', 'x']), /never taken on the command line/);
  });

  it('names what it backs up: the PostgreSQL database (default the profile\'s), the Docker volume, nothing for whole-server engines', () => {
    assert.equal(backupSubject(postgresBackup, profile('postgres', { database: 'app' }), {}), 'app');
    assert.equal(backupSubject(postgresBackup, profile('postgres', { database: 'app' }), { database: 'other' }), 'other');
    usageError(() => backupSubject(postgresBackup, profile('postgres'), { target: 'public.t' }), /takes no --target: name the database with --database/);
    assert.equal(backupSubject(redisBackup, profile('redis'), {}), undefined);
    usageError(() => backupSubject(redisBackup, profile('redis'), { database: '3' }), /whole server: it takes no --database/);
    usageError(() => backupSubject(neo4jBackup, profile('neo4j'), { target: 'x' }), /takes no --target/);
    assert.equal(backupSubject(dockerBackup, profile('docker'), { target: 'pgdata' }), 'pgdata');
    usageError(() => backupSubject(dockerBackup, profile('docker'), {}), /needs --target NAME: what to back up \(for Docker, the volume\)/);
    usageError(() => backupSubject(dockerBackup, profile('docker'), { database: 'pgdata' }), /give --target NAME \(for Docker, the volume\), not --database/);
  });

  it('backs up read-only profiles (a backup only reads) but Verify refuses where it would write', () => {
    const ro = profile('postgres', { readOnly: true });
    // No read-only refusal in the backup's own rules: backupSubject and the catalog take it.
    assert.equal(backupSubject(postgresBackup, ro, { database: 'app' }), 'app');
    assert.match(verifyRefusal(postgresBackup, ro, undefined) ?? '', /read-only.*nothing was created/);
    assert.equal(verifyRefusal(postgresBackup, ro, profile('postgres', { id: 'other' })), undefined);
    assert.equal(verifyRefusal(redisBackup, profile('redis', { readOnly: true }), undefined), undefined, 'Redis verifies on a scratch server of its own');
    assert.match(verifyRefusal(neo4jBackup, profile('neo4j'), undefined) ?? '', /needs a server to restore on/);
  });

  it('checks --verify-on as the editor checks a named verify server', () => {
    const pg = profile('postgres');
    const other = profile('postgres', { id: 'other' });
    assert.equal(verifyServer(postgresBackup, pg, undefined), undefined);
    assert.equal(verifyServer(postgresBackup, pg, other), other);
    assert.equal(verifyServer(postgresBackup, pg, pg), undefined, 'the source itself: verify there');
    usageError(() => verifyServer(redisBackup, profile('redis'), profile('redis', { id: 'r2' })), /brings its own scratch server/);
    usageError(() => verifyServer(neo4jBackup, profile('neo4j'), profile('neo4j')), /needs another server/);
    // A server of another engine, or a read-only one, is verifyRules' to refuse (nothing sent, recorded as not verifiable).
    assert.match(verifyRefusal(postgresBackup, pg, profile('redis')) ?? '', /not a connection of the same engine/);
    assert.match(verifyRefusal(postgresBackup, pg, profile('postgres', { id: 'ro', readOnly: true })) ?? '', /read-only/);
  });

  it('reads the engine\'s tool settings, retention and the catalog limits from the settings file as the editor does', () => {
    const s = settingsReader({ 'upkeep.backup.pgBinDir': '/usr/lib/postgresql/17/bin', 'upkeep.backup.redisBinDir': '', 'upkeep.backup.keepLast': 3, upkeep: { backup: { keepDays: 7.5 } } });
    assert.deepEqual(backupToolSettings(postgresBackup, s), { pgBinDir: '/usr/lib/postgresql/17/bin' });
    assert.deepEqual(backupToolSettings(redisBackup, s), {});
    assert.deepEqual(retentionFrom(s), { keepLast: 3, keepDays: 7 });
    assert.deepEqual(retentionFrom(settingsReader({ 'upkeep.backup.keepLast': -2 })), { keepLast: 0, keepDays: 0 });
    assert.deepEqual(catalogLimitsFrom(undefined), { lockTimeoutMs: 3_000, statementTimeoutMs: 30_000 });
    assert.deepEqual(catalogLimitsFrom(settingsReader({ 'upkeep.catalog.lockTimeoutMs': 700, upkeep: { catalog: { statementTimeoutMs: 5_000 } } })), { lockTimeoutMs: 700, statementTimeoutMs: 5_000 });
    // What the editor's schema refuses (below the minimum, not a whole number, not a number) is unset.
    assert.deepEqual(catalogLimitsFrom(settingsReader({ 'upkeep.catalog.lockTimeoutMs': 10, 'upkeep.catalog.statementTimeoutMs': '9000' })), { lockTimeoutMs: 3_000, statementTimeoutMs: 30_000 });
    assert.deepEqual(catalogLimitsFrom(settingsReader({ 'upkeep.catalog.lockTimeoutMs': 1500.5 })), { lockTimeoutMs: 3_000, statementTimeoutMs: 30_000 });
  });

  it('sums a backup up in one line: file, size, SHA-256 prefix, duration, verify result', () => {
    const sha = 'ab'.repeat(32);
    assert.equal(backupSummary({ file: '/bk/a.dump', sizeBytes: 2048, sha256: sha, durationMs: 1500, retired: [] }), `done: backup /bk/a.dump (2.0 kB, sha256 ${sha.slice(0, 12)}) in 1.5 s — not verified (no --verify)`);
    const passed = { status: 'passed' as const, at: '', durationMs: 1, summary: '3 tables equal', differences: [] };
    assert.match(backupSummary({ file: '/bk/a.dump', sizeBytes: 1, sha256: sha, durationMs: 1, verification: passed, retired: ['old.dump'] }), /^done: .* — verify passed: 3 tables equal; retention removed 1 older backup$/);
    assert.match(backupSummary({ file: '/bk/a', sizeBytes: 1, sha256: { 'x/1': sha, 'x/2': sha }, durationMs: 1, verification: { ...passed, status: 'failed', summary: '1 difference' }, retired: [] }), /^verify failed: backup \/bk\/a \(.*sha256 of 2 files\) .* — VERIFY FAILED: 1 difference$/);
    assert.match(backupSummary({ file: '/bk/a', sizeBytes: 1, sha256: sha, durationMs: 1, verification: { ...passed, status: 'not-verifiable', summary: 'read-only' }, retired: [] }), /^not verified: .* — not verifiable here: read-only$/);
  });

  it('is in the run help, with its options', () => {
    for (const text of ['  backup ', '--folder DIR', '--verify', '--verify-on NAME', 'only reads', 'run backup --connection prod --verify']) assert.ok(RUN_HELP.includes(text), text);
  });
});
