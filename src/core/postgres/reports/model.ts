/** PostgreSQL's reports: their kinds, thresholds and options, on the shared Report model. */
import type { Finding, Report } from '../../reports/model';
import { DEFAULT_THRESHOLDS } from '../health';
import type { MaintenanceOp } from '../maintenance';

export const REPORT_KINDS = ['bloat', 'indexes', 'health', 'capacity'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export type PgReport = Report<MaintenanceOp> & { kind: ReportKind };
export type PgFinding = Finding<MaintenanceOp>;

export interface ReportThresholds {
  /** Table bloat warns at ≥ this share of the table (the guides: 20%)… */
  bloatPercent: number;
  /** …and at least this many wasted bytes (10 MB). */
  bloatMinBytes: number;
  /** REINDEX is suggested above this share of an index (the guides: 30%). */
  indexBloatReindexPercent: number;
  /** Unused indexes smaller than this are not listed (0: all). */
  unusedIndexMinBytes: number;
  /** A table with mostly sequential scans probably misses an index from this many live rows. */
  seqScanMinRows: number;
  /** Cache hit ratio below this (percent) warns (the guides: 90%). */
  cacheHitMin: number;
  /** Queries running, and transactions left idle, longer than this (seconds). */
  longQuerySeconds: number;
  /**
   * Transaction-ID (and multixact) age of a database or table that warns; 0:
   * from the server's own settings (see wraparound.ts: the earlier of twice
   * autovacuum_freeze_max_age and 1.3 billion).
   */
  wraparoundWarnAge: number;
  /** A sequence this far (percent) towards its limit warns. */
  sequenceWarnPercent: number;
  /** Dead tuples above this share of live + dead warn (the guides: 20%)… */
  deadTuplePercent: number;
  /** …when there are at least this many of them (upkeep.health.minDeadTuples, as in the tree). */
  minDeadTuples: number;
  /** A replica replaying this many seconds behind warns (the guides check 30 s)… */
  replicationLagSeconds: number;
  /** …or this many bytes of WAL behind. */
  replicationLagBytes: number;
}

export const DEFAULT_REPORT_THRESHOLDS: ReportThresholds = {
  bloatPercent: 20,
  bloatMinBytes: 10 * 1024 * 1024,
  indexBloatReindexPercent: 30,
  unusedIndexMinBytes: 0,
  seqScanMinRows: 10_000,
  cacheHitMin: 90,
  longQuerySeconds: 60,
  wraparoundWarnAge: 0,
  sequenceWarnPercent: 75,
  deadTuplePercent: DEFAULT_THRESHOLDS.deadTuplePercent,
  minDeadTuples: DEFAULT_THRESHOLDS.minDeadTuples,
  replicationLagSeconds: 30,
  replicationLagBytes: 1024 * 1024 * 1024,
};

export interface ReportOptions {
  signal?: AbortSignal;
  thresholds?: ReportThresholds;
  now?: Date;
}
