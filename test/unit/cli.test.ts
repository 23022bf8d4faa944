import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../src/cli/args';
import { findProfile, loadConfig, readSettings } from '../../src/cli/config';
import { backupFolderFor as backupFolderOf } from '../../src/core/backup/folder';
import { parseEndpoints } from '../../src/core/health/endpoints';
import { CliError } from '../../src/cli/errors';
import { selectSubjects } from '../../src/cli/healthCommand';
import { CliPasswords, passwordVariable } from '../../src/cli/passwords';
import { lookup, parseJsonc, settingsReader, userSettingsCandidates } from '../../src/cli/settingsFile';
import { KnownSecrets } from '../../src/core/connections/redact';
import type { ConnectionProfile } from '../../src/core/connections/profile';

const XSS = '<img src=x onerror=alert(1)>';

function usageError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CliError && err.kind === 'usage' && re.test(err.message));
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-cli-'));
}

const pg: ConnectionProfile = { id: 'pg-prod.1', engine: 'postgres', name: `Prod "main" ${XSS}`, host: 'db', port: 5432, user: 'u', tls: 'disable', readOnly: false, production: true, connectTimeoutMs: 5000 };
const redis: ConnectionProfile = { id: 'r1', engine: 'redis', name: 'Cache', host: 'cache', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5000 };

describe('CLI: arguments', () => {
  it('reads health options, both --name value and --name=value, repeated and comma-separated connections', () => {
    assert.deepEqual(parseArgs(['health', '--connection', 'a', '--connection=b,c', '--format=junit', '--timeout', '2.5', '--no-emoji', '--config', 'x.json']), {
      command: 'health', verbose: false, config: 'x.json', connections: ['a', 'b', 'c'], format: 'junit', timeoutS: 2.5, emoji: false,
    });
    assert.deepEqual(parseArgs(['health']), { command: 'health', verbose: false, connections: [], format: 'text' });
  });

  it('reads report options and defaults to Markdown on stdout', () => {
    assert.deepEqual(parseArgs(['report', 'redis-memory', '--connection', 'My Redis', '--database', 'db1']), {
      command: 'report', verbose: false, report: 'redis-memory', connection: 'My Redis', database: 'db1', format: 'md', force: false,
    });
    const out = parseArgs(['report', 'bloat', '--connection=p', '--format', 'html', '--out', 'r.html', '--force', '--verbose']);
    assert.deepEqual(out, { command: 'report', verbose: true, report: 'bloat', connection: 'p', format: 'html', out: 'r.html', force: true });
  });

  it('help and version', () => {
    assert.deepEqual(parseArgs([]), { command: 'help' });
    assert.deepEqual(parseArgs(['--help']), { command: 'help' });
    assert.deepEqual(parseArgs(['help', 'report']), { command: 'help', topic: 'report' });
    assert.deepEqual(parseArgs(['health', '--help']), { command: 'help', topic: 'health' });
    assert.deepEqual(parseArgs(['report', '-h']), { command: 'help', topic: 'report' });
    assert.deepEqual(parseArgs(['--version']), { command: 'version' });
  });

  it('refuses what it cannot use, with what to do instead', () => {
    usageError(() => parseArgs(['vacuum']), /unknown command "vacuum"/);
    usageError(() => parseArgs(['health', '--frmat', 'json']), /unknown option --frmat/);
    usageError(() => parseArgs(['health', '-x']), /unknown option -x/);
    usageError(() => parseArgs(['health', '--format', 'xml']), /text, json, junit/);
    usageError(() => parseArgs(['health', '--timeout', 'soon']), /--timeout soon/);
    usageError(() => parseArgs(['health', '--timeout', '0']), /more than 0/);
    usageError(() => parseArgs(['health', '--connection']), /--connection needs a value/);
    usageError(() => parseArgs(['health', '--connection', '--format']), /--connection needs a value/);
    usageError(() => parseArgs(['health', '--format', 'json', '--format', 'text']), /given twice/);
    usageError(() => parseArgs(['health', 'extra']), /no arguments/);
    usageError(() => parseArgs(['health', '--emoji', '--no-emoji']), /together/);
    usageError(() => parseArgs(['report', '--connection', 'x']), /which report/);
    usageError(() => parseArgs(['report', 'bloat', '--connection=']), /--connection needs a name/);
    usageError(() => parseArgs(['report', 'bloat', 'indexes', '--connection', 'x']), /one report at a time/);
    usageError(() => parseArgs(['report', 'bloat', '--connection', 'x', '--format', 'pdf']), /md, html, json, csv/);
    usageError(() => parseArgs(['report', 'bloat', '--connection', 'x', '--force']), /--force only goes with --out/);
    usageError(() => parseArgs(['report', 'bloat', '--connection', 'x', '--verbose=yes']), /takes no value/);
  });

  it('never takes a password in argv, whatever the option is called', () => {
    for (const argv of [['health', '--password', 'hunter2'], ['report', 'bloat', '--connection', 'x', '--password=hunter2'], ['--pgpassword', 'x'], ['health', '--secret', 's'], ['health', '--token=t']]) {
      assert.throws(() => parseArgs(argv), (err: unknown) => err instanceof CliError && /never taken on the command line/.test(err.message) && !err.message.includes('hunter2'), argv.join(' '));
    }
  });
});

