import * as path from 'node:path';

/** What the in-host suite reports back to whichever runner started it. */
export interface SuiteResult {
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
  error?: string;
}

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Files shared by the suite (inside the extension host) and its runner (outside). */
export function resultFiles(): { progress: string; result: string } {
  const dir = process.env['UPKEEP_EXT_RESULTS_DIR'] ?? path.join(REPO_ROOT, 'test-results', 'extension');
  return { progress: path.join(dir, 'progress.log'), result: path.join(dir, 'result.json') };
}
