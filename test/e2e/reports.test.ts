import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Frame } from 'playwright-core';
import { readServices, type ServicesInfo } from '../services/index';
import { answerQuickInput, collapseViews, contextMenu, openWorkbench, screenshot, treeItem, webviewFrame, type Workbench } from './workbench';

const DB = 'upkeep_e2e_reports';
const XSS = '<img src=x onerror=alert(1)>';

describe('e2e: report panels', function () {
  this.timeout(300_000);
  let wb: Workbench;
  let services: ServicesInfo;
  const dialogs: string[] = [];

  before(async () => {
    const info = readServices();
    if (!info) throw new Error('Test services are not running: run the e2e tier through npm test (it starts them).');
    services = info;
    const pg = info.postgres;
    const admin = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
    const c = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: DB });
    await c.connect();
    await c.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
      CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id int, note text) WITH (autovacuum_enabled = false);
      INSERT INTO public.orders SELECT g, g % 500, repeat('o', 100) FROM generate_series(1, 150000) g;
      DELETE FROM public.orders WHERE id % 2 = 0;
      ANALYZE public.orders;
      CREATE INDEX orders_customer_ix ON public.orders (customer_id);
      CREATE INDEX orders_customer_dup_ix ON public.orders (customer_id);
      CREATE TABLE public.customers (id int PRIMARY KEY, name text);
      CREATE TABLE public.invoices (id int PRIMARY KEY, customer_id int REFERENCES public.customers (id));
      CREATE TABLE public.${c.escapeIdentifier(XSS)} (id int, ${c.escapeIdentifier(XSS + ' col')} text);
      INSERT INTO public.${c.escapeIdentifier(XSS)} SELECT g, 'x' FROM generate_series(1, 5000) g;
      DELETE FROM public.${c.escapeIdentifier(XSS)} WHERE id % 2 = 0;
      ANALYZE public.${c.escapeIdentifier(XSS)};`);
    await c.end();
    wb = await openWorkbench('e2e-reports', {
      settings: {
        'upkeep.connections': [{ id: 'e2e-reports', engine: 'postgres', name: 'Shop', host: pg.host, port: pg.port, user: pg.user, database: DB, tls: 'disable' }],
        'upkeep.reports.bloatMinBytes': 0,
      },
    });
    wb.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await screenshot(wb.page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });

  after(async () => {
    await wb?.close();
  });

  async function openReport(item: string, heading: string): Promise<Frame> {
    const { page } = wb;
    await contextMenu(page, treeItem(page, DB), item);
    const frame = await webviewFrame(page, heading);
    await frame.locator('.report-section').first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(800);
    return frame;
  }

  it('opens the bloat, index and health panels from the database (dark theme)', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
    await collapseViews(page, ['Neo4j', 'Redis', 'Docker']);
    const conn = treeItem(page, 'Shop');
    await conn.waitFor({ timeout: 30_000 });
    await contextMenu(page, conn, 'Set Password…');
    await answerQuickInput(page, services.postgres.password);
    await conn.click();
    await treeItem(page, DB).waitFor({ timeout: 30_000 });
    const bloat = await openReport('Bloat Report', 'Findings');
    assert.match(await bloat.locator('#app').innerText(), /orders/);
    await screenshot(page, 'report-bloat-dark');
    const indexes = await openReport('Index Usage Report', 'orders_customer_dup_ix');
    assert.match(await indexes.locator('#app').innerText(), /invoices/, 'the foreign key without an index');
    await screenshot(page, 'report-indexes-dark');
    await openReport('Health Report', 'Cache hit');
    await screenshot(page, 'report-health-dark');
  });

  it('shows a table named like an HTML tag as text, and nothing runs', async () => {
    const frame = await webviewFrame(wb.page, XSS);
    const text = await frame.locator('#app').innerText();
    assert.ok(text.includes(XSS), 'the name is shown as text');
    for (const f of wb.page.frames()) {
      const injected = await f.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror]').length).catch(() => 0);
      assert.equal(injected, 0, `no injected image in ${f.url().slice(0, 80)}`);
    }
    assert.deepEqual(dialogs, [], 'no alert dialog was opened');
  });

  it('is readable in the light theme too', async () => {
    const { page } = wb;
    const settingsFile = path.join(wb.server.userDataDir, 'User', 'settings.json');
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'workbench.colorTheme': 'Default Light Modern' }, null, 2));
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: 30_000 });
    for (const [tab, name] of [['Health', 'report-health-light'], ['Index usage', 'report-indexes-light'], ['Bloat', 'report-bloat-light']] as const) {
      await page.locator('.tabs-container .tab').filter({ hasText: tab }).first().click();
      await page.waitForTimeout(1200);
      await screenshot(page, name);
    }
  });
});
