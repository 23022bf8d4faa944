/**
 * `upkeep health` as cron runs it: the built CLI as a child process against
 * the test servers and an HTTP endpoint served by the fixture.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import type { HealthRun } from '../../src/core/health/model';
import { assertNoSecret, CLI, entry, type Ran, upkeep, useCliFixture, writeConfig, XSS } from '../support/cli';
import { closedPort, redisProfile, services } from './services';

// xml2js comes with @vscode/vsce (a devDependency): an XML parser that is not ours, to judge our XML.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const xml2js = require('xml2js') as { parseStringPromise(text: string, options?: object): Promise<Record<string, unknown>> };

describe('upkeep health (built CLI, child process, real servers)', function () {
  this.timeout(180_000);
  const f = useCliFixture();
  let pg: ConnectionProfile;
  let redis: ConnectionProfile;
  let env: Record<string, string>;
  let base = '';
  let healthyConfig = '';
  const { dir, pgVar } = f;
  before(() => ({ pg, redis, env, base, healthyConfig } = f));

  it('health: every engine and the endpoint healthy → exit 0, one line a check, plain words off a terminal', async () => {
    const ran = await upkeep(['health', '--config', healthyConfig], env);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.ok(ran.cmdline.includes('cli.js') && ran.cmdline.includes('health'), 'the child\'s argv was read');
    assertNoSecret(ran);
    const lines = ran.stdout.trimEnd().split('\n');
    for (const name of [pg.name, 'Cache ✓ (Redis)', 'Graph (Neo4j)', 'Engine (Docker)', `api (${base}/health)`]) {
      assert.ok(lines.some((l) => l.startsWith('OK ') && l.includes(name)), `${name} in:\n${ran.stdout}`);
    }
    assert.ok(lines.some((l) => /api .* — Response body: matches \/healthy\//.test(l)));
    assert.equal(lines.at(-1), 'OK       All 5 healthy');
    assert.ok(!/[✅❌]/.test(ran.stdout), 'no emoji when stdout is not a terminal');
    const emoji = await upkeep(['health', '--config', healthyConfig, '--emoji', '--connection', 'Graph'], env);
    assert.equal(emoji.code, 0);
    assert.ok(emoji.stdout.split('\n')[0]?.startsWith('✅ Graph (Neo4j)'), emoji.stdout);
  });

  it('health on a UTF-8 terminal (a pseudo-terminal from util-linux `script`): emoji by default, words with a non-UTF-8 locale', async () => {
    const onTerminal = (locale: string): Promise<Ran> => new Promise((resolve, reject) => {
      const command = `"${process.execPath}" "${CLI}" health --config "${healthyConfig}" --connection Graph`;
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env, LANG: locale, LC_ALL: locale }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', (err) => reject(new Error(`script (util-linux, Debian package bsdutils) is needed for this test: ${err.message}`)));
      child.on('close', (code) => resolve({ code, stdout, stderr: '', cmdline: '' }));
    });
    const utf8 = await onTerminal('C.UTF-8');
    assert.equal(utf8.code, 0, utf8.stdout);
    // One line a check (Reachable first; more once the engine has its health hook), then the summary.
    const lines = utf8.stdout.replace(/\r/g, '').trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^✅ Graph \(Neo4j\) — Reachable: Neo4j .*answered/);
    assert.ok(lines.slice(0, -1).every((l) => l.startsWith('✅ Graph (Neo4j) — ')), lines.join('\n'));
    assert.equal(lines.at(-1), '✅ All 1 healthy');
    const plain = await onTerminal('C');
    assert.equal(plain.code, 0, plain.stdout);
    assert.match(plain.stdout, /^OK {7}Graph \(Neo4j\)/);
  });

  it('health --format json is the HealthRun; --format junit is well-formed XML with a suite a subject', async () => {
    const json = await upkeep(['health', '--config', healthyConfig, '--format', 'json'], env);
    assert.equal(json.code, 0, json.stderr);
    const run = JSON.parse(json.stdout) as HealthRun;
    assert.equal(run.worst, 'ok');
    assert.deepEqual(run.subjects.map((s) => s.subject.name), [pg.name, 'Cache ✓', 'Graph', 'Engine', 'api']);
    assert.deepEqual(run.subjects[0]?.subject, { kind: 'connection', id: 'cli-pg.1', name: pg.name, engine: 'postgres', production: false });
    assert.ok(run.subjects.every((s) => s.checks.length > 0 && s.worst === 'ok' && typeof s.durationMs === 'number' && !Number.isNaN(Date.parse(s.checkedAt))));

    const endpoints = [{ name: 'api', url: `${base}/health` }, { name: `broken ${XSS} & "co"`, url: `${base}/fail` }];
    const config = writeConfig(dir, { 'upkeep.connections': [entry(pg)], 'upkeep.health.endpoints': endpoints });
    const junit = await upkeep(['health', '--config', config, '--format', 'junit'], env);
    assert.equal(junit.code, 2, junit.stderr);
    assert.ok(!junit.stdout.includes(XSS), 'names are escaped');
    const doc = await xml2js.parseStringPromise(junit.stdout, { strict: true });
    const suites = doc['testsuites'] as { $: Record<string, string>; testsuite: { $: Record<string, string>; testcase: { failure?: { $: Record<string, string> }[] }[] }[] };
    assert.equal(suites.$['failures'], '1');
    assert.deepEqual(suites.testsuite.map((s) => s.$['name']), [`${pg.name} (PostgreSQL)`, `api (${base}/health)`, `broken ${XSS} & "co" (${base}/fail)`]);
    const failure = suites.testsuite[2]?.testcase[0]?.failure?.[0];
    assert.equal(failure?.$['type'], 'critical');
    assert.match(failure?.$['message'] ?? '', /HTTP 500/);
  });

  it('health: a closed port → critical (the server is down, exit 2) with the reason on its line; an endpoint answering 500 too', async () => {
    const port = await closedPort();
    const down = redisProfile({ id: 'cli-down', name: 'Stopped Redis', port });
    const config = writeConfig(dir, { 'upkeep.connections': [entry(pg), entry(down)] });
    const ran = await upkeep(['health', '--config', config], env);
    assert.equal(ran.code, 2, ran.stdout + ran.stderr);
    const line = ran.stdout.split('\n').find((l) => l.includes('Stopped Redis')) ?? '';
    assert.match(line, new RegExp(`^CRITICAL Stopped Redis \\(Redis\\) — Reachable: Nothing is listening at 127\\.0\\.0\\.1:${port}`));
    assert.match(ran.stdout.trimEnd().split('\n').at(-1) ?? '', /^CRITICAL 1 critical, 1 healthy \(of 2\)$/);

    const failing = writeConfig(dir, { 'upkeep.connections': [entry(pg), entry(down)], 'upkeep.health.endpoints': [{ name: 'api-500', url: `${base}/fail` }] });
    const worse = await upkeep(['health', '--config', failing], env);
    assert.equal(worse.code, 2);
    assert.match(worse.stdout, /^CRITICAL api-500 \(http:\/\/127\.0\.0\.1:\d+\/fail\) — HTTP status: HTTP 500 Internal Server Error$/m);
  });

  it('health: a password only the editor has is "could not check", naming the variable to set (exit 3)', async () => {
    const config = writeConfig(dir, { 'upkeep.connections': [entry(redis)] });
    const ran = await upkeep(['health', '--config', config], {});
    assert.equal(ran.code, 3, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /UNKNOWN {2}Cache ✓ \(Redis\) — Reachable: could not check: .*secret storage, which only the editor can read: set UPKEEP_PASSWORD_CLI_REDIS/);
    const pgNoVar = writeConfig(dir, { 'upkeep.connections': [entry(pg)] });
    const missing = await upkeep(['health', '--config', pgNoVar], {});
    assert.equal(missing.code, 3);
    assert.match(missing.stdout, new RegExp(`${pgVar}, which is not set here; set it, or UPKEEP_PASSWORD_CLI_PG_1`));
  });

  it('health: a PostgreSQL password from the password file (PGPASSFILE, 0600), as libpq reads it', async () => {
    const pass = path.join(dir, 'pgpass');
    const s = services().postgres;
    fs.writeFileSync(pass, `${s.host}:${s.port}:*:${s.user}:${s.password}\n`, { mode: 0o600 });
    const viaFile = { ...pg, id: 'cli-pgpass', passwordSource: 'pgpass' as const, passwordEnv: undefined };
    const config = writeConfig(dir, { 'upkeep.connections': [entry(viaFile)] });
    const ran = await upkeep(['health', '--config', config], { PGPASSFILE: pass });
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assertNoSecret(ran);
    const none = await upkeep(['health', '--config', config], { PGPASSFILE: path.join(dir, 'no-such-pgpass') });
    assert.equal(none.code, 3, 'no line for it: tried without a password, which the server refuses');
    assert.match(none.stdout, /UNKNOWN {2}.*— Reachable: could not check: PostgreSQL .*password.* password file \(pgpass\) .*no-such-pgpass, but no line there matches .* Add one, or set UPKEEP_PASSWORD_CLI_PGPASS\./);
  });

  it('health: the configuration from UPKEEP_CONFIG, or the user\'s VS Code settings.json; --connection selects', async () => {
    const viaEnv = await upkeep(['health', '--connection', 'Graph,api'], { ...env, UPKEEP_CONFIG: healthyConfig });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.deepEqual([...new Set(viaEnv.stdout.trimEnd().split('\n').map((l) => l.split(' — ')[0]?.replace(/^OK +/, '')))], ['Graph (Neo4j)', `api (${base}/health)`, 'All 2 healthy']);
    const home = fs.mkdtempSync(path.join(dir, 'home-'));
    const settings = path.join(home, '.config', 'Code', 'User', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.copyFileSync(healthyConfig, settings);
    const fromEditor = await upkeep(['health', '--connection', 'cli-docker'], { ...env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') });
    assert.equal(fromEditor.code, 0, fromEditor.stderr);
    assert.match(fromEditor.stdout, /^OK {7}Engine \(Docker\)/);
    const unknown = await upkeep(['health', '--connection', 'nope', '--config', healthyConfig], env);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /^upkeep: no connection or endpoint "nope": known are/);
  });

  it('health: a password in argv is refused before anything runs', async () => {
    const ran = await upkeep(['health', '--config', healthyConfig, '--password', 'hunter2-secret'], env);
    assert.equal(ran.code, 64);
    assert.match(ran.stderr, /passwords are never taken on the command line/);
    assert.ok(!ran.stderr.includes('hunter2-secret'));
  });

  it('health: Ctrl+C stops a run waiting on a hanging endpoint, closes its request and exits 130', async () => {
    const config = writeConfig(dir, { 'upkeep.connections': [], 'upkeep.health.endpoints': [{ name: 'hangs', url: `${base}/hang` }] });
    const asked = new Promise<void>((resolve) => (f.onHang = resolve));
    const closed = new Promise<void>((resolve) => (f.onHangClosed = resolve));
    const base2 = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('UPKEEP_')));
    const child = spawn(process.execPath, [CLI, 'health', '--config', config, '--timeout', '600'], { env: base2, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await asked;
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    await closed;
    assert.match(stderr, /stopping/);
    assert.match(stderr, /upkeep: stopped \(Ctrl\+C\)/);
    delete f.onHang;
    delete f.onHangClosed;
  });
});
