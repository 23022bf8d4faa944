import { strict as assert } from 'node:assert';
import type { ServicesInfo } from '../services/index';
import { pgClient, recreateDatabase } from '../support/pg';
import { contextMenu, openUpkeepAndSignIn, openWorkbench, recordDialogs, requireServices, screenshot, screenshotOnFailure, settledWebviewText, treeItem, webviewFrame, type Workbench } from './workbench';

const DB = 'upkeep_e2e_reports';
const XSS = '<img src=x onerror=alert(1)>';

describe('e2e: report panels', function () {
  this.timeout(300_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let dialogs: string[] = [];

  before(async () => {
    services = requireServices();
    const pg = services.postgres;
    const c = await recreateDatabase(pg, DB);
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
    dialogs = recordDialogs(wb.page);
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
  });

  /** The text of the report page showing `marker`. */
  async function reportText(marker: string | RegExp): Promise<string> {
    return settledWebviewText(wb.page, marker, '.report-section');
  }

  async function openReport(item: string, marker: string | RegExp): Promise<string> {
    await contextMenu(wb.page, treeItem(wb.page, DB), item);
    const text = await reportText(marker);
    await wb.page.waitForTimeout(800);
    return text;
  }

  it('opens the bloat, index and health panels from the database (dark theme)', async () => {
    const { page } = wb;
    const conn = await openUpkeepAndSignIn(page, 'Shop', services.postgres.password);
    await conn.click();
    await treeItem(page, DB).waitFor({ timeout: 30_000 });
    const bloat = await openReport('Bloat Report', /bloat/i);
    assert.match(bloat, /orders/);
    await screenshot(page, 'report-bloat-dark');
    const indexes = await openReport('Index Usage Report', 'orders_customer_dup_ix');
    assert.match(indexes, /invoices/, 'the foreign key without an index');
    await screenshot(page, 'report-indexes-dark');
    await openReport('Health Report', 'Cache hit');
    await screenshot(page, 'report-health-dark');
  });

  it('sorts a table by a column and filters its rows', async () => {
    await wb.page.locator('.tabs-container .tab').filter({ hasText: 'Index usage' }).first().click();
    await reportText('orders_customer_dup_ix');
    const frame = await webviewFrame(wb.page, 'orders_customer_dup_ix');
    const section = frame.locator('.report-section').filter({ has: frame.locator('table') }).first();
    const header = section.locator('th').nth(1);
    await header.click();
    assert.equal(await section.locator('th').nth(1).getAttribute('aria-sort'), 'descending');
    await section.locator('th').nth(1).click();
    assert.equal(await section.locator('th').nth(1).getAttribute('aria-sort'), 'ascending');
    const before = await section.locator('tbody tr').count();
    await section.locator('input.filter').fill('dup_ix');
    await wb.page.waitForTimeout(300);
    const after = await section.locator('tbody tr').count();
    assert.ok(before > 1 && after === 1, `rows ${before} → ${after}`);
    assert.match(await section.locator('tbody tr').first().innerText(), /orders_customer_dup_ix/);
    await section.locator('input.filter').fill('');
  });

  it('shows a table named like an HTML tag as text, and nothing runs', async () => {
    await wb.page.locator('.tabs-container .tab').filter({ hasText: 'Bloat' }).first().click();
    const text = await reportText(XSS);
    assert.ok(text.includes(XSS), 'the name is shown as text');
    for (const f of wb.page.frames()) {
      const injected = await f.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror]').length).catch(() => 0);
      assert.equal(injected, 0, `no injected image in ${f.url().slice(0, 80)}`);
    }
    assert.deepEqual(dialogs, [], 'no alert dialog was opened');
  });

  /** Waits until the visible report page has taken the light theme's background from --vscode-editor-background. */
  async function waitForLightPanel(tab: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      for (const f of wb.page.frames()) {
        const bright = await f
          .evaluate(() => {
            if (!document.getElementById('app') || document.visibilityState === 'hidden') return 0;
            const m = /(\d+), (\d+), (\d+)/.exec(getComputedStyle(document.body).backgroundColor);
            return m ? Number(m[1]) + Number(m[2]) + Number(m[3]) : 0;
          })
          .catch(() => 0);
        if (bright > 600) {
          await wb.page.waitForTimeout(500);
          return;
        }
      }
      if (Date.now() > deadline) throw new Error(`the ${tab} panel did not switch to the light theme`);
      await wb.page.waitForTimeout(250);
    }
  }

  it('is readable in the light theme too', async () => {
    const { page } = wb;
    // Switch the way a user would: the colour theme picker (Ctrl+K Ctrl+T).
    await page.locator('.part.sidebar').click({ position: { x: 150, y: 400 } });
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+T');
    await page.locator('.quick-input-widget input.input').fill('Light Modern');
    const light = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Light Modern' }).first();
    await light.waitFor({ timeout: 20_000 });
    await light.click();
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: 30_000 });
    for (const [tab, name] of [['Health', 'report-health-light'], ['Index usage', 'report-indexes-light'], ['Bloat', 'report-bloat-light']] as const) {
      await page.locator('.tabs-container .tab').filter({ hasText: tab }).first().click();
      await waitForLightPanel(tab);
      await screenshot(page, name);
    }
  });

  it('names a table someone holds in ACCESS EXCLUSIVE mode instead of failing (capacity report)', async () => {
    const locker = await pgClient(services.postgres, DB);
    const pid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE public.customers IN ACCESS EXCLUSIVE MODE');
    try {
      const text = await openReport('Capacity Report', 'Locked by another session');
      assert.match(text, /orders/, 'the other tables are read as usual');
      assert.ok(text.includes(`public.customers — ACCESS EXCLUSIVE held by backend ${String(pid)}`), text);
      assert.ok(text.includes('LOCK TABLE public.customers IN ACCESS EXCLUSIVE MODE'), 'with the holder\'s statement');
      const frame = await webviewFrame(wb.page, 'Locked by another session');
      await frame.locator('.note').filter({ hasText: 'Locked by another session' }).first().scrollIntoViewIfNeeded();
      await wb.page.waitForTimeout(300);
      await screenshot(wb.page, 'report-capacity-locked');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('comes back after a reload of the window (the panel serializer)', async () => {
    const { page } = wb;
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.tabs-container .tab').filter({ hasText: 'Bloat' }).first().click({ timeout: 60_000 });
    const text = await reportText('Table and index bloat');
    assert.match(text, /orders/);
  });
});
