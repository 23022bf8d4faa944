import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { BackupContext, BackupManifest } from '../../src/core/backup/model';
import { backupName, manifestName } from '../../src/core/backup/naming';
import { gatherBackups, backupsReport } from '../../src/core/backup/reportInput';
import { engineModule } from '../../src/core/engines';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { PostgresConnection } from '../../src/core/postgres/connection';
import { postgresBackup } from '../../src/core/postgres/backup/index';
import { redisBackup } from '../../src/core/redis/backup';
import type { Report } from '../../src/core/reports/model';
import { renderHtml } from '../../src/core/reports/render';
import { collectingLogger } from '../support/backup';
import { pgProfile, redisProfile, services } from './services';

const DAY = 86_400_000;
const XSS = '<img src=x onerror=alert(1)>';

/** Rewrites a manifest's dates as if the backup (and its verify) had been taken `days` ago. */
async function age(backupPath: string, days: number): Promise<void> {
  const file = `${backupPath}.upkeep.json`;
  const m = await readManifest(file);
  assert.ok(m, 'the manifest');
  const shift = (iso: string): string => new Date(Date.parse(iso) - days * DAY).toISOString();
  const aged: BackupManifest = { ...m, startedAt: shift(m.startedAt), endedAt: shift(m.endedAt), ...(m.verification ? { verification: { ...m.verification, at: shift(m.verification.at) } } : {}) };
  fs.writeFileSync(file, `${JSON.stringify(aged, null, 2)}\n`);
}

const rulesOf = (r: Report, object: string): string[] => r.findings.filter((f) => f.object === object).map((f) => f.id.split(':').at(-1) ?? '').sort();

/**
 * The backups report over real backups from the catalog: PostgreSQL (pg_dump,
 * verified by a restore) and Redis (redis-cli --rdb), one fresh and verified,
 * one made stale by rewriting its manifest's dates, one never verified, and a
 * copy under the naming without a manifest (from outside Upkeep).
 */