describe('CLI: settings files', () => {
  it('reads JSON with comments and trailing commas, as VS Code writes settings.json', () => {
    const text = `{
      // a line comment with "quotes" and a , comma
      "upkeep.connections": [
        { "id": "a", "url": "http://x//y", /* block, comment */ "name": "has // and /* inside", },
      ],
      /* multi
         line */
      "n": 3,
    }`;
    assert.deepEqual(parseJsonc(text), { 'upkeep.connections': [{ id: 'a', url: 'http://x//y', name: 'has // and /* inside' }], n: 3 });
    assert.deepEqual(parseJsonc('{"a": "x\\" // not a comment", "b": [1, 2,],}'), { a: 'x" // not a comment', b: [1, 2] });
    assert.deepEqual(parseJsonc('[]'), []);
    assert.throws(() => parseJsonc('{\n  "a": 1,\n  "b": oops\n}'), (e: Error) => /line 3: expected a value/.test(e.message) && !e.message.includes('oops'));
    assert.throws(() => parseJsonc('{ /* never closed '), /line 1: a comment is never closed/);
    assert.throws(() => parseJsonc('[1,,2]'), /expected a value/);
    assert.throws(() => parseJsonc('{"a": 1} x'), /more text after the end/);
    assert.throws(() => parseJsonc('{"a": "open'), /string is not closed/);
    assert.throws(() => parseJsonc('{"a": 1'), /expected , or \}/);
    const proto = parseJsonc('{"__proto__": {"polluted": true}, "é\\u00e9": "\\n"}') as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(proto), ['__proto__', 'éé']);
    assert.equal(proto['éé'], '\n');
  });

  it('answers settings flat (settings.json) or nested (upkeep.json), keeping the fallback for a value of the wrong type', () => {
    const s = settingsReader({ 'upkeep.reports.bloatPercent': 30, upkeep: { reports: { cacheHitMin: 90, longQuerySeconds: 'x' }, 'health.deadTuplePercent': 12 } });
    assert.equal(s.get('upkeep.reports.bloatPercent', 20), 30);
    assert.equal(s.get('upkeep.reports.cacheHitMin', 95), 90);
    assert.equal(s.get('upkeep.health.deadTuplePercent', 10), 12);
    assert.equal(s.get('upkeep.reports.longQuerySeconds', 60), 60);
    assert.equal(s.get('upkeep.reports.unset', 7), 7);
    assert.equal(lookup({ 'upkeep.health': { endpoints: [1] } }, 'upkeep.health.endpoints') instanceof Array, true);
  });

  it('reads profiles with the editor\'s validation, and endpoints, saying what it left out', () => {
    const read = readSettings({
      'upkeep.connections': [
        { id: 'p1', engine: 'postgres', name: XSS, host: 'db', password: 'stray-secret' },
        { id: 'p2', engine: 'mysql', name: 'M', host: 'h' },
        { id: 'p1', engine: 'redis', name: 'Dup', host: 'h' },
        'junk',
      ],
      'upkeep.health.endpoints': [{ name: 'api', url: 'http://127.0.0.1:1/health', bodyMatches: 'ok', timeoutMs: 500 }, { name: 'ftp', url: 'ftp://x' }, { url: 'http://x' }],
      'upkeep.reports.bloatPercent': 33,
    });
    assert.deepEqual(read.profiles.map((p) => p.name), [XSS]);
    assert.ok(!JSON.stringify(read.profiles).includes('stray-secret'), 'a stray password key is dropped');
    assert.deepEqual(read.endpoints, [{ name: 'api', url: 'http://127.0.0.1:1/health', bodyMatches: 'ok', timeoutMs: 500 }]);
    assert.equal(read.settings.get('upkeep.reports.bloatPercent', 0), 33);
    assert.equal(read.warnings.length, 5, read.warnings.join('\n'));
    assert.match(read.warnings.join('\n'), /Unknown engine "mysql"/);
    assert.match(read.warnings.join('\n'), /id p1 is used by an earlier one/);
    assert.match(read.warnings.join('\n'), /only http and https/);
    assert.equal(parseEndpoints([{ name: 'x', url: 'not a url' }]).problems.length, 1);
  });

  it('loads --config, UPKEEP_CONFIG, or the first editor settings file that exists', async () => {
    const home = tmpDir();
    const env = { XDG_CONFIG_HOME: path.join(home, 'cfg'), XDG_DATA_HOME: path.join(home, 'data') };
    await assert.rejects(loadConfig(undefined, env, home), /no configuration: give --config FILE/);
    const codeServer = path.join(home, 'data', 'code-server', 'User', 'settings.json');
    fs.mkdirSync(path.dirname(codeServer), { recursive: true });
    fs.writeFileSync(codeServer, '{ // code-server\n "upkeep.connections": [{ "id": "r", "engine": "redis", "name": "R", "host": "h" },], }');
    const fromCodeServer = await loadConfig(undefined, env, home);
    assert.equal(fromCodeServer.file, codeServer);
    assert.equal(fromCodeServer.editorSettings, true);
    assert.deepEqual(fromCodeServer.profiles.map((p) => p.id), ['r']);
    const vscode = path.join(home, 'cfg', 'Code', 'User', 'settings.json');
    fs.mkdirSync(path.dirname(vscode), { recursive: true });
    fs.writeFileSync(vscode, '{}');
    assert.equal((await loadConfig(undefined, env, home)).file, vscode, 'VS Code first');
    const own = path.join(home, 'upkeep.json');
    fs.writeFileSync(own, '{"upkeep": {"connections": []}}');
    assert.equal((await loadConfig(undefined, { ...env, UPKEEP_CONFIG: own }, home)).file, own);
    assert.equal((await loadConfig('~/upkeep.json', env, home)).editorSettings, false);
    await assert.rejects(loadConfig(path.join(home, 'missing.json'), env, home), /cannot read .*missing\.json: ENOENT/);
    fs.writeFileSync(own, '{ "a": }');
    await assert.rejects(loadConfig(own, env, home), /upkeep\.json: not valid JSON at line 1: expected a value/);
    fs.writeFileSync(own, '[1]');
    await assert.rejects(loadConfig(own, env, home), /expected an object of settings/);
    assert.deepEqual(userSettingsCandidates({}, '/h', 'linux').slice(0, 2), ['/h/.config/Code/User/settings.json', '/h/.local/share/code-server/User/settings.json']);
  });

  it('finds connections by id or name, and says which exist', () => {
    const twin = { ...redis, id: 'r2' };
    assert.equal(findProfile([pg, redis], 'r1'), redis);
    assert.equal(findProfile([pg, redis], pg.name), pg);
    usageError(() => findProfile([pg, redis], 'nope'), /no connection "nope": known are/);
    usageError(() => findProfile([redis, twin], 'Cache'), /2 connections are named "Cache": give its id instead \(r1, r2\)/);
    const subjects = selectSubjects({ profiles: [pg, redis], endpoints: [{ name: 'api', url: 'http://x' }] }, ['api', 'r1']);
    assert.deepEqual([subjects.profiles.map((p) => p.id), subjects.endpoints.map((e) => e.name)], [['r1'], ['api']]);
    usageError(() => selectSubjects({ profiles: [pg], endpoints: [] }, ['x']), /no connection or endpoint "x"/);
  });

  it('chooses a backup folder as the editor does', () => {
    const s = settingsReader({ 'upkeep.backup.connectionFolders': { 'pg-prod.1': '~/pgb' }, 'upkeep.backup.folder': '/srv/b' });
    assert.equal(backupFolderOf(pg, s, '/store', '/home/u'), '/home/u/pgb');
    assert.equal(backupFolderOf(redis, s, '/store', '/home/u'), '/srv/b');
    assert.equal(backupFolderOf(redis, settingsReader({}), '/store', '/home/u'), '/store/backups');
  });
});

