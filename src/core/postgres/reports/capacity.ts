/**
 * The capacity report: database and table sizes now, and their growth over
 * the snapshots stored by earlier runs (CapacityStore) — the guides' weekly
 * growth review.
 */
import type { PostgresConnection } from '../connection';
import { HELD_LOCKS_CTE, indexesSizeSql, readAroundLocks, relationSizeSql, tableLockedSql, totalSizeSql } from '../relationLocks';
import { col, finishReport, iso, lockNote, openContext, round1, rowKey, USER_SCHEMAS_SQL } from './common';
import type { CapacitySnapshot } from './capacityStore';
import type { CellValue, Column, Section } from '../../reports/model';
import type { PgReport as Report, ReportOptions } from './model';

export { CapacityStore, type CapacitySnapshot } from './capacityStore';

export const LARGEST_TABLES = 20;
/** Tables charted over time. */
const CHARTED_TABLES = 5;
/** A stored snapshot this close to the current reading is the same point. */
const SAME_POINT_MS = 60_000;

interface TableSize {
  oid: number;
  /** Read around someone's lock: sizes are pg_class estimates, not measured. */
  estimated: boolean;
  schema: string;
  name: string;
  totalBytes: number;
  tableBytes: number;
  indexBytes: number;
  estimatedRows: number | null;
}

async function databaseSizes(conn: PostgresConnection, database: string): Promise<{ name: string; bytes: number }[]> {
  const rows = await conn.query<{ datname: string; size: string }>(
    database,
    `SELECT datname, pg_database_size(oid) AS size FROM pg_database
      WHERE NOT datistemplate AND datallowconn AND has_database_privilege(oid, 'CONNECT')
      ORDER BY pg_database_size(oid) DESC, datname`,
  );
  return rows.map((r) => ({ name: r.datname, bytes: Number(r.size) }));
}

/** The largest tables; one someone holds in ACCESS EXCLUSIVE mode is sized from pg_class (relationLocks.ts) instead of waiting. */
async function largestTables(conn: PostgresConnection, database: string): Promise<TableSize[]> {
  const rows = await readAroundLocks(() => conn.query<{ oid: string; locked: boolean; schema: string; name: string; total: string; heap: string; idx: string; reltuples: number }>(
    database,
    `WITH ${HELD_LOCKS_CTE}
     SELECT s.* FROM (
       SELECT c.oid::int8 AS oid, ${tableLockedSql('c')} AS locked, n.nspname AS schema, c.relname AS name,
              ${totalSizeSql('c')} AS total, ${relationSizeSql('c')} AS heap, ${indexesSizeSql('c')} AS idx, c.reltuples
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND ${USER_SCHEMAS_SQL}) s
      ORDER BY s.total DESC, s.schema, s.name
      LIMIT $1`,
    [LARGEST_TABLES],
  ));
  return rows.map((r) => ({
    oid: Number(r.oid), estimated: r.locked,
    schema: r.schema, name: r.name, totalBytes: Number(r.total), tableBytes: Number(r.heap), indexBytes: Number(r.idx), estimatedRows: r.reltuples < 0 ? null : Math.round(r.reltuples),
  }));
}

/** A snapshot keeps measured sizes only: a locked table's estimate would show as growth or shrinkage later. */
function snapshotOf(at: Date, database: string, databases: { name: string; bytes: number }[], tables: TableSize[]): CapacitySnapshot {
  return { at: at.toISOString(), database, databases, tables: tables.filter((t) => !t.estimated).map((t) => ({ key: rowKey(t.schema, t.name), bytes: t.totalBytes, schema: t.schema, name: t.name })) };
}

/** Database sizes (server-wide) and the largest tables of `database`, now. */
export async function takeCapacitySnapshot(conn: PostgresConnection, database: string, now: Date = new Date()): Promise<CapacitySnapshot> {
  return snapshotOf(now, database, await databaseSizes(conn, database), await largestTables(conn, database));
}

interface Growth {
  growth: number | null;
  growthPercent: number | null;
  since: string | null;
}

/** Growth against the oldest point that has the item. */
function growthOf(points: CapacitySnapshot[], bytesNow: number, find: (s: CapacitySnapshot) => number | undefined): Growth {
  for (const p of points.slice(0, -1)) {
    const then = find(p);
    if (then === undefined) continue;
    return { growth: bytesNow - then, growthPercent: then > 0 ? round1((100 * (bytesNow - then)) / then) : null, since: p.at };
  }
  return { growth: null, growthPercent: null, since: null };
}

