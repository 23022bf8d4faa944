import { strict as assert } from 'node:assert';
import type { ServicesInfo } from '../services/index';
import { pgClient, recreateDatabase } from '../support/pg';
import { answerQuickInput, contextMenu, openUpkeepAndSignIn, openWorkbench, requireServices, screenshot, screenshotOnFailure, treeItem, waitForPrompt, widenSideBar, type Workbench } from './workbench';

const DB = 'upkeep_e2e';

describe('e2e: PostgreSQL maintenance in the workbench', function () {
  this.timeout(240_000);
  let wb: Workbench;
  let services: ServicesInfo;

  before(async () => {
    services = requireServices();
    const pg = services.postgres;
    // Manual VACUUM in this database crawls (cost-based delay), so its progress can be seen and cancelled.
    const c = await recreateDatabase(pg, DB, { vacuum_cost_delay: 20, vacuum_cost_limit: 1 });
    await c.query(`CREATE TABLE public.events (id bigint PRIMARY KEY, kind text, payload text) WITH (autovacuum_enabled = false);
      INSERT INTO public.events SELECT g, 'k' || (g % 7), repeat('p', 60) FROM generate_series(1, 300000) g;
      CREATE INDEX events_kind_ix ON public.events (kind);
      CREATE INDEX events_kind_again_ix ON public.events (kind);
      ANALYZE public.events;
      DELETE FROM public.events WHERE id % 3 <> 0;
      CREATE TABLE public.small (id int PRIMARY KEY, note text);
      INSERT INTO public.small SELECT g, 'n' FROM generate_series(1, 100) g;
      ANALYZE public.small;
      CREATE TABLE public.fresh (id int) WITH (autovacuum_enabled = false);
      INSERT INTO public.fresh SELECT g FROM generate_series(1, 500) g;`);
    if ((pg.versionNum ?? 0) >= 150000) await c.query('SELECT pg_stat_force_next_flush()');
    await c.query('SELECT 1');
    await c.end();
    wb = await openWorkbench('e2e-maintenance', {
      settings: {
        'upkeep.connections': [{ id: 'e2e-ops', engine: 'postgres', name: 'Ops DB (prod)', host: pg.host, port: pg.port, user: pg.user, database: DB, tls: 'disable', production: true }],
      },
    });
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
  });

  it('sets the missing password from the context menu, then shows health in the tree', async () => {
    const { page } = wb;
    const conn = await openUpkeepAndSignIn(page, 'Ops DB (prod)', services.postgres.password);
    await conn.click();
    await treeItem(page, DB).click();
    await treeItem(page, 'public').click();
    const events = treeItem(page, 'events');
    await events.waitFor({ timeout: 30_000 });
    await events.locator('.codicon-warning').waitFor({ timeout: 15_000 });
    await treeItem(page, 'fresh').locator('.codicon-warning').waitFor({ timeout: 15_000 });
    await events.click();
    await treeItem(page, 'events_kind_again_ix').waitFor({ timeout: 15_000 });
    await widenSideBar(page, 760);
    await events.hover();
    await page.waitForTimeout(1500);
    await screenshot(page, '04-tree-health');
    const text = await page.locator('.pane-body').first().innerText();
    assert.match(text, /67% dead/);
    assert.match(text, /duplicate of events_kind_again_ix/);
  });

  it('VACUUM from the context menu: preview, progress, cancel on the server', async () => {
    const { page } = wb;
    await page.mouse.move(1100, 700);
    await contextMenu(page, treeItem(page, 'events'), 'VACUUM…');
    await waitForPrompt(page, 'VACUUM options');
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    assert.match(await dialog.innerText(), /VACUUM \(ANALYZE\) "public"\."events"/);
    assert.match(await dialog.innerText(), /SHARE UPDATE EXCLUSIVE/);
    await screenshot(page, '05-operation-preview');
    await dialog.locator('.monaco-button').filter({ hasText: 'Run' }).click();
    const toast = page.locator('.notification-toast').filter({ hasText: 'VACUUM (ANALYZE) public.events' });
    await toast.filter({ hasText: /scanning heap \d+%/ }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1500);
    await screenshot(page, '06-progress');
    await toast.locator('.monaco-button, .action-label').filter({ hasText: 'Cancel' }).first().click();
    await page.locator('.notification-toast').filter({ hasText: 'cancelled on the server' }).waitFor({ timeout: 20_000 });
    await page.waitForTimeout(800); // let the toast finish sliding in before the picture
    await screenshot(page, '07-cancelled');
  });

  it('a blocking operation on production asks for the table name to be typed', async () => {
    const { page } = wb;
    await contextMenu(page, treeItem(page, 'small'), 'VACUUM…');
    await waitForPrompt(page, 'VACUUM options');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'FULL' }).first().click();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    assert.match(await dialog.innerText(), /ACCESS EXCLUSIVE/);
    assert.match(await dialog.innerText(), /Blocking/);
    await dialog.locator('.monaco-button').filter({ hasText: 'Run' }).click();
    await waitForPrompt(page, 'Type small to run it');
    await screenshot(page, '08-production-confirm');
    await answerQuickInput(page, 'small');
    await page.locator('.notification-toast').filter({ hasText: /VACUUM \(FULL, ANALYZE\) public\.small: done/ }).waitFor({ timeout: 30_000 });
  });

  it('CHECKPOINT is heavy: previewed, and on production it runs only once CHECKPOINT is typed', async () => {
    const { page } = wb;
    const pg = services.postgres;
    const requested = async (): Promise<number> => {
      const c = await pgClient(pg, DB);
      try {
        const sql = (pg.versionNum ?? 0) >= 170000 ? 'SELECT num_requested::int AS n FROM pg_stat_checkpointer' : 'SELECT checkpoints_req::int AS n FROM pg_stat_bgwriter';
        return (await c.query<{ n: number }>(sql)).rows[0]?.n ?? -1;
      } finally {
        await c.end();
      }
    };
    const before = await requested();
    await contextMenu(page, treeItem(page, 'Ops DB (prod)'), 'CHECKPOINT');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    const text = await dialog.innerText();
    assert.match(text, /I\/O burst/);
    assert.match(text, /Heavy/);
    await dialog.locator('.monaco-button').filter({ hasText: 'Run' }).click();
    await waitForPrompt(page, 'Type CHECKPOINT to run it');
    await screenshot(page, '09-heavy-production-confirm');
    assert.equal(await requested(), before, 'nothing ran before the name was typed');
    await answerQuickInput(page, 'CHECKPOINT');
    await page.locator('.notification-toast').filter({ hasText: /CHECKPOINT: done/ }).waitFor({ timeout: 30_000 });
    const end = Date.now() + 10_000;
    while ((await requested()) <= before && Date.now() < end) await page.waitForTimeout(200);
    assert.ok((await requested()) > before, 'the server counted a requested checkpoint');
  });
});
