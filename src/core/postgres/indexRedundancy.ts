/**
 * When is an index redundant — safe to drop because another index of the same
 * table serves every query it serves and enforces everything it enforces?
 * One pure judgement, used by the tree's flags and the index report alike.
 *
 * Index Y covers index X when:
 *
 * - both are valid, of the same access method, with the same predicate (a
 *   partial index is compared only with one of the same WHERE clause);
 * - X's key columns lead Y's, key by key: the same column or expression, the
 *   same operator class (`text_pattern_ops` serves `LIKE 'abc%'` in a non-C
 *   collation, the default `text_ops` does not) and the same collation. Only
 *   a B-tree may have more keys than X (a scan on its leading keys is a
 *   scan of X); other methods must match key for key;
 * - B-tree order: X's keys are in Y's order or all exactly reversed (a B-tree
 *   scans backward, so `(c DESC)` — DESC NULLS FIRST — is `(c)` read
 *   backward, while `(a, b DESC)` cannot be served by `(a, b)`);
 * - X's INCLUDE columns are among Y's columns (an index-only scan of X reads
 *   them);
 * - X enforces nothing Y does not: an exclusion constraint index, a primary
 *   key and an index a constraint owns or a foreign key depends on are never
 *   redundant (DROP INDEX is refused, and the behaviour would change). A
 *   plain unique index is redundant only to a unique index on exactly the same
 *   keys, with the same NULLS [NOT] DISTINCT, checked no later. A unique index
 *   covering a non-unique one makes the non-unique one redundant, never the
 *   other way.
 *
 * Of two indexes that cover each other (identical, or one the reverse of the
 * other), the one to keep is the one that enforces more (primary key, then a
 * constraint's, then unique), then the one in ascending order, then the first
 * by name; only the other is flagged.
 */
import type { IndexKey, PgIndex } from './objects';

function sameKey(x: IndexKey, y: IndexKey): boolean {
  return x.attnum === y.attnum && x.expression === y.expression && x.opclass === y.opclass && x.collation === y.collation;
}

function sameOrder(x: IndexKey, y: IndexKey): boolean {
  return x.desc === y.desc && x.nullsFirst === y.nullsFirst;
}

function reversedOrder(x: IndexKey, y: IndexKey): boolean {
  return x.desc !== y.desc && x.nullsFirst !== y.nullsFirst;
}

/** Whether `y` serves every query of `x` and enforces everything `x` enforces (see the rules above). */
export function covers(y: PgIndex, x: PgIndex): boolean {
  if (y === x || y.name === x.name) return false;
  if (!x.valid || !y.valid) return false;
  if (x.exclusion || x.primary || x.backsConstraint) return false;
  if (y.method !== x.method) return false;
  if (x.predicateTree !== y.predicateTree) return false;
  const prefix = x.method === 'btree';
  if (x.keys.length === 0 || x.keys.length > y.keys.length || (!prefix && x.keys.length !== y.keys.length)) return false;
  const pairs = x.keys.map((k, i) => [k, y.keys[i] as IndexKey] as const);
  if (!pairs.every(([a, b]) => sameKey(a, b))) return false;
  if (prefix && !pairs.every(([a, b]) => sameOrder(a, b)) && !pairs.every(([a, b]) => reversedOrder(a, b))) return false;
  const yColumns = new Set([...y.keys.map((k) => k.attnum).filter((n) => n > 0), ...y.include]);
  if (!x.include.every((c) => yColumns.has(c))) return false;
  if (x.unique) {
    if (!y.unique || y.keys.length !== x.keys.length || y.nullsNotDistinct !== x.nullsNotDistinct) return false;
    if (x.immediate && !y.immediate) return false;
  }
  return true;
}

/** How much an index enforces: which of two identical ones to keep. */
function weight(ix: PgIndex): number {
  return ix.primary ? 3 : ix.backsConstraint ? 2 : ix.unique ? 1 : 0;
}

/** Of two identical indexes, `y` is the one kept: it enforces more, else is in plain (ascending) order, else comes first by name. */
function keptOver(y: PgIndex, x: PgIndex): boolean {
  const descending = (ix: PgIndex): number => ix.keys.filter((k) => k.desc).length;
  if (weight(y) !== weight(x)) return weight(y) > weight(x);
  if (descending(y) !== descending(x)) return descending(y) < descending(x);
  return y.name < x.name;
}

/** The indexes that make `x` redundant (an identical one only if it is the one kept). */
function coverersOf(x: PgIndex, tableIndexes: readonly PgIndex[]): PgIndex[] {
  return tableIndexes.filter((y) => covers(y, x) && (!covers(x, y) || keptOver(y, x)));
}

/**
 * The index that makes `x` redundant, among the other indexes of its table,
 * or undefined. The one named is one that stays (not itself redundant) when
 * there is one, then the closest: the fewest keys (an identical index before
 * a wider one), then the one that enforces most, then by name.
 */
export function coveringIndex(x: PgIndex, tableIndexes: readonly PgIndex[]): PgIndex | undefined {
  const redundant = (y: PgIndex): number => (coverersOf(y, tableIndexes).length ? 1 : 0);
  return coverersOf(x, tableIndexes).sort((a, b) => redundant(a) - redundant(b) || a.keys.length - b.keys.length || weight(b) - weight(a) || (a.name < b.name ? -1 : 1))[0];
}
