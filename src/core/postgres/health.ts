/**
 * Health judgements on catalog data: pure functions, so the tree, reports and
 * tests agree on what "needs attention" means.
 */
import type { PgTable } from './catalog';
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
  if (deadPercent !== null && deadPercent > th.deadTuplePercent && dead >= th.minDeadTuples) {
    warnings.push(`${deadPercent.toFixed(0)}% dead tuples (${dead.toLocaleString('en-US')}), above ${th.deadTuplePercent}%: VACUUM`);
  }
  if (neverAnalyzed) warnings.push('statistics were never gathered: ANALYZE');
  return { deadPercent, lastVacuumAt, lastAnalyzeAt, neverAnalyzed, warnings };
}

export interface IndexFlags {
  unused: boolean;
  invalid: boolean;
  /** Name of the index whose leading columns repeat this one's, if any. */
  duplicateOf?: string;
}

/**
 * Flags one table's indexes. Unused: never scanned and not enforcing anything
 * (unique, primary key, exclusion). Invalid: left by a failed CREATE INDEX
 * CONCURRENTLY (unless still being built). Duplicate: same method, same
 * predicate and expressions, and its columns are a prefix of another index's
 * (an index equal to a unique one is the redundant side).
 */
export function flagIndexes(indexes: PgIndex[]): Map<string, IndexFlags> {
  const out = new Map<string, IndexFlags>();
  for (const ix of indexes) {
    const enforces = ix.unique || ix.primary || ix.exclusion;
    const flags: IndexFlags = { unused: ix.scans === 0 && !enforces && ix.valid, invalid: !ix.valid && !ix.beingBuilt };
    if (!enforces && !ix.hasExpressions) {
      const covering = indexes.find(
        (other) =>
          other.name !== ix.name &&
          other.valid &&
          other.method === ix.method &&
          other.predicate === ix.predicate &&
          !other.hasExpressions &&
          other.columns.length >= ix.columns.length &&
          ix.columns.every((c, i) => other.columns[i] === c) &&
          // Two identical plain indexes: flag only one of them (the later name).
          (other.columns.length > ix.columns.length || other.unique || other.primary || other.name < ix.name),
      );
      if (covering) flags.duplicateOf = covering.name;
    }
    out.set(ix.name, flags);
  }
  return out;
}
