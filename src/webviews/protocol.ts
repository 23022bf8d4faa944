/**
 * The messages between a report panel and its host. Both sides import this
 * file, so a message's shape is checked on both ends. Nothing here imports
 * 'vscode' or the DOM, and nothing names an engine: the page draws any
 * engine's report (it imports only this file's types).
 */
import type { Report } from '../core/reports/model';
import type { ReportKindInfo } from '../core/engine';
import { ENGINE_MODULES } from '../core/engines';

/**
 * Reports over every connection at once (the backups report): their
 * identity has no connection or database (both ''), and the extension hands
 * the panel host their code.
 */
export const GLOBAL_REPORT_KINDS: readonly ReportKindInfo[] = [{ id: 'backups', title: 'Backups', longTitle: 'Backups report' }];

export function globalReportKind(kind: string): ReportKindInfo | undefined {
  return GLOBAL_REPORT_KINDS.find((k) => k.id === kind);
}

/** The report panels' webview type: the serializer is registered for it at activation. */
export const REPORT_VIEW_TYPE = 'upkeep.report';

export type ExportFormat = 'html' | 'markdown' | 'csv' | 'json';

/** Each export format's file extension and name, for pickers and save dialogs. */
export const EXPORT_FORMATS: Record<ExportFormat, { ext: string; label: string }> = {
  html: { ext: 'html', label: 'HTML' },
  markdown: { ext: 'md', label: 'Markdown' },
  csv: { ext: 'csv', label: 'CSV' },
  json: { ext: 'json', label: 'JSON' },
};

/**
 * What the panel keeps across reloads (webview state). The page writes it, so
 * it is untrusted when it comes back: the serializer takes only the report's
 * identity from it (`panelIdentity`); the report, its findings and their fixes
 * are computed again on the host.
 */
export interface PanelState {
  /** The engine's report kind ('bloat', 'memory'…). */
  kind: string;
  connectionId: string;
  database: string;
  report?: Report;
}

export type PanelIdentity = Pick<PanelState, 'kind' | 'connectionId' | 'database'>;

/**
 * The report's identity from a restored page state, or undefined when it is
 * not one; nothing else is kept. (The host then checks that the connection's
 * engine offers that kind.)
 */
export function panelIdentity(saved: unknown): PanelIdentity | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const s = saved as Record<string, unknown>;
  const kind = s['kind'];
  const connectionId = s['connectionId'];
  const database = s['database'];
  if (typeof kind === 'string' && globalReportKind(kind)) return connectionId === '' && database === '' ? { kind, connectionId: '', database: '' } : undefined;
  if (typeof kind !== 'string' || !ENGINE_MODULES.some((m) => m.reports?.kinds.some((k) => k.id === kind))) return undefined;
  if (typeof connectionId !== 'string' || !connectionId || typeof database !== 'string' || !database) return undefined;
  return { kind, connectionId, database };
}

/** What the page offers besides Refresh, from the engine's description of the report kind. */
export interface PageActions {
  /** A button per table row (PostgreSQL's bloat: "Measure exactly"). */
  rowAction?: { column: string; label: string; title: string };
  /** A heavier run on demand (Redis: "Analyse all keys"). */
  fullRun?: { label: string };
}

export type HostToPage =
  | { type: 'init'; state: PanelState; actions: PageActions }
  | { type: 'computing'; message: string }
  | { type: 'report'; report: Report }
  | { type: 'failed'; message: string }
  | { type: 'cancelled' }
  | { type: 'exact'; sectionId: string; rowKey: string; text: string }
  | { type: 'fixDone'; findingId: string; message: string; ok: boolean };

export type PageToHost =
  | { type: 'ready' }
  | { type: 'refresh'; full?: boolean }
  | { type: 'cancel' }
  | { type: 'runFix'; findingId: string; fixIndex: number }
  /** A finding's editor command (Back up now); the host runs it from its own report, if it allows the command. */
  | { type: 'runAction'; findingId: string; actionIndex: number }
  | { type: 'fixScript'; findingIds: string[] }
  | { type: 'export'; format: ExportFormat }
  | { type: 'measureExact'; sectionId: string; rowKey: string };

const PAGE_TYPES = new Set(['ready', 'refresh', 'cancel', 'runFix', 'runAction', 'fixScript', 'export', 'measureExact']);

/** Messages from the page are untrusted input: accept only known shapes. */
export function parsePageMessage(raw: unknown): PageToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (typeof m['type'] !== 'string' || !PAGE_TYPES.has(m['type'])) return undefined;
  const str = (k: string): boolean => typeof m[k] === 'string';
  switch (m['type']) {
    case 'refresh':
      return m['full'] === undefined || typeof m['full'] === 'boolean' ? (m as unknown as PageToHost) : undefined;
    case 'runFix':
      return str('findingId') && typeof m['fixIndex'] === 'number' ? (m as unknown as PageToHost) : undefined;
    case 'runAction':
      return str('findingId') && Number.isInteger(m['actionIndex']) ? (m as unknown as PageToHost) : undefined;
    case 'fixScript':
      return Array.isArray(m['findingIds']) && (m['findingIds'] as unknown[]).every((x) => typeof x === 'string') ? (m as unknown as PageToHost) : undefined;
    case 'export':
      return ['html', 'markdown', 'csv', 'json'].includes(String(m['format'])) ? (m as unknown as PageToHost) : undefined;
    case 'measureExact':
      return str('sectionId') && str('rowKey') ? (m as unknown as PageToHost) : undefined;
    default:
      return m as unknown as PageToHost;
  }
}
