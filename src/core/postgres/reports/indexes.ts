/** The index report: usage, unused, redundant, invalid, probably missing, and foreign keys without an index. */
import type { PostgresConnection } from '../connection';
import { flagIndexes, type IndexFlags } from '../health';
import { displayName } from '../identifiers';
import { buildCreateIndexConcurrently, buildDropIndexConcurrently, buildReindex, type MaintenanceOp, type OpTarget } from '../maintenance';
import type { PgIndex } from '../objects';
import { formatBytes } from '../../format';
import { checkAborted, col, finding, finishReport, iso, joinNotes, lockNote, openContext, rowKey, type ReportContext } from './common';
import { listAllIndexes, seqScanTables, statsReset, unindexedForeignKeys } from './indexQueries';
import type { CellValue, Section } from '../../reports/model';
import type { PgFinding as Finding, PgReport as Report, ReportOptions } from './model';

export const MAX_INDEX_ROWS = 1000;
const NAMEDATALEN = 63;

/**
 * The name suggested for a foreign key's index: `${table}_${cols}_fk_idx`,
 * cut to PostgreSQL's 63 bytes (UTF-8, never inside a character) with the
 * suffix kept.
 */
export function fkIndexName(table: string, columns: string[]): string {
  const suffix = '_fk_idx';
  let base = `${table}_${columns.join('_')}`;
  while (Buffer.byteLength(base + suffix, 'utf8') > NAMEDATALEN) base = Array.from(base).slice(0, -1).join('');
  return base + suffix;
}

type Ix = PgIndex & { tableOid: number };

const ixTarget = (database: string, ix: PgIndex): OpTarget => ({ kind: 'index', database, schema: ix.schema, name: ix.name, table: ix.table });

const baseCols = [col('schema', 'Schema'), col('table', 'Table'), col('name', 'Index')];

function ixRow(ix: PgIndex, extra: Record<string, CellValue> = {}): Record<string, CellValue> {
  return { _key: rowKey(ix.schema, ix.name), schema: ix.schema, table: ix.table, name: ix.name, sizeBytes: ix.sizeBytes, scans: ix.scans, ...extra };
}

/** The definition as shown: null (n/a) when the table was locked and it was not read. */
const shownDefinition = (ix: PgIndex): string | null => ix.definition || null;

/** The note naming the tables whose indexes were read around a lock. */
function indexLockNote(ctx: ReportContext, indexes: Ix[]): Promise<string | undefined> {
  return lockNote(ctx, indexes.filter((ix) => ix.locked).map((ix) => ({ oid: ix.tableOid, schema: ix.schema, name: ix.table })),
    'Where locked, index sizes are estimates from pg_class and definitions were not read (the duplicate check needs neither).');
}

function flagAll(indexes: Ix[]): Map<Ix, IndexFlags> {
  const byTable = new Map<number, Ix[]>();
  for (const ix of indexes) byTable.set(ix.tableOid, [...(byTable.get(ix.tableOid) ?? []), ix]);
  const out = new Map<Ix, IndexFlags>();
  for (const group of byTable.values()) {
    const flags = flagIndexes(group);
    for (const ix of group) {
      const f = flags.get(ix.name);
      if (f) out.set(ix, f);
    }
  }
  return out;
}

async function usageSection(ctx: ReportContext, indexes: Ix[]): Promise<Section> {
  const sorted = [...indexes].sort((a, b) => b.sizeBytes - a.sizeBytes);
  const s: Section = {
    id: 'usage',
    title: 'Index usage',
    description: 'Every index with its scans, the entries those scans read, the table rows they fetched, and its size.',
    columns: [...baseCols, col('scans', 'Scans', 'number'), col('tuplesRead', 'Entries read', 'number'), col('tuplesFetched', 'Rows fetched', 'number'), col('sizeBytes', 'Size', 'bytes'), col('definition', 'Definition', 'sql')],
    rows: sorted.slice(0, MAX_INDEX_ROWS).map((ix) => ixRow(ix, { tuplesRead: ix.tuplesRead, tuplesFetched: ix.tuplesFetched, definition: shownDefinition(ix) })),
    chart: { kind: 'bar', title: 'Largest indexes', x: 'name', y: ['sizeBytes'], limit: 10 },
    empty: 'No indexes in user schemas.',
  };
  const cut = sorted.length > MAX_INDEX_ROWS ? `Showing the ${MAX_INDEX_ROWS.toLocaleString('en-US')} largest of ${sorted.length.toLocaleString('en-US')}.` : undefined;
  s.note = joinNotes(await indexLockNote(ctx, indexes), cut);
  return s;
}

