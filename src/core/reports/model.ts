/**
 * Reports as data: computed in core, rendered by the webview panels and
 * exported by render.ts. Every finding carries its fixes as MaintenanceOps,
 * so "Run" goes through the same preview/confirm/progress path as the tree.
 */
import type { MaintenanceOp } from '../postgres/maintenance';

export type ReportKind = 'bloat' | 'indexes' | 'health' | 'capacity';
export type Severity = 'info' | 'warning' | 'critical';
export type CellValue = string | number | boolean | null;

/**
 * How a column's values read: bytes and number are numbers, percent is 0–100,
 * date is an ISO 8601 string, duration is seconds, sql is statement text.
 */
export interface Column { key: string; label: string; kind: 'text' | 'bytes' | 'number' | 'percent' | 'date' | 'duration' | 'sql' }

export interface Chart {
  kind: 'bar' | 'line';
  title: string;
  /** column key for labels/x */
  x: string;
  /** column keys plotted */
  y: string[];
  /** rows used: first N */
  limit?: number;
}

export interface Section {
  id: string;
  title: string;
  description?: string;
  columns: Column[];
  /** each row's stable key (e.g. "schema.table") in rows[i]['_key'] */
  rows: Record<string, CellValue>[];
  chart?: Chart;
  /** Shown instead of the table when there are no rows. */
  empty?: string;
  /** Shown above the table: a caveat, or why the section has nothing (e.g. an extension to enable). */
  note?: string;
}

export interface Finding {
  /** Stable across runs: `${report kind}:${sectionId}:${rowKey}`. */
  id: string;
  severity: Severity;
  sectionId: string;
  rowKey?: string;
  /** What it is about, as shown to people: "public.orders", "backend 4242". */
  object: string;
  message: string;
  evidence: Record<string, CellValue>;
  /** The first is the suggested fix; the rest are alternatives. Empty when nothing can be run for it. */
  fixes: MaintenanceOp[];
}

export interface Report {
  kind: ReportKind;
  title: string;
  connectionName: string;
  database: string;
  serverVersion: string;
  /** ISO 8601. */
  generatedAt: string;
  durationMs: number;
  sections: Section[];
  findings: Finding[];
}

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
  /** Transaction-ID age (of a database or table) that warns. */
  wraparoundWarnAge: number;
  /** A sequence this far (percent) towards its limit warns. */
  sequenceWarnPercent: number;
  /** Dead tuples at ≥ this share of live + dead warn (the guides: 20%). */
  deadTuplePercent: number;
}

export const DEFAULT_REPORT_THRESHOLDS: ReportThresholds = {
  bloatPercent: 20,
  bloatMinBytes: 10 * 1024 * 1024,
  indexBloatReindexPercent: 30,
  unusedIndexMinBytes: 0,
  seqScanMinRows: 10_000,
  cacheHitMin: 90,
  longQuerySeconds: 60,
  wraparoundWarnAge: 200_000_000,
  sequenceWarnPercent: 75,
  deadTuplePercent: 20,
};

export interface ReportOptions {
  signal?: AbortSignal;
  thresholds?: ReportThresholds;
  now?: Date;
}
