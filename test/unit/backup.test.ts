import { strict as assert } from 'node:assert';
import { backupName, isPartialName, manifestName, matchBackupName, parseStamp, partialName, slug, stamp } from '../../src/core/backup/naming';
import { chooseRetired } from '../../src/core/backup/retention';
import type { BackupEntry, BackupManifest, BackupSupport, VerifyStatus } from '../../src/core/backup/model';
import { verifyRefusal } from '../../src/core/backup/verifyRules';
import { commandLine } from '../../src/core/backup/childProcess';
import { chooseTool, majorText, parseToolVersion, serverMajorNum, versionMessage, type FoundTool } from '../../src/core/postgres/backup/tools';
import { toolErrors } from '../../src/core/postgres/backup/dump';
import { connectionEnv, dumpArgs, exactPattern, pgpassLine, restoreArgs, sslMode } from '../../src/core/postgres/backup/args';
import { compareInventories, compareInventory, inventoryCounts } from '../../src/core/postgres/backup/inventoryCompare';
import { countFits, keyText, stableSample } from '../../src/core/redis/backupSample';
import { redisCliArgs, redisCliEnv, redisCliFailure } from '../../src/core/redis/backupTools';
import type { ConnectionProfile } from '../../src/core/connections/profile';

const PASSWORD = 's3cr:et\\pw "x"';
const pg: ConnectionProfile = { id: 'p1', engine: 'postgres', name: 'Prod "DB" <b>', host: 'db.internal', port: 5433, user: 'al:ice', database: 'app', tls: 'verify', readOnly: false, production: true, connectTimeoutMs: 10_000 };

describe('backup catalog: naming', () => {
  const at = new Date(Date.UTC(2026, 10, 30, 11, 35, 7, 123));

  it('names a backup <connection>_<database>_<UTC time><ext>, parts slugged so _ separates them', () => {
    assert.equal(stamp(at), '20261130T113507Z');
    assert.equal(backupName('Prod "DB" <b>', 'my_app ü', at, '.dump'), 'Prod-DB-b_my-app-u_20261130T113507Z.dump');
    assert.equal(backupName('Cache', undefined, at, '.rdb', 3), 'Cache_20261130T113507Z-3.rdb');
    assert.equal(slug('"""'), 'x');
    assert.ok(slug('x'.repeat(100)).length <= 40);
    assert.equal(manifestName('a.dump'), 'a.dump.upkeep.json');
    assert.ok(isPartialName(partialName('a.dump', 'ff00')));
    assert.ok(!isPartialName('a.dump'));
    assert.equal(parseStamp('20261130T113507Z')?.toISOString(), '2026-11-30T11:35:07.000Z');
    assert.equal(parseStamp('2026113'), undefined);
  });

  it('reads names back: the connection, database part, time; not manifests or other connections', () => {
    const name = backupName('Prod "DB" <b>', 'app', at, '.dump');
    assert.deepEqual(matchBackupName(name, 'Prod "DB" <b>', ['.dump', '.dumpdir']), { at: new Date('2026-11-30T11:35:07Z'), database: 'app' });
    assert.deepEqual(matchBackupName('Cache_20261130T113507Z-2.rdb', 'Cache', ['.rdb']), { at: new Date('2026-11-30T11:35:07Z'), database: undefined });
    assert.equal(matchBackupName(manifestName(name), 'Prod "DB" <b>', ['.dump']), undefined);
    assert.equal(matchBackupName(name, 'Other', ['.dump']), undefined);
    assert.equal(matchBackupName('Prod-DB-b_app_yesterday.dump', 'Prod "DB" <b>', ['.dump']), undefined);
    assert.equal(matchBackupName(name, 'Prod "DB" <b>', ['.rdb']), undefined);
  });
});

