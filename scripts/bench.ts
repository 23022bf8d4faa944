/**
 * `npm run bench`: timings as ratios against a reference measured in the same
 * run on the same machine, so the numbers mean something on any CI runner.
 * Starts one throwaway PostgreSQL, runs each case (setup, then measurements and
 * references, each repeated), prints a table per case and one summary line.
 * Not a test: nothing here fails on a slow number, only on wrong results.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { startPostgres } from '../test/services/postgres';
import type { RunningService, ServicesInfo } from '../test/services/types';
import type { ConnectionProfile } from '../src/core/connections/profile';
import { PostgresConnection } from '../src/core/postgres/connection';
import { listSchemas, listTables } from '../src/core/postgres/catalog';
import { reportsCase } from './benchReports';
import { resultsCase } from './benchResults';
import { activationCase } from './benchActivation';
import { redisMemoryCase } from './benchRedisMemory';
import { dockerCase } from './benchDocker';
import { backupCase } from './benchBackup';
import { neo4jCase } from './benchNeo4j';
import { redisTreeCase } from './benchRedis';
import { runExtensionTests } from '../test/extension/runCodeServer';

/** One timed thing. References are what the measurements are divided by. */
export interface BenchRow {
  name: string;
  role: 'measure' | 'reference';
  /** Column header (references) or summary label (measurements). */
  label: string;
  samples: number[];
  /** Appears in the summary line (measurements), or as a ratio there (references; all when none is marked). */
  inSummary?: boolean;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** Three significant digits or so: 6.79, 20.2, 151. */
export function formatMs(ms: number): string {
  return !Number.isFinite(ms) ? '—' : ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

export function formatRatio(value: number, reference: number): string {
  return reference > 0 && Number.isFinite(value / reference) ? `${formatMs(value / reference)}×` : '—';
}

/** The results of one case as a fixed-width table: references first, one ratio column per reference. */
export function formatTable(rows: BenchRow[]): string {
  const refs = rows.filter((r) => r.role === 'reference');
  const ordered = [...refs, ...rows.filter((r) => r.role === 'measure')];
  const cells = ordered.map((r) => [
    `${r.role === 'reference' ? 'ref ' : ''}${r.name}`,
    formatMs(median(r.samples)),
    formatMs(Math.min(...r.samples)),
    ...refs.map((ref) => formatRatio(median(r.samples), median(ref.samples))),
  ]);
  const header = ['measurement', 'median ms', 'min ms', ...refs.map((r) => `× ${r.label}`)];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...cells.map(line)].map((l) => `  ${l}`).join('\n');
}

/** `bench: <title> — first page 42 ms (0.80× psql, …), …` */
export function formatSummary(title: string, rows: BenchRow[]): string {
  const allRefs = rows.filter((r) => r.role === 'reference');
  const refs = allRefs.some((r) => r.inSummary) ? allRefs.filter((r) => r.inSummary) : allRefs;
  const parts = rows
    .filter((r) => r.role === 'measure' && r.inSummary)
    .map((r) => {
      const m = median(r.samples);
      const ratios = refs.map((ref) => `${formatRatio(m, median(ref.samples))} ${ref.label}`).join(', ');
      return `${r.label} ${formatMs(m)} ms${ratios ? ` (${ratios})` : ''}`;
    });
  return `bench: ${title} — ${parts.join(', ')}`;
}

export interface BenchEnv {
  pg: ServicesInfo['postgres'];
  psql: string;
}

/**
 * `run` is one repetition; it returns a duration in ms when it measures less than its own wall time.
 * `runs` (default RUNS) and `warmUp` (default true) let a long item (a 1 GB dump) run fewer times.
 */
export type Timed = Omit<BenchRow, 'samples'> & { run: () => Promise<number | void>; runs?: number; warmUp?: boolean };

export interface BenchCase {
  title: string;
  /** Creates the data (timed and printed, not part of any ratio) and returns what to time. */
  setup(env: BenchEnv): Promise<{ timed: Timed[]; dispose: () => Promise<void> }>;
  /** Run the rows round by round (timeInterleaved) rather than each row's runs in a row. */
  interleaved?: boolean;
}

const RUNS = 5;
// The Neo4j case starts its own server and loads a 3-million-element graph (about two minutes here);
// the backup case writes, dumps four times and restores a 1 GB PostgreSQL database (10 to 20 minutes on two busy cores).
const DEADLINE_MS = 2_400_000;

export function newestPgBin(tool: string): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', tool))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error(`No ${tool} under ${base}/*/bin (apt-get install -y postgresql-client).`);
  return path.join(base, versions[0], 'bin', tool);
}

