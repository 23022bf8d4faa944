/**
 * When a transaction-ID (or multixact-ID) age deserves a warning.
 *
 * PostgreSQL forces an anti-wraparound autovacuum on a table once its age
 * passes autovacuum_freeze_max_age (200 million by default;
 * autovacuum_multixact_freeze_max_age, 400 million, for multixacts). A busy
 * server reaches that daily and autovacuum handles it: being past it is
 * normal. What is not normal is going a whole such interval further without
 * the freeze finishing (a long transaction, a prepared transaction or a
 * replication slot's xmin holds it back, or it is too slow), or getting close
 * to the hard limit of 2^31, where the server stops assigning IDs (it warns
 * from 40 million before it).
 *
 * So, for each kind of ID:
 * - warning from the earlier of twice the server's own freeze max age and
 *   1.3 billion (check_postgres' txn_wraparound warning level);
 * - critical from 1.4 billion (check_postgres' critical level), whatever the
 *   settings.
 * A `wraparoundWarnAge` setting above 0 replaces the warning level.
 */
import type { Severity } from '../../reports/model';

/** check_postgres txn_wraparound defaults: warning and critical, in transactions of age. */
export const WRAPAROUND_WARN_AGE = 1_300_000_000;
export const WRAPAROUND_CRITICAL_AGE = 1_400_000_000;
/** Where IDs wrap around: the server refuses new ones a little before. */
export const WRAPAROUND_LIMIT = 2 ** 31;

export interface AgeLevels {
  warn: number;
  critical: number;
}

/** The levels for an ID kind whose autovacuum freeze max age is `freezeMaxAge`; `override` > 0 is a configured warning age. */
export function wraparoundLevels(freezeMaxAge: number, override = 0): AgeLevels {
  const warn = override > 0 ? override : Math.min(WRAPAROUND_WARN_AGE, 2 * freezeMaxAge);
  return { warn, critical: WRAPAROUND_CRITICAL_AGE };
}

export function judgeAge(age: number, levels: AgeLevels): Severity | undefined {
  if (age >= levels.critical) return 'critical';
  if (age >= levels.warn) return 'warning';
  return undefined;
}

/** Share of the way to the hard limit, 0–100 (one decimal). */
export function towardsWraparound(age: number): number {
  return Math.round((1000 * age) / WRAPAROUND_LIMIT) / 10;
}

/** The rule in words, for the sections' descriptions. */
export function describeLevels(kind: 'transaction' | 'multixact', setting: string, freezeMaxAge: number, levels: AgeLevels): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  return `Autovacuum freezes a table when its ${kind} ID age passes ${setting} (${n(freezeMaxAge)} here); ` +
    `a warning from ${n(levels.warn)} (twice that, or 1.3 billion if earlier: the freeze is not keeping up), critical from ${n(levels.critical)}; ` +
    `at 2^31 (${n(WRAPAROUND_LIMIT)}) the server stops assigning IDs.`;
}
