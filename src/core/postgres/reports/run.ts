/**
 * A PostgreSQL report as the panel host runs it: on a connection of its own
 * whose sessions carry a unique application_name, so an abort cancels
 * exactly its queries on the server (through the editor's own connection);
 * thresholds from settings; the capacity report's snapshots in the
 * extension's storage.
 */
import * as path from 'node:path';
import type { ReportRequest, ReportRowAction, SettingsReader } from '../../engine';
import type { CellValue } from '../../reports/model';
import type { PostgresConnection } from '../connection';
import { measureExactBloat } from './bloat';
import { CapacityStore } from './capacityStore';
import { buildReport } from './index';
import { DEFAULT_REPORT_THRESHOLDS, REPORT_KINDS, type PgReport, type ReportKind, type ReportThresholds } from './model';

/** Report thresholds from settings, falling back to the maintenance guides' defaults. */
export function reportThresholds(settings: SettingsReader): ReportThresholds {
  const d = DEFAULT_REPORT_THRESHOLDS;
  const r = (key: keyof ReportThresholds): number => settings.get(`upkeep.reports.${key}`, d[key]);
  // The tree's dead-tuple settings, so the report and the tree's warnings agree.
  const h = (key: keyof ReportThresholds): number => settings.get(`upkeep.health.${key}`, d[key]);
  return {
    bloatPercent: r('bloatPercent'),
    bloatMinBytes: r('bloatMinBytes'),
    indexBloatReindexPercent: r('indexBloatReindexPercent'),
    unusedIndexMinBytes: r('unusedIndexMinBytes'),
    seqScanMinRows: r('seqScanMinRows'),
    cacheHitMin: r('cacheHitMin'),
    longQuerySeconds: r('longQuerySeconds'),
    wraparoundWarnAge: r('wraparoundWarnAge'),
    sequenceWarnPercent: r('sequenceWarnPercent'),
    replicationLagSeconds: r('replicationLagSeconds'),
    replicationLagBytes: r('replicationLagBytes'),
    deadTuplePercent: h('deadTuplePercent'),
    minDeadTuples: h('minDeadTuples'),
  };
}

let runCounter = 0;

export async function runPostgresReport(kind: string, req: ReportRequest): Promise<PgReport> {
  if (!(REPORT_KINDS as readonly string[]).includes(kind)) throw new Error(`PostgreSQL has no "${kind}" report.`);
  const tree = req.session as PostgresConnection;
  const session = tree.sibling(`Upkeep report ${process.pid}-${++runCounter}`, { lockTimeoutMs: 3_000, statementTimeoutMs: 120_000 });
  const onAbort = (): void => void session.cancelRunning(req.database, tree).catch(() => 0);
  req.signal.addEventListener('abort', onAbort);
  try {
    return await buildReport(kind as ReportKind, session, req.database, req.profile.name, {
      signal: req.signal,
      thresholds: reportThresholds(req.settings),
      capacity: new CapacityStore(path.join(req.storageDir, 'capacity')),
      connectionId: req.profile.id,
    });
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    await session.dispose();
  }
}

/** The bloat report's row action: measure a table or index exactly. */
export const measureExactly: ReportRowAction = {
  column: 'Exact',
  label: 'Measure exactly',
  title: 'Reads the whole relation with pgstattuple',
  confirm(_sectionId, row) {
    if (typeof row['schema'] !== 'string' || typeof row['name'] !== 'string') return undefined;
    return {
      message: `Measure ${row['schema']}.${row['name']} exactly?`,
      detail: 'pgstattuple reads the whole relation (pgstattuple_approx skips all-visible pages of a table). On a large relation this is heavy I/O.',
      button: 'Measure',
    };
  },
  run: measureExactRow,
};

/** "Measure exactly" on one table or index row. */
export async function measureExactRow(req: ReportRequest, sectionId: string, row: Readonly<Record<string, CellValue>>): Promise<string> {
  const schema = row['schema'];
  const name = row['name'];
  if (typeof schema !== 'string' || typeof name !== 'string') return '';
  const kind = /index/i.test(sectionId) ? 'index' : 'table';
  const result = await measureExactBloat(req.session as PostgresConnection, req.database, { kind, schema, name });
  return result.available ? `${result.wastedPercent.toFixed(1)}% wasted` : result.reason;
}
