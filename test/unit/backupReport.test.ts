import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackupEntry, BackupManifest, VerifyResult } from '../../src/core/backup/model';
import { backupName, manifestName } from '../../src/core/backup/naming';
import { backupThresholds, BACKUP_NOW_COMMAND, buildBackupsReport, DEFAULT_BACKUP_THRESHOLDS, VERIFY_COMMAND, type BackupsReportInput, type ConnectionBackups } from '../../src/core/backup/report';
import { deviceOf, gatherBackups, isLocalServer } from '../../src/core/backup/reportInput';
import { postmasterNames } from '../../src/core/postgres/dataDirectory';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import type { Finding, Report } from '../../src/core/reports/model';
import { renderCsv, renderHtml, renderJson, renderMarkdown } from '../../src/core/reports/render';
import { panelIdentity, parsePageMessage } from '../../src/webviews/protocol';

const XSS = '<img src=x onerror=alert(1)>';
const NOW = new Date('2026-11-30T12:00:00Z');
const DAY = 86_400_000;
const FOLDER = '/backups';

function manifest(over: Partial<BackupManifest> & { file: string; connectionId: string }): BackupManifest {
  return {
    manifestVersion: 1, shape: 'file', engine: 'postgres', connectionName: 'x', database: 'app', serverVersion: '15.4', tool: 'pg_dump', toolVersion: '15.4', commandText: 'pg_dump …',
    format: 'pg-custom', options: { format: 'pg-custom' }, sizeBytes: 1000, sha256: 'ab', startedAt: '', endedAt: '', counts: {}, snapshot: {}, notes: [], ...over,
  };
}

function verified(status: VerifyResult['status'], at: Date, differences: string[] = []): VerifyResult {
  return { status, at: at.toISOString(), durationMs: 10, summary: status === 'passed' ? '3 tables equal' : status === 'failed' ? differences[0] ?? 'differs' : 'no redis-server here', differences };
}

/** An Upkeep backup of `conn` taken `daysAgo` days before NOW. */
function entry(conn: { id: string; name: string }, daysAgo: number, over: Partial<BackupManifest> = {}, db: string | null = 'app'): BackupEntry {
  const database = db ?? undefined;
  const at = new Date(NOW.getTime() - daysAgo * DAY);
  const name = backupName(conn.name, database, at, '.dump');
  const m = manifest({ file: name, connectionId: conn.id, connectionName: conn.name, database, endedAt: at.toISOString(), startedAt: at.toISOString(), ...over });
  return { path: path.join(FOLDER, name), name, manifest: m, outside: false, takenAt: at, sizeBytes: m.sizeBytes };
}

function outsideEntry(conn: { name: string }, daysAgo: number, size: number, database = 'app'): BackupEntry {
  const at = new Date(NOW.getTime() - daysAgo * DAY);
  const name = backupName(conn.name, database, at, '.dump');
  return { path: path.join(FOLDER, name), name, outside: true, takenAt: at, sizeBytes: size };
}

function conn(id: string, name: string, entries: BackupEntry[], over: Partial<ConnectionBackups> = {}): ConnectionBackups {
  return { id, name, engineLabel: 'PostgreSQL', folder: FOLDER, entries, ...over };
}

function build(connections: ConnectionBackups[], thresholds = DEFAULT_BACKUP_THRESHOLDS): Report {
  const input: BackupsReportInput = { connections, now: NOW, thresholds };
  return buildBackupsReport(input);
}

const rules = (r: Report, object?: string): string[] => r.findings.filter((f) => !object || f.object === object).map((f) => f.id.split(':').at(-1) ?? '');
const find = (r: Report, rule: string): Finding | undefined => r.findings.find((f) => f.id.endsWith(`:${rule}`));

