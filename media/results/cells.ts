/**
 * Cell values for the results grid: what a cell shows, what copying it puts on
 * the clipboard, and how a column sorts. No DOM here.
 */
import type { CellValue, ResultColumn, RichCell, RichKind } from '../../src/core/query/types';

const NUMERIC_TYPES = new Set([
  'smallint', 'integer', 'bigint', 'int', 'int2', 'int4', 'int8', 'numeric', 'decimal', 'real', 'double precision',
  'float4', 'float8', 'money', 'oid', 'smallserial', 'serial', 'bigserial',
]);

/** True for server types whose values are numbers: right-aligned, sorted numerically. */
export function isNumericType(type: string): boolean {
  const base = type.toLowerCase().replace(/\(.*\)$/, '').trim();
  return NUMERIC_TYPES.has(base);
}

export function isRich(v: CellValue | undefined): v is RichCell {
  return typeof v === 'object' && v !== null;
}

export const KIND_LABEL: Record<RichKind, string> = { node: 'node', relationship: 'rel', path: 'path', map: 'map', list: 'list', json: 'json' };

/** Longest text a grid cell renders; the detail pane shows the whole value. */
const DISPLAY_LIMIT = 400;

/** One line for the grid: line breaks shown as ↵, very long values cut (the cell truncates with an ellipsis anyway). */
export function displayText(v: CellValue | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  const s = isRich(v) ? v.text : v;
  const cut = s.length > DISPLAY_LIMIT ? s.slice(0, DISPLAY_LIMIT) : s;
  return cut.replace(/\r?\n/g, ' ↵ ').replace(/\t/g, ' ');
}

/** What goes on the clipboard for one value: NULL is empty, a structured value is its JSON. */
export function copyText(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  return isRich(v) ? v.json : v;
}

/** Text for the detail pane: a structured value's JSON, a string in full. */
export function fullText(v: CellValue | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  return isRich(v) ? v.json : v;
}

export function rowCopyText(row: CellValue[] | undefined, columnCount: number): string {
  const out: string[] = [];
  for (let c = 0; c < columnCount; c++) out.push(copyText(row?.[c]));
  return out.join('\t');
}

export function columnCopyText(column: ResultColumn, rows: readonly (CellValue[] | undefined)[], col: number, order: readonly number[] | undefined): string {
  const out: string[] = [column.name];
  const n = order ? order.length : rows.length;
  for (let i = 0; i < n; i++) out.push(copyText(rows[order ? (order[i] ?? i) : i]?.[col]));
  return out.join('\n');
}

export type SortDir = 1 | -1;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'variant' });

/**
 * Row indexes of `rows` ordered by column `col`; nulls (and missing values)
 * last whichever the direction, ties in their original order.
 */
export function sortOrder(rows: readonly (CellValue[] | undefined)[], col: number, dir: SortDir, numeric: boolean): number[] {
  const n = rows.length;
  const present: number[] = [];
  const nulls: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = rows[i]?.[col];
    if (v === null || v === undefined) nulls.push(i);
    else present.push(i);
  }
  if (numeric) {
    const keys = new Float64Array(n);
    for (const i of present) {
      const v = rows[i]?.[col];
      keys[i] = Number(isRich(v) ? v.text : v);
    }
    // Values that do not parse (NaN, 'Infinity' parses) sort after the numbers, before nulls.
    present.sort((a, b) => {
      const x = keys[a] ?? NaN;
      const y = keys[b] ?? NaN;
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? 0 : Number.isNaN(x) ? 1 : -1;
      return x === y ? 0 : x < y ? -dir : dir;
    });
  } else {
    const keys: string[] = new Array<string>(n);
    for (const i of present) {
      const v = rows[i]?.[col];
      keys[i] = isRich(v) ? v.text : (v ?? '');
    }
    present.sort((a, b) => collator.compare(keys[a] ?? '', keys[b] ?? '') * dir);
  }
  for (const i of nulls) present.push(i);
  return present;
}
