/**
 * The same extension-host suite under desktop VS Code, for machines that can
 * download it (`npm run test:electron`). Services must already be running
 * (`npm run services` in another terminal) so the suite can reach them.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT, resultFiles, type SuiteResult } from './protocol';

async function main(): Promise<void> {
  const workspace = path.join(REPO_ROOT, 'test-results', 'electron-workspace');
  fs.mkdirSync(workspace, { recursive: true });
  const files = resultFiles();
  fs.mkdirSync(path.dirname(files.result), { recursive: true });
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'extension', 'index'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
  const progress = fs.readFileSync(files.progress, 'utf8');
  console.log(progress);
  const r = JSON.parse(fs.readFileSync(files.result, 'utf8')) as SuiteResult;
  console.log(`\n  ${r.passes} passing (${Math.round(r.durationMs / 1000)}s)${r.failures ? `\n  ${r.failures} failing` : ''}`);
  process.exitCode = r.failures ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
