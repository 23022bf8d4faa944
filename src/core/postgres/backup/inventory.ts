/**
 * What a database holds, as Verify compares it: tables with their exact row
 * counts and, for tables up to a size limit, a digest of their rows; objects
 * by name per schema (views, sequences, indexes, constraints, triggers,
 * functions, procedures) with a digest of their definitions as the server
 * renders them. At backup time it is read inside the snapshot the dump
 * itself uses (pg_export_snapshot → pg_dump --snapshot), so the counts and
 * digests are those of the dump, not of a moment before or after it. Objects
 * that belong to extensions are left out (pg_dump writes CREATE EXTENSION,
 * not them). inventoryCompare.ts compares two inventories.
 *
 * Both sides render values and definitions with the same session settings
 * (RENDERING), so a row's text and a definition's text depend only on what is
 * stored, not on the session's DateStyle, TimeZone or search_path.
 */
import type * as Pg from 'pg';
import type { BackupOptions } from '../../backup/model';

export interface PgInventory {
  /** `"schema"."table"` → exact row count (null when rows were not counted: a schema-only dump). */
  tables: Record<string, number | null>;
  /** `kind "schema"."name"` lines: view, materialized view, sequence, index, constraint (with its table), trigger, function/procedure (with its arguments). */
  objects: string[];
  /** Object line (and `table "s"."t"` for its columns) → MD5 of its definition as the server renders it. Absent in manifests before definitions were recorded. */
  definitions?: Record<string, string>;
  /** `"schema"."table"` → digest of its rows (order-independent), for the tables small enough to read whole. */
  checksums?: Record<string, string>;
  /** The per-table limit the checksums were taken with (bytes on disk, TOAST included). */
  checksumMaxBytes?: number;
  /** server_version_num it was read on: definitions are compared between servers of one major version only. */
  serverVersionNum?: number;
  /** The database's encoding and collation, so a throwaway copy (on any server) gets the same. */
  database?: { encoding: string; collate: string; ctype: string };
}

/** Tables up to this size get a checksum by default (the setting upkeep.backup.verifyChecksumMaxMB overrides it). */
export const DEFAULT_CHECKSUM_MAX_BYTES = 64 * 1024 * 1024;
/** At most this many times the per-table limit is read for checksums in one inventory (many small tables add up). */
const CHECKSUM_BUDGET_FACTOR = 8;

export const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** The tables and objects a dump with these options covers. */
export interface InventoryScope {
  schemas?: string[];
  tables?: [string, string][];
  /** Count rows (not for schema-only dumps). */
  rows: boolean;
  /** Backup time: checksum the tables up to this size. */
  checksumMaxBytes?: number;
  /** Verify time: checksum exactly these tables (those the backup's inventory has a checksum for). */
  checksumTables?: readonly string[];
}

export function scopeOf(options: BackupOptions, checksumMaxBytes: number | undefined): InventoryScope {
  return {
    ...(options.schemas?.length ? { schemas: options.schemas } : {}),
    ...(options.tables?.length ? { tables: options.tables } : {}),
    rows: options.content !== 'schema',
    ...(options.content !== 'schema' ? { checksumMaxBytes: checksumMaxBytes ?? DEFAULT_CHECKSUM_MAX_BYTES } : {}),
  };
}

/**
 * Session settings under which a row's and a definition's text are the same
 * on every server: dates in ISO, times in UTC, floats exact, bytea in hex,
 * money without a locale, every name schema-qualified (empty search_path).
 */
const RENDERING: [string, string][] = [
  ['DateStyle', 'ISO, YMD'],
  ['IntervalStyle', 'postgres'],
  ['TimeZone', 'UTC'],
  ['extra_float_digits', '3'],
  ['bytea_output', 'hex'],
  ['lc_monetary', 'C'],
  ['search_path', ''],
];

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;
const NOT_EXTENSION = (cls: string, oid: string): string => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${cls}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/** A table's columns in order: name, type, not null, default, identity, generated. */
const COLUMNS_DEF = `(SELECT string_agg(format('%I %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
    CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
    CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END,
    coalesce(CASE WHEN a.attgenerated = 's' THEN ' generated ' ELSE ' default ' END || pg_get_expr(ad.adbin, ad.adrelid), '')), ', ' ORDER BY a.attnum)
   FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)`;

