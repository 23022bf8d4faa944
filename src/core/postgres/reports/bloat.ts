/** The bloat report: table and B-tree index waste estimated from statistics, and an exact measure on request. */
import type { PostgresConnection } from '../connection';
import { displayName, ident, qualified } from '../identifiers';
import { buildReindex, buildVacuum, type MaintenanceOp } from '../maintenance';
import { formatBytes } from '../../format';
import { type BloatRow, INDEX_BLOAT_SQL, TABLE_BLOAT_SQL } from './bloatQueries';
import { readAroundLocks } from '../relationLocks';
import { checkAborted, col, finding, finishReport, joinNotes, lockNote, num, openContext, round1, rowKey, type ReportContext } from './common';
import type { CellValue, Column, Section } from '../../reports/model';
import type { PgFinding as Finding, PgReport as Report, ReportOptions } from './model';

/** More rows than this per section are cut (the most wasteful stay); the note says so. */
export const MAX_BLOAT_ROWS = 1000;

interface Estimate {
  tableOid: number;
  locked: boolean;
  schema: string;
  name: string;
  table: string | null;
  realBytes: number;
  wasted: number | null;
  percent: number | null;
  reason: string | null;
}

function estimate(r: BloatRow): Estimate {
  const realBytes = num(r.real_bytes) ?? 0;
  const base = { tableOid: Number(r.table_oid), locked: r.locked, schema: r.schema, name: r.name, table: r.table, realBytes };
  const bs = num(r.bs) ?? 8192;
  const estPages = num(r.est_pages);
  let reason: string | null = null;
  if (r.locked) {
    // Being rewritten or altered right now (VACUUM FULL, ALTER TABLE…): its statistics say nothing of what it will be.
    reason = 'locked: not measured (see the note)';
  } else if (r.reltuples <= 0 || estPages === null) {
    // Empty and known to be empty: nothing to waste. Otherwise the counts are missing.
    if (realBytes === 0) return { ...base, wasted: 0, percent: 0, reason: null };
    reason = r.reltuples < 0 ? 'never analyzed' : 'no live rows counted: ANALYZE it';
  } else if (r.has_name) {
    reason = 'has a column of type name';
  } else if (Number(r.nstats) < Number(r.natts)) {
    reason = 'some columns have no statistics: ANALYZE it';
  }
  if (reason !== null) return { ...base, wasted: null, percent: null, reason };
  const extraPages = Math.max(r.relpages - (estPages ?? 0), 0);
  return { ...base, wasted: extraPages * bs, percent: r.relpages > 0 ? round1((100 * extraPages) / r.relpages) : 0, reason: null };
}

function byWaste(a: Estimate, b: Estimate): number {
  if (a.wasted === null || b.wasted === null) return a.wasted === null && b.wasted === null ? b.realBytes - a.realBytes : a.wasted === null ? 1 : -1;
  return b.wasted - a.wasted || b.realBytes - a.realBytes;
}

function toRow(e: Estimate, withTable: boolean): Record<string, CellValue> {
  const row: Record<string, CellValue> = { _key: rowKey(e.schema, e.name), schema: e.schema, name: e.name };
  if (withTable) row['table'] = e.table;
  return { ...row, realBytes: e.realBytes, estimatedExtraBytes: e.wasted, bloatPercent: e.percent, reliable: e.reason === null, reason: e.reason };
}

async function section(ctx: ReportContext, id: string, title: string, description: string, estimates: Estimate[], withTable: boolean): Promise<Section> {
  const sorted = [...estimates].sort(byWaste);
  const columns: Column[] = [col('schema', 'Schema'), col('name', withTable ? 'Index' : 'Table')];
  if (withTable) columns.push(col('table', 'Table'));
  columns.push(col('realBytes', 'Size', 'bytes'), col('estimatedExtraBytes', 'Wasted (est.)', 'bytes'), col('bloatPercent', 'Bloat (est.)', 'percent'), col('reliable', 'Estimate reliable'), col('reason', 'Why not'));
  const out: Section = {
    id,
    title,
    description,
    columns,
    rows: sorted.slice(0, MAX_BLOAT_ROWS).map((e) => toRow(e, withTable)),
    chart: { kind: 'bar', title: 'Most wasted space (estimated)', x: 'name', y: ['estimatedExtraBytes'], limit: 10 },
    empty: withTable ? 'No B-tree indexes in user schemas.' : 'No tables in user schemas.',
  };
  const cut = sorted.length > MAX_BLOAT_ROWS ? `Showing the ${MAX_BLOAT_ROWS.toLocaleString('en-US')} with the most waste of ${sorted.length.toLocaleString('en-US')}.` : undefined;
  const locked = estimates.filter((e) => e.locked).map((e) => ({ oid: e.tableOid, schema: e.schema, name: withTable ? (e.table ?? e.name) : e.name }));
  out.note = joinNotes(await lockNote(ctx, locked, withTable ? 'Where locked, index bloat was not measured and sizes are estimates from pg_class.' : 'Where locked, bloat was not measured and the size is an estimate from pg_class.'), cut);
  return out;
}

