/**
 * Runs the extension-host suite inside code-server: starts code-server with
 * this repo as the extension under development, opens the workbench in
 * headless Chromium with the `payload` parameter that tells VS Code where the
 * extension and its tests are, then streams the suite's progress and waits
 * for its result file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer } from '../support/codeServer';
import { launchChromium } from '../support/browser';
import { REPO_ROOT, resultFiles, type SuiteResult } from './protocol';

const TIMEOUT_MS = 15 * 60_000;

export async function runExtensionTests(log: (line: string) => void = (l) => console.log(l)): Promise<SuiteResult> {
  const stateDir = path.join(REPO_ROOT, 'test-results', 'code-server-ext');
  fs.rmSync(stateDir, { recursive: true, force: true });
  const workspace = path.join(stateDir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'maintenance.sql'), '-- a workspace for the extension-host tests\nSELECT 1;\n');
  const files = resultFiles();
  fs.mkdirSync(path.dirname(files.result), { recursive: true });
  fs.rmSync(files.result, { force: true });
  fs.writeFileSync(files.progress, '');

  // No background health runs between suites: the health suite runs its checks through the command.
  const server = await startCodeServer({ folder: workspace, stateDir, settings: { 'upkeep.health.intervalSeconds': 0 } });
  const browser = await launchChromium();
  let printed = 0;
  /** Prints the complete lines the suite has added to its progress file since last time. */
  const flush = (): void => {
    const text = fs.readFileSync(files.progress);
    const end = text.lastIndexOf(0x0a);
    if (end < printed) return;
    for (const line of text.subarray(printed, end).toString('utf8').split('\n')) log(`  ${line}`);
    printed = end + 1;
  };
  try {
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(REPO_ROOT)],
      ['extensionTestsPath', remote(path.join(REPO_ROOT, 'out', 'test', 'extension', 'index'))],
    ]);
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    const deadline = Date.now() + TIMEOUT_MS;
    while (!fs.existsSync(files.result)) {
      flush();
      if (Date.now() > deadline) throw new Error(`the extension-host suite did not finish within ${TIMEOUT_MS / 60_000} minutes; see ${stateDir}/code-server.log`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 100));
    flush();
    const result = JSON.parse(fs.readFileSync(files.result, 'utf8')) as SuiteResult;
    if (result.passes + result.failures === 0 && consoleErrors.length) log(`  page errors:\n    ${consoleErrors.slice(0, 10).join('\n    ')}`);
    return result;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

if (require.main === module) {
  runExtensionTests()
    .then((r) => {
      console.log(`\n  ${r.passes} passing (${Math.round(r.durationMs / 1000)}s)${r.failures ? `\n  ${r.failures} failing` : ''}`);
      process.exit(r.failures ? 1 : 0);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}
