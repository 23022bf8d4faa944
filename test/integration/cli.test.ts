/**
 * The built `upkeep` command (dist/cli.js) run as a child process, as cron
 * runs it, against the test servers and an HTTP endpoint served here.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import type IORedis from 'ioredis';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import type { HealthRun } from '../../src/core/health/model';
import { engineModule } from '../../src/core/engines';
import type { Report } from '../../src/core/reports/model';
import { openRedis } from '../../src/core/redis/connection';
import { dropDatabase, recreateDatabase } from '../support/pg';
import { closedPort, dockerProfile, neo4jProfile, pgProfile, redisProfile, services, uniqueName } from './services';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const XSS = '<img src=x onerror=alert(1)>';
/** This suite's Redis database (the other suites use 1–10). */
const REDIS_DB = 11;

// xml2js comes with @vscode/vsce (a devDependency): an XML parser that is not ours, to judge our XML.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const xml2js = require('xml2js') as { parseStringPromise(text: string, options?: object): Promise<Record<string, unknown>> };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The child's argv as the kernel shows it to every user (/proc/<pid>/cmdline). */
  cmdline: string;
}

/** Runs dist/cli.js with `args` and only `env` added to a clean environment (no UPKEEP_* from outside). */
function upkeep(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('UPKEEP_') && k !== 'PGPASSWORD' && k !== 'PGPASSFILE'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...base, HOME: os.tmpdir(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let cmdline = '';
    // Read what the kernel shows of the child once it runs the CLI (before that, it is still the forked parent).
    const poll = setInterval(() => {
      try {
        const text = fs.readFileSync(`/proc/${child.pid ?? 0}/cmdline`, 'utf8');
        if (text.includes('cli.js')) {
          cmdline = text;
          clearInterval(poll);
        }
      } catch {
        clearInterval(poll);
      }
    }, 5);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, cmdline });
    });
  });
}

/** A settings file; the test servers have no backups, so the last-backup check (upkeep.backup.staleDays) is off unless a test turns it on. */
function writeConfig(dir: string, values: Record<string, unknown>): string {
  const settings = { 'upkeep.backup.staleDays': 0, ...values };
  const file = path.join(dir, `${uniqueName('upkeep')}.json`);
  // As VS Code writes settings: comments and trailing commas.
  fs.writeFileSync(file, `// written by the CLI test\n${JSON.stringify(settings, null, 2).replace(/\n}$/, ',\n}')}\n`);
  return file;
}

/** A settings entry as the editor stores it (no secret in it). */
function entry(p: ConnectionProfile, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...p, ...extra };
}

function shapeOf(r: Report): unknown {
  return {
    kind: r.kind, title: r.title, connectionName: r.connectionName, database: r.database, server: r.server, serverVersion: r.serverVersion,
    sections: r.sections.map((s) => ({ id: s.id, title: s.title, columns: s.columns, chart: s.chart })),
    findingKeys: Object.keys(r.findings[0] ?? {}).sort(),
  };
}

