/**
 * Bench case: what activation costs to load. The shipped bundle
 * (dist/extension.js, minified, with everything activation does not need in
 * dist/chunks/) is required in a fresh Node process, next to the reference —
 * the same sources bundled into one file, as they were before the chunks —
 * in the same run. Goal (issue 9): under 10 ms and 100 KB. The real
 * extension host's activation (bundle load + activate()) is measured by
 * test/extension/suite/0-activation.bench.ts in the same `npm run bench`.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { BenchCase } from './bench';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const SINGLE = path.join(DIST, 'bench-single-bundle.js');
const DRIVERS = ['pg', 'pg-cursor', 'neo4j-driver', 'ioredis', 'dockerode'];

/** Requires `file` in a fresh Node with a stand-in for 'vscode'; returns the ms the require took. */
function timeRequire(file: string): Promise<number> {
  const script = `
    const Module = require('module');
    const load = Module._load;
    Module._load = function (request, ...rest) { return request === 'vscode' ? {} : load.call(this, request, ...rest); };
    const t0 = process.hrtime.bigint();
    require(${JSON.stringify(file)});
    process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 30_000 }, (err, stdout) => (err ? reject(new Error(`timing a require of ${file} failed: ${err.message}`)) : resolve(Number(stdout))));
  });
}

export function activationCase(): BenchCase {
  return {
    title: 'activation: loading the extension bundle',
    async setup() {
      // What ships: the minified build (npm run package builds the same).
      execFileSync(process.execPath, ['scripts/build.mjs', '--production'], { cwd: ROOT, stdio: 'inherit' });
      await esbuild.build({
        entryPoints: [path.join(ROOT, 'src/extension.ts')],
        bundle: true,
        outfile: SINGLE,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        external: ['vscode'],
        minify: true,
        supported: { 'dynamic-import': false },
        logLevel: 'error',
        plugins: [{ name: 'drivers', setup: (b) => void b.onResolve({ filter: new RegExp(`^(${DRIVERS.join('|')})$`) }, (a) => ({ path: `./drivers/${a.path}.js`, external: true })) }],
      });
      const kb = (f: string): string => `${(fs.statSync(f).size / 1024).toFixed(1)} KB`;
      const chunks = fs.readdirSync(path.join(DIST, 'chunks')).filter((f) => f.endsWith('.js'));
      const chunkBytes = chunks.reduce((n, f) => n + fs.statSync(path.join(DIST, 'chunks', f)).size, 0);
      console.log(`  dist/extension.js ${kb(path.join(DIST, 'extension.js'))} (evaluated at activation); ${chunks.length} chunks ${(chunkBytes / 1024).toFixed(1)} KB, loaded at first use; one-file reference ${kb(SINGLE)}`);
      return {
        timed: [
          { name: 'same sources in one bundle, require()', role: 'reference', label: 'one bundle', run: () => timeRequire(SINGLE) },
          { name: 'dist/extension.js, require()', role: 'measure', label: 'bundle load', inSummary: true, run: () => timeRequire(path.join(DIST, 'extension.js')) },
        ],
        dispose: () => Promise.resolve(fs.rmSync(SINGLE, { force: true })),
      };
    },
  };
}
