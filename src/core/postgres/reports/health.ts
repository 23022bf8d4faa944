/**
 * The health report: one section per check, each quiet on a healthy server
 * and a finding (with its fix where one can be run) when a threshold is crossed.
 * A check that cannot read what it needs says so in its note; the rest still run.
 */
import type { PostgresConnection } from '../connection';
import { col, finishReport, guarded, openContext, type ReportContext, type SectionResult } from './common';
import { connectionsCheck, idleInTransactionCheck, longQueriesCheck, replicationCheck, slotsCheck } from './healthActivity';
import { cacheHitCheck, deadTuplesCheck, sequencesCheck, statementsCheck, wraparoundDatabasesCheck, wraparoundTablesCheck } from './healthStorage';
import type { Section } from '../../reports/model';
import type { PgReport as Report, ReportOptions } from './model';

type Check = { fallback: Omit<Section, 'rows'>; run: (ctx: ReportContext) => Promise<SectionResult> };

const check = (id: string, title: string, run: Check['run']): Check => ({ fallback: { id, title, columns: [col('what', 'What')] }, run });

export const HEALTH_CHECKS: readonly Check[] = [
  check('cache-hit', 'Cache hit ratio', cacheHitCheck),
  check('connections', 'Connections', connectionsCheck),
  check('idle-in-transaction', 'Idle in transaction', idleInTransactionCheck),
  check('long-queries', 'Long-running queries', longQueriesCheck),
  check('wraparound-databases', 'Transaction-ID wraparound: databases', wraparoundDatabasesCheck),
  check('wraparound-tables', 'Transaction-ID wraparound: oldest tables', wraparoundTablesCheck),
  check('sequences', 'Sequences close to their limit', sequencesCheck),
  check('replication', 'Replication lag', replicationCheck),
  check('replication-slots', 'Replication slots', slotsCheck),
  check('dead-tuples', 'Dead tuples', deadTuplesCheck),
  check('slow-queries', 'Slow queries (pg_stat_statements)', statementsCheck),
];

export async function buildHealthReport(conn: PostgresConnection, database: string, connectionName: string, opts: ReportOptions = {}): Promise<Report> {
  const ctx = await openContext(conn, database, connectionName, opts);
  const results: SectionResult[] = [];
  for (const c of HEALTH_CHECKS) results.push(await guarded(ctx, c.fallback, () => c.run(ctx)));
  return finishReport(ctx, 'health', 'Health', results.map((r) => r.section), results.flatMap((r) => r.findings));
}
