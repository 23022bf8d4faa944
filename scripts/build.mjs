// Builds the extension bundle (dist/) and, with --tests, transpiles sources and
// tests one file per file into out/ for mocha. esbuild does not type-check:
// `npm run typecheck` (tsc --noEmit) does.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');
const watch = process.argv.includes('--watch');

// Each driver is bundled into its own file under dist/drivers/, and the extension
// bundle requires it from there at first use, so activation never parses them and
// the .vsix needs no node_modules.
const drivers = ['pg', 'pg-cursor', 'neo4j-driver', 'ioredis', 'dockerode'];
const driverFile = (name) => `drivers/${name}.js`;

/** Rewrites `import('pg')` in the extension bundle to `require('./drivers/pg.js')`. */
const driversOutside = {
  name: 'drivers-outside',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${drivers.join('|')})$`) }, (args) => ({ path: `./${driverFile(args.path)}`, external: true }));
  },
};

/** @type {esbuild.BuildOptions} */
const extension = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  plugins: [driversOutside],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
};

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'neo4j' && dir.endsWith('services')) continue;
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

rmSync('dist', { recursive: true, force: true });
/** @type {esbuild.BuildOptions} */
const driverBundles = {
  stdin: undefined,
  entryPoints: drivers.map((d) => ({ in: `scripts/driver-entries/${d}.js`, out: `drivers/${d}` })),
  bundle: true,
  outdir: 'dist',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Optional native add-ons: each driver falls back to JavaScript when they are absent.
  external: ['pg-native', 'cpu-features', '*.node'],
  minify: production,
  logLevel: 'error',
};

await esbuild.build(driverBundles);

// Report panel page: browser code, one file, loaded by nonce under a strict CSP.
await esbuild.build({
  entryPoints: { report: 'media/report/main.ts', results: 'media/results/main.ts' },
  bundle: true,
  outdir: 'dist/webview',
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
});
mkdirSync('dist/webview', { recursive: true });
copyFileSync('media/report/report.css', 'dist/webview/report.css');
copyFileSync('media/results/results.css', 'dist/webview/results.css');
// PostgreSQL's parser (libpg-query) is bundled into extension.js and looks for its WebAssembly next to it.
copyFileSync('node_modules/libpg-query/wasm/libpg-query.wasm', 'dist/libpg-query.wasm');
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/${f}`);
if (watch) {
  const ctx = await esbuild.context(extension);
  await ctx.watch();
} else {
  await esbuild.build(extension);
}
if (tests) {
  rmSync('out', { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('scripts')],
    outdir: 'out',
    outbase: '.',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}
