/**
 * `upkeep report` as cron runs it: the built CLI as a child process, each
 * report in every format, compared with what the engines' own builders give
 * for the same connection and data.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { engineModule } from '../../src/core/engines';
import type { Report } from '../../src/core/reports/model';
import { assertNoSecret, entry, REDIS_DB, shapeOf, upkeep, useCliFixture, writeConfig, XSS } from '../support/cli';
import { closedPort, services } from './services';

describe('upkeep report (built CLI, child process, real servers)', function () {
  this.timeout(180_000);
  const f = useCliFixture();
  let pg: ConnectionProfile;
  let redis: ConnectionProfile;
  let neo4j: ConnectionProfile;
  let docker: ConnectionProfile;
  let database = '';
  let env: Record<string, string>;
  const { dir } = f;
  before(() => ({ pg, redis, neo4j, docker, database, env } = f));
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
