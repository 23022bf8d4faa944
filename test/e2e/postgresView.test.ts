import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServicesInfo } from '../services/index';
import { pgClient } from '../support/pg';
import { answerQuickInput, collapseViews, openWorkbench, requireServices, screenshot, screenshotOnFailure, treeItem, waitForPrompt, widenSideBar, type Workbench } from './workbench';

describe('e2e: the PostgreSQL view in the workbench', function () {
  this.timeout(180_000);
  let wb: Workbench;
  let services: ServicesInfo;

  before(async () => {
    services = requireServices();
    const c = await pgClient(services.postgres);
    await c.query('CREATE TABLE IF NOT EXISTS public.orders AS SELECT g AS id, now() AS created FROM generate_series(1, 25000) g');
    await c.query('CREATE TABLE IF NOT EXISTS public."Order Lines" AS SELECT g AS id FROM generate_series(1, 1200) g');
    await c.query('ANALYZE public.orders; ANALYZE public."Order Lines"');
    await c.end();
    wb = await openWorkbench('e2e');
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
  });

  it('opens the Upkeep container with its four views and welcome content', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
    for (const title of ['PostgreSQL', 'Neo4j', 'Redis', 'Docker']) {
      await page.locator('.pane-header').filter({ hasText: title }).first().waitFor({ timeout: 30_000 });
    }
    await page.getByRole('button', { name: 'Add PostgreSQL Connection', exact: true }).waitFor({ timeout: 30_000 });
    await screenshot(page, '01-upkeep-welcome');
  });

  it('adds a connection by pasting a URL into the real wizard', async () => {
    const { page } = wb;
    const pg = services.postgres;
    await page.getByRole('button', { name: 'Add PostgreSQL Connection', exact: true }).click();
    await waitForPrompt(page, 'Paste a connection URL');
    await answerQuickInput(page, `postgres://${pg.user}:${encodeURIComponent(pg.password)}@${pg.host}:${pg.port}/${pg.database}`);
    await waitForPrompt(page, 'Name shown in the Upkeep view');
    await answerQuickInput(page, 'Orders DB (prod)');
    await waitForPrompt(page, 'Safety flags');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Production' }).click();
    await screenshot(page, '02-wizard-flags');
    await page.keyboard.press('Enter');
    await waitForPrompt(page, 'Where should the connection be saved?');
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts').filter({ hasText: 'connected' }).first().waitFor({ timeout: 30_000 });
    const settings = fs.readFileSync(path.join(wb.server.userDataDir, 'User', 'settings.json'), 'utf8');
    assert.ok(settings.includes('Orders DB (prod)'), 'saved in user settings');
    assert.ok(!settings.includes(pg.password), 'without the password');
  });

  it('shows the connection, its databases, schemas and tables', async () => {
    const { page } = wb;
    await collapseViews(page, ['Neo4j', 'Redis', 'Docker', 'RabbitMQ']);
    const conn = treeItem(page, 'Orders DB (prod)');
    await conn.waitFor({ timeout: 30_000 });
    await conn.click();
    const db = treeItem(page, services.postgres.database);
    await db.waitFor({ timeout: 30_000 });
    await treeItem(page, 'postgres').waitFor();
    await db.click();
    const schema = treeItem(page, 'public');
    await schema.waitFor({ timeout: 30_000 });
    await schema.click();
    await treeItem(page, 'orders').waitFor({ timeout: 30_000 });
    await treeItem(page, 'Order Lines').waitFor({ timeout: 30_000 });
    // Widen the side bar so descriptions are readable in the screenshot.
    await widenSideBar(page, 560);
    await page.waitForTimeout(300);
    const file = await screenshot(page, '03-postgres-view');
    assert.ok(fs.statSync(file).size > 10_000);
    const text = await page.locator('.pane-body').first().innerText();
    assert.match(text, /~25k rows/);
  });
});