describe('backup catalog: retention', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const entry = (daysAgo: number, verification?: VerifyStatus, outside = false): BackupEntry => {
    const takenAt = new Date(now.getTime() - daysAgo * 86_400_000);
    const manifest = outside ? undefined : ({ verification: verification ? { status: verification } : undefined } as unknown as BackupManifest);
    return { path: `/b/${daysAgo}`, name: String(daysAgo), outside, takenAt, sizeBytes: 1, ...(manifest ? { manifest } : {}) };
  };
  const names = (xs: BackupEntry[]): string[] => xs.map((x) => x.name);

  it('retires nothing while retention is off or nothing is verified', () => {
    const all = [entry(1), entry(2), entry(3)];
    assert.deepEqual(chooseRetired(all, { keepLast: 0, keepDays: 0 }, now).retire, []);
    const r = chooseRetired([entry(1, 'failed'), entry(2), entry(3, 'not-verifiable')], { keepLast: 1, keepDays: 0 }, now);
    assert.deepEqual(r.retire, []);
    assert.match(r.reason, /no backup is verified/);
  });

  it('retires only what the newest verified backup supersedes, never outside files or newer unverified ones', () => {
    const all = [entry(0), entry(1, 'passed'), entry(2, 'passed'), entry(3), entry(4, 'failed'), entry(5, undefined, true)];
    assert.deepEqual(names(chooseRetired(all, { keepLast: 1, keepDays: 0 }, now).retire), ['2', '3', '4']);
    assert.deepEqual(names(chooseRetired(all, { keepLast: 3, keepDays: 0 }, now).retire), ['3', '4']);
  });

  it('keeps what either rule keeps (last N and/or N days)', () => {
    const all = [entry(0, 'passed'), entry(1), entry(2), entry(8), entry(9)];
    assert.deepEqual(names(chooseRetired(all, { keepLast: 0, keepDays: 7 }, now).retire), ['8', '9']);
    assert.deepEqual(names(chooseRetired(all, { keepLast: 4, keepDays: 1 }, now).retire), ['9']);
    assert.deepEqual(names(chooseRetired(all, { keepLast: 1, keepDays: 0 }, now).retire), ['1', '2', '8', '9']);
  });
});

