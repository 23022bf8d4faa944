import { strict as assert } from 'node:assert';
import IORedis from 'ioredis';
import type { ServicesInfo } from '../services/index';
import { loadRedisFixture } from '../services/redisFixture';
import { answerQuickInput, collapseViews, contextMenu, openWorkbench, recordDialogs, requireServices, screenshot, screenshotOnFailure, settledWebviewText, treeItem, webviewFrame, type Workbench } from './workbench';

/** This suite's database (the other Redis engineers' suites use 1–5 and 9). */
const DB = 8;
const XSS = '<img src=x onerror=alert(1)>';

describe('e2e: Redis memory analysis panel', function () {
  this.timeout(300_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let client: IORedis;
  let dialogs: string[] = [];

  before(async () => {
    services = requireServices();
    const s = services.redis;
    client = new IORedis({ host: s.host, port: s.port, password: s.password, lazyConnect: true });
    await client.connect();
    await loadRedisFixture(client, { db: DB, keys: 20_000 });
    // A key named like an HTML tag, large enough to be among the top keys.
    await client.set(XSS, 'x'.repeat(1_500_000));
    wb = await openWorkbench('e2e-redis-reports', {
      settings: {
        'upkeep.connections': [{ id: 'e2e-redis-reports', engine: 'redis', name: 'Cache', host: s.host, port: s.port, database: String(DB), tls: 'disable' }],
        'upkeep.redis.analysis.sampleSize': 5_000,
        'upkeep.redis.analysis.bigKeyBytes': 1024 * 1024,
      },
    });
    dialogs = recordDialogs(wb.page);
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    await client?.select(DB);
    await client?.flushdb();
    client?.disconnect();
  });

  async function panelText(marker: string | RegExp): Promise<string> {
    return settledWebviewText(wb.page, marker, '.report-section');
  }

  /** Scrolls the report page so the section titled `title` is at the top. */
  async function scrollTo(marker: string | RegExp, title: string): Promise<void> {
    const frame = await webviewFrame(wb.page, marker);
    await frame.locator('.report-section h2').filter({ hasText: title }).first().evaluate((h) => h.scrollIntoView({ block: 'start' }));
    await frame.evaluate(() => window.scrollBy(0, -(document.querySelector('header')?.getBoundingClientRect().height ?? 0) - 8));
    await wb.page.waitForTimeout(600);
  }

  it('opens the memory analysis from the Redis connection: a sample, said so', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
    await collapseViews(page, ['PostgreSQL', 'Neo4j', 'Docker', 'RabbitMQ']);
    const redisHeader = page.locator('.pane-header[aria-expanded="false"]').filter({ hasText: 'Redis' });
    if (await redisHeader.count()) await redisHeader.first().click();
    const conn = treeItem(page, 'Cache');
    await conn.waitFor({ timeout: 30_000 });
    await contextMenu(page, conn, 'Set Password…');
    await answerQuickInput(page, services.redis.password);
    await contextMenu(page, conn, 'Memory Analysis');
    const text = await panelText('Memory by type');
    assert.match(text, /A sample of 5,000 of 20,0\d\d keys/);
    assert.match(text, /Redis \d+\.\d+\.\d+/);
  });

  it('analyses every key on demand, after a warning, and shows a key named like an HTML tag as text', async () => {
    const { page } = wb;
    const frame = await webviewFrame(page, 'Memory by type');
    await frame.locator('button').filter({ hasText: 'Analyse all keys' }).click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    assert.match(await dialog.innerText(), /on millions of keys the analysis takes minutes/);
    await dialog.locator('.monaco-button').filter({ hasText: 'Analyse all keys' }).click();
    const text = await panelText(/Keys analysed\s+20,0\d\d \(all\)/);
    assert.ok(text.includes(XSS), 'the name is shown as text');
    for (const key of ['big:hash', 'big:list', 'big:set', 'big:string', 'big:zset']) assert.ok(text.includes(key), key);
    for (const f of page.frames()) {
      const injected = await f.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror]').length).catch(() => 0);
      assert.equal(injected, 0, `no injected image in ${f.url().slice(0, 80)}`);
    }
    assert.deepEqual(dialogs, [], 'no alert dialog was opened');
    await page.waitForTimeout(800);
    await screenshot(page, 'redis-memory-findings-dark');
    await scrollTo(/\(all\)/, 'Memory by type');
    await screenshot(page, 'redis-memory-types-dark');
    // The README's picture: the top keys, the HTML-named one among them, as text.
    await scrollTo(/\(all\)/, 'Top keys by memory');
    await screenshot(page, 'redis-memory-dark');
  });

  it('is readable in the light theme too', async () => {
    const { page } = wb;
    await page.locator('.part.sidebar').click({ position: { x: 150, y: 400 } });
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+T');
    await page.locator('.quick-input-widget input.input').fill('Light Modern');
    const light = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Light Modern' }).first();
    await light.waitFor({ timeout: 20_000 });
    await light.click();
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: 30_000 });
    const deadline = Date.now() + 20_000;
    let bright = 0;
    while (bright < 600 && Date.now() < deadline) {
      for (const f of page.frames()) {
        const b = await f.evaluate(() => {
          if (!document.getElementById('app')) return 0;
          const m = /(\d+), (\d+), (\d+)/.exec(getComputedStyle(document.body).backgroundColor);
          return m ? Number(m[1]) + Number(m[2]) + Number(m[3]) : 0;
        }).catch(() => 0);
        bright = Math.max(bright, b);
      }
      await page.waitForTimeout(250);
    }
    assert.ok(bright > 600, 'the panel took the light theme');
    await scrollTo(/\(all\)/, 'Top keys by memory');
    await screenshot(page, 'redis-memory-light');
    await scrollTo(/\(all\)/, 'Memory by time to live');
    await screenshot(page, 'redis-memory-ttl-light');
  });
});