const growthCols: Column[] = [col('growth', 'Growth', 'bytes'), col('growthPercent', 'Growth %', 'percent'), col('since', 'Since', 'date')];

function seriesSection(id: string, title: string, description: string, points: CapacitySnapshot[], series: { key: string; label: string; value: (s: CapacitySnapshot) => number | undefined }[]): Section {
  return {
    id,
    title,
    description,
    columns: [col('at', 'When', 'date'), ...series.map((s) => col(s.key, s.label, 'bytes'))],
    rows: points.map((p) => {
      const row: Record<string, CellValue> = { _key: p.at, at: iso(p.at) };
      for (const s of series) row[s.key] = s.value(p) ?? null;
      return row;
    }),
    chart: { kind: 'line', title, x: 'at', y: series.map((s) => s.key) },
    note: points.length < 2 ? 'One snapshot so far: growth shows from the next run on (a snapshot is stored each time this report runs).' : undefined,
  };
}

export async function buildCapacityReport(
  conn: PostgresConnection,
  database: string,
  connectionName: string,
  opts: ReportOptions & { history: CapacitySnapshot[]; current?: CapacitySnapshot },
): Promise<Report> {
  const ctx = await openContext(conn, database, connectionName, opts);
  const dbs = await databaseSizes(conn, database);
  const tables = await largestTables(conn, database);
  const current = opts.current ?? snapshotOf(ctx.now, database, dbs, tables);
  const points = [...opts.history];
  if (!points.some((p) => Math.abs(Date.parse(p.at) - Date.parse(current.at)) < SAME_POINT_MS)) points.push(current);
  points.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  // Tables are per database; database sizes are the server's.
  const tablePoints = points.filter((p) => p.database === undefined || p.database === database);

  const dbSection: Section = {
    id: 'databases',
    title: 'Database sizes',
    columns: [col('name', 'Database'), col('bytes', 'Size', 'bytes'), ...growthCols],
    rows: dbs.map((d) => ({ _key: d.name, name: d.name, bytes: d.bytes, ...growthOf(points, d.bytes, (s) => s.databases.find((x) => x.name === d.name)?.bytes) })),
    chart: { kind: 'bar', title: 'Database sizes', x: 'name', y: ['bytes'], limit: 10 },
    empty: 'No database this role may connect to.',
  };
  const tableSection: Section = {
    id: 'tables',
    title: 'Largest tables',
    description: `The ${LARGEST_TABLES} largest tables of this database, with their indexes and TOAST; growth against the oldest snapshot that lists them.`,
    columns: [col('schema', 'Schema'), col('name', 'Table'), col('totalBytes', 'Total', 'bytes'), col('tableBytes', 'Table', 'bytes'), col('indexBytes', 'Indexes', 'bytes'), col('estimatedRows', 'Rows (est.)', 'number'), ...growthCols],
    rows: tables.map((t) => {
      const key = rowKey(t.schema, t.name);
      const growth = t.estimated ? { growth: null, growthPercent: null, since: null } : growthOf(tablePoints, t.totalBytes, (s) => s.tables.find((x) => x.key === key)?.bytes);
      return { _key: key, schema: t.schema, name: t.name, totalBytes: t.totalBytes, tableBytes: t.tableBytes, indexBytes: t.indexBytes, estimatedRows: t.estimatedRows, ...growth };
    }),
    chart: { kind: 'bar', title: 'Largest tables', x: 'name', y: ['totalBytes'], limit: 10 },
    empty: 'No tables in user schemas.',
    note: await lockNote(ctx, tables.filter((t) => t.estimated).map((t) => ({ oid: t.oid, schema: t.schema, name: t.name })),
      'Where locked, the size was not measured: the estimate from pg_class shows no growth and is not stored in the snapshot.'),
  };
  const growth = seriesSection('growth', 'Growth per database', 'Each stored snapshot, with every database\'s size then.', points,
    dbs.map((d) => ({ key: `db:${d.name}`, label: d.name, value: (s: CapacitySnapshot) => s.databases.find((x) => x.name === d.name)?.bytes })));
  const tableGrowth = seriesSection('table-growth', 'Growth of the largest tables', `The ${CHARTED_TABLES} largest tables now, at each stored snapshot (blank where they were not among the largest).`, tablePoints,
    tables.slice(0, CHARTED_TABLES).map((t) => ({ key: `t:${rowKey(t.schema, t.name)}`, label: t.name, value: (s: CapacitySnapshot) => s.tables.find((x) => x.key === rowKey(t.schema, t.name))?.bytes })));
  return finishReport(ctx, 'capacity', 'Capacity', [dbSection, tableSection, growth, tableGrowth], []);
}
