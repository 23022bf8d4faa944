/**
 * What a database holds, as Verify compares it: tables with their exact row
 * counts, and objects by name per schema (views, sequences, indexes,
 * constraints, functions). At backup time it is read inside the snapshot the
 * dump itself uses (pg_export_snapshot → pg_dump --snapshot), so the counts
 * are those of the dump, not of a moment before or after it. Objects that
 * belong to extensions are left out (pg_dump writes CREATE EXTENSION, not them).
 */
import type * as Pg from 'pg';
import type { BackupOptions } from '../../backup/model';

export interface PgInventory {
  /** `"schema"."table"` → exact row count (null when rows were not counted: a schema-only dump). */
  tables: Record<string, number | null>;
  /** `kind "schema"."name"` lines: view, materialized view, sequence, index, constraint (with its table), function (with its arguments). */
  objects: string[];
}

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** The tables and objects a dump with these options covers. */
export interface InventoryScope {
  schemas?: string[];
  tables?: [string, string][];
  /** Count rows (not for schema-only dumps). */
  rows: boolean;
}

export function scopeOf(options: BackupOptions): InventoryScope {
  return { ...(options.schemas?.length ? { schemas: options.schemas } : {}), ...(options.tables?.length ? { tables: options.tables } : {}), rows: options.content !== 'schema' };
}

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;
const NOT_EXTENSION = (cls: string, oid: string): string => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${cls}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/** Reads the inventory on `client` (inside whatever transaction it is in). */
export async function readInventory(client: Pg.ClientBase, scope: InventoryScope): Promise<PgInventory> {
  const inScope = (schema: string, table?: string): boolean => {
    if (scope.tables) return table !== undefined && scope.tables.some(([s, t]) => s === schema && t === table);
    if (scope.schemas) return scope.schemas.includes(schema);
    return true;
  };
  const rels = await client.query<{ schema: string; name: string; kind: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_class', 'c.oid')}
      ORDER BY 1, 2`,
  );
  const tables: Record<string, number | null> = {};
  const objects: string[] = [];
  const relWords: Record<string, string> = { v: 'view', m: 'materialized view', S: 'sequence', p: 'partitioned table' };
  for (const r of rels.rows) {
    if (!inScope(r.schema, r.name)) continue;
    const word = relWords[r.kind];
    if (word) objects.push(`${word} ${q(r.schema)}.${q(r.name)}`);
    if (r.kind !== 'r') continue;
    const key = `${q(r.schema)}.${q(r.name)}`;
    if (!scope.rows) {
      tables[key] = null;
      continue;
    }
    const count = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${client.escapeIdentifier(r.schema)}.${client.escapeIdentifier(r.name)}`);
    tables[key] = Number(count.rows[0]?.n ?? 0);
  }
  const idx = await client.query<{ schema: string; tbl: string; name: string }>(
    `SELECT n.nspname AS schema, t.relname AS tbl, c.relname AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_class', 't.oid')}`,
  );
  for (const r of idx.rows) if (inScope(r.schema, r.tbl)) objects.push(`index ${q(r.schema)}.${q(r.name)} on ${q(r.tbl)}`);
  const cons = await client.query<{ schema: string; tbl: string; name: string; type: string }>(
    `SELECT n.nspname AS schema, t.relname AS tbl, c.conname AS name, c.contype::text AS type
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_class', 't.oid')}`,
  );
  const conWords: Record<string, string> = { p: 'primary key', u: 'unique', f: 'foreign key', c: 'check', x: 'exclusion', t: 'trigger constraint' };
  for (const r of cons.rows) if (inScope(r.schema, r.tbl)) objects.push(`${conWords[r.type] ?? 'constraint'} ${q(r.schema)}.${q(r.tbl)}.${q(r.name)}`);
  if (!scope.tables) {
    const fns = await client.query<{ schema: string; name: string; args: string }>(
      `SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION('pg_proc', 'p.oid')}`,
    );
    for (const r of fns.rows) if (inScope(r.schema)) objects.push(`function ${q(r.schema)}.${q(r.name)}(${r.args})`);
  }
  return { tables, objects: objects.sort() };
}

/** The differences between what was backed up and what a restore holds, each named; empty when equal. */
export function compareInventory(expected: PgInventory, actual: PgInventory): string[] {
  const out: string[] = [];
  const fmt = (n: number): string => n.toLocaleString('en-US');
  for (const [table, rows] of Object.entries(expected.tables)) {
    if (!(table in actual.tables)) out.push(`table ${table} is missing after the restore`);
    else if (rows !== null && actual.tables[table] !== rows) out.push(`table ${table}: ${fmt(rows)} rows at backup, ${fmt(actual.tables[table] ?? 0)} restored`);
  }
  for (const table of Object.keys(actual.tables)) if (!(table in expected.tables)) out.push(`table ${table} was not in the backup but is in the restore`);
  const have = new Set(actual.objects);
  const had = new Set(expected.objects);
  for (const o of expected.objects) if (!have.has(o)) out.push(`${o} is missing after the restore`);
  for (const o of actual.objects) if (!had.has(o)) out.push(`${o} was not in the backup but is in the restore`);
  return out;
}

/** "12 tables, 40,212 rows, 31 objects". */
export function inventoryCounts(inv: PgInventory): Record<string, number> {
  const rows = Object.values(inv.tables).reduce<number>((a, n) => a + (n ?? 0), 0);
  const counts: Record<string, number> = { tables: Object.keys(inv.tables).length, rows };
  for (const o of inv.objects) {
    const kind = /^(index|function|view|materialized view|sequence|partitioned table)\b/.exec(o)?.[1] ?? 'constraint';
    const key = kind === 'index' ? 'indexes' : kind === 'constraint' ? 'constraints' : `${kind}s`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