/** A sequence's parameters (not its current value: sequences are outside the snapshot, pg_dump reads theirs a moment apart). */
const SEQUENCE_DEF = `(SELECT format('%s start %s increment %s min %s max %s cache %s%s', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END)
   FROM pg_sequence s WHERE s.seqrelid = c.oid)`;

/**
 * A digest of a table's rows that does not depend on their order: the sum,
 * as numeric (no overflow, duplicates counted), of each row's MD5 read as two
 * 64-bit numbers. The row's text is `ROW(r.*)::text` under RENDERING.
 */
function checksumSql(table: string): string {
  const half = (from: number): string => `coalesce(sum(('x' || substr(h, ${from}, 16))::bit(64)::bigint::numeric), 0)::text`;
  return `SELECT count(*)::text AS n, ${half(1)} || ':' || ${half(17)} AS digest FROM (SELECT md5(ROW(r.*)::text) AS h FROM ${table} AS r) s`;
}

/** Sets RENDERING for the rest of the session (a dedicated one, ended by the caller). */
async function setRendering(client: Pg.ClientBase): Promise<void> {
  for (const [name, value] of RENDERING) await client.query('SELECT set_config($1, $2, false)', [name, value]);
}

/** Reads the inventory on `client` (inside whatever transaction it is in; the session's rendering settings are changed). */
export async function readInventory(client: Pg.ClientBase, scope: InventoryScope): Promise<PgInventory> {
  const inScope = (schema: string, table?: string): boolean => {
    if (scope.tables) return table !== undefined && scope.tables.some(([s, t]) => s === schema && t === table);
    if (scope.schemas) return scope.schemas.includes(schema);
    return true;
  };
  await setRendering(client);
  const db = (await client.query<{ num: string; encoding: string; collate: string; ctype: string }>(
    `SELECT current_setting('server_version_num') AS num, pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype FROM pg_database WHERE datname = current_database()`,
  )).rows[0];
  const rels = await client.query<{ schema: string; name: string; kind: string; bytes: string; def: string | null }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, pg_table_size(c.oid)::text AS bytes,
            md5(CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) WHEN c.relkind = 'S' THEN ${SEQUENCE_DEF} ELSE ${COLUMNS_DEF} END) AS def
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_class', 'c.oid')}
      ORDER BY 1, 2`,
  );
  const tables: Record<string, number | null> = {};
  const checksums: Record<string, string> = {};
  const definitions: Record<string, string> = {};
  const objects: string[] = [];
  const define = (line: string, def: string | null): void => {
    if (def !== null) definitions[line] = def;
  };
  const relWords: Record<string, string> = { v: 'view', m: 'materialized view', S: 'sequence', p: 'partitioned table' };
  const toCount: { key: string; sql: string; bytes: number }[] = [];
  for (const r of rels.rows) {
    if (!inScope(r.schema, r.name)) continue;
    const word = relWords[r.kind];
    const key = `${q(r.schema)}.${q(r.name)}`;
    if (word) {
      objects.push(`${word} ${key}`);
      define(`${word} ${key}`, r.def);
    }
    if (r.kind !== 'r') continue;
    define(`table ${key}`, r.def);
    if (!scope.rows) tables[key] = null;
    else toCount.push({ key, sql: `${client.escapeIdentifier(r.schema)}.${client.escapeIdentifier(r.name)}`, bytes: Number(r.bytes) });
  }
  // Checksums for the smallest tables first, up to the per-table limit and the budget.
  const wanted = new Set<string>(scope.checksumTables ?? []);
  if (scope.checksumMaxBytes !== undefined && scope.checksumMaxBytes > 0) {
    let budget = scope.checksumMaxBytes * CHECKSUM_BUDGET_FACTOR;
    for (const t of [...toCount].sort((a, b) => a.bytes - b.bytes)) {
      if (t.bytes > scope.checksumMaxBytes || t.bytes > budget) break;
      budget -= t.bytes;
      wanted.add(t.key);
    }
  }
  for (const t of toCount) {
    if (wanted.has(t.key)) {
      const row = (await client.query<{ n: string; digest: string }>(checksumSql(t.sql))).rows[0];
      tables[t.key] = Number(row?.n ?? 0);
      checksums[t.key] = row?.digest ?? '';
    } else {
      tables[t.key] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.sql}`)).rows[0]?.n ?? 0);
    }
  }
  const idx = await client.query<{ schema: string; tbl: string; name: string; def: string }>(
    `SELECT n.nspname AS schema, t.relname AS tbl, c.relname AS name, md5(pg_get_indexdef(i.indexrelid)) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_class', 't.oid')}`,
  );
  for (const r of idx.rows) {
    if (!inScope(r.schema, r.tbl)) continue;
    const line = `index ${q(r.schema)}.${q(r.name)} on ${q(r.tbl)}`;
    objects.push(line);
    define(line, r.def);
  }
  const cons = await client.query<{ schema: string; tbl: string; name: string; type: string; def: string }>(
    `SELECT n.nspname AS schema, t.relname AS tbl, c.conname AS name, c.contype::text AS type, md5(pg_get_constraintdef(c.oid)) AS def
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_class', 't.oid')}`,
  );
  const conWords: Record<string, string> = { p: 'primary key', u: 'unique', f: 'foreign key', c: 'check', x: 'exclusion', t: 'trigger constraint', n: 'not null' };
  for (const r of cons.rows) {
    if (!inScope(r.schema, r.tbl)) continue;
    const line = `${conWords[r.type] ?? 'constraint'} ${q(r.schema)}.${q(r.tbl)}.${q(r.name)}`;
    objects.push(line);
    define(line, r.def);
  }
  const trg = await client.query<{ schema: string; tbl: string; name: string; def: string }>(
    `SELECT n.nspname AS schema, t.relname AS tbl, g.tgname AS name, md5(pg_get_triggerdef(g.oid)) AS def
       FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE NOT g.tgisinternal AND ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_class', 't.oid')}`,
  );
  for (const r of trg.rows) {
    if (!inScope(r.schema, r.tbl)) continue;
    const line = `trigger ${q(r.schema)}.${q(r.tbl)}.${q(r.name)}`;
    objects.push(line);
    define(line, r.def);
  }
  if (!scope.tables) {
    // pg_get_functiondef refuses aggregates: theirs is their signature only.
    const fns = await client.query<{ schema: string; name: string; args: string; kind: string; def: string | null }>(
      `SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args, p.prokind::text AS kind,
              CASE WHEN p.prokind <> 'a' THEN md5(pg_get_functiondef(p.oid)) END AS def
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_proc', 'p.oid')}`,
    );
    const fnWords: Record<string, string> = { f: 'function', p: 'procedure', a: 'aggregate', w: 'function' };
    for (const r of fns.rows) {
      if (!inScope(r.schema)) continue;
      const line = `${fnWords[r.kind] ?? 'function'} ${q(r.schema)}.${q(r.name)}(${r.args})`;
      objects.push(line);
      define(line, r.def);
    }
  }
  return {
    tables,
    objects: objects.sort(),
    definitions,
    checksums,
    ...(scope.checksumMaxBytes !== undefined ? { checksumMaxBytes: scope.checksumMaxBytes } : {}),
    ...(db ? { serverVersionNum: Number(db.num), database: { encoding: db.encoding, collate: db.collate, ctype: db.ctype } } : {}),
  };
}
