// Builds the extension bundle (dist/) and, with --tests, transpiles sources and
// tests one file per file into out/ for mocha. esbuild does not type-check:
// `npm run typecheck` (tsc --noEmit) does.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');
const watch = process.argv.includes('--watch');

// Each driver is bundled into its own file under dist/drivers/, and the extension
// bundle requires it from there at first use, so activation never parses them and
// the .vsix needs no node_modules.
const drivers = ['pg', 'pg-cursor', 'neo4j-driver', 'ioredis', 'dockerode'];
const driverFile = (name) => `drivers/${name}.js`;

/** Rewrites `require('pg')` in a bundle to `require('./drivers/pg.js')` (`../drivers/…` from a chunk). */
const driversOutside = (prefix) => ({
  name: 'drivers-outside',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${drivers.join('|')})$`) }, (args) => ({ path: `${prefix}${driverFile(args.path)}`, external: true }));
  },
});

// Code that activation does not need is bundled into chunks under dist/chunks/,
// each required the first time something calls `import()` on its entry module,
// so what the extension host evaluates at activation stays small whatever the
// number of engines. An entry is only ever imported with `import()`; a static
// import of it would bundle a second copy (test/unit/bundle.test.ts checks).
export const CHUNKS = {
  // PostgreSQL's parser (WebAssembly glue) for statements from .sql files.
  'sql-parser': 'src/core/postgres/sqlParser.ts',
  // Opening connections and reading the password file: at the first connection, not at activation.
  'pg-connection': 'src/core/postgres/connection.ts',
  'pgpass': 'src/core/postgres/pgpass.ts',
  'neo4j-connection': 'src/core/neo4j/connection.ts',
  'redis-connection': 'src/core/redis/connection.ts',
  'docker-connection': 'src/core/docker/connection.ts',
  'rabbitmq-connection': 'src/core/rabbitmq/connection.ts',
  'pg-query': 'src/core/postgres/pgQuery.ts',
  'pg-executor': 'src/core/postgres/executor.ts',
  'docker-executor': 'src/core/docker/executor.ts',
  'redis-executor': 'src/core/redis/executor.ts',
  'rabbitmq-executor': 'src/core/rabbitmq/executor.ts',
  'neo4j-query': 'src/core/neo4j/neo4jQuery.ts',
  'cypher-risk': 'src/core/neo4j/cypherRisk.ts',
  'neo4j-executor': 'src/core/neo4j/executor.ts',
  // Editor features, made the first time one of their commands runs or their view lists connections.
  'pg-views': 'src/views/postgres/index.ts',
  // The Redis tree, its value documents and its view commands (filter, load more, open key): one chunk, one filter.
  'redis-views': 'src/views/redis/index.ts',
  'pg-commands': 'src/commands/postgres/index.ts',
  // The report panels of every engine, and each engine's report code.
  'report-panels': 'src/webviews/reportPanels.ts',
  'pg-reports': 'src/core/postgres/reports/run.ts',
  'redis-reports': 'src/core/redis/reports/index.ts',
  'redis-report-commands': 'src/commands/redis/reportCommands.ts',
  'neo4j-reports': 'src/core/neo4j/reports/index.ts',
  'neo4j-report-commands': 'src/commands/neo4j/reportCommands.ts',
  'docker-views': 'src/views/docker/index.ts',
  'docker-commands': 'src/commands/docker/index.ts',
  'redis-commands': 'src/commands/redis/operations.ts',
  'neo4j-views': 'src/views/neo4j/index.ts',
  // RabbitMQ: its tree, its commands (operations, peek documents, definitions), its health report and checks.
  'rabbitmq-views': 'src/views/rabbitmq/index.ts',
  'rabbitmq-commands': 'src/commands/rabbitmq/index.ts',
  'rabbitmq-report-commands': 'src/commands/rabbitmq/reportCommands.ts',
  'rabbitmq-reports': 'src/core/rabbitmq/reports/index.ts',
  'rabbitmq-health': 'src/core/rabbitmq/health.ts',
  'neo4j-commands': 'src/commands/neo4j/index.ts',
  'connection-commands': 'src/commands/connectionCommands.ts',
  'results-panel': 'src/webviews/resultsPanel.ts',
  'query-commands': 'src/editor/queryCommands.ts',
  // Docker logs, error counts, stats panel, exec terminal, volume backup/restore.
  'docker-observe': 'src/commands/docker/observe.ts',
  // Backups: the commands, and each engine's method (pg_dump/pg_restore, redis-cli --rdb, APOC's Cypher export), at the first backup command.
  'backup-commands': 'src/commands/backup/index.ts',
  // The backups report (every connection's folder, the same-disk check), at its first computation.
  'backup-report': 'src/commands/backup/report.ts',
  'pg-backup': 'src/core/postgres/backup/index.ts',
  'redis-backup': 'src/core/redis/backup.ts',
  // Docker volumes as backups of the Docker engine (archive API, checksums, Verify in a throwaway volume).
  'docker-backup': 'src/core/docker/backup.ts',
  // Exec and file copy in a database's own container, for pg_dump in the container and Redis' RDB copied out.
  'docker-container-access': 'src/core/docker/containerAccess.ts',
  'redis-container-rdb': 'src/core/redis/containerRdb.ts',
  // Health: each engine's checks (at the first health run), the runner, the editor's monitor and panel.
  'pg-health': 'src/core/postgres/healthCheck.ts',
  'redis-health': 'src/core/redis/healthCheck.ts',
  'neo4j-health': 'src/core/neo4j/healthCheck.ts',
  'docker-health': 'src/core/docker/healthCheck.ts',
  'health-monitor': 'src/app/health/monitor.ts',
  'health-panel': 'src/webviews/healthPanel.ts',
  'neo4j-backup': 'src/core/neo4j/backup.ts',
  'rabbitmq-backup': 'src/core/rabbitmq/backup.ts',
};
const chunkByPath = new Map(Object.entries(CHUNKS).map(([name, file]) => [resolve(file), name]));

function resolveTs(base) {
  for (const p of [`${base}.ts`, base, join(base, 'index.ts')]) if (p.endsWith('.ts') && existsSync(p)) return p;
  return undefined;
}

/** `import('./x')` or `require('./x')` of a chunk entry → `require('./chunks/x.js')` (a sibling from another chunk). */
const lazyChunks = (fromChunk) => ({
  name: 'lazy-chunks',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import' && args.kind !== 'require-call') return undefined;
      const name = chunkByPath.get(resolveTs(resolve(args.resolveDir, args.path)) ?? '');
      if (!name) return undefined;
      return { path: fromChunk ? `./${name}.js` : `./chunks/${name}.js`, external: true };
    });
  },
});

/** @type {esbuild.BuildOptions} */
const extension = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'dist/extension.js',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  plugins: [driversOutside('./'), lazyChunks(false)],
  // import() becomes require(): the extension host loads CommonJS, and the chunks are CommonJS files.
  supported: { 'dynamic-import': false },
  minify: production,
  // Function and class names survive minifying, so a stack in the log (or a user's bug report) still reads.
  keepNames: true,
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
  entryPoints: { report: 'media/report/main.ts', results: 'media/results/main.ts', stats: 'media/stats/main.ts', health: 'media/health/main.ts' },
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
copyFileSync('media/stats/stats.css', 'dist/webview/stats.css');
copyFileSync('media/health/health.css', 'dist/webview/health.css');
// PostgreSQL's parser (libpg-query) is bundled into the sql-parser chunk and looks for its WebAssembly next to it.
mkdirSync('dist/chunks', { recursive: true });
copyFileSync('node_modules/libpg-query/wasm/libpg-query.wasm', 'dist/chunks/libpg-query.wasm');
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/${f}`);
if (watch) {
  const ctx = await esbuild.context(extension);
  await ctx.watch();
} else {
  await esbuild.build(extension);
}
// The `upkeep` command for cron (src/cli/): Node only, 'vscode' is not external, so an import of it anywhere in
// its graph fails this build. It shares the extension's chunks and drivers (dist/chunks/, dist/drivers/).
await esbuild.build({
  ...extension,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
  external: [],
  banner: { js: '#!/usr/bin/env node' },
  define: { UPKEEP_VERSION: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
});
chmodSync('dist/cli.js', 0o755);
await esbuild.build({
  ...extension,
  entryPoints: Object.entries(CHUNKS).map(([name, file]) => ({ in: file, out: name })),
  outfile: undefined,
  outdir: 'dist/chunks',
  plugins: [driversOutside('../'), lazyChunks(true)],
});
if (tests) {
  rmSync('out', { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('scripts'), ...tsFiles('media')],
    outdir: 'out',
    outbase: '.',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
    // import('./x') stays a CommonJS require, so Node resolves it like the static imports.
    supported: { 'dynamic-import': false },
  });
}
