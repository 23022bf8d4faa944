/**
 * Reports as data, for every engine: computed in core (each engine's reports
 * live in its folder), rendered by the webview panels and exported by
 * render.ts. Every finding carries its fixes as Operations, so "Run" goes
 * through the same preview/confirm/progress path as the tree.
 */
import type { Operation, OperationLanguage } from '../operations/operation';

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
  /**
   * A column whose values split the rows into one line each (one per
   * connection); x is then a date column and points sit at their time.
   */
  series?: string;
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

export interface Finding<Op extends Operation = Operation> {
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
  fixes: Op[];
  /**
   * Commands that are a judgement call (a memory limit for this machine):
   * never run by Upkeep, written into fix scripts commented out, to adapt by hand.
   */
  manualSteps?: { language: OperationLanguage; commands: string[] };
  /**
   * Editor commands offered for the finding when what fixes it is not an
   * Operation (Back up now, Verify now). The panel offers each as a button
   * and the host runs only the commands it allows; exports say them in words.
   */
  actions?: FindingAction[];
}

/** One command a finding offers: `upkeep.backup.backupNow` with `{ connectionId, database }`. */
export interface FindingAction {
  title: string;
  command: string;
  /** The command's arguments object (plain values only, computed by the report, never by the page). */
  args: Readonly<Record<string, string | number | boolean>>;
}

export interface Report<Op extends Operation = Operation> {
  /** The engine's report kind: 'bloat', 'memory'… */
  kind: string;
  title: string;
  connectionName: string;
  database: string;
  /** The server's product as people name it ("PostgreSQL", "Redis"), shown before its version. */
  server?: string;
  serverVersion: string;
  /**
   * What a report over several connections covers ("3 connections"): shown
   * instead of its connection, database and server, which it then leaves empty.
   */
  scope?: string;
  /** ISO 8601. */
  generatedAt: string;
  durationMs: number;
  sections: Section[];
  findings: Finding<Op>[];
}