function unused(ctx: ReportContext, flagged: Map<Ix, IndexFlags>, reset: Date | null): { section: Section; findings: Finding[] } {
  const since = reset ? `since ${iso(reset)?.replace('T', ' ').slice(0, 19) ?? ''} UTC, when statistics were last reset` : 'since statistics began (they were never reset)';
  const list = [...flagged].filter(([ix, f]) => f.unused && ix.sizeBytes >= ctx.thresholds.unusedIndexMinBytes).map(([ix]) => ix).sort((a, b) => b.sizeBytes - a.sizeBytes);
  const section: Section = {
    id: 'unused',
    title: 'Unused indexes',
    description: `Never scanned ${since}; unique, primary-key and exclusion indexes are left out (they enforce something). Check replicas too: each server counts its own scans.`,
    columns: [...baseCols, col('sizeBytes', 'Size', 'bytes'), col('scans', 'Scans', 'number'), col('statsSince', 'Counted since', 'date'), col('definition', 'Definition', 'sql')],
    rows: list.map((ix) => ixRow(ix, { statsSince: iso(reset), definition: shownDefinition(ix) })),
    empty: 'Every index has been used.',
  };
  const findings = list.map((ix) =>
    finding('indexes', 'unused', rowKey(ix.schema, ix.name), ix.sizeBytes >= ctx.thresholds.bloatMinBytes ? 'warning' : 'info', displayName(ix.schema, ix.name),
      `never scanned ${since}; it costs ${formatBytes(ix.sizeBytes)} and slows every write to ${displayName(ix.schema, ix.table)}`,
      { sizeBytes: ix.sizeBytes, scans: ix.scans, statsSince: iso(reset) }, [buildDropIndexConcurrently(ixTarget(ctx.database, ix))]));
  return { section, findings };
}

async function duplicates(ctx: ReportContext, flagged: Map<Ix, IndexFlags>): Promise<{ section: Section; findings: Finding[] }> {
  const list = [...flagged].filter(([, f]) => f.duplicateOf !== undefined);
  const defs = new Map([...flagged.keys()].map((ix) => [`${ix.tableOid}/${ix.name}`, shownDefinition(ix)]));
  const section: Section = {
    id: 'duplicates',
    title: 'Duplicate and redundant indexes',
    description: 'Indexes another index of the same table serves in full: the same method and predicate, its key columns or expressions leading the other\'s with the same operator classes, collations and (B-tree) order or its exact reverse, its INCLUDE columns present, and nothing enforced that the other does not enforce. A primary key, an index a constraint uses, or a unique index (except beside a unique index on exactly its keys) is never the redundant side.',
    columns: [...baseCols, col('duplicateOf', 'Covered by'), col('sizeBytes', 'Size', 'bytes'), col('definition', 'Definition', 'sql'), col('coveringDefinition', 'Covering definition', 'sql')],
    rows: list.map(([ix, f]) => ixRow(ix, { duplicateOf: f.duplicateOf ?? null, definition: shownDefinition(ix), coveringDefinition: defs.get(`${ix.tableOid}/${f.duplicateOf ?? ''}`) ?? null })),
    empty: 'No index repeats another.',
    note: await indexLockNote(ctx, list.map(([ix]) => ix)),
  };
  const findings = list.map(([ix, f]) =>
    finding('indexes', 'duplicates', rowKey(ix.schema, ix.name), 'warning', displayName(ix.schema, ix.name),
      `redundant: ${displayName(ix.schema, f.duplicateOf ?? '')} serves the same lookups (same leading keys, operator classes, collations and order) and enforces as much (${formatBytes(ix.sizeBytes)} to save)`,
      { duplicateOf: f.duplicateOf ?? null, sizeBytes: ix.sizeBytes }, [buildDropIndexConcurrently(ixTarget(ctx.database, ix))]));
  return { section, findings };
}

function invalid(ctx: ReportContext, flagged: Map<Ix, IndexFlags>): { section: Section; findings: Finding[] } {
  const list = [...flagged].filter(([, f]) => f.invalid).map(([ix]) => ix);
  const section: Section = {
    id: 'invalid',
    title: 'Invalid indexes',
    description: 'Left behind by a CREATE INDEX or REINDEX CONCURRENTLY that failed or was cancelled: never used by queries, still updated by every write. Ones being built right now are left out.',
    columns: [...baseCols, col('sizeBytes', 'Size', 'bytes'), col('definition', 'Definition', 'sql')],
    rows: list.map((ix) => ixRow(ix, { definition: shownDefinition(ix) })),
    empty: 'No invalid indexes.',
  };
  const findings = list.map((ix) => {
    const fixes: MaintenanceOp[] = [buildDropIndexConcurrently(ixTarget(ctx.database, ix))];
    if (ctx.features.reindexConcurrently) fixes.push(buildReindex(ixTarget(ctx.database, ix), { concurrently: true }, ctx.features));
    return finding('indexes', 'invalid', rowKey(ix.schema, ix.name), 'warning', displayName(ix.schema, ix.name),
      'invalid: queries never use it but every write still maintains it; drop it, or rebuild it if it is wanted', { sizeBytes: ix.sizeBytes, definition: shownDefinition(ix) }, fixes);
  });
  return { section, findings };
}