/** What the findings need of a report's context: its thresholds, database and server features. */
type Judging = Pick<ReportContext, 'thresholds' | 'database' | 'features'>;

/** The bloat findings for rows as the two queries return them (pure: what the thresholds mean, shown on data). */
export function bloatFindings(ctx: Judging, tableRows: BloatRow[], indexRows: BloatRow[]): Finding[] {
  return [...tableFindings(ctx, tableRows.map(estimate)), ...indexFindings(ctx, indexRows.map(estimate))];
}

function tableFindings(ctx: Judging, rows: Estimate[]): Finding[] {
  const th = ctx.thresholds;
  return rows
    .filter((e) => e.wasted !== null && e.percent !== null && e.percent >= th.bloatPercent && e.wasted >= th.bloatMinBytes)
    .map((e) => {
      const target = { kind: 'table' as const, database: ctx.database, schema: e.schema, name: e.name };
      const fixes: MaintenanceOp[] = [buildVacuum(target, { analyze: true }, ctx.features), buildVacuum(target, { full: true, analyze: true }, ctx.features)];
      return finding('bloat', 'tables', rowKey(e.schema, e.name), 'warning', displayName(e.schema, e.name),
        `about ${e.percent ?? 0}% of the table (${formatBytes(e.wasted)}) is estimated to be dead rows or free space, at or above ${th.bloatPercent}%: VACUUM makes it reusable; VACUUM FULL gives it back but locks the table`,
        { realBytes: e.realBytes, estimatedExtraBytes: e.wasted, bloatPercent: e.percent }, fixes);
    });
}

function indexFindings(ctx: Judging, rows: Estimate[]): Finding[] {
  const th = ctx.thresholds;
  return rows
    .filter((e) => e.wasted !== null && e.percent !== null && e.percent > th.indexBloatReindexPercent && e.wasted >= th.bloatMinBytes)
    .map((e) => {
      const target = { kind: 'index' as const, database: ctx.database, schema: e.schema, name: e.name, table: e.table ?? undefined };
      const fix = buildReindex(target, { concurrently: ctx.features.reindexConcurrently }, ctx.features);
      return finding('bloat', 'indexes', rowKey(e.schema, e.name), 'warning', displayName(e.schema, e.name),
        `about ${e.percent ?? 0}% of the index (${formatBytes(e.wasted)}) is estimated to be wasted, above ${th.indexBloatReindexPercent}%: rebuild it`,
        { table: e.table, realBytes: e.realBytes, estimatedExtraBytes: e.wasted, bloatPercent: e.percent }, [fix]);
    });
}

export async function buildBloatReport(conn: PostgresConnection, database: string, connectionName: string, opts: ReportOptions = {}): Promise<Report> {
  const ctx = await openContext(conn, database, connectionName, opts);
  checkAborted(ctx.signal);
  const tables = (await readAroundLocks(() => conn.query<BloatRow>(database, TABLE_BLOAT_SQL))).map(estimate);
  checkAborted(ctx.signal);
  const indexes = (await readAroundLocks(() => conn.query<BloatRow>(database, INDEX_BLOAT_SQL))).map(estimate);
  checkAborted(ctx.signal);
  const sections = [
    await section(ctx, 'tables', 'Table bloat', 'Estimated from statistics (pg_stats widths and null shares, page and row counts, fillfactor); TOAST is not counted. "n/a" where statistics are missing or unreliable: ANALYZE, or measure exactly.', tables, false),
    await section(ctx, 'indexes', 'B-tree index bloat', 'Estimated from the indexed columns\' statistics and the B-tree fillfactor (90 unless set).', indexes, true),
  ];
  return finishReport(ctx, 'bloat', 'Table and index bloat', sections, [...tableFindings(ctx, tables), ...indexFindings(ctx, indexes)]);
}

