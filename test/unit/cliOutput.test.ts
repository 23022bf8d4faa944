import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError } from '../../src/cli/errors';
import { emojiByDefault, renderHealthJson, renderHealthJunit, renderHealthText, summary, terminalText, xmlText } from '../../src/cli/healthOutput';
import { runCli } from '../../src/cli/main';
import { writeOutFile } from '../../src/cli/output';
import { reportDatabase } from '../../src/cli/reportCommand';
import { CONNECTION_REPORTS, reportCatalog, resolveReport } from '../../src/cli/reportNames';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import type { HealthRun } from '../../src/core/health/model';

const XSS = '<img src=x onerror=alert(1)>';

function usageError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CliError && err.kind === 'usage' && re.test(err.message));
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-cli-'));
}

const pg: ConnectionProfile = { id: 'pg-prod.1', engine: 'postgres', name: `Prod "main" ${XSS}`, host: 'db', port: 5432, user: 'u', tls: 'disable', readOnly: false, production: true, connectTimeoutMs: 5000 };
const redis: ConnectionProfile = { id: 'r1', engine: 'redis', name: 'Cache', host: 'cache', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5000 };

function sampleRun(): HealthRun {
  return {
    worst: 'critical', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1234,
    subjects: [
      {
        subject: { kind: 'connection', id: pg.id, name: pg.name, engine: 'postgres', production: true }, worst: 'warning', checkedAt: '2026-01-01T00:00:00.000Z', durationMs: 300,
        checks: [
          { id: 'reachable', title: 'Reachable', severity: 'ok', reason: 'PostgreSQL answered' },
          { id: 'cache-hit', title: 'Cache hit ratio', severity: 'warning', reason: 'cache hit 91.2 % (warning below 95 %) & "more"\u001b[31m' },
        ],
      },
      { subject: { kind: 'connection', id: 'r1', name: 'Cache', engine: 'redis', production: false }, worst: 'unknown', checkedAt: '2026-01-01T00:00:00.000Z', durationMs: 20, checks: [{ id: 'reachable', title: 'Reachable', severity: 'unknown', reason: 'Nothing is listening at cache:6379' }] },
      { subject: { kind: 'endpoint', name: 'api\nFAKE LINE', url: 'http://x/health' }, worst: 'critical', checkedAt: '2026-01-01T00:00:00.000Z', durationMs: 5, checks: [{ id: 'http-status', title: 'HTTP status', severity: 'critical', reason: 'HTTP 500 Internal Server Error' }] },
    ],
  };
}


describe('CLI: health output', () => {
  it('text: one line a check, words without a UTF-8 terminal, emoji with one, control characters removed', () => {
    const plain = renderHealthText(sampleRun(), false);
    const lines = plain.trimEnd().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0] ?? '', /^OK {7}Prod "main" <img src=x onerror=alert\(1\)> \(PostgreSQL\) — Reachable: PostgreSQL answered$/);
    assert.match(lines[1] ?? '', /^WARNING {2}.*Cache hit ratio: cache hit 91\.2 %/);
    assert.ok(!plain.includes('\u001b'), 'no escape sequence reaches the terminal');
    assert.match(lines[2] ?? '', /^UNKNOWN {2}Cache \(Redis\) — Reachable: could not check: Nothing is listening/);
    assert.match(lines[3] ?? '', /^CRITICAL api FAKE LINE \(http:\/\/x\/health\) — HTTP status: HTTP 500/);
    assert.equal(lines[4], 'CRITICAL 1 critical, 1 warning, 1 not checked (of 3)');
    const emoji = renderHealthText(sampleRun(), true).split('\n');
    assert.ok(emoji[0]?.startsWith('✅ '));
    assert.ok(emoji[1]?.startsWith('⚠️'));
    assert.ok(emoji[3]?.startsWith('❌ '));
    assert.equal(summary({ worst: 'ok', subjects: [], startedAt: '', durationMs: 0 }), 'Nothing to check: no connections or endpoints configured');
    assert.equal(terminalText('a\r\nb\u009bc'), 'a b c');
  });

  it('emoji only on a UTF-8 terminal', () => {
    assert.equal(emojiByDefault(true, { LANG: 'en_US.UTF-8' }), true);
    assert.equal(emojiByDefault(true, { LC_ALL: 'C' }), false);
    assert.equal(emojiByDefault(false, { LANG: 'en_US.UTF-8' }), false);
    assert.equal(emojiByDefault(true, { LANG: 'C.utf8', TERM: 'dumb' }), false);
  });

  it('JSON is the HealthRun', () => {
    assert.deepEqual(JSON.parse(renderHealthJson(sampleRun())), sampleRun());
  });

  it('JUnit: a suite a subject, failures for warning and critical, errors for unknown, everything escaped', () => {
    const xml = renderHealthJunit(sampleRun());
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="upkeep health" tests="4" failures="2" errors="1" time="1.234"/);
    assert.equal(xml.match(/<testsuite /g)?.length, 3);
    assert.ok(xml.includes('name="Prod &quot;main&quot; &lt;img src=x onerror=alert(1)&gt; (PostgreSQL)"'));
    assert.ok(!xml.includes(XSS));
    assert.ok(!xml.includes('\u001b'), 'no character XML 1.0 forbids');
    assert.match(xml, /<failure type="warning" message="cache hit 91.2 % \(warning below 95 %\) &amp; &quot;more&quot;\[31m">/);
    assert.match(xml, /<error type="unknown" message="Nothing is listening at cache:6379">/);
    assert.match(xml, /<failure type="critical" message="HTTP 500 Internal Server Error">/);
    assert.equal(xmlText('a\u0000b\ud800c & \'d\''), 'abc &amp; &apos;d&apos;');
  });
});

