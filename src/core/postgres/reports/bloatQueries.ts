/**
 * Bloat estimated from statistics, without reading the relations: how many
 * pages the live rows would need, from pg_stats (average width and null share
 * of each column) and pg_class (reltuples, relpages), against how many pages
 * there are. The page and tuple layout facts are PostgreSQL's:
 *
 * - a page has a 24-byte header; each tuple a 4-byte line pointer;
 * - a heap tuple has a 23-byte header, plus a null bitmap of one bit per
 *   column when any column can be null, padded to MAXALIGN (8 on 64-bit);
 *   its data is padded to MAXALIGN as well;
 * - a B-tree page also keeps 16 bytes of special space, and its first page
 *   is the metapage; an index tuple has an 8-byte header, plus a 4-byte null
 *   bitmap when a key can be null;
 * - pages are filled to the fillfactor (tables 100, B-trees 90), and that
 *   reserved space is not counted as waste;
 * - TOAST is not counted: pg_stats widths are the on-page (toasted) widths,
 *   and only the main fork's pages are compared.
 *
 * A row is marked unreliable (its figures null) when the relation was never
 * analyzed (reltuples ≤ 0), a column has no statistics, or a column is of
 * type `name` (whose width and alignment pg_stats does not describe well).
 */
import { HELD_LOCKS_CTE, relationSizeSql } from '../relationLocks';
import { USER_SCHEMAS_SQL } from './common';

const CONSTS = `SELECT current_setting('block_size')::numeric AS bs, 24 AS page_hdr, 8 AS ma`;

/** reloptions fillfactor, else the given default. */
const fillfactor = (rel: string, dflt: number): string =>
  `coalesce((SELECT substring(o FROM '^fillfactor=([0-9]+)$')::int FROM unnest(${rel}.reloptions) o WHERE o LIKE 'fillfactor=%' LIMIT 1), ${dflt})`;

const USER_SCHEMAS = USER_SCHEMAS_SQL;

export interface BloatRow {
  /** The table (of an index: its table). */
  table_oid: string;
  /** Someone holds or awaits ACCESS EXCLUSIVE on the relation: real_bytes is relpages × block size, not measured. */
  locked: boolean;
  schema: string;
  name: string;
  table: string | null;
  real_bytes: string;
  relpages: number;
  reltuples: number;
  natts: string;
  nstats: string;
  has_name: boolean;
  est_pages: string | number | null;
  bs: string;
}

export const TABLE_BLOAT_SQL = `
WITH ${HELD_LOCKS_CTE},
k AS (${CONSTS}),
t AS (
  SELECT c.oid, n.nspname, c.relname, c.relpages, c.reltuples, ${fillfactor('c', 100)} AS ff
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'm') AND ${USER_SCHEMAS}
),
w AS (
  SELECT t.oid,
         count(a.attnum) AS natts,
         count(s.attname) AS nstats,
         coalesce(bool_or(a.atttypid = 'name'::regtype), false) AS has_name,
         coalesce(sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0)), 0) AS data_width,
         coalesce(bool_or(coalesce(s.null_frac, 0) > 0), false) AS has_nulls
    FROM t
    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_stats s ON s.schemaname = t.nspname AND s.tablename = t.relname AND s.attname = a.attname AND NOT s.inherited
   GROUP BY t.oid
),
sz AS (
  SELECT t.*, w.natts, w.nstats, w.has_name, k.bs,
         -- line pointer + aligned header (with null bitmap) + aligned data
         4 + ceil((23 + CASE WHEN w.has_nulls THEN ceil(w.natts / 8.0) ELSE 0 END) / k.ma) * k.ma
           + ceil(w.data_width / k.ma) * k.ma AS tuple_bytes,
         k.page_hdr
    FROM t JOIN w ON w.oid = t.oid CROSS JOIN k
)
SELECT sz.oid::int8 AS table_oid, sz.oid IN (SELECT relid FROM held) AS locked, nspname AS schema, relname AS name, NULL::text AS "table",
       ${relationSizeSql('sz')} AS real_bytes, relpages, reltuples, natts, nstats, has_name, bs,
       CASE WHEN reltuples > 0 THEN ceil(reltuples / greatest(floor((bs - page_hdr) * ff / 100.0 / tuple_bytes), 1)) END AS est_pages
  FROM sz`;

export const INDEX_BLOAT_SQL = `
WITH ${HELD_LOCKS_CTE},
k AS (${CONSTS}),
x AS (
  SELECT i.indexrelid, i.indrelid, n.nspname, ic.relname AS index_name, tc.relname AS table_name,
         ic.relpages, ic.reltuples, ${fillfactor('ic', 90)} AS ff,
         string_to_array(i.indkey::text, ' ')::int2[] AS keys
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class tc ON tc.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    JOIN pg_am am ON am.oid = ic.relam
   WHERE am.amname = 'btree' AND ic.relkind = 'i' AND i.indisvalid AND ${USER_SCHEMAS}
),
a AS (
  -- Each key column: a table column's statistics live under the table; an
  -- expression's, when ANALYZE gathered them, under the index itself.
  SELECT x.indexrelid,
         CASE WHEN key.attnum <> 0 THEN x.table_name ELSE x.index_name END AS stat_rel,
         CASE WHEN key.attnum <> 0 THEN ta.attname ELSE ia.attname END AS attname,
         CASE WHEN key.attnum <> 0 THEN ta.atttypid ELSE ia.atttypid END AS typid
    FROM x
   CROSS JOIN LATERAL unnest(x.keys) WITH ORDINALITY AS key(attnum, pos)
    LEFT JOIN pg_attribute ta ON ta.attrelid = x.indrelid AND ta.attnum = key.attnum
    LEFT JOIN pg_attribute ia ON ia.attrelid = x.indexrelid AND ia.attnum = key.pos
),
w AS (
  SELECT a.indexrelid,
         count(*) AS natts,
         count(s.attname) AS nstats,
         coalesce(bool_or(a.typid = 'name'::regtype), false) AS has_name,
         coalesce(sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0)), 0) AS data_width,
         coalesce(max(s.null_frac), 0) > 0 AS has_nulls
    FROM a
    JOIN x ON x.indexrelid = a.indexrelid
    LEFT JOIN pg_stats s ON s.schemaname = x.nspname AND s.tablename = a.stat_rel AND s.attname = a.attname AND NOT s.inherited
   GROUP BY a.indexrelid
),
sz AS (
  SELECT x.*, w.natts, w.nstats, w.has_name, k.bs, k.page_hdr,
         4 + ceil((8 + CASE WHEN w.has_nulls THEN 4 ELSE 0 END) / k.ma::numeric) * k.ma
           + ceil(w.data_width / k.ma) * k.ma AS tuple_bytes
    FROM x JOIN w ON w.indexrelid = x.indexrelid CROSS JOIN k
)
SELECT indrelid::int8 AS table_oid, indexrelid IN (SELECT relid FROM held) AS locked, nspname AS schema, index_name AS name, table_name AS "table",
       (CASE WHEN indexrelid IN (SELECT relid FROM held) THEN relpages::int8 * bs ELSE pg_relation_size(indexrelid) END) AS real_bytes, relpages, reltuples, natts, nstats, has_name, bs,
       -- the metapage, then the leaf pages the live entries need
       CASE WHEN reltuples > 0 THEN 1 + ceil(reltuples / greatest(floor((bs - page_hdr - 16) * ff / 100.0 / tuple_bytes), 1)) END AS est_pages
  FROM sz`;
