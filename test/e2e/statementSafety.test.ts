import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'pg';
import type { ServicesInfo } from '../services/index';
import { dropDatabase, pgClient, recreateDatabase } from '../support/pg';
import { answerQuickInput, contextMenu, openUpkeepAndSignIn, openWorkbench, runLenses, requireServices, screenshot, screenshotOnFailure, treeItem, waitForPrompt, type Workbench } from './workbench';

const DB = 'upkeep_e2e_safety';

/**
 * The questions a user meets before a statement from a file or an operation
 * runs, driven through the real dialogs: a destructive statement on a
 * production connection needs the connection's name typed, and with
 * `confirmSafeOperations` off safe work runs without a question while
 * destructive work still asks.
 */
describe('e2e: confirmations for statements and operations', function () {
  this.timeout(300_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let db: Client;

  const scratchRows = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM public.scratch')).rows[0]?.n);
  const analyzeCount = async (): Promise<number> =>
    Number((await db.query<{ n: string }>("SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'scratch'")).rows[0]?.n);

  before(async () => {
    services = requireServices();
    const pg = services.postgres;
    const c = await recreateDatabase(pg, DB);
    await c.query(`CREATE TABLE public.scratch (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = false);
      INSERT INTO public.scratch SELECT g, 'row ' || g FROM generate_series(1, 300) g;`);
    await c.end();
    db = await pgClient(pg, DB);
    const conn = { host: pg.host, port: pg.port, user: pg.user, database: DB, tls: 'disable' };
    wb = await openWorkbench('e2e-safety', {
      settings: {
        'upkeep.maintenance.confirmSafeOperations': false,
        'upkeep.connections': [
          { id: 'e2e-safety-prod', engine: 'postgres', name: 'Billing (prod)', production: true, ...conn },
          { id: 'e2e-safety-dev', engine: 'postgres', name: 'Billing (dev)', ...conn },
        ],
      },
    });
    fs.writeFileSync(path.join(wb.workspace, 'cleanup-prod.sql'), '-- upkeep: connection=Billing (prod)\nDELETE FROM public.scratch;\n');
    fs.writeFileSync(path.join(wb.workspace, 'cleanup-dev.sql'), '-- upkeep: connection=Billing (dev)\nTRUNCATE public.scratch;\n');
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    await db?.end();
    await dropDatabase(services.postgres, DB);
  });

  const openFile = async (name: string): Promise<void> => {
    const { page } = wb;
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input.input').fill(name);
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await runLenses(page).first().waitFor({ timeout: 60_000 });
  };

  it('a destructive statement from a file on production needs the connection name typed; a wrong or missing name sends nothing', async () => {
    const { page } = wb;
    await openUpkeepAndSignIn(page, 'Billing (prod)', services.postgres.password);
    await contextMenu(page, treeItem(page, 'Billing (dev)'), 'Set Password…');
    await answerQuickInput(page, services.postgres.password);
    await openFile('cleanup-prod.sql');

    // First attempt: the modal, then the name box, dismissed with a wrong name typed.
    await runLenses(page).first().click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    const text = await dialog.innerText();
    assert.match(text, /destructive statement on Billing \(prod\)/);
    assert.match(text, /DELETE FROM public\.scratch/);
    assert.match(text, /DELETE without WHERE removes every row of public\.scratch/);
    await dialog.locator('.monaco-button').filter({ hasText: 'Run' }).click();
    await waitForPrompt(page, 'Type its name');
    const input = page.locator('.quick-input-widget input.input');
    await input.fill('Billing');
    await page.locator('.quick-input-widget').filter({ hasText: 'Type Billing (prod) exactly' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter'); // refused by the box: the name is not exact
    await page.waitForTimeout(300);
    assert.ok(await input.isVisible(), 'Enter does not accept a wrong name');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
    assert.equal(await scratchRows(), 300, 'nothing was deleted');

    // Second attempt: the exact name.
    await runLenses(page).first().click();
    await dialog.waitFor({ timeout: 20_000 });
    await dialog.locator('.monaco-button').filter({ hasText: 'Run' }).click();
    await waitForPrompt(page, 'Type its name');
    await input.fill('Billing (prod)');
    await page.waitForTimeout(300);
    await screenshot(page, 'statement-production-confirm');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 100 && (await scratchRows()) !== 0; i++) await page.waitForTimeout(200);
    assert.equal(await scratchRows(), 0, 'the DELETE ran once the name was typed');
  });

  it('with confirmSafeOperations off, a safe operation runs without a question, and a destructive statement still asks', async () => {
    const { page } = wb;
    await db.query("INSERT INTO public.scratch SELECT g, 'row ' || g FROM generate_series(1, 300) g");
    const before = await analyzeCount();
    const conn = treeItem(page, 'Billing (dev)');
    await conn.click();
    await treeItem(page, DB).last().click();
    await treeItem(page, 'public').last().click();
    const scratch = treeItem(page, 'scratch').last();
    await scratch.waitFor({ timeout: 30_000 });
    await contextMenu(page, scratch, 'ANALYZE');
    await page.locator('.notification-toast').filter({ hasText: /ANALYZE public\.scratch: done/ }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no question for a safe operation');
    for (let i = 0; i < 50 && (await analyzeCount()) <= before; i++) await page.waitForTimeout(200);
    assert.ok((await analyzeCount()) > before, 'the server counted the ANALYZE');

    await openFile('cleanup-dev.sql');
    await runLenses(page).first().click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    assert.match(await dialog.innerText(), /destructive statement on Billing \(dev\)/);
    await dialog.locator('.monaco-button').filter({ hasText: 'Cancel' }).click();
    await page.waitForTimeout(1000);
    assert.equal(await scratchRows(), 300, 'declined: nothing was deleted');
    await runLenses(page).first().click();
    await dialog.waitFor({ timeout: 20_000 });
    await dialog.locator('.monaco-button').filter({ hasText: 'Run' }).click();
    // Not production: no name to type.
    for (let i = 0; i < 100 && (await scratchRows()) !== 0; i++) await page.waitForTimeout(200);
    assert.equal(await scratchRows(), 0, 'the TRUNCATE ran after the one question');
  });
});
