import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import type { ServicesInfo } from '../services/index';
import { dropDatabase, recreateDatabase } from '../support/pg';
import { openUpkeepAndSignIn, openWorkbench, runLenses, recordDialogs, requireServices, screenshot, screenshotOnFailure, settledWebviewFrame, type Workbench } from './workbench';

const DB = 'upkeep_e2e_queries';

const FILE = `-- upkeep: connection=Shop
-- Weekly maintenance: look first, then act.

-- Largest tables
SELECT relname AS table, pg_size_pretty(pg_total_relation_size(relid)) AS total, n_live_tup, n_dead_tup
FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC LIMIT 10;

-- Orders, with NULLs and the string 'NULL'
SELECT id, customer_id, note, placed_at, meta, '<img src=x onerror=alert(1)>' AS "<b>html</b>" FROM public.orders ORDER BY id;

VACUUM (VERBOSE, ANALYZE) public.orders;

\\dt public.*

DELETE FROM public.orders;
`;

describe('e2e: statements from a .sql file', function () {
  this.timeout(300_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let dialogs: string[] = [];

  before(async () => {
    services = requireServices();
    const pg = services.postgres;
    const c = await recreateDatabase(pg, DB);
    await c.query(`CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id int, note text, placed_at timestamptz, meta jsonb);
      INSERT INTO public.orders SELECT g, g % 500, CASE WHEN g % 7 = 0 THEN NULL WHEN g % 11 = 0 THEN 'NULL' ELSE 'order ' || g END,
        timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', jsonb_build_object('items', g % 5, 'gift', g % 3 = 0)
        FROM generate_series(1, 50000) g;
      ANALYZE public.orders;`);
    await c.end();
    wb = await openWorkbench('e2e-queries', {
      settings: { 'upkeep.connections': [{ id: 'e2e-queries', engine: 'postgres', name: 'Shop', host: pg.host, port: pg.port, user: pg.user, database: DB, tls: 'disable' }] },
    });
    fs.writeFileSync(path.join(wb.workspace, 'weekly-maintenance.sql'), FILE);
    dialogs = recordDialogs(wb.page);
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    await dropDatabase(services.postgres, DB);
  });

  const resultsFrame = (): Promise<Frame> => settledWebviewFrame(wb.page, /rows|Running|VACUUM/, '.tab');

  it('shows CodeLens over each statement of a maintenance file and the connection in the status bar', async () => {
    const { page } = wb;
    await openUpkeepAndSignIn(page, 'Shop', services.postgres.password);
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input.input').fill('weekly-maintenance.sql');
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    const lens = runLenses(page);
    await lens.first().waitFor({ timeout: 60_000 });
    assert.ok((await lens.count()) >= 4, 'a Run lens on each statement');
    await page.locator('.codelens-decoration').filter({ hasText: /Not sent: psql meta-command/ }).first().waitFor({ timeout: 10_000 });
    await page.locator('.statusbar-item').filter({ hasText: 'Shop' }).first().waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    await screenshot(page, 'codelens-sql');
  });

  it('▶ Run shows the rows in the results grid (virtual: few row elements for 1,000 rows held)', async () => {
    const { page } = wb;
    // The second Run lens belongs to the orders SELECT.
    await runLenses(page).nth(1).click();
    const frame = await resultsFrame();
    await frame.locator('.grid .row').first().waitFor({ timeout: 60_000 });
    await frame.locator('.status').filter({ hasText: /more available/ }).waitFor({ timeout: 60_000 });
    const rendered = await frame.locator('.grid .row').count();
    assert.ok(rendered > 5 && rendered < 200, `${rendered} row elements for 1,000 rows held`);
    assert.ok((await frame.locator('.cell.null').count()) > 0, 'NULL cells are marked');
    const headers = await frame.locator('.header .col').allInnerTexts();
    assert.ok(headers.some((h) => /placed_at/.test(h) && /timestamp with time zone/.test(h)), headers.join(' | '));
    // Server text is text: the HTML in a value and a column name shows as typed, and nothing runs.
    assert.ok(headers.some((h) => h.includes('<b>html</b>')), headers.join(' | '));
    assert.equal(await frame.locator('.grid img, .grid b').count(), 0);
    assert.deepEqual(dialogs, [], 'no script ran');
    // The cursor stays open for Fetch more: the tab says what that holds on the server, and offers to close it.
    const hold = frame.locator('.hold.holding');
    await hold.waitFor({ timeout: 10_000 });
    assert.match(await hold.innerText(), /^Holding a snapshot \(open transaction\) since \d\d:\d\d:\d\d — VACUUM cannot remove rows deleted or updated after it .* Closed after 5 min without Fetch more\.$/);
    assert.equal(await frame.locator('.status button.release').count(), 1);
    await page.waitForTimeout(500);
    await screenshot(page, 'results-grid');
  });

  it('VACUUM (VERBOSE) from the file shows its server messages in a new tab', async () => {
    const { page } = wb;
    await runLenses(page).nth(2).click();
    const frame = await resultsFrame();
    await frame.locator('.tab').nth(1).waitFor({ timeout: 30_000 });
    await frame.locator('.messages').filter({ hasText: /vacuuming/ }).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    await page.locator('.notification-toast').filter({ hasText: 'Running on' }).waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => undefined);
    await screenshot(page, 'results-vacuum-verbose');
  });
});