describe('backups report (pure builder)', () => {
  const a = { id: 'a', name: 'Alpha' };

  it('a fresh backup verified after it was taken: no finding, one row with its facts', () => {
    const r = build([conn('a', 'Alpha', [entry(a, 1, { verification: verified('passed', new Date(NOW.getTime() - 0.5 * DAY)), sizeBytes: 4096 })])]);
    assert.deepEqual(r.findings, []);
    const [row] = r.sections[0]?.rows ?? [];
    assert.equal(row?.['connection'], 'Alpha');
    assert.equal(row?.['database'], 'app');
    assert.equal(row?.['age'], 86_400);
    assert.equal(row?.['size'], 4096);
    assert.equal(row?.['lastGoodVerify'], 43_200);
    assert.match(String(row?.['verification']), /^passed 12 h ago$/);
    assert.match(String(row?.['method']), /^pg-custom · pg_dump 15\.4$/);
    assert.equal(row?.['kept'], 1);
    assert.equal(row?.['outside'], 0);
    assert.equal(r.kind, 'backups');
    assert.match(r.scope ?? '', /^1 connection with backups · 1 backup$/);
  });

  it('no backup at all: critical, with Back up now for the connection and its folder', () => {
    const r = build([conn('a', 'Alpha', [])]);
    const f = find(r, 'none');
    assert.equal(f?.severity, 'critical');
    assert.match(f?.message ?? '', /No backup at all in \/backups\./);
    assert.deepEqual(f?.actions, [{ title: 'Back up now', command: BACKUP_NOW_COMMAND, args: { connectionId: 'a', folder: FOLDER } }]);
    assert.equal(r.sections[0]?.rows[0]?.['verification'], 'no backup');
    assert.equal(r.sections[0]?.rows[0]?.['lastBackup'], null);
  });

  it('stale: older than upkeep.backup.staleDays (7 by default) warns, 6.9 days does not', () => {
    const passed = verified('passed', new Date(NOW.getTime() - 6 * DAY));
    assert.deepEqual(rules(build([conn('a', 'Alpha', [entry(a, 6.9, { verification: passed })])])), []);
    const r = build([conn('a', 'Alpha', [entry(a, 10, { verification: passed })])]);
    const f = find(r, 'stale');
    assert.equal(f?.severity, 'warning');
    assert.match(f?.message ?? '', /is 10 days old, more than the 7-day threshold/);
    assert.deepEqual(f?.actions?.map((x) => [x.command, x.args['database']]), [[BACKUP_NOW_COMMAND, 'app']]);
    assert.deepEqual(rules(build([conn('a', 'Alpha', [entry(a, 10, { verification: passed })])], { staleDays: 14, sizeDropPercent: 50 })), []);
  });

  it('never verified: a warning with Verify now for that very file', () => {
    const e = entry(a, 1);
    const f = find(build([conn('a', 'Alpha', [e])]), 'never-verified');
    assert.equal(f?.severity, 'warning');
    assert.deepEqual(f?.actions, [{ title: 'Verify now', command: VERIFY_COMMAND, args: { connectionId: 'a', folder: FOLDER, path: e.path, database: 'app' } }]);
  });

  it('last verify failed: critical, its differences in the message and evidence; Verify now and Back up now', () => {
    const diffs = ['table public.orders: 1,000 rows at backup, 990 restored', 'index orders_pkey missing'];
    const older = entry(a, 3, { verification: verified('passed', new Date(NOW.getTime() - 3 * DAY)) });
    const r = build([conn('a', 'Alpha', [entry(a, 1, { verification: verified('failed', new Date(NOW.getTime() - DAY / 2), diffs) }), older])]);
    const f = find(r, 'verify-failed');
    assert.equal(f?.severity, 'critical');
    assert.ok(f?.message.includes('990 restored') && f.message.includes('index orders_pkey missing'), f?.message);
    assert.equal(f?.evidence['differences'], diffs.join('\n'));
    assert.deepEqual(f?.actions?.map((x) => x.title), ['Verify now', 'Back up now']);
    // The last good verify is the older backup's.
    assert.equal(r.sections[0]?.rows[0]?.['lastGoodVerify'], 3 * 86_400);
    assert.equal(r.findings[0], f, 'critical findings come first');
  });

  it('not verifiable here: info with the reason', () => {
    const f = find(build([conn('a', 'Alpha', [entry(a, 1, { verification: verified('not-verifiable', NOW) })])]), 'not-verifiable');
    assert.equal(f?.severity, 'info');
    assert.match(f?.message ?? '', /no redis-server here/);
  });

  it('size drop: 50% or more below the previous backup of the same kind warns; 40% does not; a schema-only dump is not compared with a full one', () => {
    const ok = verified('passed', NOW);
    const drop = (last: number, prev: number, lastOver: Partial<BackupManifest> = {}): string[] =>
      rules(build([conn('a', 'Alpha', [entry(a, 1, { sizeBytes: last, verification: ok, ...lastOver }), entry(a, 2, { sizeBytes: prev, verification: ok })])]));
    assert.deepEqual(drop(600, 1000), []);
    assert.deepEqual(drop(500, 1000), ['size-drop']);
    assert.deepEqual(drop(100, 1000, { options: { format: 'pg-custom', content: 'schema' } }), [], 'schema only vs full');
    assert.deepEqual(drop(100, 1000, { format: 'pg-directory', options: { format: 'pg-directory' } }), [], 'another format');
    const f = find(build([conn('a', 'Alpha', [entry(a, 1, { sizeBytes: 200, verification: ok }), entry(a, 2, { sizeBytes: 1000, verification: ok })])]), 'size-drop');
    assert.match(f?.message ?? '', /is 80% smaller than the one before/);
    assert.equal(f?.evidence['dropPercent'], 80);
    assert.equal(f?.actions?.[0]?.command, VERIFY_COMMAND);
    assert.deepEqual(rules(build([conn('a', 'Alpha', [entry(a, 1, { sizeBytes: 200, verification: ok }), entry(a, 2, { sizeBytes: 1000, verification: ok })])], { staleDays: 7, sizeDropPercent: 90 })), []);
  });

  it('backups from outside Upkeep are listed, marked, counted; a last one from outside says it cannot be verified', () => {
    const ok = verified('passed', NOW);
    const r = build([conn('a', 'Alpha', [outsideEntry(a, 0.5, 5000), entry(a, 2, { verification: ok }), outsideEntry(a, 5, 6000)])]);
    const history = r.sections[1];
    assert.deepEqual(history?.rows.map((x) => x['origin']), ['outside Upkeep', 'Upkeep', 'outside Upkeep']);
    assert.deepEqual(history?.rows.map((x) => x['series']), ['Alpha / app', 'Alpha / app', 'Alpha / app'], 'matched to the database by its name');
    assert.equal(r.sections[0]?.rows[0]?.['outside'], 2);
    assert.equal(r.sections[0]?.rows[0]?.['verification'], 'from outside Upkeep (no manifest)');
    assert.deepEqual(rules(r).sort(), ['outside', 'outside-last']);
    assert.match(find(r, 'outside')?.message ?? '', /^2 backups in the folder came from outside Upkeep/);
  });

  it('same disk as the data directory: a warning naming it', () => {
    const r = build([conn('a', 'Alpha', [entry(a, 1, { verification: verified('passed', NOW) })], { sameDiskAs: '/var/lib/postgresql/15/main' })]);
    assert.deepEqual(rules(r), ['same-disk']);
    assert.match(find(r, 'same-disk')?.message ?? '', /same disk as the server's data directory \(\/var\/lib\/postgresql\/15\/main\)/);
  });

  it('one row per connection and database; engines whose backups name no database get one row; the chart splits by it', () => {
    const redis = { id: 'r', name: 'Cache' };
    const r = build([
      conn('a', 'Alpha', [entry(a, 1, { verification: verified('passed', NOW) }), entry(a, 2, { database: 'other', verification: verified('passed', NOW) }, 'other')]),
      conn('r', 'Cache', [entry(redis, 1, { engine: 'redis', format: 'redis-rdb', options: { format: 'redis-rdb' }, verification: verified('passed', NOW) }, null)], { engineLabel: 'Redis' }),
    ]);
    assert.deepEqual(r.sections[0]?.rows.map((x) => [x['connection'], x['database']]), [['Alpha', 'app'], ['Alpha', 'other'], ['Cache', null]]);
    assert.deepEqual([...new Set(r.sections[1]?.rows.map((x) => x['series']))].sort(), ['Alpha / app', 'Alpha / other', 'Cache']);
    assert.deepEqual(r.sections[1]?.chart, { kind: 'line', title: 'Backup size over time', x: 'taken', y: ['size'], series: 'series' });
  });

  it('thresholds come from the settings, bad values fall back to the defaults', () => {
    const settings = (v: Record<string, unknown>): { get<T>(k: string, f: T): T } => ({ get: <T>(k: string, f: T): T => (k in v ? (v[k] as T) : f) });
    assert.deepEqual(backupThresholds(settings({})), { staleDays: 7, sizeDropPercent: 50 });
    assert.deepEqual(backupThresholds(settings({ 'upkeep.backup.staleDays': 1.5, 'upkeep.backup.sizeDropPercent': 30 })), { staleDays: 1.5, sizeDropPercent: 30 });
    assert.deepEqual(backupThresholds(settings({ 'upkeep.backup.staleDays': -1, 'upkeep.backup.sizeDropPercent': 'x' })), { staleDays: 7, sizeDropPercent: 50 });
  });

  it('hostile connection and file names stay text in every export; the actions are said in words', () => {
    const h = { id: 'h', name: `${XSS} "q" ü` };
    const r = build([conn('h', h.name, [entry(h, 9, {}, `db ${XSS}`), outsideEntry(h, 12, 9000, `db ${XSS}`)], { folder: `/tmp/${XSS}` })]);
    const html = renderHtml(r);
    assert.ok(!html.includes('<img'), 'no element from a name');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.match(html, /In the editor: Back up now \(Upkeep command upkeep\.backup\.backupNow, database db &lt;img/);
    assert.match(html, /<polyline/, 'the size chart is drawn');
    assert.ok(!/<script/i.test(html));
    const md = renderMarkdown(r);
    assert.ok(!/[^\\]<img/.test(md), 'every < is escaped');
    assert.match(md, /^# Backups$/m);
    assert.match(md, /Verify now \(Upkeep command upkeep\.backup\.verify, database db \\<img/);
    const csv = renderCsv(r);
    assert.match(csv, /Back up now \(Upkeep command upkeep\.backup\.backupNow/);
    const json = JSON.parse(renderJson(r)) as Report;
    assert.equal(json.findings.find((f) => f.id.endsWith(':stale'))?.actions?.[0]?.command, BACKUP_NOW_COMMAND);
    assert.ok(r.findings.every((f) => f.object.startsWith(h.name)));
  });

  it('the panel protocol: a global report\'s identity has no connection; runAction carries ids only', () => {
    assert.deepEqual(panelIdentity({ kind: 'backups', connectionId: '', database: '', report: { findings: [] } }), { kind: 'backups', connectionId: '', database: '' });
    assert.equal(panelIdentity({ kind: 'backups', connectionId: 'c1', database: 'app' }), undefined);
    assert.deepEqual(parsePageMessage({ type: 'runAction', findingId: 'f', actionIndex: 0 }), { type: 'runAction', findingId: 'f', actionIndex: 0 });
    assert.equal(parsePageMessage({ type: 'runAction', findingId: 'f', actionIndex: '0' }), undefined);
    assert.equal(parsePageMessage({ type: 'runAction', findingId: 'f', actionIndex: 0.5 }), undefined);
  });
});

describe('backups report input (folders on disk)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-report-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const profile = (over: Partial<ConnectionProfile>): ConnectionProfile => ({ id: 'r1', engine: 'redis', name: `Cache ${XSS}`, host: '127.0.0.1', port: 6379, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 1000, ...over });
  const settings = { get: <T>(_k: string, f: T): T => f };

  it('lists each connection\'s folder (manifests and outside files), skips engines without backups, sees a shared disk', async () => {
    const p = profile({});
    const at = new Date(NOW.getTime() - DAY);
    const name = backupName(p.name, undefined, at, '.rdb');
    fs.writeFileSync(path.join(root, name), 'x'.repeat(100));
    fs.writeFileSync(path.join(root, manifestName(name)), JSON.stringify(manifest({ file: name, connectionId: p.id, engine: 'redis', database: undefined, sizeBytes: 100, endedAt: at.toISOString() })));
    fs.writeFileSync(path.join(root, backupName(p.name, undefined, new Date(NOW.getTime() - 2 * DAY), '.rdb')), 'y'.repeat(300));
    const docker = profile({ id: 'd1', engine: 'docker', name: 'Docker', host: undefined });
    const input = await gatherBackups({ profiles: [p, docker], folderOf: () => root, settings, now: NOW, dataDirectoryOf: () => Promise.resolve(root) });
    const engines = input.connections.map((c) => c.id);
    assert.ok(engines.includes('r1'));
    const c = input.connections.find((x) => x.id === 'r1');
    assert.deepEqual(c?.entries.map((e) => [e.outside, e.sizeBytes]), [[false, 100], [true, 300]]);
    assert.equal(c?.sameDiskAs, root);
    const r = buildBackupsReport(input);
    assert.ok(r.findings.some((f) => f.id.endsWith(':same-disk')));
    assert.ok(r.findings.some((f) => f.id.endsWith(':never-verified')));
  });

  it('asks for the data directory of servers on this machine only; a missing folder is "no backup", an unreadable path a problem', async () => {
    const asked: string[] = [];
    const remote = profile({ id: 'r2', host: 'cache.internal' });
    const missing = path.join(root, 'not-yet');
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, '');
    const input = await gatherBackups({
      profiles: [remote, profile({ id: 'r3' })], folderOf: (p) => (p.id === 'r2' ? missing : file), settings, now: NOW,
      dataDirectoryOf: (p) => {
        asked.push(p.id);
        return Promise.resolve(undefined);
      },
    });
    assert.deepEqual(asked, ['r3']);
    assert.equal(input.connections[0]?.folderProblem, undefined);
    assert.match(input.connections[1]?.folderProblem ?? '', /^ENOTDIR/);
    assert.ok(isLocalServer(profile({ host: 'localhost' })) && isLocalServer(profile({ host: '/var/run/postgresql' })) && !isLocalServer(profile({ host: '10.0.0.1' })));
    assert.equal(await deviceOf(path.join(missing, 'deeper')), fs.statSync(root).dev, 'a folder not made yet is on its parent\'s disk');
    const r = buildBackupsReport(input);
    assert.match(r.sections[1]?.note ?? '', /Not read: Cache .* \(ENOTDIR/);
  });

  it('PostgreSQL\'s postmaster.pid must name the directory and the port', () => {
    const pid = '4242\n/var/lib/pg/data\n1700000000\n5433\n/tmp\n127.0.0.1\n';
    assert.ok(postmasterNames(pid, '/var/lib/pg/data', 5433));
    assert.ok(!postmasterNames(pid, '/var/lib/pg/data', 5432));
    assert.ok(!postmasterNames(pid, '/elsewhere', 5433));
  });
});
