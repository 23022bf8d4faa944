import { strict as assert } from 'node:assert';
import Redis from 'ioredis';
import type { ServicesInfo } from '../services/index';
import { answerQuickInput, collapseViews, contextMenu, openWorkbench, requireServices, screenshot, screenshotOnFailure, treeItem, waitForPrompt, type Workbench } from './workbench';

/** Runs a command from the palette by its title. */
async function palette(wb: Workbench, title: string): Promise<void> {
  await wb.page.keyboard.press('F1');
  await answerQuickInput(wb.page, `>${title}`);
}

describe('e2e: Redis operations in the workbench', function () {
  this.timeout(240_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let admin: Redis;

  before(async () => {
    services = requireServices();
    const r = services.redis;
    admin = new Redis({ host: r.host, port: r.port, password: r.password, db: 4, lazyConnect: true });
    await admin.connect();
    await admin.flushdb();
    const p = admin.pipeline();
    for (let i = 0; i < 2_500; i++) p.set(`session:${i}`, 'x'.repeat(40));
    for (let i = 0; i < 100; i++) p.set(`user:${i}`, 'u');
    p.set(Buffer.from('session:bin\x00\xff', 'latin1'), 'b');
    p.set('session:new\nline', 'n');
    p.set('session:<img src=x onerror=alert(1)>', 'h');
    await p.exec();
    wb = await openWorkbench('e2e-redis-ops', {
      settings: {
        'upkeep.connections': [{ id: 'e2e-redis-prod', engine: 'redis', name: 'Cache (prod)', host: r.host, port: r.port, database: '4', tls: 'disable', production: true }],
      },
    });
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    await admin.flushdb();
    admin.disconnect();
  });

  it('signs in from the Redis view\'s connection menu', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
    await collapseViews(page, ['PostgreSQL', 'Neo4j', 'Docker', 'RabbitMQ']);
    const conn = treeItem(page, 'Cache (prod)');
    await conn.waitFor({ timeout: 30_000 });
    await contextMenu(page, conn, 'Set Password…');
    await answerQuickInput(page, services.redis.password);
  });

  it('a pattern delete from the palette previews the count and a sample (hostile names as text), then asks for the pattern typed on production', async () => {
    const { page } = wb;
    await palette(wb, 'Upkeep Redis: Delete Keys Matching…');
    await waitForPrompt(page, 'Which Redis connection?');
    await answerQuickInput(page, 'Cache (prod)');
    await waitForPrompt(page, 'Which database?');
    await answerQuickInput(page, 'db4');
    await waitForPrompt(page, 'matching which pattern');
    await answerQuickInput(page, 'session:*');
    await waitForPrompt(page, 'Only keys of one type?');
    await answerQuickInput(page, 'Any type');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /2,503 keys match \(counted with a full SCAN pass over the 2,603 keys of database 4\)/);
    assert.match(text, /Sample \(5 of 2,503\):/);
    assert.match(text, /SCAN 0 MATCH session:\* COUNT \d+/);
    assert.match(text, /Cancel stops it between batches of 500/);
    await screenshot(page, 'redis-01-pattern-delete-preview');
    await dialog.locator('.monaco-button').filter({ hasText: 'Run' }).click();
    await waitForPrompt(page, 'Type session:* to run it');
    await answerQuickInput(page, 'session:*');
    await page.locator('.notification-toast').filter({ hasText: /2,503 keys deleted/ }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(800);
    await screenshot(page, 'redis-02-pattern-delete-done');
    assert.equal(Number(await admin.dbsize()), 100);
  });

  it('FLUSHDB shows keys and memory, and runs only once db4 is typed', async () => {
    const { page } = wb;
    await palette(wb, 'Upkeep Redis: FLUSHDB');
    await waitForPrompt(page, 'Which Redis connection?');
    await answerQuickInput(page, 'Cache (prod)');
    await waitForPrompt(page, 'Which database?');
    await answerQuickInput(page, 'db4');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /FLUSHDB ASYNC/);
    assert.match(text, /Target size: 100 keys of about [\d.]+ kB \(MEMORY USAGE of 100 sampled keys, scaled\); the server uses/);
    assert.match(text, /Destructive/);
    assert.match(text, /It is one command: once sent, Redis runs it whole and Cancel cannot stop it\./);
    await screenshot(page, 'redis-03-flushdb-preview');
    await dialog.locator('.monaco-button').filter({ hasText: 'Run' }).click();
    await waitForPrompt(page, 'Type db4 to run it');
    await screenshot(page, 'redis-04-flushdb-typed-name');
    assert.equal(Number(await admin.dbsize()), 100, 'nothing ran before the name was typed');
    await answerQuickInput(page, 'db4');
    await page.locator('.notification-toast').filter({ hasText: /100 keys deleted/ }).waitFor({ timeout: 30_000 });
    assert.equal(Number(await admin.dbsize()), 0);
  });
});
