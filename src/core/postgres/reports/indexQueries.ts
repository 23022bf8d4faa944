/** Catalog reads for the index report, over the whole database at once. */
import type { PostgresConnection } from '../connection';
import { INDEX_COLUMNS, type IndexRow, type PgIndex, toPgIndex } from '../objects';
import { HELD_LOCKS_CTE, readAroundLocks, relationSizeSql, tableLockedSql, totalSizeSql } from '../relationLocks';
import { num, USER_SCHEMAS_SQL } from './common';

/** Every index in user schemas, in the shape health.ts flags (PgIndex), plus its table's OID for grouping. */
export async function listAllIndexes(conn: PostgresConnection, database: string): Promise<(PgIndex & { tableOid: number })[]> {
  const rows = await readAroundLocks(() => conn.query<IndexRow & { schema: string; table: string; table_oid: number }>(
    database,
    `WITH ${HELD_LOCKS_CTE},
     building AS (SELECT index_relid FROM pg_stat_progress_create_index)
     SELECT n.nspname AS schema, tc.relname AS "table", tc.oid::int8 AS table_oid, ${INDEX_COLUMNS},
            pg_stat_get_numscans(ic.oid) AS scans, pg_stat_get_tuples_returned(ic.oid) AS tup_read, pg_stat_get_tuples_fetched(ic.oid) AS tup_fetch,
            (NOT i.indisvalid AND i.indexrelid IN (SELECT index_relid FROM building)) AS building
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace
       JOIN pg_am am ON am.oid = ic.relam
      WHERE ${USER_SCHEMAS_SQL}
      ORDER BY n.nspname COLLATE "C", tc.relname COLLATE "C", ic.relname COLLATE "C"`,
  ));
  return rows.map((r) => ({ ...toPgIndex(r.schema, r.table, r), tableOid: Number(r.table_oid) }));
}

export async function statsReset(conn: PostgresConnection, database: string): Promise<Date | null> {
  const rows = await conn.query<{ stats_reset: Date | null }>(database, 'SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()');
  return rows[0]?.stats_reset ?? null;
}

export interface SeqScanTable {
  oid: number;
  /** Locked: sizeBytes is a pg_class estimate. */
  locked: boolean;
  schema: string;
  table: string;
  seqScans: number;
  seqRowsRead: number;
  idxScans: number;
  liveRows: number;
  sizeBytes: number;
}

/** Tables read mostly by sequential scans, with at least `minRows` live rows. */
export async function seqScanTables(conn: PostgresConnection, database: string, minRows: number): Promise<SeqScanTable[]> {
  const rows = await readAroundLocks(() => conn.query<{ oid: string; locked: boolean; schemaname: string; relname: string; seq_scan: string; seq_tup_read: string; idx_scan: string | null; n_live_tup: string; size: string }>(
    database,
    `WITH ${HELD_LOCKS_CTE}
     SELECT c.oid::int8 AS oid, c.oid IN (SELECT relid FROM held) AS locked, s.schemaname, s.relname, s.seq_scan, s.seq_tup_read, s.idx_scan, s.n_live_tup, ${relationSizeSql('c')} AS size
       FROM pg_stat_user_tables s
       JOIN pg_class c ON c.oid = s.relid
      WHERE s.seq_scan > coalesce(s.idx_scan, 0) AND s.n_live_tup >= $1
      ORDER BY s.seq_tup_read DESC
      LIMIT 500`,
    [minRows],
  ));
  return rows.map((r) => ({
    oid: Number(r.oid),
    locked: r.locked,
    schema: r.schemaname,
    table: r.relname,
    seqScans: Number(r.seq_scan),
    seqRowsRead: Number(r.seq_tup_read),
    idxScans: num(r.idx_scan) ?? 0,
    liveRows: Number(r.n_live_tup),
    sizeBytes: Number(r.size),
  }));
}

export interface UnindexedForeignKey {
  tableOid: number;
  /** Locked: tableBytes is a pg_class estimate. */
  locked: boolean;
  schema: string;
  table: string;
  constraint: string;
  columns: string[];
  references: string;
  referencesSchema: string;
  partitioned: boolean;
  tableBytes: number;
}

/**
 * Foreign keys whose columns do not lead any valid, non-partial index of
 * their table (in any order): deletes and key updates on the referenced
 * table then scan this one. Clones of a partitioned table's key on its
 * partitions are left out; the parent's key stands for them.
 */
export async function unindexedForeignKeys(conn: PostgresConnection, database: string): Promise<UnindexedForeignKey[]> {
  const rows = await readAroundLocks(() => conn.query<{ oid: string; locked: boolean; schema: string; table: string; conname: string; cols: string[]; ref_schema: string; ref_table: string; relkind: string; size: string }>(
    database,
    `WITH ${HELD_LOCKS_CTE}
     SELECT t.oid::int8 AS oid, ${tableLockedSql('t')} AS locked, n.nspname AS schema, t.relname AS "table", c.conname,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS cols,
            rn.nspname AS ref_schema, r.relname AS ref_table, t.relkind::text AS relkind, ${totalSizeSql('t')} AS size
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE c.contype = 'f' AND c.conparentid = 0 AND ${USER_SCHEMAS_SQL}
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
           WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indpred IS NULL
             AND i.indnkeyatts >= cardinality(c.conkey)
             AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
             AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey)
      ORDER BY n.nspname COLLATE "C", t.relname COLLATE "C", c.conname COLLATE "C"`,
  ));
  return rows.map((r) => ({
    tableOid: Number(r.oid),
    locked: r.locked,
    schema: r.schema,
    table: r.table,
    constraint: r.conname,
    columns: r.cols,
    references: r.ref_table,
    referencesSchema: r.ref_schema,
    partitioned: r.relkind === 'p',
    tableBytes: Number(r.size),
  }));
}
