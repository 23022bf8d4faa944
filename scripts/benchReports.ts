/**
 * Bench case: each PostgreSQL report on a database with 10,000 tables and
 * 20,000 indexes, next to the reference — the table and index bloat
 * estimation queries alone, run by psql — in the same run. Goal (issue 4):
 * every report ≤ 3 s.
 */
import { PostgresConnection } from '../src/core/postgres/connection';
import { buildReport, type ReportKind } from '../src/core/postgres/reports/index';
import { INDEX_BLOAT_SQL, TABLE_BLOAT_SQL } from '../src/core/postgres/reports/bloatQueries';
import type { Client } from 'pg';
import type { BenchCase, BenchEnv } from './bench';

const TABLES = 10_000;

export function reportsCase(helpers: {
  pgClient(env: BenchEnv, database: string): Promise<Client>;
  spawnPsql(env: BenchEnv, database: string, sql: string): Promise<string>;
  profileFor(env: BenchEnv, database: string): ConstructorParameters<typeof PostgresConnection>[0];
}): BenchCase {
  return {
    title: `reports on ${TABLES} tables and ${TABLES * 2} indexes`,
    async setup(env) {
      const admin = await helpers.pgClient(env, 'postgres');
      await admin.query('CREATE DATABASE bench_reports').finally(() => admin.end());
      const c = await helpers.pgClient(env, 'bench_reports');
      await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      for (let from = 1; from <= TABLES; from += 500) {
        const to = Math.min(from + 499, TABLES);
        await c.query(`DO $$ BEGIN FOR i IN ${from}..${to} LOOP
          EXECUTE format('CREATE TABLE public.%I (id bigint PRIMARY KEY, n int, note text)', 'r' || lpad(i::text, 5, '0'));
          EXECUTE format('CREATE INDEX %I ON public.%I (n)', 'r' || lpad(i::text, 5, '0') || '_n_ix', 'r' || lpad(i::text, 5, '0'));
          EXECUTE format('INSERT INTO public.%I SELECT g, g %% 7, ''x'' FROM generate_series(1, 20) g', 'r' || lpad(i::text, 5, '0'));
        END LOOP; END $$`);
      }
      await c.query('ANALYZE');
      const conn = new PostgresConnection(helpers.profileFor(env, 'bench_reports'), env.pg.password, { lockTimeoutMs: 3_000, statementTimeoutMs: 120_000 });
      const report = (kind: ReportKind) => async (): Promise<void> => {
        const r = await buildReport(kind, conn, 'bench_reports', 'bench', {});
        if (!r.sections.length) throw new Error(`bench: the ${kind} report has no sections`);
      };
      return {
        dispose: async () => void (await Promise.allSettled([conn.dispose(), c.end()])),
        timed: [
          { name: 'bloat estimation queries, psql process', role: 'reference', label: 'psql', inSummary: true, run: async () => void (await helpers.spawnPsql(env, 'bench_reports', `${TABLE_BLOAT_SQL};\n${INDEX_BLOAT_SQL}`)) },
          { name: 'same queries, open pg client', role: 'reference', label: 'query', run: async () => void (await c.query(`${TABLE_BLOAT_SQL};\n${INDEX_BLOAT_SQL}`)) },
          { name: 'bloat report (tables + indexes)', role: 'measure', label: 'bloat', inSummary: true, run: report('bloat') },
          { name: 'index usage report', role: 'measure', label: 'indexes', inSummary: true, run: report('indexes') },
          { name: 'health report', role: 'measure', label: 'health', inSummary: true, run: report('health') },
          { name: 'capacity report (snapshot + report)', role: 'measure', label: 'capacity', inSummary: true, run: report('capacity') },
        ],
      };
    },
  };
}
