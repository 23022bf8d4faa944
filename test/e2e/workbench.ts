import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { REPO_ROOT, startCodeServer, type CodeServer } from '../support/codeServer';
import { launchChromium } from '../support/browser';
import { readServices, type ServicesInfo } from '../services/index';

export const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'screenshots');

export interface Workbench {
  server: CodeServer;
  browser: Browser;
  page: Page;
  workspace: string;
  close(): Promise<void>;
}

/** The packaged extension, as a user would install it. */
export function packagedVsix(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const file = path.join(REPO_ROOT, `${pkg.name}-${pkg.version}.vsix`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run package first`);
  return file;
}

/**
 * code-server with the .vsix installed (not the development folder), opened
 * in Chromium on a workspace folder, in the given colour theme.
 */
export async function openWorkbench(name: string, opts: { theme?: string; settings?: Record<string, unknown> } = {}): Promise<Workbench> {
  const stateDir = path.join(REPO_ROOT, 'test-results', `code-server-${name}`);
  fs.rmSync(stateDir, { recursive: true, force: true });
  const workspace = path.join(stateDir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'maintenance.sql'), '-- weekly maintenance\nVACUUM (ANALYZE) public.orders;\n');
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const server = await startCodeServer({
    folder: workspace,
    stateDir,
    vsix: packagedVsix(),
    // No background health runs unless a suite asks for them (the health suite runs its checks from the palette).
    settings: { 'workbench.colorTheme': opts.theme ?? 'Default Dark Modern', 'window.commandCenter': false, 'upkeep.health.intervalSeconds': 0, ...opts.settings },
  });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar').waitFor({ timeout: 60_000 });
  return {
    server,
    browser,
    page,
    workspace,
    close: async () => {
      await browser.close().catch(() => undefined);
      await server.stop();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Types into the open quick input (InputBox or QuickPick) and accepts. */
export async function answerQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/** Waits for the quick input to show a prompt or placeholder containing `text`. */
export async function waitForPrompt(page: Page, text: string): Promise<void> {
  await page.locator('.quick-input-widget').filter({ hasText: text }).or(page.locator(`.quick-input-widget input[placeholder*="${text}"]`)).first().waitFor({ state: 'visible', timeout: 20_000 });
}

/** The "▶ Run" CodeLens links over statements, in file order ("Run on…" and "Run All" are separate links). */
export function runLenses(page: Page): ReturnType<Page['locator']> {
  return page.locator('.codelens-decoration a').filter({ hasText: 'Run' }).filter({ hasNotText: 'Run on' }).filter({ hasNotText: 'Run All' });
}

/** A tree row by its exact label (the accessible name also carries the description). */
export function treeItem(page: Page, label: string): ReturnType<Page['locator']> {
  return page.locator('.monaco-list-row[role="treeitem"]').filter({ has: page.locator('.label-name').getByText(label, { exact: true }) });
}

/** Collapses the named views of the open container, to give the others room. */
export async function collapseViews(page: Page, titles: string[]): Promise<void> {
  // A view's header may come (or open again as the workbench restores its layout) after the first look:
  // wait for each header, and look again until every one stays collapsed.
  for (let round = 0; round < 4; round++) {
    let clicked = false;
    for (const title of titles) {
      const header = page.locator('.pane-header').filter({ hasText: title }).first();
      await header.waitFor({ timeout: 10_000 }).catch(() => undefined);
      if ((await header.getAttribute('aria-expanded').catch(() => null)) === 'true') {
        await header.click({ timeout: 5_000 }).catch(() => undefined);
        clicked = true;
      }
    }
    if (!clicked && round > 0) return;
    await page.waitForTimeout(500);
  }
}

/**
 * Scrolls the views' lists until a row labelled `label` is drawn (a tree
 * draws only the rows in sight). True when found.
 */
async function scrollToRow(page: Page, label: string): Promise<boolean> {
  const lists = page.locator('.pane-body .monaco-list');
  for (let i = 0; i < (await lists.count()); i++) {
    const box = await lists.nth(i).boundingBox().catch(() => null);
    if (!box || box.height < 10) continue;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let step = 0; step < 12; step++) {
      if (await treeItem(page, label).count()) return true;
      await page.mouse.wheel(0, 120);
      await page.waitForTimeout(100);
    }
  }
  return (await treeItem(page, label).count()) > 0;
}

/** Drags the side bar's edge to `toX`, so tree descriptions are readable in a screenshot; then moves the mouse out of the way. */
export async function widenSideBar(page: Page, toX: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (box) {
    await page.mouse.move(box.x + box.width + 1, 400);
    await page.mouse.down();
    await page.mouse.move(toX, 400, { steps: 5 });
    await page.mouse.up();
  }
  await page.mouse.move(toX + 340, 500);
}

/**
 * Expands a tree row until `child` shows under it. A click toggles, so a row
 * already expanded is not clicked again while its children may still be
 * loading. A row that stays expanded and empty (an expansion that raced the
 * connection's redraw right after sign-in: the workbench can drop that answer)
 * is collapsed and expanded again, or its view refreshed (`refreshCommand`:
 * the title of the view's refresh button),
 * as a user would, and the log says so.
 */
export async function expandRow(page: Page, row: string, child: string, refreshCommand?: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const target = treeItem(page, child);
    if (await target.count()) return;
    try {
      if (!(await treeItem(page, row).count())) await scrollToRow(page, row);
      const r = treeItem(page, row).first();
      if ((await r.getAttribute('aria-expanded')) === 'true' && attempt > 0) {
        if (refreshCommand && attempt % 2 === 0) {
          console.log(`      (the row "${row}" stayed expanded without "${child}": pressing ${refreshCommand})`);
          await clickViewAction(page, refreshCommand);
        } else {
          console.log(`      (the row "${row}" stayed expanded without "${child}": collapsing and expanding it again)`);
          await r.click({ timeout: 5_000 });
          await page.waitForTimeout(500);
        }
      }
      if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click({ timeout: 5_000 });
      await target.first().waitFor({ timeout: 20_000 });
      return;
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }
}

/** Clicks an action in a view's title bar by its title ("Refresh Neo4j View"); the bar shows its actions while hovered. */
export async function clickViewAction(page: Page, title: string): Promise<void> {
  const action = page.locator(`.pane-header .action-label[aria-label="${title}"]`).first();
  const header = page.locator('.pane-header').filter({ has: action }).first();
  await header.hover();
  await action.click({ timeout: 10_000 });
}

/**
 * Runs a command from the palette by its full title ("Upkeep: Backups
 * Report"), waiting until the extension's manifest has put it there (the
 * palette is opened again while the list does not show it yet).
 */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  const command = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
  for (let attempt = 0; ; attempt++) {
    await page.locator('.part.editor').click({ position: { x: 200, y: 200 } });
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await input.fill(`>${title}`);
    try {
      await command.waitFor({ timeout: 5_000 });
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1_000);
    }
  }
  await command.click();
}

/** Opens a tree row's context menu and chooses an action. */
export async function contextMenu(page: Page, row: ReturnType<Page['locator']>, action: string): Promise<void> {
  const item = page.locator('.context-view .action-item').filter({ hasText: action }).first();
  // A redraw of the tree (a connection's status changing) between the
  // right-click and the menu closes the menu or opens it for a row that is
  // being replaced: as a user would, right-click again.
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    try {
      await item.waitFor({ timeout: 5_000 });
      break;
    } catch (err) {
      const shown = await page.locator('.context-view .action-item').allInnerTexts().catch(() => []);
      console.log(`      (right-click ${attempt}: no "${action}" in the menu${shown.length ? `, it showed: ${shown.filter(Boolean).join(' | ')}` : ', no menu'}; trying again)`);
      if (attempt >= 4) throw err;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1_000);
    }
  }
  // VS Code ignores a mouse-up that comes right after the menu opens; hover, then choose with Enter.
  await item.hover();
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

/** The frame of a webview whose page shows `text` in its #app. */
export async function webviewFrame(page: Page, text: string | RegExp, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const app = frame.locator('#app');
      try {
        if ((await app.count()) && (typeof text === 'string' ? (await app.innerText()).includes(text) : text.test(await app.innerText()))) return frame;
      } catch {
        // Frames come and go while the workbench lays out; look again.
      }
    }
    if (Date.now() > deadline) throw new Error(`no webview shows ${String(text)}`);
    await page.waitForTimeout(250);
  }
}

/**
 * The frame of a webview that shows `text` and has finished drawing `ready`.
 * The workbench replaces a webview's frames while it loads, so a frame found
 * too early may detach: look again, a few times.
 */
export async function settledWebviewFrame(page: Page, text: string | RegExp, ready: string, timeoutMs = 150_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    try {
      const frame = await webviewFrame(page, text, Math.max(1_000, left));
      await frame.locator(ready).first().waitFor({ timeout: Math.max(1_000, Math.min(30_000, deadline - Date.now())) });
      return frame;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await page.waitForTimeout(500);
    }
  }
}

/**
 * The text (`#app`) of a settled webview showing `text`: read again from a
 * fresh frame when the one found detaches before it is read (the workbench
 * replaces a webview's frame when it is moved or its page redrawn).
 */
export async function settledWebviewText(page: Page, text: string | RegExp, ready: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const frame = await settledWebviewFrame(page, text, ready);
    try {
      return await frame.locator('#app').innerText({ timeout: 10_000 });
    } catch (err) {
      if (attempt >= 3 || !/detached/i.test(String(err))) throw err;
      console.log(`      (the webview showing ${String(text)} was replaced while it was read: reading it again)`);
    }
  }
}

/**
 * Answers the pickers a command shows when it was started without its tree
 * node (the workbench drops a menu's node when the tree redraws between the
 * right-click and the choice): each [prompt, choice] is answered only if it
 * shows within `waitMs`.
 */
export async function answerIfAsked(page: Page, answers: readonly [string, string][], waitMs = 3_000): Promise<void> {
  for (const [prompt, choice] of answers) {
    const widget = page.locator(`.quick-input-widget input[placeholder*="${prompt}"]`);
    try {
      await widget.waitFor({ state: 'visible', timeout: waitMs });
    } catch {
      return;
    }
    console.log(`      (the command asked "${prompt}": the menu's node was dropped by a redraw; answering "${choice}")`);
    await answerQuickInput(page, choice);
  }
}

/** Records (and dismisses) every browser dialog the page opens: an XSS check expects none. */
export function recordDialogs(page: Page): string[] {
  const seen: string[] = [];
  page.on('dialog', (d) => {
    seen.push(d.message());
    void d.dismiss();
  });
  return seen;
}

/** Opens the Upkeep container, gives the other engines' views less room, and sets a connection's password from its context menu. */
export async function openUpkeepAndSignIn(page: Page, connection: string, password: string): Promise<ReturnType<Page['locator']>> {
  await page.locator('.activitybar [aria-label^="Upkeep"]').first().click();
  await collapseViews(page, ['Neo4j', 'Redis', 'Docker', 'RabbitMQ']);
  const conn = treeItem(page, connection);
  await conn.waitFor({ timeout: 30_000 });
  await signIn(page, conn, password);
  return conn;
}

/**
 * Sets a connection's password from its context menu and waits until the row
 * shows it connected (its status icon), as a user waits for the spinner to
 * stop before expanding it: the status flips redraw the row, and an
 * expansion in the middle of them is what the workbench can lose.
 */
export async function signIn(page: Page, conn: ReturnType<Page['locator']>, password: string): Promise<void> {
  await contextMenu(page, conn, 'Set Password…');
  await answerQuickInput(page, password);
  await conn.locator('.codicon-server').waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);
}

/** The servers npm test started; the e2e tier does not start its own. */
export function requireServices(): ServicesInfo {
  const info = readServices();
  if (!info) throw new Error('Test services are not running: run the e2e tier through npm test (it starts them).');
  return info;
}

/** Saves a screenshot of the workbench for every failing test of the enclosing suite. */
export function screenshotOnFailure(workbench: () => Workbench | undefined): void {
  afterEach(async function () {
    const wb = workbench();
    if (this.currentTest?.state === 'failed' && wb) await screenshot(wb.page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });
}
