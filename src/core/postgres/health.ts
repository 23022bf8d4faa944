/**
 * Health judgements on catalog data: pure functions, so the tree, reports and
 * tests agree on what "needs attention" means.
 */
import type { PgTable } from './catalog';
import { coveringIndex } from './indexRedundancy';
import type { PgIndex } from './objects';

export interface HealthThresholds {
  /** Warn when dead tuples exceed this share of live + dead (the guides: 20%). */
  deadTuplePercent: number;
  /** …and there are at least this many dead tuples (ignores tiny tables). */
  minDeadTuples: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { deadTuplePercent: 20, minDeadTuples: 50 };

export interface TableHealth {
  deadPercent: number | null;
  lastVacuumAt: Date | null;
  lastAnalyzeAt: Date | null;
  neverAnalyzed: boolean;
  warnings: string[];
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

/**
 * The one dead-tuple rule, for the tree and the health report: dead tuples
 * above `deadTuplePercent` of live + dead, and at least `minDeadTuples` of
 * them (so a tiny table with 3 dead rows of 5 stays quiet).
 */
export function tooManyDeadTuples(live: number, dead: number, th: HealthThresholds): boolean {
  return live + dead > 0 && (100 * dead) / (live + dead) > th.deadTuplePercent && dead >= th.minDeadTuples;
}

export function assessTable(t: PgTable, th: HealthThresholds = DEFAULT_THRESHOLDS): TableHealth {
  const live = t.liveTuples ?? 0;
  const dead = t.deadTuples ?? 0;
  const deadPercent = t.deadTuples === null ? null : live + dead === 0 ? 0 : (100 * dead) / (live + dead);
  const lastVacuumAt = latest(t.lastVacuum, t.lastAutovacuum);
  const lastAnalyzeAt = latest(t.lastAnalyze, t.lastAutoanalyze);
  const hasRows = live > 0 || dead > 0 || (t.estimatedRows ?? 0) > 0 || (t.modifiedSinceAnalyze ?? 0) > 0;
  // A partitioned parent keeps no statistics counters of its own; its partitions do.
  const neverAnalyzed = t.kind !== 'partitioned' && lastAnalyzeAt === null && hasRows;
  const warnings: string[] = [];
  if (deadPercent !== null && tooManyDeadTuples(live, dead, th)) {
    warnings.push(`${deadPercent.toFixed(0)}% dead tuples (${dead.toLocaleString('en-US')}), above ${th.deadTuplePercent}%: VACUUM`);
  }
  if (neverAnalyzed) warnings.push('statistics were never gathered: ANALYZE');
  return { deadPercent, lastVacuumAt, lastAnalyzeAt, neverAnalyzed, warnings };
}

export interface IndexFlags {
  unused: boolean;
  invalid: boolean;
  /** Name of the index that serves everything this one does (indexRedundancy.ts), if any. */
  duplicateOf?: string;
}

/**
 * Flags one table's indexes. Unused: never scanned and not enforcing anything
 * (unique, primary key, exclusion). Invalid: left by a failed CREATE INDEX
 * CONCURRENTLY (unless still being built). Duplicate: another index covers it
 * — same method, predicate, keys with their operator classes, collations and
 * order, its INCLUDE columns — and enforces as much (see indexRedundancy.ts).
 */
export function flagIndexes(indexes: PgIndex[]): Map<string, IndexFlags> {
  const out = new Map<string, IndexFlags>();
  for (const ix of indexes) {
    const enforces = ix.unique || ix.primary || ix.exclusion;
    const flags: IndexFlags = { unused: ix.scans === 0 && !enforces && ix.valid, invalid: !ix.valid && !ix.beingBuilt };
    const covering = coveringIndex(ix, indexes);
    if (covering) flags.duplicateOf = covering.name;
    out.set(ix.name, flags);
  }
  return out;
}