describe('upkeep CLI (built, as a child process, real servers)', function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-cli-it-'));
  const pgVar = `UPKEEP_TEST_PG_${process.pid}`;
  let server: http.Server;
  let base = '';
  let pg: ConnectionProfile;
  let redis: ConnectionProfile;
  let neo4j: ConnectionProfile;
  let docker: ConnectionProfile;
  let database = '';
  let pgClient: Client | undefined;
  let redisAdmin: IORedis | undefined;
  let env: Record<string, string>;
  let healthyConfig = '';
  const hanging: http.ServerResponse[] = [];
  let onHang: (() => void) | undefined;
  let onHangClosed: (() => void) | undefined;

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/health') res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy');
      else if (req.url === '/hang') {
        // Never answers: the CLI must give up on it (its timeout, or Ctrl+C), not this server.
        hanging.push(res);
        onHang?.();
        req.on('close', () => onHangClosed?.());
      } else res.writeHead(500).end('boom');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    database = uniqueName('upkeep_cli');
    pgClient = await recreateDatabase(services().postgres, database);
    await pgClient.query(`CREATE TABLE ${pgClient.escapeIdentifier(XSS)} (id int PRIMARY KEY, note text)`);
    await pgClient.query(`CREATE INDEX ${pgClient.escapeIdentifier(`${XSS}_note`)} ON ${pgClient.escapeIdentifier(XSS)} (note)`);
    await pgClient.query(`INSERT INTO ${pgClient.escapeIdentifier(XSS)} SELECT g, 'n' || g FROM generate_series(1, 2000) g`);
    await pgClient.query(`ANALYZE ${pgClient.escapeIdentifier(XSS)}`);
    // The PostgreSQL password from the profile's own variable, Neo4j's and Redis's from UPKEEP_PASSWORD_<ID>.
    pg = pgProfile({ id: 'cli-pg.1', name: `Prod "main" ${XSS}`, database, passwordSource: 'env', passwordEnv: pgVar });
    redis = redisProfile({ id: 'cli-redis', name: 'Cache ✓', database: String(REDIS_DB) });
    neo4j = neo4jProfile({ id: 'cli-neo4j', name: 'Graph' });
    docker = dockerProfile({ id: 'cli-docker', name: 'Engine' });
    env = { [pgVar]: services().postgres.password, UPKEEP_PASSWORD_CLI_REDIS: services().redis.password, UPKEEP_PASSWORD_CLI_NEO4J: services().neo4j.password };
    healthyConfig = writeConfig(dir, {
      'upkeep.connections': [entry(pg), entry(redis), entry(neo4j), entry(docker)],
      'upkeep.health.endpoints': [{ name: 'api', url: `${base}/health`, bodyMatches: 'healthy' }],
    });
    redisAdmin = await openRedis(redisProfile(), services().redis.password);
    await redisAdmin.select(REDIS_DB);
    await redisAdmin.flushdb();
    for (let i = 0; i < 50; i++) await redisAdmin.set(`cli:${XSS}:${i}`, 'x'.repeat(100 + i));
    await redisAdmin.hset('cli:hash', { a: '1', b: '2' });
  });

  after(async () => {
    for (const res of hanging) res.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pgClient?.end();
    await dropDatabase(services().postgres, database).catch(() => undefined);
    await redisAdmin?.flushdb();
    redisAdmin?.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const secrets = (): string[] => [services().postgres.password, services().redis.password, services().neo4j.password];

  function assertNoSecret(ran: Ran): void {
    for (const s of secrets()) {
      assert.ok(!ran.stdout.includes(s) && !ran.stderr.includes(s), 'no password in the output');
      assert.ok(!ran.cmdline.includes(s), 'no password in the child\'s argv');
    }
  }

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

  it('health: a closed port → exit 3 with the reason on its line; an endpoint answering 500 → exit 2', async () => {
    const port = await closedPort();
    const down = redisProfile({ id: 'cli-down', name: 'Stopped Redis', port });
    const config = writeConfig(dir, { 'upkeep.connections': [entry(pg), entry(down)] });
    const ran = await upkeep(['health', '--config', config], env);
    assert.equal(ran.code, 3, ran.stdout + ran.stderr);
    const line = ran.stdout.split('\n').find((l) => l.includes('Stopped Redis')) ?? '';
    assert.match(line, new RegExp(`^UNKNOWN  Stopped Redis \\(Redis\\) — Reachable: could not check: Nothing is listening at 127\\.0\\.0\\.1:${port}`));
    assert.match(ran.stdout.trimEnd().split('\n').at(-1) ?? '', /^UNKNOWN {2}1 not checked, 1 healthy \(of 2\)$/);

    const failing = writeConfig(dir, { 'upkeep.connections': [entry(pg), entry(down)], 'upkeep.health.endpoints': [{ name: 'api-500', url: `${base}/fail` }] });
    const worse = await upkeep(['health', '--config', failing], env);
    assert.equal(worse.code, 2, 'critical outranks could-not-check');
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
    const asked = new Promise<void>((resolve) => (onHang = resolve));
    const closed = new Promise<void>((resolve) => (onHangClosed = resolve));
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
    onHang = undefined;
    onHangClosed = undefined;
  });

  describe('reports', () => {
    let config = '';
    before(() => {
      config = writeConfig(dir, { 'upkeep.connections': [entry(pg), entry(redis), entry(neo4j), entry(docker)] });
    });

    /** The report as the engine's hook builds it in this process, for the same connection and data. */
    async function coreReport(profile: ConnectionProfile, password: string, kind: string, db: string): Promise<Report> {
      const engine = engineModule(profile.engine);
      const session = await engine.openSession?.(profile, password, {});
      assert.ok(session && engine.reports);
      try {
        return await engine.reports.build(kind, { session, profile, database: db, signal: new AbortController().signal, settings: { get: <T>(_k: string, f: T): T => f }, storageDir: fs.mkdtempSync(path.join(dir, 'storage-')) });
      } finally {
        await session.dispose();
      }
    }

    async function formats(name: string, connection: string, kind: string, profile: ConnectionProfile, password: string, db: string, extra: string[] = [], sameRows = false): Promise<void> {
      const common = ['report', name, '--connection', connection, '--config', config, ...extra];
      const json = await upkeep([...common, '--format', 'json'], { ...env, UPKEEP_STORAGE: path.join(dir, 'storage') });
      assert.equal(json.code, 0, json.stderr);
      assertNoSecret(json);
      const fromCli = JSON.parse(json.stdout) as Report;
      const fromCore = await coreReport(profile, password, kind, db);
      assert.deepEqual(shapeOf(fromCli), shapeOf(fromCore), `${name}: the CLI's JSON has the core builder's shape`);
      if (sameRows) {
        const keys = (r: Report): unknown => r.sections.map((s) => [s.id, s.rows.map((row) => row['_key'] ?? null)]);
        assert.deepEqual(keys(fromCli), keys(fromCore), `${name}: the same rows`);
        assert.deepEqual(fromCli.findings.map((f) => f.id), fromCore.findings.map((f) => f.id), `${name}: the same findings`);
      }

      const md = await upkeep([...common, '--format', 'md'], env);
      assert.equal(md.code, 0, md.stderr);
      assert.ok(md.stdout.startsWith(`# ${fromCli.title.replace(/[*_]/g, '\\$&')} — `), md.stdout.slice(0, 200));
      assert.ok(!/(?<!\\)<img/.test(md.stdout), 'Markdown escapes HTML');

      const html = await upkeep([...common, '--format', 'html'], env);
      assert.equal(html.code, 0, html.stderr);
      assert.ok(html.stdout.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`));
      assert.ok(!/<script/i.test(html.stdout), 'no script at all');
      assert.ok(!html.stdout.includes(XSS), 'server and connection names escaped');

      const csv = await upkeep([...common, '--format', 'csv'], env);
      assert.equal(csv.code, 0, csv.stderr);
      assert.ok(csv.stdout.includes('# Findings\r\nSeverity,Section,Object,Message,Fix\r\n'));
      for (const s of fromCli.sections) assert.ok(csv.stdout.includes(`# ${s.title}`), `${name}: section ${s.title} in the CSV`);
    }

    for (const kind of ['bloat', 'indexes', 'health', 'capacity']) {
      it(`PostgreSQL ${kind} in md, html, json and csv, the connection named with quotes and HTML`, async () => {
        await formats(kind, pg.name, kind, pg, services().postgres.password, database, [], kind === 'bloat' || kind === 'indexes');
      });
    }

    it('the thresholds come from the settings file (upkeep.reports.*), flat or nested', async () => {
      const unusedOf = async (file: string): Promise<string[]> => {
        const ran = await upkeep(['report', 'indexes', '--connection', 'cli-pg.1', '--config', file, '--format', 'json'], env);
        assert.equal(ran.code, 0, ran.stderr);
        return (JSON.parse(ran.stdout) as Report).findings.filter((f) => f.object.includes(`${XSS}_note`)).map((f) => f.id);
      };
      assert.ok((await unusedOf(config)).length > 0, 'the unused index is a finding by default (no minimum size)');
      const flat = writeConfig(dir, { 'upkeep.connections': [entry(pg)], 'upkeep.reports.unusedIndexMinBytes': 1e12 });
      assert.deepEqual(await unusedOf(flat), []);
      const nested = writeConfig(dir, { upkeep: { connections: [entry(pg)], reports: { unusedIndexMinBytes: 1e12 } } });
      assert.deepEqual(await unusedOf(nested), []);
    });

    it('the hostile connection name is escaped in each format', async () => {
      const common = ['report', 'indexes', '--connection', pg.name, '--config', config];
      const html = await upkeep([...common, '--format', 'html'], env);
      assert.ok(html.stdout.includes('Prod &quot;main&quot; &lt;img src=x onerror=alert(1)&gt;'));
      const md = await upkeep([...common, '--format', 'md'], env);
      assert.ok(md.stdout.includes('Connection Prod "main" \\<img src=x onerror=alert(1)\\>'), md.stdout.slice(0, 300));
      const json = await upkeep([...common, '--format', 'json'], env);
      assert.equal((JSON.parse(json.stdout) as Report).connectionName, pg.name);
    });

    it('redis-memory in md, html, json and csv', async () => {
      await formats('redis-memory', 'cli-redis', 'memory', redis, services().redis.password, String(REDIS_DB), [], true);
      const json = JSON.parse((await upkeep(['report', 'redis-memory', '--connection', 'cli-redis', '--config', config, '--format', 'json'], env)).stdout) as Report;
      assert.ok(JSON.stringify(json).includes(`cli:${XSS}`), 'the keys\' namespace is in the report');
    });

    it('neo4j-schema in md, html, json and csv', async () => {
      await formats('neo4j-schema', 'Graph', 'neo4j-schema', neo4j, services().neo4j.password, 'neo4j', ['--database', 'neo4j']);
    });

    it('backups: every connection\'s backup folder (upkeep.backup.*), as the core builds it; --connection narrows it to one', async () => {
      const folders = fs.mkdtempSync(path.join(dir, 'backups-'));
      const own = path.join(folders, 'pg-own');
      const file = writeConfig(dir, {
        'upkeep.connections': [entry(pg), entry(redis), entry(neo4j), entry(docker)],
        'upkeep.backup.folder': folders,
        'upkeep.backup.connectionFolders': { [pg.id]: own },
      });
      const json = await upkeep(['report', 'backups', '--config', file, '--format', 'json'], env);
      assert.equal(json.code, 0, json.stderr);
      assertNoSecret(json);
      const fromCli = JSON.parse(json.stdout) as Report;
      const { backupsReport } = await import('../../src/core/backup/reportInput');
      const fromCore = await backupsReport({
        profiles: [pg, redis, neo4j, docker],
        folderOf: (p) => (p.id === pg.id ? own : folders),
        settings: { get: <T>(k: string, f: T): T => (k === 'upkeep.backup.staleDays' ? (0 as T) : f) },
      });
      assert.deepEqual(shapeOf(fromCli), shapeOf(fromCore));
      const keys = (r: Report): unknown => r.sections.map((s) => [s.id, s.rows.map((row) => [row['_key'] ?? null, row['folder'] ?? null])]);
      assert.deepEqual(keys(fromCli), keys(fromCore));
      assert.ok(fromCli.findings.some((f) => f.object === pg.name && f.message.includes(own)), 'the connection\'s own folder is read');
      const html = await upkeep(['report', 'backups', '--config', file, '--format', 'html'], env);
      assert.equal(html.code, 0, html.stderr);
      assert.ok(!html.stdout.includes(XSS) && html.stdout.includes('Prod &quot;main&quot; &lt;img src=x onerror=alert(1)&gt;'));
      const one = JSON.parse((await upkeep(['report', 'backups', '--config', file, '--connection', 'Cache ✓', '--format', 'json'], env)).stdout) as Report;
      assert.deepEqual(one.findings.map((f) => f.object), ['Cache ✓']);
    });

    it('--out writes the file whole and never over an existing one without --force', async () => {
      const out = path.join(dir, 'bloat.html');
      const first = await upkeep(['report', 'bloat', '--connection', 'cli-pg.1', '--config', config, '--format', 'html', '--out', out], env);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, '');
      assert.match(first.stderr, /wrote the Table and index bloat report/);
      const written = fs.readFileSync(out, 'utf8');
      assert.ok(written.startsWith('<!DOCTYPE html>') && written.trimEnd().endsWith('</html>'));
      fs.writeFileSync(out, 'keep me');
      const again = await upkeep(['report', 'bloat', '--connection', 'cli-pg.1', '--config', config, '--out', out], env);
      assert.equal(again.code, 3);
      assert.match(again.stderr, /exists: give --force/);
      assert.equal(fs.readFileSync(out, 'utf8'), 'keep me');
      const forced = await upkeep(['report', 'bloat', '--connection', 'cli-pg.1', '--config', config, '--out', out, '--force'], env);
      assert.equal(forced.code, 0, forced.stderr);
      assert.ok(fs.readFileSync(out, 'utf8').startsWith('# Table and index bloat'));
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('bloat.html')), ['bloat.html'], 'no temporary file left');
    });

    it('names that do not fit the connection, an unreachable server: one line, the right exit code', async () => {
      const wrong = await upkeep(['report', 'bloat', '--connection', 'Graph', '--config', config], env);
      assert.equal(wrong.code, 64);
      assert.match(wrong.stderr, /^upkeep: "bloat" is a report of PostgreSQL connections; “Graph” is a Neo4j connection, and Neo4j connections offer neo4j-schema/);
      const port = await closedPort();
      const downConfig = writeConfig(dir, { 'upkeep.connections': [entry({ ...pg, port })] });
      const down = await upkeep(['report', 'health', '--connection', 'cli-pg.1', '--config', downConfig], env);
      assert.equal(down.code, 3);
      assert.equal(down.stderr.trimEnd().split('\n').length, 1);
      assert.match(down.stderr, new RegExp(`Health report of “.*”: Nothing is listening at .*:${port}/`));
    });
  });
});
