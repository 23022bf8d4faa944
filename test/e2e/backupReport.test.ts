import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { BackupContext, BackupManifest } from '../../src/core/backup/model';
import { backupName } from '../../src/core/backup/naming';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { silentLogger } from '../../src/core/log';
import { postgresBackup } from '../../src/core/postgres/backup/index';
import { redisBackup } from '../../src/core/redis/backup';
import type { ServicesInfo } from '../services/index';
import { dropDatabase, recreateDatabase } from '../support/pg';
import { openWorkbench, recordDialogs, requireServices, runFromPalette, screenshot, screenshotOnFailure, settledWebviewFrame, type Workbench } from './workbench';

const DOCS = path.resolve(__dirname, '../../../docs/images');
const DAY = 86_400_000;
const XSS = '<img src=x onerror=alert(1)>';
const ORDERS = 'Orders DB';
const BILLING = `Billing ${XSS}`;
const CACHE = 'Sessions cache';

/** Moves a backup's manifest (its dates and its verify's) `days` into the past, as if it had been taken then. */
async function age(backupPath: string, days: number): Promise<void> {
  const file = `${backupPath}.upkeep.json`;
  const m = await readManifest(file);
  if (!m) throw new Error(`no manifest for ${backupPath}`);
  const shift = (iso: string): string => new Date(Date.parse(iso) - days * DAY).toISOString();
  const aged: BackupManifest = { ...m, startedAt: shift(m.startedAt), endedAt: shift(m.endedAt), ...(m.verification ? { verification: { ...m.verification, at: shift(m.verification.at) } } : {}) };
  fs.writeFileSync(file, `${JSON.stringify(aged, null, 2)}\n`);
}

/**
 * The backups report in the packaged extension, opened from the palette:
 * a PostgreSQL connection with a fresh verified backup (and a month of
 * growing ones before it, for the chart), one whose last backup is ten days
 * old (named with HTML), and a Redis connection whose last backup was never
 * verified, beside a snapshot from outside Upkeep.
 */
describe('e2e: the backups report panel, dark and light', function () {
  this.timeout(420_000);
  let wb: Workbench | undefined;
  let services: ServicesInfo;
  let folder: string;
  const db = `upkeep_e2e_bk_${process.pid}`;
  const profiles: ConnectionProfile[] = [];

  before(async function () {
    this.timeout(300_000);
    services = requireServices();
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-e2e-bk-'));
    const s = services.postgres;
    const pg = (id: string, name: string): ConnectionProfile => ({ id, engine: 'postgres', name, host: s.host, port: s.port, user: s.user, database: db, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 10_000 });
    const orders = pg('e2e-bk-orders', ORDERS);
    const billing = pg('e2e-bk-billing', BILLING);
    const r = services.redis;
    const cache: ConnectionProfile = { id: 'e2e-bk-cache', engine: 'redis', name: CACHE, host: r.host, port: r.port, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 10_000 };
    profiles.push(orders, billing, cache);
    const ctx = (profile: ConnectionProfile, password: string): BackupContext => ({ profile, password, log: silentLogger, tools: {} });
    const c = await recreateDatabase(s, db);
    try {
      await c.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
      // A month of weekly backups of a growing table; the last one fresh and verified.
      for (const [i, days] of [28, 21, 14, 7, 0].entries()) {
        await c.query('INSERT INTO orders SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series($1::int, $2::int) g', [i * 4000 + 1, (i + 1) * 4000]);
        const done = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, db, ctx(orders, s.password));
        if (days === 0) assert.equal((await verifyBackup(postgresBackup, done.path, done.manifest, ctx(orders, s.password))).status, 'passed');
        else await age(done.path, days);
      }
      // Billing: verified backups, the last ten days old.
      for (const days of [17, 10]) {
        const done = await runBackup(postgresBackup, folder, { format: 'pg-custom' }, db, ctx(billing, s.password));
        await verifyBackup(postgresBackup, done.path, done.manifest, ctx(billing, s.password));
        await age(done.path, days);
      }
    } finally {
      await c.end();
    }
    // Redis: an older verified snapshot, the newest never verified, and a copy from someone's cron job.
    const older = await runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx(cache, r.password));
    await verifyBackup(redisBackup, older.path, older.manifest, ctx(cache, r.password));
    await age(older.path, 4);
    const newest = await runBackup(redisBackup, folder, { format: 'redis-rdb' }, undefined, ctx(cache, r.password));
    fs.copyFileSync(newest.path, path.join(folder, backupName(CACHE, undefined, new Date(Date.now() - 2 * DAY), '.rdb')));
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    await dropDatabase(services.postgres, db).catch(() => undefined);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`opens from the palette with every connection's last backup, the findings and the size chart (${theme})`, async () => {
      await wb?.close();
      wb = await openWorkbench(`e2e-backup-report-${theme}`, {
        theme: theme === 'dark' ? 'Default Dark Modern' : 'Default Light Modern',
        settings: { 'upkeep.connections': profiles, 'upkeep.backup.folder': folder },
      });
      const { page } = wb;
      const dialogs = recordDialogs(page);
      await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
      await runFromPalette(page, 'Upkeep: Backups Report');
      const frame = await settledWebviewFrame(page, 'Backup size over time', '.chart canvas');
      const text = await frame.locator('#app').innerText();
      assert.match(text, /3 connections with backups/);
      assert.ok(text.includes(BILLING), 'a connection named with HTML is shown as text');
      assert.match(text, /is 10 days old, more than the 7-day threshold/);
      assert.match(text, /Sessions cache — The last backup \(.*\) was never verified/);
      assert.match(text, /from outside Upkeep/);
      assert.ok((await frame.locator('button', { hasText: 'Back up now' }).count()) >= 1, 'Back up now is offered');
      assert.ok((await frame.locator('button', { hasText: 'Verify now' }).count()) >= 1, 'Verify now is offered');
      const box = await frame.locator('.chart canvas').boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, 'the chart is drawn');
      for (const f of page.frames()) {
        const injected = await f.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror]').length).catch(() => 0);
        assert.equal(injected, 0, `no injected element in ${f.url().slice(0, 80)}`);
      }
      assert.deepEqual(dialogs, [], 'no alert dialog was opened');
      // Room for the whole report in one picture: findings, the table and the chart under them.
      await page.keyboard.press('Control+B');
      await page.setViewportSize({ width: 1360, height: 1300 });
      await frame.locator('.chart canvas').first().waitFor();
      await page.mouse.move(1300, 1250);
      await page.waitForTimeout(1_500);
      const file = await screenshot(page, `backups-report-${theme}`);
      fs.mkdirSync(DOCS, { recursive: true });
      fs.copyFileSync(file, path.join(DOCS, `backups-report-${theme}.png`));
    });
  }
});
