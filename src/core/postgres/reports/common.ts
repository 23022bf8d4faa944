/** What every report builder shares: server facts, timing, cancel, row helpers. */
import type { PostgresConnection } from '../connection';
import { featuresFor, type PgFeatures } from '../features';
import { displayName } from '../identifiers';
import type { MaintenanceOp } from '../maintenance';
import { describeLock, describeLocks } from '../relationLocks';
import { type CellValue, type Column, type Section, type Severity } from '../../reports/model';
import { DEFAULT_REPORT_THRESHOLDS, type PgFinding as Finding, type PgReport as Report, type ReportKind, type ReportOptions, type ReportThresholds } from './model';

export interface ReportContext {
  conn: PostgresConnection;
  database: string;
  connectionName: string;
  thresholds: ReportThresholds;
  signal?: AbortSignal;
  now: Date;
  started: number;
  versionNum: number;
  serverVersion: string;
  inRecovery: boolean;
  features: PgFeatures;
}

export async function openContext(conn: PostgresConnection, database: string, connectionName: string, opts: ReportOptions): Promise<ReportContext> {
  const started = Date.now();
  checkAborted(opts.signal);
  const rows = await conn.query<{ num: string; ver: string; rec: boolean }>(
    database,
    `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS ver, pg_is_in_recovery() AS rec`,
  );
  const versionNum = Number(rows[0]?.num ?? 0);
  return {
    conn,
    database,
    connectionName,
    thresholds: { ...DEFAULT_REPORT_THRESHOLDS, ...opts.thresholds },
    signal: opts.signal,
    now: opts.now ?? new Date(),
    started,
    versionNum,
    serverVersion: rows[0]?.ver ?? '',
    inRecovery: rows[0]?.rec === true,
    features: featuresFor(versionNum),
  };
}

export function finishReport(ctx: ReportContext, kind: ReportKind, title: string, sections: Section[], findings: Finding[]): Report {
  return {
    kind,
    title,
    connectionName: ctx.connectionName,
    database: ctx.database,
    server: 'PostgreSQL',
    serverVersion: ctx.serverVersion,
    generatedAt: ctx.now.toISOString(),
    durationMs: Date.now() - ctx.started,
    sections,
    findings,
  };
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const err = new Error('The report was cancelled.');
    err.name = 'AbortError';
    throw err;
  }
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * Runs one section's queries. A failure (a missing privilege, a view this
 * server lacks) becomes that section's note instead of failing the whole
 * report; a cancel still ends it.
 */
export async function guarded(ctx: ReportContext, fallback: Omit<Section, 'rows'>, build: () => Promise<SectionResult>): Promise<SectionResult> {
  checkAborted(ctx.signal);
  try {
    return await build();
  } catch (err) {
    if (isAbort(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    return { section: { ...fallback, rows: [], note: `Could not read this: ${message.split('\n')[0] ?? message}` }, findings: [] };
  }
}

export interface SectionResult {
  section: Section;
  findings: Finding[];
}

export function finding(kind: ReportKind, sectionId: string, rowKey: string, severity: Severity, object: string, message: string, evidence: Record<string, CellValue>, fixes: MaintenanceOp[] = []): Finding {
  return { id: `${kind}:${sectionId}:${rowKey}`, severity, sectionId, rowKey, object, message, evidence, fixes };
}

/** A stable row key: schema and name joined by a dot (names may contain dots; keys are only compared). */
export function rowKey(schema: string, name: string): string {
  return `${schema}.${name}`;
}

export const col = (key: string, label: string, kind: Column['kind'] = 'text'): Column => ({ key, label, kind });

/** bigint and numeric arrive as strings from the driver. */
export function num(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function iso(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : new Date(v).toISOString();
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Schemas no report looks into. */
export const USER_SCHEMAS_SQL = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

/** A `fmt` for messages: "12.3 MB". */
export { formatBytes } from '../../format';

/** A table a report read around someone's ACCESS EXCLUSIVE lock. */
export interface LockedTable {
  oid: number;
  schema: string;
  name: string;
}

/** Tables named in one note at most; the rest are counted. */
const NOTE_TABLES = 5;

/**
 * The note a section carries when it read tables around a lock: which tables,
 * who holds the lock, and what was not read ("Locked by another session, read
 * without waiting: public.orders — ACCESS EXCLUSIVE held by backend 4242
 * since …: VACUUM FULL orders. Their sizes are estimates from pg_class.").
 */
export async function lockNote(ctx: ReportContext, tables: LockedTable[], notRead: string): Promise<string | undefined> {
  const unique = [...new Map(tables.map((t) => [t.oid, t])).values()];
  if (!unique.length) return undefined;
  const locks = await describeLocks(ctx.conn, ctx.database, unique.map((t) => t.oid));
  const named = unique.slice(0, NOTE_TABLES).map((t) => `${displayName(t.schema, t.name)} — ${describeLock(locks.get(t.oid))}`);
  const more = unique.length > NOTE_TABLES ? `; and ${unique.length - NOTE_TABLES} more` : '';
  return `Locked by another session, read without waiting for it: ${named.join('; ')}${more}. ${notRead}`;
}

/** Joins the notes a section has (undefined when none). */
export function joinNotes(...notes: (string | undefined)[]): string | undefined {
  const present = notes.filter((n): n is string => !!n);
  return present.length ? present.join(' ') : undefined;
}