async function missing(ctx: ReportContext): Promise<{ section: Section; findings: Finding[] }> {
  const list = await seqScanTables(ctx.conn, ctx.database, ctx.thresholds.seqScanMinRows);
  const section: Section = {
    id: 'missing',
    title: 'Tables that probably miss an index',
    description: `Read by more sequential scans than index scans, with at least ${ctx.thresholds.seqScanMinRows.toLocaleString('en-US')} live rows. Look at their queries (pg_stat_statements, EXPLAIN) to choose the columns.`,
    columns: [col('schema', 'Schema'), col('table', 'Table'), col('seqScans', 'Sequential scans', 'number'), col('seqRowsRead', 'Rows read by them', 'number'), col('idxScans', 'Index scans', 'number'), col('liveRows', 'Live rows', 'number'), col('sizeBytes', 'Size', 'bytes')],
    rows: list.map((t) => ({ _key: rowKey(t.schema, t.table), schema: t.schema, table: t.table, seqScans: t.seqScans, seqRowsRead: t.seqRowsRead, idxScans: t.idxScans, liveRows: t.liveRows, sizeBytes: t.sizeBytes })),
    chart: { kind: 'bar', title: 'Rows read by sequential scans', x: 'table', y: ['seqRowsRead'], limit: 10 },
    empty: 'No large table is read mostly by sequential scans.',
    note: await lockNote(ctx, list.filter((t) => t.locked).map((t) => ({ oid: t.oid, schema: t.schema, name: t.table })), 'Where locked, the size is an estimate from pg_class.'),
  };
  const findings = list.map((t) =>
    finding('indexes', 'missing', rowKey(t.schema, t.table), 'warning', displayName(t.schema, t.table),
      `${t.seqScans.toLocaleString('en-US')} sequential scans against ${t.idxScans.toLocaleString('en-US')} index scans on ${t.liveRows.toLocaleString('en-US')} rows: probably misses an index`,
      { seqScans: t.seqScans, idxScans: t.idxScans, liveRows: t.liveRows }));
  return { section, findings };
}

async function foreignKeys(ctx: ReportContext): Promise<{ section: Section; findings: Finding[] }> {
  const list = await unindexedForeignKeys(ctx.conn, ctx.database);
  const section: Section = {
    id: 'foreign-keys',
    title: 'Foreign keys without an index',
    description: 'No index starts with the key\'s columns: every delete or key update on the referenced table scans this one, and joins along the key cannot use an index.',
    columns: [col('schema', 'Schema'), col('table', 'Table'), col('constraint', 'Constraint'), col('columns', 'Columns'), col('references', 'References'), col('tableBytes', 'Table size', 'bytes')],
    rows: list.map((k) => ({ _key: rowKey(k.schema, `${k.table}.${k.constraint}`), schema: k.schema, table: k.table, constraint: k.constraint, columns: k.columns.join(', '), references: displayName(k.referencesSchema, k.references), tableBytes: k.tableBytes })),
    empty: 'Every foreign key has an index.',
    note: await lockNote(ctx, list.filter((k) => k.locked).map((k) => ({ oid: k.tableOid, schema: k.schema, name: k.table })), 'Where locked, the size is an estimate from pg_class.'),
  };
  const findings = list.map((k) => {
    const fixes = k.partitioned ? [] : [buildCreateIndexConcurrently(ctx.database, { schema: k.schema, table: k.table, name: fkIndexName(k.table, k.columns), columns: k.columns })];
    return finding('indexes', 'foreign-keys', rowKey(k.schema, `${k.table}.${k.constraint}`), 'warning', displayName(k.schema, k.table),
      `foreign key ${displayName(undefined, k.constraint)} (${k.columns.join(', ')}) → ${displayName(k.referencesSchema, k.references)} has no index${k.partitioned ? ' (partitioned: create it on each partition, then on the parent)' : ''}`,
      { constraint: k.constraint, columns: k.columns.join(', ') }, fixes);
  });
  return { section, findings };
}

export async function buildIndexReport(conn: PostgresConnection, database: string, connectionName: string, opts: ReportOptions = {}): Promise<Report> {
  const ctx = await openContext(conn, database, connectionName, opts);
  const indexes = await listAllIndexes(conn, database);
  checkAborted(ctx.signal);
  const reset = await statsReset(conn, database);
  const flagged = flagAll(indexes);
  const parts = [unused(ctx, flagged, reset), await duplicates(ctx, flagged), invalid(ctx, flagged)];
  checkAborted(ctx.signal);
  parts.push(await missing(ctx));
  checkAborted(ctx.signal);
  parts.push(await foreignKeys(ctx));
  const sections = [await usageSection(ctx, indexes), ...parts.map((p) => p.section)];
  return finishReport(ctx, 'indexes', 'Index usage', sections, parts.flatMap((p) => p.findings));
}