// ---------------------------------------------------------------- exact measure

/** What the panel says before an exact measure: it reads the relation. */
export const EXACT_BLOAT_WARNING = 'Measuring exactly reads the whole relation (pgstattuple_approx skips pages the visibility map marks all-visible): it takes I/O and time on a large table.';

export type ExactBloat =
  | { available: false; reason: string }
  | {
    available: true;
    kind: 'table' | 'index';
    /** Tables: approx_free_percent + dead_tuple_percent; indexes: 100 − avg_leaf_density. */
    wastedPercent: number;
    totalBytes: number;
    /** What the extension returned, for display. */
    detail: Record<string, CellValue>;
  };

export interface ExactTarget {
  kind: 'table' | 'index';
  schema: string;
  name: string;
}

export async function measureExactBloat(conn: PostgresConnection, database: string, target: ExactTarget): Promise<ExactBloat> {
  const ext = await conn.query<{ schema: string }>(database, `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgstattuple'`);
  const schema = ext[0]?.schema;
  if (schema === undefined) return { available: false, reason: `The pgstattuple extension is not installed in ${displayName(undefined, database)}: CREATE EXTENSION pgstattuple (needs a superuser or the database owner).` };
  const fn = target.kind === 'table' ? 'pgstattuple_approx' : 'pgstatindex';
  const rel = qualified(target.schema, target.name);
  const may = await conn.query<{ ok: boolean; kind: string | null; am: string | null }>(
    database,
    `SELECT has_function_privilege(format('%I.%I(regclass)', $1::text, $2::text), 'EXECUTE') AS ok,
            (SELECT c.relkind::text FROM pg_class c WHERE c.oid = to_regclass($3)) AS kind,
            (SELECT a.amname::text FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = to_regclass($3)) AS am`,
    [schema, fn, rel],
  );
  const m = may[0];
  if (!m?.ok) return { available: false, reason: `This role may not run ${fn}: it needs superuser or membership in pg_stat_scan_tables.` };
  if (m.kind === null) return { available: false, reason: `${displayName(target.schema, target.name)} no longer exists.` };
  const f = `${ident(schema)}.${fn}`;
  if (target.kind === 'table') {
    if (m.kind !== 'r' && m.kind !== 'm') return { available: false, reason: 'pgstattuple_approx measures tables and materialized views only.' };
    const rows = await conn.query<{ table_len: string; approx_free_space: string; approx_free_percent: number; dead_tuple_len: string; dead_tuple_percent: number; scanned_percent: number }>(
      database, `SELECT table_len, approx_free_space, approx_free_percent, dead_tuple_len, dead_tuple_percent, scanned_percent FROM ${f}($1::regclass)`, [rel]);
    const r = rows[0];
    if (!r) return { available: false, reason: 'pgstattuple_approx returned nothing.' };
    return {
      available: true,
      kind: 'table',
      wastedPercent: round1(r.approx_free_percent + r.dead_tuple_percent),
      totalBytes: Number(r.table_len),
      detail: { freeBytes: Number(r.approx_free_space), freePercent: r.approx_free_percent, deadTupleBytes: Number(r.dead_tuple_len), deadTuplePercent: r.dead_tuple_percent, scannedPercent: r.scanned_percent },
    };
  }
  if (m.kind !== 'i' || m.am !== 'btree') return { available: false, reason: 'pgstatindex measures B-tree indexes only.' };
  const rows = await conn.query<{ index_size: string; leaf_pages: string; avg_leaf_density: number; leaf_fragmentation: number }>(
    database, `SELECT index_size, leaf_pages, avg_leaf_density, leaf_fragmentation FROM ${f}($1::regclass)`, [rel]);
  const r = rows[0];
  if (!r) return { available: false, reason: 'pgstatindex returned nothing.' };
  // No leaf pages: avg_leaf_density is NaN, and there is nothing to waste.
  const leafPages = Number(r.leaf_pages);
  const density = leafPages > 0 && Number.isFinite(r.avg_leaf_density) ? r.avg_leaf_density : 100;
  return {
    available: true,
    kind: 'index',
    wastedPercent: round1(100 - density),
    totalBytes: Number(r.index_size),
    detail: { leafPages, avgLeafDensity: leafPages > 0 ? r.avg_leaf_density : null, leafFragmentation: leafPages > 0 ? r.leaf_fragmentation : null },
  };
}