describe('backups report over real PostgreSQL and Redis backups', function () {
  this.timeout(180_000);
  let folder: string;
  const logLines: string[] = [];
  let fresh: ConnectionProfile;
  let stale: ConnectionProfile;
  let redis: ConnectionProfile;
  const ctx = (profile: ConnectionProfile, password: string): BackupContext => ({ profile, password, log: collectingLogger(logLines), tools: {} });
  let report: Report;
  let freshPath: string;

  before(async () => {
    fresh = pgProfile({ id: `bk-report-fresh-${process.pid}`, name: `Fresh ${XSS}` });
    stale = pgProfile({ id: `bk-report-stale-${process.pid}`, name: 'Stale "pg"' });
    redis = redisProfile({ id: `bk-report-redis-${process.pid}`, name: 'Cache never verified' });
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-report-'));
    const s = services();
    const db = s.postgres.database;
    const a = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, db, ctx(fresh, s.postgres.password));
    freshPath = a.path;
    assert.equal((await verifyBackup(postgresBackup, a.path, a.manifest, ctx(fresh, s.postgres.password))).status, 'passed');
    const b = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, db, ctx(stale, s.postgres.password));
    assert.equal((await verifyBackup(postgresBackup, b.path, b.manifest, ctx(stale, s.postgres.password))).status, 'passed');
    await age(b.path, 10);
    const c = await runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx(redis, s.redis.password));
    // A copy of the Redis snapshot under the naming, a day older, with no manifest: someone's cron job.
    const outside = path.join(folder, backupName(redis.name, undefined, new Date(Date.now() - DAY), '.rdb'));
    fs.copyFileSync(c.path, outside);
    assert.ok(!fs.existsSync(path.join(folder, manifestName(path.basename(outside)))));
    report = await backupsReport({
      profiles: [fresh, stale, redis],
      folderOf: () => folder,
      settings: { get: <T>(_k: string, f: T): T => f },
      dataDirectoryOf: async (p) => {
        const engine = engineModule(p.engine);
        if (!engine.dataDirectory) return undefined;
        const session = new PostgresConnection(p, s.postgres.password);
        try {
          return await engine.dataDirectory(session);
        } finally {
          await session.dispose();
        }
      },
    });
  });

  after(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('a fresh verified backup has no finding of its own; its row says passed and when', () => {
    const object = `${fresh.name} / ${services().postgres.database}`;
    const rules = rulesOf(report, object).filter((r) => r !== 'same-disk');
    assert.deepEqual(rules, [], JSON.stringify(report.findings.filter((f) => f.object === object)));
    const row = report.sections[0]?.rows.find((r) => r['connection'] === fresh.name);
    assert.match(String(row?.['verification']), /^passed (just now|\d+ min ago)$/);
    assert.equal(row?.['size'], fs.statSync(freshPath).size);
    assert.match(String(row?.['method']), /^pg-custom · pg_dump \d+/);
  });

  it('a backup whose manifest says 10 days ago is stale, with Back up now for its connection and database', () => {
    const object = `${stale.name} / ${services().postgres.database}`;
    assert.ok(rulesOf(report, object).includes('stale'), JSON.stringify(rulesOf(report, object)));
    const f = report.findings.find((x) => x.object === object && x.id.endsWith(':stale'));
    assert.match(f?.message ?? '', /is 10 days old/);
    assert.deepEqual(f?.actions?.[0]?.args, { connectionId: stale.id, folder, database: services().postgres.database });
    const row = report.sections[0]?.rows.find((r) => r['connection'] === stale.name);
    assert.ok(Number(row?.['lastGoodVerify']) >= 10 * 86_400, 'its last good verify is 10 days old too');
  });

  it('a Redis backup never verified is flagged with Verify now; the copy without a manifest is listed as from outside Upkeep', () => {
    const rules = rulesOf(report, redis.name);
    assert.ok(rules.includes('never-verified'), JSON.stringify(rules));
    assert.ok(rules.includes('outside'), JSON.stringify(rules));
    const verify = report.findings.find((x) => x.object === redis.name && x.id.endsWith(':never-verified'))?.actions?.[0];
    assert.equal(verify?.command, 'upkeep.backup.verify');
    assert.ok(String(verify?.args['path']).endsWith('.rdb'));
    const history = report.sections[1]?.rows.filter((r) => r['series'] === redis.name);
    assert.deepEqual(history?.map((r) => r['origin']), ['Upkeep', 'outside Upkeep']);
    assert.equal(report.sections[0]?.rows.find((r) => r['connection'] === redis.name)?.['outside'], 1);
  });

  it('PostgreSQL on this machine: its data directory (read as the superuser, proven by postmaster.pid) shares the temp folder\'s disk', async () => {
    const session = new PostgresConnection(fresh, services().postgres.password);
    let dir: string | undefined;
    try {
      dir = await engineModule('postgres').dataDirectory?.(session);
    } finally {
      await session.dispose();
    }
    assert.ok(dir && fs.existsSync(path.join(dir, 'PG_VERSION')), `the data directory: ${String(dir)}`);
    const sameDevice = fs.statSync(dir).dev === fs.statSync(folder).dev;
    const flagged = report.findings.some((f) => f.object.startsWith(fresh.name) && f.id.endsWith(':same-disk'));
    assert.equal(flagged, sameDevice);
    // Redis has no data-directory hook: never flagged.
    assert.ok(!rulesOf(report, redis.name).includes('same-disk'));
    // A remote-looking host is not asked at all.
    const input = await gatherBackups({ profiles: [{ ...fresh, host: 'db.example.invalid' }], folderOf: () => folder, settings: { get: <T>(_k: string, f: T): T => f }, dataDirectoryOf: () => Promise.reject(new Error('not asked')) });
    assert.equal(input.connections[0]?.sameDiskAs, undefined);
  });

  it('the HTML export keeps the hostile connection name as text and draws the size chart', () => {
    const html = renderHtml(report);
    assert.ok(!html.includes('<img'));
    assert.ok(html.includes('Fresh &lt;img src=x onerror=alert(1)&gt;'));
    assert.match(html, /aria-label="Backup size over time"/);
    assert.ok(!logLines.join('\n').includes(services().postgres.password));
  });
});