function spawnPsql(env: BenchEnv, database: string, sql: string): Promise<string> {
  const { host, port, user, password } = env.pg;
  const args = ['-X', '-h', host, '-p', String(port), '-U', user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql];
  return new Promise((resolve, reject) => {
    execFile(env.psql, args, { env: { ...process.env, PGPASSWORD: password }, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`psql failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

async function pgClient(env: BenchEnv, database: string): Promise<Client> {
  const c = new Client({ host: env.pg.host, port: env.pg.port, user: env.pg.user, password: env.pg.password, database });
  // Stopping the server under an open client (Ctrl-C, the watchdog) must not crash the cleanup.
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

function profileFor(env: BenchEnv, database: string): ConnectionProfile {
  const { host, port, user } = env.pg;
  return { id: 'bench', engine: 'postgres', name: 'bench', host, port, user, database, tls: 'disable', readOnly: true, production: false, connectTimeoutMs: 10_000 };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench: wrong result: ${what}`);
}

const WIDE_TABLES = 10_000;

/** A schema of 10,000 tables (each with a primary key) expanding in the PostgreSQL tree. */
export const wideSchema: BenchCase = {
  title: `schema with ${WIDE_TABLES} tables`,
  async setup(env) {
    const admin = await pgClient(env, 'postgres');
    await admin.query('CREATE DATABASE bench').finally(() => admin.end());
    const c = await pgClient(env, 'bench');
    await c.query('CREATE SCHEMA wide');
    // Batches of 1,000: one transaction for all would need ~20,000 locks, more than the lock table holds.
    for (let from = 1; from <= WIDE_TABLES; from += 1000) {
      const to = Math.min(from + 999, WIDE_TABLES);
      await c.query(`DO $$ BEGIN FOR i IN ${from}..${to} LOOP
        EXECUTE format('CREATE TABLE wide.%I (id bigint PRIMARY KEY, n int)', 't' || lpad(i::text, 5, '0'));
      END LOOP; END $$`);
    }
    await c.query('ANALYZE pg_catalog.pg_class; ANALYZE pg_catalog.pg_namespace');
    const sql = `SELECT c.relname, c.reltuples, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'wide' AND c.relkind IN ('r', 'p', 'm') ORDER BY 1`;
    const conn = new PostgresConnection(profileFor(env, 'bench'), env.pg.password);
    const firstPage = async (on: PostgresConnection): Promise<void> => {
      const p = await listTables(on, 'bench', 'wide', { limit: 500 });
      check(p.items.length === 500 && p.next === 't00500', 'first page');
    };
    const allPages = async (on: PostgresConnection): Promise<void> => {
      let [count, after] = [0, undefined as string | undefined];
      for (let page = 0; page < 1000; page++) {
        const p = await listTables(on, 'bench', 'wide', after === undefined ? { limit: 500 } : { limit: 500, after });
        count += p.items.length;
        if (p.next === undefined) return check(count === WIDE_TABLES, `all pages: ${count} tables`);
        after = p.next;
      }
      throw new Error('bench: paging did not end after 1,000 pages');
    };
    // A fresh pool, as after the pool's idle timeout: connect, authenticate, and a backend whose relcache is cold.
    const onNewConnection = (fn: (on: PostgresConnection) => Promise<void>) => async (): Promise<number> => {
      const fresh = new PostgresConnection(profileFor(env, 'bench'), env.pg.password);
      try {
        const t0 = performance.now();
        await fn(fresh);
        return performance.now() - t0;
      } finally {
        await fresh.dispose();
      }
    };
    const explain = async (): Promise<number> => {
      const r = await c.query<{ 'QUERY PLAN': [{ 'Execution Time': number; 'Planning Time': number }] }>(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${sql}`);
      const plan = r.rows[0]?.['QUERY PLAN'][0];
      if (!plan) throw new Error('bench: no EXPLAIN output');
      return plan['Execution Time'] + plan['Planning Time'];
    };
    return {
      dispose: async () => void (await Promise.allSettled([conn.dispose(), c.end()])),
      timed: [
        { name: 'psql process, same query (spawn→exit)', role: 'reference', label: 'psql', inSummary: true, run: async () => check((await spawnPsql(env, 'bench', sql)).split('\n').length === WIDE_TABLES + 1, 'psql rows') },
        { name: 'same query, open pg client (round trip)', role: 'reference', label: 'query', inSummary: true, run: async () => check((await c.query(sql)).rowCount === WIDE_TABLES, 'query rows') },
        { name: 'same query, server time (EXPLAIN ANALYZE)', role: 'reference', label: 'server', run: explain },
        { name: 'psql process, SELECT 1 (startup + auth)', role: 'measure', label: 'psql startup', run: async () => check((await spawnPsql(env, 'bench', 'SELECT 1')).trim() === '1', 'psql') },
        { name: 'first page (500), open connection', role: 'measure', label: 'first page', inSummary: true, run: () => firstPage(conn) },
        { name: 'first page (500), new connection', role: 'measure', label: 'first page (new conn)', run: onNewConnection(firstPage) },
        { name: `all pages (${WIDE_TABLES / 500} × 500), open connection`, role: 'measure', label: 'all pages', inSummary: true, run: () => allPages(conn) },
        { name: `all pages (${WIDE_TABLES / 500} × 500), new connection`, role: 'measure', label: 'all pages (new conn)', inSummary: true, run: onNewConnection(allPages) },
        { name: 'listSchemas (with table counts)', role: 'measure', label: 'listSchemas', inSummary: true, run: async () => check((await listSchemas(conn, 'bench')).find((s) => s.name === 'wide')?.tableCount === WIDE_TABLES, 'table count') },
      ],
    };
  },
};

export const CASES: BenchCase[] = [activationCase(), wideSchema, reportsCase({ pgClient, spawnPsql, profileFor }), resultsCase({ pgClient, profileFor }), redisMemoryCase(), dockerCase(), backupCase({ pgClient, profileFor }), neo4jCase(), redisTreeCase()];

/**
 * The results path inside a real extension host: code-server runs the
 * *.bench.js suite files against this bench's PostgreSQL; their report lines
 * (time to first rows, the host's RSS growth) are printed and summarised.
 */
async function extensionHostBench(env: BenchEnv, root: string): Promise<string[]> {
  const file = path.join(root, 'services.json');
  fs.writeFileSync(file, JSON.stringify({ postgres: env.pg }));
  Object.assign(process.env, { UPKEEP_SERVICES_FILE: file, UPKEEP_SUITE_BENCH: '1', UPKEEP_EXT_RESULTS_DIR: path.join(root, 'ext-results') });
  console.log('\nresults path in the extension host (code-server):');
  const lines: string[] = [];
  const result = await runExtensionTests((line) => {
    console.log(line);
    if (line.includes('»')) lines.push(`bench: ${line.replace(/^\s*»\s*/, '')}`);
  });
  if (result.failures || !result.passes) throw new Error(`bench: the extension-host bench failed: ${result.error ?? `${result.failures} failure(s)`}`);
  return lines;
}

/**
 * Interleaved: each row's warm-up, then round after round of one run of each
 * row, so a reference and its measurements see the same load on a shared,
 * noisy machine (a burst from another process lands on all of them, not on
 * one row's five runs in a row).
 */
export async function timeInterleaved(timed: Timed[], deadline: number): Promise<BenchRow[]> {
  for (const t of timed) if (t.warmUp !== false) await t.run();
  const samples = timed.map(() => [] as number[]);
  const rounds = Math.max(...timed.map((t) => t.runs ?? RUNS));
  for (let i = 0; i < rounds && (i === 0 || Date.now() < deadline); i++) {
    for (const [k, t] of timed.entries()) {
      if (i >= (t.runs ?? RUNS)) continue;
      const t0 = performance.now();
      const inner = await t.run();
      samples[k]?.push(typeof inner === 'number' ? inner : performance.now() - t0);
    }
  }
  return timed.map(({ run: _run, runs: _runs, warmUp: _warmUp, ...row }, k) => ({ ...row, samples: samples[k] ?? [] }));
}

export async function timeAll(timed: Timed[], deadline: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const t of timed) {
    if (t.warmUp !== false) await t.run(); // warm-up, not counted
    const samples: number[] = [];
    for (let i = 0; i < (t.runs ?? RUNS) && (i === 0 || Date.now() < deadline); i++) {
      const t0 = performance.now();
      const inner = await t.run();
      samples.push(typeof inner === 'number' ? inner : performance.now() - t0);
    }
    const { run: _run, runs: _runs, warmUp: _warmUp, ...row } = t;
    rows.push({ ...row, samples });
  }
  return rows;
}

export async function main(cases: BenchCase[] = CASES, opts: { extensionHost?: boolean } = {}): Promise<void> {
  const started = Date.now();
  const deadline = started + DEADLINE_MS - 20_000;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-'));
  fs.chmodSync(root, 0o755);
  let service: RunningService | undefined;
  let stopped: Promise<void> | undefined;
  // Idempotent: the watchdog, a signal and the normal end may all call it.
  const stop = (): Promise<void> =>
    (stopped ??= (service ? service.stop() : Promise.resolve()).finally(() => fs.rmSync(root, { recursive: true, force: true })));
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${DEADLINE_MS / 1000} s, giving up`);
    void stop().finally(() => process.exit(2));
  }, DEADLINE_MS);
  const onSignal = (): void => void stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const t0 = performance.now();
    const { info, service: svc } = await startPostgres(root);
    service = svc;
    const env: BenchEnv = { pg: info, psql: newestPgBin('psql') };
    console.log(`bench: PostgreSQL ${info.versionNum} on 127.0.0.1:${info.port} ready in ${formatMs(performance.now() - t0)} ms; ${os.cpus().length} CPUs, node ${process.version}, ${RUNS} runs each after a warm-up`);
    const summaries: string[] = [];
    for (const c of cases) {
      const s0 = performance.now();
      const { timed, dispose } = await c.setup(env);
      try {
        console.log(`\n${c.title}: setup ${formatMs(performance.now() - s0)} ms (not part of any ratio)`);
        const rows = await (c.interleaved ? timeInterleaved : timeAll)(timed, deadline);
        console.log(formatTable(rows));
        summaries.push(formatSummary(c.title, rows));
      } finally {
        await dispose();
      }
    }
    if (opts.extensionHost !== false) summaries.push(...(await extensionHostBench(env, root)));
    console.log(`\n${summaries.join('\n')}\nbench: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
