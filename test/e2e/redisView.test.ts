import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type IORedis from 'ioredis';
import { openRedis } from '../../src/core/redis/connection';
import type { ServicesInfo } from '../services/index';
import { loadRedisFixture } from '../services/redisFixture';
import { REPO_ROOT } from '../support/codeServer';
import { answerQuickInput, collapseViews, contextMenu, openWorkbench, recordDialogs, requireServices, screenshot, screenshotOnFailure, treeItem, widenSideBar, type Workbench } from './workbench';

/** The tree's e2e suite has db 11 (integration 9, extension host 10; redis-ops 1–5, redis-reports 6–8). */
const DB = 11;
const XSS = '<img src=x onerror=alert(1)>';

describe('e2e: the Redis view in the workbench', function () {
  this.timeout(180_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let client: IORedis;
  let dialogs: string[] = [];

  before(async () => {
    services = requireServices();
    const s = services.redis;
    client = await openRedis({ id: 'fixture', engine: 'redis', name: 'fixture', host: s.host, port: s.port, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000 }, s.password);
    // Small enough that the first SCAN page holds every key, so the screenshot shows exact namespace counts.
    await loadRedisFixture(client, { db: DB, keys: 400, big: true });
    await client.set('config:feature-flags', JSON.stringify({ checkout: { newFlow: true, rollout: 0.25 }, search: { engine: 'v2', synonyms: ['tv', 'television'] }, maintenance: false }));
    wb = await openWorkbench('e2e-redis', {
      settings: { 'upkeep.connections': [{ id: 'e2e-redis', engine: 'redis', name: 'Sessions cache', host: s.host, port: s.port, database: String(DB), tls: 'disable' }] },
    });
    dialogs = recordDialogs(wb.page);
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    await client?.flushdb();
    client?.disconnect();
  });

  it('expands the connection into databases, namespaces and keys, and opens a value', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
    await collapseViews(page, ['PostgreSQL', 'Neo4j', 'Docker', 'RabbitMQ']);
    const conn = treeItem(page, 'Sessions cache');
    await conn.waitFor({ timeout: 30_000 });
    await contextMenu(page, conn, 'Set Password…');
    await answerQuickInput(page, services.redis.password);
    await conn.click();
    const db = treeItem(page, `db${DB}`);
    await db.waitFor({ timeout: 30_000 });
    await db.click();
    const config = treeItem(page, 'config:');
    await config.waitFor({ timeout: 30_000 });
    await treeItem(page, 'user:').waitFor();
    await config.click();
    const flags = treeItem(page, 'config:feature-flags');
    await flags.waitFor({ timeout: 30_000 });
    await flags.click();
    const editor = page.locator('.editor-instance .view-lines');
    await editor.filter({ hasText: '"newFlow": true' }).waitFor({ timeout: 30_000 });
    // Widen the side bar so descriptions (type · TTL · size, server facts) are readable.
    await widenSideBar(page, 620);
    await page.waitForTimeout(800);
    const file = await screenshot(page, 'redis-tree');
    assert.ok(fs.statSync(file).size > 10_000);
    fs.mkdirSync(path.join(REPO_ROOT, 'docs', 'images'), { recursive: true });
    fs.copyFileSync(file, path.join(REPO_ROOT, 'docs', 'images', 'redis-tree.png'));
    const tree = await page.locator('.pane-body').filter({ has: treeItem(page, 'config:') }).innerText();
    assert.match(tree, /Redis \d+\.\d+\.\d+ · master/);
    assert.match(tree, /user:\s*120 keys/);
    // The tab is read-only: typing into it changes nothing.
    await page.locator('.editor-instance .view-lines').click();
    await page.keyboard.type('typed');
    await page.waitForTimeout(300);
    assert.ok(!(await editor.innerText()).includes('typed'), 'the value document is read-only');
  });

  it('shows a key named like an HTML tag as text, opens it, and no dialog fires', async () => {
    const { page } = wb;
    const row = treeItem(page, XSS);
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await row.locator('.label-name').innerText(), XSS);
    assert.equal(await page.locator('.monaco-list-row img[src="x"]').count(), 0, 'no <img> element made from the name');
    await row.click();
    await page.locator('.editor-instance .view-lines').filter({ hasText: 'hostile value <script>alert(1)</script>' }).waitFor({ timeout: 30_000 });
    await row.hover();
    await page.waitForTimeout(1500);
    await screenshot(page, 'redis-hostile-key');
    assert.deepEqual(dialogs, [], 'no dialog opened');
  });
});
