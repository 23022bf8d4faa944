/** PostgreSQL reports: bloat, index usage, health and capacity, as data, with renderers and fix scripts. */
import type { PostgresConnection } from '../connection';
import { buildBloatReport } from './bloat';
import { buildCapacityReport as capacityReport, takeCapacitySnapshot } from './capacity';
import type { CapacitySnapshot, CapacityStore } from './capacityStore';
import { buildHealthReport } from './health';
import { buildIndexReport } from './indexes';
import type { ReportKind, ReportOptions, PgReport as Report } from './model';

export * from '../../reports/model';
export * from './model';
export type { PgReport as Report, PgFinding as Finding } from './model';
export { bloatFindings, buildBloatReport, measureExactBloat, EXACT_BLOAT_WARNING, MAX_BLOAT_ROWS, type ExactBloat, type ExactTarget } from './bloat';
export { buildIndexReport, fkIndexName, MAX_INDEX_ROWS } from './indexes';
export { buildHealthReport, HEALTH_CHECKS } from './health';
export { CONNECTIONS_WARN_PERCENT, CONNECTIONS_CRITICAL_PERCENT } from './healthActivity';
export { CACHE_HIT_MIN_BLOCKS, cacheHitLow, PG_STAT_STATEMENTS_GUIDE } from './healthStorage';
export type { BloatRow } from './bloatQueries';
export { replicaLagging } from './healthActivity';
export { judgeAge, towardsWraparound, wraparoundLevels, WRAPAROUND_CRITICAL_AGE, WRAPAROUND_LIMIT, WRAPAROUND_WARN_AGE, type AgeLevels } from './wraparound';
export { buildCapacityReport, takeCapacitySnapshot, LARGEST_TABLES } from './capacity';
export { CapacityStore, type CapacitySnapshot } from './capacityStore';
export { renderMarkdown, renderCsv, renderJson, renderHtml, fixScript, formatCell, escapeHtml, escapeMarkdown, csvField, statementText, NOT_AVAILABLE } from '../../reports/render';
export { inlineParams } from '../sqlText';

export const REPORT_TITLES: Record<ReportKind, string> = {
  bloat: 'Table and index bloat',
  indexes: 'Index usage',
  health: 'Health',
  capacity: 'Capacity',
};

export interface BuildReportOptions extends ReportOptions {
  /** Capacity: earlier snapshots (ignored when `capacity` is given). */
  history?: CapacitySnapshot[];
  /** Capacity: the reading to use as "now" instead of querying again. */
  current?: CapacitySnapshot;
  /** Capacity: where snapshots are kept; with `connectionId`, this run's snapshot is stored and the history read from it. */
  capacity?: CapacityStore;
  connectionId?: string;
}

/**
 * The capacity report as a run in the editor does it: take a snapshot, store
 * it, then report on everything stored for the connection.
 */
async function capacityRun(conn: PostgresConnection, database: string, connectionName: string, opts: BuildReportOptions): Promise<Report> {
  if (!opts.capacity || opts.connectionId === undefined) return capacityReport(conn, database, connectionName, { ...opts, history: opts.history ?? [] });
  const current = await takeCapacitySnapshot(conn, database, opts.now);
  await opts.capacity.append(opts.connectionId, current);
  const history = await opts.capacity.read(opts.connectionId);
  return capacityReport(conn, database, connectionName, { ...opts, history, current });
}

/** Builds any report (see BuildReportOptions for what the capacity report takes). */
export function buildReport(kind: ReportKind, conn: PostgresConnection, database: string, connectionName: string, opts: BuildReportOptions = {}): Promise<Report> {
  switch (kind) {
    case 'bloat':
      return buildBloatReport(conn, database, connectionName, opts);
    case 'indexes':
      return buildIndexReport(conn, database, connectionName, opts);
    case 'health':
      return buildHealthReport(conn, database, connectionName, opts);
    case 'capacity':
      return capacityRun(conn, database, connectionName, opts);
  }
}
