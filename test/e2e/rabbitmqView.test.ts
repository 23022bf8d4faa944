import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServicesInfo } from '../services/index';
import { RabbitApi } from '../../src/core/rabbitmq/connection';
import { REPO_ROOT } from '../support/codeServer';
import { answerQuickInput, collapseViews, contextMenu, openWorkbench, recordDialogs, requireServices, screenshot, screenshotOnFailure, treeItem, widenSideBar, type Workbench } from './workbench';

const TAG = `e2e-${process.pid}-${Date.now().toString(36)}`;
const VHOST = `shop ${TAG}`;
const XSS = '<img src=x onerror=alert(1)>';

describe('e2e: the RabbitMQ view in the workbench', function () {
  this.timeout(180_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let admin: RabbitApi;
  let dialogs: string[] = [];

  before(async () => {
    services = requireServices();
    const s = services.rabbitmq;
    const profile = { id: 'e2e-rabbitmq', engine: 'rabbitmq' as const, name: 'Orders broker', host: s.host, port: s.managementPort, user: s.user, tls: 'disable' as const, readOnly: false, production: false, connectTimeoutMs: 10_000 };
    admin = new RabbitApi(profile, s.password);
    await admin.call({ method: 'PUT', path: ['vhosts', VHOST], body: {} });
    await admin.call({ method: 'PUT', path: ['permissions', VHOST, s.user], body: { configure: '.*', write: '.*', read: '.*' } });
    const queues: [string, number, Record<string, unknown>][] = [['orders.created', 1_204, {}], ['orders.dead-letter', 37, {}], ['payments', 0, { 'x-queue-type': 'quorum' }], [XSS, 2, {}]];
    for (const [name, count, args] of queues) {
      await admin.call({ method: 'PUT', path: ['queues', VHOST, name], body: { durable: true, arguments: args } });
      for (let i = 0; i < count; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => admin.call({ method: 'POST', path: ['exchanges', VHOST, 'amq.default', 'publish'], body: { properties: {}, routing_key: name, payload: `{"order": ${i + j}}`, payload_encoding: 'string' } })));
      }
    }
    await admin.call({ method: 'PUT', path: ['policies', VHOST, 'dead-letter cap'], body: { pattern: '\\.dead-letter$', definition: { 'max-length': 100000 }, priority: 1, 'apply-to': 'queues' } });
    // The counts reach the API on the statistics interval.
    for (let i = 0; i < 80; i++) {
      const q = await admin.call<{ messages_ready?: number }>({ method: 'GET', path: ['queues', VHOST, 'orders.created'] });
      if (q.messages_ready === 1_204) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    wb = await openWorkbench('e2e-rabbitmq', { settings: { 'upkeep.connections': [profile] } });
    dialogs = recordDialogs(wb.page);
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    await admin?.call({ method: 'DELETE', path: ['vhosts', VHOST] }).catch(() => undefined);
  });

  it('shows the broker: nodes against their watermarks, the vhost\'s queues with counts and flags (dark theme)', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
    await collapseViews(page, ['PostgreSQL', 'Neo4j', 'Redis', 'Docker']);
    const conn = treeItem(page, 'Orders broker');
    await conn.waitFor({ timeout: 30_000 });
    await contextMenu(page, conn, 'Set Password…');
    await answerQuickInput(page, services.rabbitmq.password);
    await conn.locator('.codicon-server').waitFor({ timeout: 30_000 });
    await conn.click();
    await treeItem(page, 'Nodes').click();
    await treeItem(page, 'Virtual hosts').click();
    await treeItem(page, VHOST).click();
    await treeItem(page, 'Queues').click();
    await treeItem(page, 'orders.created').waitFor({ timeout: 30_000 });
    await treeItem(page, 'Policies').click();
    await treeItem(page, 'dead-letter cap').waitFor({ timeout: 30_000 });
    await widenSideBar(page, 760);
    await page.waitForTimeout(800);
    const file = await screenshot(page, 'rabbitmq-tree');
    fs.mkdirSync(path.join(REPO_ROOT, 'docs', 'images'), { recursive: true });
    fs.copyFileSync(file, path.join(REPO_ROOT, 'docs', 'images', 'rabbitmq-tree.png'));
    const text = await page.locator('.pane-body').filter({ has: treeItem(page, 'orders.created') }).innerText();
    assert.match(text, /classic · 1,204 ready · 0 unacked · 0 consumers/);
    assert.match(text, /quorum · 0 ready/);
    assert.match(text, /memory [\d.]+ \w+ of [\d.]+ \w+ \(\d+%\)/);
    assert.ok(text.includes(XSS), 'the hostile queue name is shown as text');
    assert.deepEqual(dialogs, [], 'no script from a queue name ran');
  });

  it('purge: the preview shows the HTTP request and the ready count; Cancel sends nothing', async () => {
    const { page } = wb;
    await contextMenu(page, treeItem(page, 'orders.dead-letter'), 'Purge Queue…');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, new RegExp(`DELETE /api/queues/shop%20${TAG}/orders\\.dead-letter/contents`));
    assert.match(text, /37 ready/);
    assert.match(text, /Destructive/i);
    await page.waitForTimeout(500);
    const file = await screenshot(page, 'rabbitmq-purge-preview');
    fs.copyFileSync(file, path.join(REPO_ROOT, 'docs', 'images', 'rabbitmq-purge-preview.png'));
    await dialog.locator('.monaco-button').filter({ hasText: 'Cancel' }).first().click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const q = await admin.call<{ messages_ready?: number }>({ method: 'GET', path: ['queues', VHOST, 'orders.dead-letter'] });
    assert.equal(q.messages_ready, 37, 'cancelled: nothing was purged');
  });
});
