import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import { loadPg } from '../../src/core/drivers';
import type { ServicesInfo } from '../services/index';
import { REPO_ROOT } from '../services/index';
import { answerQuickInput, openUpkeepAndSignIn, openWorkbench, recordDialogs, requireServices, screenshot, screenshotOnFailure, SCREENSHOTS, settledWebviewFrame, webviewFrame, type Workbench } from './workbench';

const XSS = '<img src=x onerror=alert(1)>';

/**
 * The status bar and the Health panel in the packaged extension: a production
 * PostgreSQL with an idle transaction planted (a warning), a server that
 * accepts and never answers (unknown), an HTTP endpoint answering 500
 * (critical) and one that is fine; screenshots in dark and light for the README.
 */
describe('e2e: health in the status bar and the Health panel', function () {
  this.timeout(300_000);
  let wb: Workbench;
  let services: ServicesInfo;
  let http500: http.Server;
  let stuck: net.Server;
  const sockets = new Set<net.Socket>();
  let idle: Client;
  let dialogs: string[] = [];
  /** The last test takes the website down: healthy → critical. */
  let websiteDown = false;

  before(async () => {
    services = requireServices();
    http500 = http.createServer((req, res) => {
      const ok = req.url === '/health' && !websiteDown;
      res.writeHead(ok ? 200 : 500).end(ok ? '{"status":"ok"}' : 'internal error');
    });
    await new Promise<void>((resolve) => http500.listen(0, '127.0.0.1', resolve));
    const web = `http://127.0.0.1:${(http500.address() as AddressInfo).port}`;
    stuck = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    const pg = services.postgres;
    const pgLib = await loadPg();
    idle = new pgLib.Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, application_name: 'e2e idle' });
    await idle.connect();
    await idle.query('BEGIN');
    await idle.query('SELECT 1');
    wb = await openWorkbench('e2e-health', {
      settings: {
        'upkeep.connections': [
          { id: 'e2e-health-pg', engine: 'postgres', name: 'Orders DB', host: pg.host, port: pg.port, user: pg.user, database: pg.database, tls: 'disable', production: true },
          { id: 'e2e-health-stuck', engine: 'postgres', name: `Stuck replica ${XSS}`, host: '127.0.0.1', port: (stuck.address() as AddressInfo).port, user: 'postgres', database: 'postgres', tls: 'disable', connectTimeoutMs: 120_000 },
        ],
        'upkeep.health.endpoints': [
          { name: 'Website', url: `${web}/health`, bodyMatches: '"status":"ok"' },
          { name: `Billing API ${XSS}`, url: `${web}/billing` },
        ],
        'upkeep.health.intervalSeconds': 0,
        // Endpoints notify too (the default notifies production connections only): the last test takes the website down.
        'upkeep.health.notify': 'all',
        'upkeep.health.timeoutMs': 4_000,
        'upkeep.reports.longQuerySeconds': 1,
      },
    });
    dialogs = recordDialogs(wb.page);
  });

  screenshotOnFailure(() => wb);

  after(async () => {
    await wb?.close();
    await idle?.end().catch(() => undefined);
    for (const s of sockets) s.destroy();
    stuck?.close();
    http500?.closeAllConnections();
    http500?.close();
  });

  it('Run Health Check: the status bar shows the worst state and its count', async () => {
    const { page } = wb;
    await openUpkeepAndSignIn(page, 'Orders DB', services.postgres.password);
    await page.keyboard.press('F1');
    await answerQuickInput(page, '>Upkeep: Run Health Check');
    const item = page.locator('.statusbar-item').filter({ hasText: /Upkeep: \d+ critical/ });
    await item.first().waitFor({ timeout: 60_000 });
    const text = await item.first().innerText();
    assert.match(text, /Upkeep: 1 critical, \d+ warnings?/);
  });

  it('clicking it opens the Health panel: grouped, worst first, server text as text', async () => {
    const { page } = wb;
    await page.locator('.statusbar-item').filter({ hasText: /Upkeep:/ }).first().click();
    const frame = await settledWebviewFrame(page, 'Upkeep Health', '.subject');
    const names = await frame.locator('.subject .subject-name').allInnerTexts();
    assert.equal(names[0], `Billing API ${XSS}`, 'the critical endpoint first');
    assert.deepEqual(names.slice(1).sort(), ['Orders DB', `Stuck replica ${XSS}`, 'Website'].sort());
    const severities = await frame.locator('.subject').evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')));
    assert.deepEqual(severities, ['critical', 'warning', 'unknown', 'ok']);
    const orders = frame.locator('.subject').filter({ has: frame.locator('.subject-name', { hasText: 'Orders DB' }) });
    const long = orders.locator('.check[data-id="long-transactions"]');
    assert.equal(await long.getAttribute('data-severity'), 'warning');
    assert.match(await long.locator('.reason').innerText(), /1 idle in transaction/);
    assert.ok(await long.locator('button.fix').count(), 'the report\'s fix is offered');
    const stuckText = await frame.locator('.subject[data-severity="unknown"] .reason').first().innerText();
    assert.match(stuckText, /4 s/);
    for (const f of page.frames()) {
      const injected = await f.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror]').length).catch(() => 0);
      assert.equal(injected, 0, `no injected image in ${f.url().slice(0, 80)}`);
    }
    assert.deepEqual(dialogs, []);
    await page.mouse.move(1300, 780);
    await page.waitForTimeout(600);
    await screenshot(page, 'health-dark');
  });

  it('a check links to the report that explains it', async () => {
    const { page } = wb;
    const frame = await webviewFrame(page, 'Upkeep Health');
    const orders = frame.locator('.subject').filter({ has: frame.locator('.subject-name', { hasText: 'Orders DB' }) });
    await orders.locator('.check[data-id="long-transactions"] button.explain').click();
    await settledWebviewFrame(page, 'Idle in transaction', '.report-section');
    // Back to the Health panel for the light screenshot.
    await page.locator('.tab').filter({ hasText: 'Upkeep Health' }).first().click();
  });

  it('is readable in the light theme too', async () => {
    const { page } = wb;
    // The keys go to the workbench, not to the webview that has focus.
    await page.locator('.part.sidebar').click({ position: { x: 150, y: 400 } });
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+T');
    await page.locator('.quick-input-widget input.input').fill('Light Modern');
    const light = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Light Modern' }).first();
    await light.waitFor({ timeout: 20_000 });
    await light.click();
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: 30_000 });
    await webviewFrame(page, 'Upkeep Health');
    await page.mouse.move(1300, 780);
    await page.waitForTimeout(1_500);
    await screenshot(page, 'health-light');
    for (const theme of ['dark', 'light']) fs.copyFileSync(path.join(SCREENSHOTS, `health-${theme}.png`), path.join(REPO_ROOT, 'docs', 'images', `health-${theme}.png`));
  });

  it('comes back after a reload of the window: the last run at once, marked, then a fresh check', async () => {
    const { page } = wb;
    // The fresh check after the reload waits 20 s for the stuck replica, so the page's restored run can be seen first.
    const settingsFile = path.join(wb.server.userDataDir, 'User', 'settings.json');
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'upkeep.health.timeoutMs': 20_000 }, null, 2));
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.tabs-container .tab').filter({ hasText: 'Upkeep Health' }).first().click({ timeout: 60_000 });
    const frame = await settledWebviewFrame(page, 'Upkeep Health', '.subject');
    const notice = frame.locator('.restored');
    await notice.waitFor({ timeout: 15_000 });
    assert.match(await notice.innerText(), /The last check before the window reloaded; checking again…/);
    const names = await frame.locator('.subject .subject-name').allInnerTexts();
    assert.equal(names[0], `Billing API ${XSS}`, 'the run from before the reload, worst first');
    assert.deepEqual(names.slice(1).sort(), ['Orders DB', `Stuck replica ${XSS}`, 'Website'].sort());
    assert.match(await frame.locator('.subject[data-severity="unknown"] .reason').first().innerText(), /4 s/, 'the old run says the old limit');
    assert.equal(await frame.locator('button.explain, button.fix').count(), 0, 'no links until the host has its own run');
    assert.equal(await frame.locator('#refresh').getAttribute('disabled'), 'true');
    await page.mouse.move(1300, 780);
    await screenshot(page, 'health-reload-restored');
    // The fresh check: the stuck replica now says the new limit, the notice is gone and the links are back.
    await frame.locator('.subject[data-severity="unknown"] .reason', { hasText: /20 s/ }).first().waitFor({ timeout: 90_000 });
    assert.equal(await notice.count(), 0);
    await frame.locator('#refresh:not([disabled])', { hasText: 'Check again' }).waitFor({ timeout: 10_000 });
    const severities = await frame.locator('.subject').evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')));
    assert.deepEqual(severities, ['critical', 'warning', 'unknown', 'ok']);
    const orders = frame.locator('.subject').filter({ has: frame.locator('.subject-name', { hasText: 'Orders DB' }) });
    assert.ok(await orders.locator('.check[data-id="long-transactions"] button.explain').count(), 'links are back');
    for (const f of page.frames()) {
      const injected = await f.evaluate(() => document.querySelectorAll('img[src="x"], img[onerror]').length).catch(() => 0);
      assert.equal(injected, 0, `no injected image in ${f.url().slice(0, 80)}`);
    }
    await screenshot(page, 'health-reload-fresh');
  });

  it('a subject that goes from healthy to critical raises a notification; Open Health shows the panel', async () => {
    const { page } = wb;
    websiteDown = true;
    // Another editor in front, so Open Health has something to do.
    await page.locator('.part.sidebar').click({ position: { x: 150, y: 400 } });
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input.input').fill('maintenance.sql');
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await page.locator('.tab.active').filter({ hasText: 'maintenance.sql' }).waitFor({ timeout: 30_000 });
    await page.keyboard.press('F1');
    await answerQuickInput(page, '>Upkeep: Run Health Check');
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Upkeep: Website went from healthy to critical' });
    await toast.first().waitFor({ timeout: 90_000 });
    assert.match(await toast.first().innerText(), /Upkeep: Website went from healthy to critical — HTTP status: HTTP 500/);
    assert.equal(await page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Billing API' }).count(), 0, 'critical before and after: no notification');
    await screenshot(page, 'health-notification');
    await toast.first().locator('.monaco-button', { hasText: 'Open Health' }).click();
    await page.locator('.tab.active').filter({ hasText: 'Upkeep Health' }).waitFor({ timeout: 30_000 });
    const frame = await webviewFrame(page, 'Upkeep Health');
    await frame.locator('.subject[data-severity="critical"]').filter({ has: frame.locator('.subject-name', { hasText: 'Website' }) }).waitFor({ timeout: 30_000 });
  });
});
