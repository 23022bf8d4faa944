/**
 * Comparing what was backed up with what a restore holds (pure): tables and
 * their rows, row checksums where the backup recorded them, objects by name,
 * and their definitions where both sides recorded them on servers of the
 * same major version (pg_get_viewdef and friends render differently across
 * versions). Every difference is named.
 */
import type { PgInventory } from './inventory';

export interface Comparison {
  differences: string[];
  /** What was compared, for the summary ("4 tables (1,746 rows, 3 checksummed), 12 objects with definitions"). */
  compared: string;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, word: string): string => `${fmt(n)} ${word}${n === 1 ? '' : 's'}`;

const major = (num: number | undefined): number | undefined => (num === undefined ? undefined : num >= 100_000 ? Math.floor(num / 10_000) : Math.floor(num / 100));

/** The differences between what was backed up and what a restore holds, each named; empty when equal. */
export function compareInventory(expected: PgInventory, actual: PgInventory): string[] {
  return compareInventories(expected, actual).differences;
}

export function compareInventories(expected: PgInventory, actual: PgInventory): Comparison {
  const out: string[] = [];
  for (const [table, rows] of Object.entries(expected.tables)) {
    if (!(table in actual.tables)) {
      out.push(`table ${table}: missing after the restore`);
      continue;
    }
    const got = actual.tables[table] ?? 0;
    if (rows !== null && got !== rows) out.push(`table ${table}: ${fmt(rows)} rows at backup, ${fmt(got)} restored`);
    else if (expected.checksums?.[table] !== undefined && actual.checksums?.[table] !== undefined && expected.checksums[table] !== actual.checksums[table]) {
      out.push(`table ${table}: checksum differs (the same ${plural(got, 'row')}, other contents)`);
    }
  }
  for (const table of Object.keys(actual.tables)) if (!(table in expected.tables)) out.push(`table ${table}: not in the backup but in the restore`);
  const have = new Set(actual.objects);
  const had = new Set(expected.objects);
  for (const o of expected.objects) if (!have.has(o)) out.push(`${o}: missing after the restore`);
  for (const o of actual.objects) if (!had.has(o)) out.push(`${o}: not in the backup but in the restore`);

  const sameMajor = major(expected.serverVersionNum) !== undefined && major(expected.serverVersionNum) === major(actual.serverVersionNum);
  let definitions = 0;
  if (sameMajor && expected.definitions && actual.definitions) {
    const columnsFor = Object.keys(expected.tables).map((t) => `table ${t}`);
    for (const line of [...columnsFor, ...expected.objects]) {
      const was = expected.definitions[line];
      const is = actual.definitions[line];
      if (was === undefined || is === undefined) continue;
      definitions++;
      if (was !== is) out.push(line.startsWith('table ') ? `${line}: columns differ` : `${line}: definition differs`);
    }
  }
  const rows = Object.values(expected.tables).reduce<number>((a, n) => a + (n ?? 0), 0);
  const counted = Object.values(expected.tables).some((n) => n !== null);
  const summed = Object.keys(expected.checksums ?? {}).filter((t) => t in actual.tables).length;
  const nTables = Object.keys(expected.tables).length;
  const parts = counted ? [plural(rows, 'row'), ...(summed ? [`${fmt(summed)} checksummed`] : [])] : [];
  const objects = `${plural(expected.objects.length, 'object')}${definitions ? ` (${fmt(definitions)} definitions compared)` : sameMajor ? '' : ' (by name: the servers\' major versions differ, so definitions were not compared)'}`;
  return { differences: out, compared: `${plural(nTables, 'table')}${parts.length ? ` (${parts.join(', ')})` : ''} and ${objects}` };
}

/** "12 tables, 40,212 rows, 31 indexes…" for the manifest. */
export function inventoryCounts(inv: PgInventory): Record<string, number> {
  const rows = Object.values(inv.tables).reduce<number>((a, n) => a + (n ?? 0), 0);
  const counts: Record<string, number> = { tables: Object.keys(inv.tables).length, rows };
  const plurals: Record<string, string> = { index: 'indexes', 'materialized view': 'materialized views', 'partitioned table': 'partitioned tables' };
  for (const o of inv.objects) {
    const kind = /^(index|function|procedure|aggregate|trigger(?! constraint)|view|materialized view|sequence|partitioned table)\b/.exec(o)?.[1] ?? 'constraint';
    const key = plurals[kind] ?? `${kind}s`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  if (inv.checksums && Object.keys(inv.checksums).length) counts['checksummed tables'] = Object.keys(inv.checksums).length;
  return counts;
}