describe('CLI: report names', () => {
  it('maps names onto the connection engine\'s kinds, with and without the engine prefix', () => {
    const check = (name: string, profile: ConnectionProfile, kind: string): void => {
      const r = resolveReport(name, profile);
      assert.ok(r.kind === 'engine' && r.info.id === kind && r.engine.id === profile.engine, name);
    };
    check('bloat', pg, 'bloat');
    check('postgres-indexes', pg, 'indexes');
    check('health', pg, 'health');
    check('capacity', pg, 'capacity');
    check('redis-memory', redis, 'memory');
    check('memory', redis, 'memory');
    check('health', redis, 'health');
    check('neo4j-schema', { ...redis, engine: 'neo4j' }, 'neo4j-schema');
    usageError(() => resolveReport('bloat', redis), /"bloat" is a report of PostgreSQL connections; “Cache” is a Redis connection, and Redis connections offer redis-memory, redis-health/);
    usageError(() => resolveReport('nothing', pg), /there is no "nothing" report/);
    usageError(() => resolveReport('redis-memory', { ...redis, engine: 'docker' }), /Docker connections offer no report/);
    const backups = resolveReport('backups', pg);
    assert.ok(backups.kind === 'connections' && backups.report === CONNECTION_REPORTS['backups']);
    assert.match(reportCatalog().join('\n'), /Redis: memory or redis-memory, health or redis-health/);
  });

  it('the database: --database, the profile\'s, the engine\'s default', () => {
    assert.equal(reportDatabase({ ...pg, database: 'app' }, 'other'), 'other');
    assert.equal(reportDatabase({ ...pg, database: 'app' }, undefined), 'app');
    assert.equal(reportDatabase(pg, undefined), 'postgres');
    assert.equal(reportDatabase(redis, undefined), '0');
    usageError(() => reportDatabase({ ...redis, engine: 'neo4j' }, undefined), /names no database: give --database/);
  });
});

describe('CLI: --out', () => {
  it('writes whole, keeps an existing file unless forced, leaves no temporary file', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'report.md');
    await writeOutFile(file, 'first', false);
    assert.equal(fs.readFileSync(file, 'utf8'), 'first');
    await assert.rejects(writeOutFile(file, 'second', false), /exists: give --force/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'first');
    await writeOutFile(file, 'third', true);
    assert.equal(fs.readFileSync(file, 'utf8'), 'third');
    assert.deepEqual(fs.readdirSync(dir), ['report.md']);
    await assert.rejects(writeOutFile(path.join(dir, 'no', 'such', 'dir.md'), 'x', false), /cannot write .*ENOENT/);
  });
});

describe('CLI: runCli without servers', () => {
  async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    const err: string[] = [];
    const code = await runCli(argv, { env, isTty: false, signal: new AbortController().signal, home: tmpDir(), stdout: (t) => Promise.resolve(void (out += t)), stderr: (l) => void err.push(l) });
    return { code, out, err: err.join('\n') };
  }

  it('help on stdout, usage errors as one line and exit 64', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /upkeep health/);
    assert.match((await run(['help', 'report'])).out, /redis-memory/);
    const bad = await run(['health', '--format', 'yaml']);
    assert.equal(bad.code, 64);
    assert.equal(bad.err.split('\n').length, 1);
    assert.match(bad.err, /^upkeep: --format yaml/);
  });

  it('no configuration: exit 3 with where it looked', async () => {
    const r = await run(['health']);
    assert.equal(r.code, 3);
    assert.match(r.err, /^upkeep: no configuration: give --config FILE/);
  });

  it('an empty configuration is healthy; an unknown connection is a usage error', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'upkeep.json');
    fs.writeFileSync(file, '{ "upkeep.connections": [], }');
    const r = await run(['health', '--config', file]);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'OK       Nothing to check: no connections or endpoints configured\n');
    assert.equal((await run(['report', 'bloat', '--connection', 'x'], { UPKEEP_CONFIG: file })).code, 64);
    const noConnection = await run(['report', 'bloat'], { UPKEEP_CONFIG: file });
    assert.equal(noConnection.code, 64);
    assert.equal(noConnection.err, 'upkeep: report bloat needs --connection NAME');
    // A report over every connection needs no --connection: no connections, nothing backed up, still a report.
    const backups = await run(['report', 'backups', '--format', 'json'], { UPKEEP_CONFIG: file });
    assert.equal(backups.code, 0, backups.err);
    assert.equal((JSON.parse(backups.out) as { kind: string }).kind, 'backups');
  });
});