describe('PostgreSQL backups: tool versions', () => {
  it('parses pg_dump --version lines', () => {
    assert.deepEqual(parseToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n'), { majorNum: 150_000, text: '15.20' });
    assert.deepEqual(parseToolVersion('pg_restore (PostgreSQL) 9.6.24'), { majorNum: 90_600, text: '9.6.24' });
    assert.deepEqual(parseToolVersion('pg_dump (PostgreSQL) 17beta1'), { majorNum: 170_000, text: '17beta1' });
    assert.equal(parseToolVersion('bash: pg_dump: command not found'), undefined);
  });

  it('compares with server_version_num by major version', () => {
    assert.equal(serverMajorNum(150_020), 150_000);
    assert.equal(serverMajorNum(90_624), 90_600);
    assert.equal(majorText(170_000), '17');
    assert.equal(majorText(90_600), '9.6');
    const tools: FoundTool[] = [
      { path: '/a/13/pg_dump', version: { majorNum: 130_000, text: '13.4' } },
      { path: '/a/15/pg_dump', version: { majorNum: 150_000, text: '15.20' } },
      { path: '/a/16/pg_dump', version: { majorNum: 160_000, text: '16.1' } },
    ];
    assert.equal(chooseTool(tools, 150_020)?.path, '/a/15/pg_dump', 'the server\'s own major first');
    assert.equal(chooseTool(tools, 140_010)?.path, '/a/16/pg_dump', 'else the newest');
    assert.equal(chooseTool(tools, 90_624)?.path, '/a/16/pg_dump');
    assert.equal(chooseTool(tools, 170_002), undefined);
  });

  it('names the version needed and how to get it when none fits', () => {
    const m = versionMessage('pg_dump', [{ path: '/usr/lib/postgresql/15/bin/pg_dump', version: { majorNum: 150_000, text: '15.20' } }], 170_002, undefined);
    assert.match(m, /server runs PostgreSQL 17 but the newest pg_dump on PATH or in \/usr\/lib\/postgresql\/\*\/bin is 15\.20/);
    assert.match(m, /apt-get install postgresql-client-17/);
    assert.match(versionMessage('pg_restore', [], 160_000, '/opt/pg/bin'), /no pg_restore was found in \/opt\/pg\/bin \(upkeep\.backup\.pgBinDir\)/);
  });
});

describe('PostgreSQL backups: command lines and environment', () => {
  it('pg_dump arguments: formats, jobs only for directory, content, exact patterns; no password', () => {
    assert.deepEqual(dumpArgs('/b/x.dump', { format: 'pg-custom', jobs: 4 }, 'SNAP-1'), ['--format=custom', '--file', '/b/x.dump', '--verbose', '--no-password', '--snapshot=SNAP-1']);
    const dir = dumpArgs('/b/x.d', { format: 'pg-directory', jobs: 3, content: 'schema', schemas: ['a*b'], tables: [['we"ird', 't.1']] }, undefined);
    assert.deepEqual(dir, ['--format=directory', '--file', '/b/x.d', '--verbose', '--no-password', '--jobs=3', '--schema-only', '--schema="a*b"', '--table="we""ird"."t.1"']);
    assert.equal(exactPattern('x"y'), '"x""y"');
    for (const a of [...dir, ...restoreArgs('/b/x', { database: 'd', create: false, clean: true, jobs: 2 }, false)]) assert.ok(!a.includes(PASSWORD));
  });

  it('pg_restore arguments: verify drops owners and grants; --single-transaction excludes --jobs; the database comes from PGDATABASE', () => {
    assert.deepEqual(restoreArgs('/b/x.dump', { database: 'v', create: true }, true), ['--verbose', '--no-password', '--no-owner', '--no-privileges', '--dbname=', '/b/x.dump']);
    assert.deepEqual(restoreArgs('/b/x.dump', { database: 'v', create: false, clean: true, singleTransaction: true, jobs: 4 }, false), ['--verbose', '--no-password', '--clean', '--if-exists', '--single-transaction', '--dbname=', '/b/x.dump']);
    assert.ok(restoreArgs('/b/x', { database: 'v', create: false, jobs: 4 }, false).includes('--jobs=4'));
  });

  it('connection through the environment with the profile\'s TLS mapping, the password only in the pgpass line', () => {
    const env = connectionEnv(pg, 'my "db"', 'Upkeep backup 1', '/tmp/x/pgpass');
    assert.deepEqual(env, { PGHOST: 'db.internal', PGPORT: '5433', PGUSER: 'al:ice', PGDATABASE: 'my "db"', PGSSLMODE: 'verify-full', PGAPPNAME: 'Upkeep backup 1', PGCONNECT_TIMEOUT: '10', PGPASSFILE: '/tmp/x/pgpass' });
    assert.ok(!JSON.stringify(env).includes(PASSWORD));
    assert.deepEqual([sslMode('disable'), sslMode('require'), sslMode('verify')], ['disable', 'require', 'verify-full']);
    assert.equal(pgpassLine(pg, PASSWORD), 'db.internal:5433:*:al\\:ice:s3cr\\:et\\\\pw "x"\n');
  });

  it('a command line for the history quotes what a shell would need', () => {
    assert.equal(commandLine('/usr/bin/pg_dump', ['--file', "/b/it's here.dump", '--table="a"."b"']), `/usr/bin/pg_dump --file '/b/it'\\''s here.dump' '--table="a"."b"'`);
  });
});

describe('PostgreSQL backups: a tool\'s failure in one line', () => {
  it('keeps the error and what the server said, not the statement or libpq\'s boilerplate', () => {
    const terminated = [
      'pg_dump: dumping contents of table "public.big"',
      'pg_dump: error: Dumping the contents of table "big" failed: PQgetResult() failed.',
      'pg_dump: detail: Error message from server: FATAL:  terminating connection due to administrator command',
      'pg_dump: detail: Command was: COPY public.big (id, p) TO stdout;',
    ].join('\n');
    assert.equal(toolErrors(terminated, 'pg_dump'), 'Dumping the contents of table "big" failed: PQgetResult() failed. · Error message from server: FATAL: terminating connection due to administrator command');
    const cut = [
      'pg_dump: error: Dumping the contents of table "big" failed: PQgetCopyData() failed.',
      'pg_dump: detail: Error message from server: server closed the connection unexpectedly',
      '\tThis probably means the server terminated abnormally',
      '\tbefore or while processing the request.',
      'pg_dump: detail: Command was: COPY public.big (id, payload) TO stdout;',
    ].join('\n');
    assert.equal(toolErrors(cut, 'pg_dump'), 'Dumping the contents of table "big" failed: PQgetCopyData() failed. · Error message from server: server closed the connection unexpectedly');
    const restore = 'pg_restore: error: error returned by PQputCopyData: server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.\n';
    assert.equal(toolErrors(restore, 'pg_restore'), 'error returned by PQputCopyData: server closed the connection unexpectedly');
    assert.equal(toolErrors('pg_dump: error: could not write to file: No space left on device\n', 'pg_dump'), 'could not write to file: No space left on device');
    // Nothing recognisable: the last lines, as before.
    assert.equal(toolErrors('something odd\nand more\n', 'pg_dump'), 'something odd · and more');
  });
});

describe('PostgreSQL backups: comparing inventories', () => {
  const expected = { tables: { '"s"."t"': 10, '"s"."u"': 0, '"s"."gone"': 1 }, objects: ['index "s"."t_pkey" on "t"', 'function "s"."f"(a integer)'] };
  it('names every difference: rows, missing and extra tables and objects', () => {
    const actual = { tables: { '"s"."t"': 9, '"s"."u"': 0, '"s"."new"': 3 }, objects: ['index "s"."t_pkey" on "t"', 'view "s"."v"'] };
    assert.deepEqual(compareInventory(expected, actual), [
      'table "s"."t": 10 rows at backup, 9 restored',
      'table "s"."gone": missing after the restore',
      'table "s"."new": not in the backup but in the restore',
      'function "s"."f"(a integer): missing after the restore',
      'view "s"."v": not in the backup but in the restore',
    ]);
    assert.deepEqual(compareInventory(expected, expected), []);
  });
  it('names a checksum that differs when the row count is the same, and a definition that differs on the same major version only', () => {
    const base = { ...expected, tables: { '"s"."t"': 10 }, serverVersionNum: 150004, definitions: { 'table "s"."t"': 'c1', 'index "s"."t_pkey" on "t"': 'd1', 'function "s"."f"(a integer)': 'f1' }, checksums: { '"s"."t"': '1:2' } };
    const restored = { ...base, serverVersionNum: 150010, definitions: { 'table "s"."t"': 'c2', 'index "s"."t_pkey" on "t"': 'd1', 'function "s"."f"(a integer)': 'f2' }, checksums: { '"s"."t"': '1:3' } };
    assert.deepEqual(compareInventory(base, restored), [
      'table "s"."t": checksum differs (the same 10 rows, other contents)',
      'table "s"."t": columns differ',
      'function "s"."f"(a integer): definition differs',
    ]);
    // Fewer rows: the count is named, not the checksum as well.
    assert.deepEqual(compareInventory(base, { ...base, tables: { '"s"."t"': 9 }, checksums: { '"s"."t"': '0:0' } }), ['table "s"."t": 10 rows at backup, 9 restored']);
    // Another major version renders definitions otherwise: names only, and the summary says so.
    const other = compareInventories(base, { ...restored, serverVersionNum: 160002, checksums: base.checksums });
    assert.deepEqual(other.differences, []);
    assert.match(other.compared, /1 table \(10 rows, 1 checksummed\) and 2 objects \(by name: the servers' major versions differ/);
    assert.equal(compareInventories(base, base).compared, '1 table (10 rows, 1 checksummed) and 2 objects (3 definitions compared)');
  });
  it('schema-only inventories compare no rows', () => {
    assert.deepEqual(compareInventory({ tables: { '"s"."t"': null }, objects: [] }, { tables: { '"s"."t"': 0 }, objects: [] }), []);
    assert.deepEqual(inventoryCounts(expected), { tables: 3, rows: 11, indexes: 1, functions: 1 });
    assert.deepEqual(inventoryCounts({ tables: {}, objects: ['trigger constraint "s"."t"."c"', 'trigger "s"."t"."g"', 'procedure "s"."p"()', 'materialized view "s"."m"'], checksums: { '"s"."t"': '0:0' } }),
      { tables: 0, rows: 0, constraints: 1, triggers: 1, procedures: 1, 'materialized views': 1, 'checksummed tables': 1 });
  });
});

describe('backup catalog: where Verify may write', () => {
  const support = (verifyWritesToServer: boolean, verifyTarget?: 'never' | 'optional' | 'required'): BackupSupport =>
    ({ engine: 'postgres', formats: [], defaultFormat: 'x', verifyWritesToServer, ...(verifyTarget ? { verifyTarget } : {}) }) as unknown as BackupSupport;
  const ro = { ...pg, readOnly: true };
  const other = { ...pg, id: 'p2', name: 'Scratch <i>' };
  it('a read-only source refuses a verify on itself, not on a server the user names', () => {
    assert.match(verifyRefusal(support(true, 'optional'), ro, undefined) ?? '', /^"Prod "DB" <b>" is read-only .* Name another server to verify on\.$/);
    assert.equal(verifyRefusal(support(true, 'optional'), ro, other), undefined);
    assert.equal(verifyRefusal(support(true, 'optional'), pg, undefined), undefined);
  });
  it('a read-only target refuses; a target of another engine refuses; an engine with its own scratch server takes none; one that needs a target asks for it', () => {
    assert.match(verifyRefusal(support(true, 'optional'), pg, { ...other, readOnly: true }) ?? '', /"Scratch <i>" is read-only/);
    assert.match(verifyRefusal(support(true, 'optional'), pg, { ...other, engine: 'redis' }) ?? '', /not a connection of the same engine/);
    assert.match(verifyRefusal(support(false), pg, other) ?? '', /brings its own scratch server/);
    assert.equal(verifyRefusal(support(false), ro, undefined), undefined);
    assert.match(verifyRefusal(support(false, 'required'), pg, undefined) ?? '', /needs a server to restore on/);
  });
});

describe('Redis backups: counts, samples, redis-cli', () => {
  it('a restored count fits between the counts before and after the snapshot, less keys expired since', () => {
    assert.ok(countFits(100, 100, 100, 0));
    assert.ok(countFits(105, 100, 110, 0));
    assert.ok(!countFits(99, 100, 110, 0));
    assert.ok(countFits(97, 100, 100, 3));
    assert.ok(!countFits(101, 100, 100, 3));
  });
  it('only keys whose value was the same before and after the transfer are compared', () => {
    const before = [{ db: 0, key: 'YQ==', type: 'string', digest: 'd1' }, { db: 0, key: 'Yg==', type: 'string', digest: 'd2' }, { db: 1, key: 'YQ==', type: 'hash', digest: 'd3' }];
    const r = stableSample(before, new Map([['0:YQ==', 'd1'], ['0:Yg==', 'changed'], ['1:YQ==', undefined]]));
    assert.deepEqual(r.stable.map((s) => `${s.db}:${s.key}`), ['0:YQ==']);
    assert.equal(r.changed, 2);
  });
  it('keys in messages: text quoted, bytes in hex', () => {
    assert.equal(keyText(Buffer.from('<b>ü "k"').toString('base64')), '"<b>ü \\"k\\""');
    assert.equal(keyText(Buffer.from([0, 0xff]).toString('base64')), '0x00ff');
  });
  it('redis-cli: user in argv (not a secret), TLS flags, the password only in REDISCLI_AUTH', () => {
    const p: ConnectionProfile = { id: 'r', engine: 'redis', name: 'r', host: 'cache.internal', port: 6380, user: 'backup', tls: 'require', readOnly: false, production: false, connectTimeoutMs: 5000 };
    assert.deepEqual(redisCliArgs({ profile: p }), ['-h', 'cache.internal', '-p', '6380', '--user', 'backup', '--tls', '--insecure']);
    assert.deepEqual(redisCliArgs({ profile: { ...p, tls: 'verify', user: undefined } }), ['-h', 'cache.internal', '-p', '6380', '--tls', '--sni', 'cache.internal']);
    const env = redisCliEnv(PASSWORD);
    assert.equal(env['REDISCLI_AUTH'], PASSWORD);
    assert.ok(!redisCliArgs({ profile: p }).join(' ').includes(PASSWORD));
  });

  it('redis-cli\'s failure: its progress lines and the temporary file\'s name left out', () => {
    const killed = "sending REPLCONF rdb-only 1\nSYNC sent to master, writing bytes of bulk transfer until EOF marker to '/tmp/x/.a.rdb.upkeep-partial-1'\nI/O Error reading RDB payload from socket\n";
    assert.equal(redisCliFailure(killed), 'I/O Error reading RDB payload from socket');
    assert.equal(redisCliFailure('Could not connect to Redis at 127.0.0.1:1: Connection refused\n'), 'Could not connect to Redis at 127.0.0.1:1: Connection refused');
    assert.equal(redisCliFailure(''), 'it printed nothing');
  });
});
