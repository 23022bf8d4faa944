/**
 * Bench case (issue 5): a 1,000,000-row SELECT through the results path — the
 * first window the grid gets (startPgQuery's cursor, next(), the messages as
 * JSON, which is what postMessage serialises), and "export all" streamed to
 * CSV — next to references in the same run: psql reading every row, and a
 * plain pg query that buffers every row (what a grid without a cursor does).
 * Memory: peak RSS growth of this process during each, sampled every 5 ms.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import { PostgresConnection } from '../src/core/postgres/connection';
import { startPgQuery } from '../src/core/postgres/pgQuery';
import { classifySql, loadSqlParser } from '../src/core/postgres/sqlRisk';
import { exportStream } from '../src/core/query/exportRows';
import type { BenchCase, BenchEnv } from './bench';

export const RESULT_ROWS = 1_000_000;
export const RESULTS_SQL = `SELECT g AS id, md5(g::text) AS hash, timestamptz '2026-01-01' + g * interval '1 second' AS at,
  CASE WHEN g % 10 = 0 THEN NULL ELSE g * 1.5 END AS x FROM generate_series(1, ${RESULT_ROWS}) g`;
const WINDOW = 1_000;

/** Runs `fn` while sampling RSS; returns its result and the peak growth in MB. */
export async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; mb: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, mb: (peak - base) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

export function resultsCase(helpers: {
  pgClient(env: BenchEnv, database: string): Promise<Client>;
  profileFor(env: BenchEnv, database: string): ConstructorParameters<typeof PostgresConnection>[0];
}): BenchCase {
  return {
    title: `a ${RESULT_ROWS.toLocaleString('en-US')}-row query through the results path`,
    async setup(env) {
      await loadSqlParser();
      const analysis = classifySql(RESULTS_SQL);
      const conn = new PostgresConnection(helpers.profileFor(env, 'postgres'), env.pg.password);
      const c = await helpers.pgClient(env, 'postgres');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-export-'));
      const opts = { statementTimeoutMs: 0, readOnly: true, tag: 'Upkeep bench', analysis };
      const firstWindow = async (): Promise<number> => {
        const q = await startPgQuery(conn, 'postgres', RESULTS_SQL, opts);
        let rows = 0;
        let bytes = 0;
        while (rows < WINDOW) {
          const batch = await q.next(500);
          if (!batch.length) break;
          bytes += JSON.stringify({ type: 'rows', tabId: 'r1', offset: rows, rows: batch }).length;
          rows += batch.length;
        }
        await q.close();
        if (rows !== WINDOW) throw new Error(`bench: first window had ${rows} rows`);
        return bytes;
      };
      const exportAll = async (): Promise<number> => {
        const file = path.join(dir, 'all.csv');
        const { rows } = await exportStream(await startPgQuery(conn, 'postgres', RESULTS_SQL, opts), 'csv', file);
        if (rows !== RESULT_ROWS) throw new Error(`bench: exported ${rows} rows`);
        return fs.statSync(file).size;
      };
      const buffered = async (): Promise<number> => {
        const r = await c.query({ text: RESULTS_SQL, rowMode: 'array' });
        if (r.rows.length !== RESULT_ROWS) throw new Error('bench: buffered rows');
        return r.rows.length;
      };
      const psqlAll = (): Promise<void> =>
        new Promise((resolve, reject) => {
          const { host, port, user, password } = env.pg;
          execFile(env.psql, ['-X', '-h', host, '-p', String(port), '-U', user, '-d', 'postgres', '-qAt', '-o', '/dev/null', '-c', RESULTS_SQL], { env: { ...process.env, PGPASSWORD: password }, timeout: 120_000 }, (err) =>
            err ? reject(new Error(err.message)) : resolve(),
          );
        });
      return {
        dispose: async () => {
          // Memory after the timings, one run each (the timings above are not disturbed by sampling).
          const w = await peakRss(firstWindow);
          const e = await peakRss(exportAll);
          const b = await peakRss(buffered);
          console.log(
            `  memory (peak RSS growth of this process): first window ${w.mb.toFixed(1)} MB (${(w.value / 1024).toFixed(0)} KB of messages); ` +
              `export all ${e.mb.toFixed(1)} MB (${(e.value / 2 ** 20).toFixed(0)} MB file); reference, all rows buffered ${b.mb.toFixed(1)} MB`,
          );
          await Promise.allSettled([conn.dispose(), c.end()]);
          fs.rmSync(dir, { recursive: true, force: true });
        },
        timed: [
          { name: `psql process, all ${RESULT_ROWS.toLocaleString('en-US')} rows to /dev/null`, role: 'reference', label: 'psql all rows', inSummary: true, run: psqlAll },
          { name: 'same query, pg client buffering every row', role: 'reference', label: 'buffered query', run: async () => void (await buffered()) },
          { name: `first window (${WINDOW.toLocaleString('en-US')} rows): cursor + next() + messages`, role: 'measure', label: 'first rows', inSummary: true, run: async () => void (await firstWindow()) },
          { name: `export all ${RESULT_ROWS.toLocaleString('en-US')} rows to CSV, streamed`, role: 'measure', label: 'export all (CSV)', inSummary: true, run: async () => void (await exportAll()) },
        ],
      };
    },
  };
}