describe('CLI: passwords', () => {
  it('names the variable after the id', () => {
    assert.equal(passwordVariable({ id: 'pg-prod.1' }), 'UPKEEP_PASSWORD_PG_PROD_1');
    assert.equal(passwordVariable({ id: 'lrx3-ab_cd' }), 'UPKEEP_PASSWORD_LRX3_AB_CD');
  });

  it('takes UPKEEP_PASSWORD_<ID> first, then the profile\'s variable, and tells a missing one apart', async () => {
    const known = new KnownSecrets();
    const withEnv: ConnectionProfile = { ...pg, passwordSource: 'env', passwordEnv: 'PG_PW' };
    assert.equal(await new CliPasswords(known, { PG_PW: 'from-env', UPKEEP_PASSWORD_PG_PROD_1: 'own-var' }, '/nowhere').passwordFor(withEnv), 'own-var');
    assert.equal(await new CliPasswords(known, { PG_PW: 'from-env' }, '/nowhere').passwordFor(withEnv), 'from-env');
    await assert.rejects(new CliPasswords(known, {}, '/nowhere').passwordFor(withEnv), (err: Error) => err.name === 'PasswordWithheld' && /PG_PW, which is not set here; set it, or UPKEEP_PASSWORD_PG_PROD_1/.test(err.message));
    // Secret storage: nothing readable, so try without one; the server decides.
    assert.equal(await new CliPasswords(known, {}, '/nowhere').passwordFor(redis), undefined);
    assert.deepEqual(known.list().sort(), ['from-env', 'own-var']);
  });

  it('explains an authentication failure of a profile whose password only the editor has', () => {
    const p = new CliPasswords(new KnownSecrets(), {}, '/nowhere');
    const auth = Object.assign(new Error('NOAUTH Authentication required.'), { code: 'NOAUTH' });
    const explained = p.explain(redis, auth, undefined) as Error;
    assert.equal(explained.name, 'PasswordWithheld');
    assert.match(explained.message, /secret storage, which only the editor can read: set UPKEEP_PASSWORD_R1/);
    assert.equal(p.explain(redis, auth, 'given'), auth, 'a password was sent: the error is the server\'s');
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    assert.equal(p.explain(redis, refused, undefined), refused);
  });
});
