/**
 * Entry point VS Code calls inside the extension host (`extensionTestsPath`),
 * under code-server or @vscode/test-electron alike. Runs the mocha suite and
 * writes progress lines and a JSON result where the runner waits for them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { resultFiles, type SuiteResult } from './protocol';

export function run(): Promise<void> {
  const files = resultFiles();
  fs.mkdirSync(path.dirname(files.progress), { recursive: true });
  fs.writeFileSync(files.progress, '');
  const write = (line: string): void => fs.appendFileSync(files.progress, `${line}\n`);

  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: progressReporter(write) });
  const dir = path.join(__dirname, 'suite');
  // UPKEEP_SUITE_FILTER=7- runs only the suite files whose name contains it (while working on one).
  const only = process.env['UPKEEP_SUITE_FILTER'] ?? '';
  // UPKEEP_SUITE_BENCH=1 (npm run bench) runs the *.bench.js files instead: measurements, not tests.
  const suffix = process.env['UPKEEP_SUITE_BENCH'] ? '.bench.js' : '.test.js';
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(suffix) && n.includes(only)).sort()) mocha.addFile(path.join(dir, f));

  return new Promise((resolve, reject) => {
    const started = Date.now();
    try {
      const runner = mocha.run(() => {
        const result: SuiteResult = {
          passes: runner.stats?.passes ?? 0,
          failures: runner.stats?.failures ?? 0,
          pending: runner.stats?.pending ?? 0,
          durationMs: Date.now() - started,
        };
        fs.writeFileSync(files.result, JSON.stringify(result));
        if (result.failures > 0) reject(new Error(`${result.failures} extension tests failed`));
        else resolve();
      });
    } catch (err) {
      fs.writeFileSync(files.result, JSON.stringify({ passes: 0, failures: 1, pending: 0, durationMs: 0, error: String(err) } satisfies SuiteResult));
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** A spec-like reporter that writes each line to the progress file (the runner prints it). */
function progressReporter(write: (line: string) => void): typeof Mocha.reporters.Base {
  return class extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
      super(runner, options);
      let depth = 0;
      const failures: string[] = [];
      const indent = (): string => '  '.repeat(depth);
      runner.on('suite', (suite: Mocha.Suite) => {
        if (suite.title) write(`${indent()}${suite.title}`);
        depth++;
      });
      runner.on('suite end', () => void depth--);
      runner.on('pass', (test: Mocha.Test) => write(`${indent()}✔ ${test.title}${test.duration && test.duration > 75 ? ` (${test.duration}ms)` : ''}`));
      runner.on('pending', (test: Mocha.Test) => write(`${indent()}- ${test.title}`));
      runner.on('fail', (test: Mocha.Test, err: Error) => {
        failures.push(`${test.fullTitle()}:\n     ${err.stack ?? err.message}`);
        write(`${indent()}✖ ${test.title}`);
      });
      runner.once('end', () => {
        failures.forEach((f, i) => write(`\n  ${i + 1}) ${f}`));
      });
    }
  };
}
