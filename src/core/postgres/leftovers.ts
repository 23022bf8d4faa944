/**
 * What a failed or cancelled CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY
 * leaves behind: an invalid index that queries never use but every write still
 * updates. CREATE leaves the index it was building, under its own name;
 * REINDEX leaves `<name>_ccnew` (the copy it was building; the original stays
 * in use) or `<name>_ccold` (the original, after the swap), with a number
 * after the suffix when the name was taken.
 */
import type { PostgresConnection } from './connection';
import { buildDropIndexConcurrently, type MaintenanceOp } from './maintenance';
import { displayName } from './identifiers';

export interface LeftoverIndex {
  schema: string;
  name: string;
  /** Its table (for REINDEX of a TOAST index: the TOAST table). */
  table: string;
}

/** Invalid indexes not being built right now: the oids that existed before an operation, so it is only blamed for new ones. */
export async function invalidIndexOids(conn: PostgresConnection, database: string): Promise<string[]> {
  const rows = await conn.query<{ oid: string }>(database, 'SELECT indexrelid::int8::text AS oid FROM pg_index WHERE NOT indisvalid');
  return rows.map((r) => r.oid);
}

/** Whether an operation can leave an invalid index behind when it fails or is cancelled. */
export function mayLeaveInvalidIndex(op: MaintenanceOp): boolean {
  return op.concurrently === true && (op.kind === 'create-index' || op.kind === 'reindex');
}

/**
 * The invalid indexes `op` left: new since `before`, not being built by
 * anyone, and for CREATE the index it named, for REINDEX one with the
 * `_ccnew`/`_ccold` suffix on its table (or in its schema, or anywhere in the
 * database).
 */
export async function findLeftovers(conn: PostgresConnection, op: MaintenanceOp, before: readonly string[]): Promise<LeftoverIndex[]> {
  const t = op.target;
  const params: unknown[] = [before];
  let scope: string;
  if (op.kind === 'create-index') {
    params.push(t.schema ?? '', t.name ?? '');
    scope = 'n.nspname = $2 AND c.relname = $3';
  } else {
    const suffix = `c.relname ~ '_cc(new|old)[0-9]*$'`;
    switch (t.kind) {
      case 'index':
        // The table of the index being rebuilt (after the swap its name is the new index's).
        params.push(t.schema ?? '', t.name ?? '');
        scope = `${suffix} AND i.indrelid IN (SELECT x.indrelid FROM pg_index x JOIN pg_class xc ON xc.oid = x.indexrelid
                   JOIN pg_namespace xn ON xn.oid = xc.relnamespace WHERE xn.nspname = $2 AND xc.relname = $3)`;
        break;
      case 'table':
        // The table's own indexes and its TOAST table's.
        params.push(t.schema ?? '', t.name ?? '');
        scope = `${suffix} AND i.indrelid IN (SELECT y.oid FROM pg_class y JOIN pg_namespace yn ON yn.oid = y.relnamespace WHERE yn.nspname = $2 AND y.relname = $3
                   UNION ALL SELECT y.reltoastrelid FROM pg_class y JOIN pg_namespace yn ON yn.oid = y.relnamespace WHERE yn.nspname = $2 AND y.relname = $3)`;
        break;
      case 'schema':
        params.push(t.schema ?? '');
        scope = `${suffix} AND (tn.nspname = $2 OR t.oid IN (SELECT y.reltoastrelid FROM pg_class y JOIN pg_namespace yn ON yn.oid = y.relnamespace WHERE yn.nspname = $2))`;
        break;
      default:
        scope = suffix;
    }
  }
  const rows = await conn.query<{ schema: string; name: string; table: string }>(
    t.database,
    `SELECT n.nspname AS schema, c.relname AS name, t.relname AS table
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE NOT i.indisvalid
        AND NOT (i.indexrelid::int8::text = ANY ($1::text[]))
        AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)
        AND ${scope}
      ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"`,
    params,
  );
  return rows;
}

/** One sentence about what was left, for the message after the failure. */
export function describeLeftovers(op: MaintenanceOp, left: readonly LeftoverIndex[]): string | undefined {
  if (!left.length) return undefined;
  const names = left.map((l) => displayName(l.schema, l.name));
  const list = names.length === 1 ? `the invalid index ${names[0] ?? ''}` : `${names.length} invalid indexes (${names.join(', ')})`;
  const tables = [...new Set(left.map((l) => displayName(l.schema, l.table)))].join(', ');
  const original = op.kind === 'reindex' && left.some((l) => /_ccnew\d*$/.test(l.name)) ? ' The original index is still the one in use.' : '';
  return `It left ${list} behind: queries never use ${names.length === 1 ? 'it' : 'them'}, but every write to ${tables} still updates ${names.length === 1 ? 'it' : 'them'}. Drop ${names.length === 1 ? 'it' : 'them'} with DROP INDEX CONCURRENTLY.${original}`;
}

/** The DROP INDEX CONCURRENTLY of each leftover, as operations the user can run next. */
export function leftoverDrops(database: string, left: readonly LeftoverIndex[]): MaintenanceOp[] {
  return left.map((l) => buildDropIndexConcurrently({ kind: 'index', database, schema: l.schema, name: l.name, table: l.table }));
}
