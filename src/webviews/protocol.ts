/**
 * The messages between a report panel and its host. Both sides import this
 * file, so a message's shape is checked on both ends. Nothing here imports
 * 'vscode' or the DOM.
 */
import type { Report } from '../core/reports/model';
import { REPORT_KINDS, type ReportKind } from '../core/postgres/reports/model';

/** The report panels' webview type: the serializer is registered for it at activation. */
export const REPORT_VIEW_TYPE = 'upkeep.report';

export type ExportFormat = 'html' | 'markdown' | 'csv' | 'json';

/**
 * What the panel keeps across reloads (webview state). The page writes it, so
 * it is untrusted when it comes back: the serializer takes only the report's
 * identity from it (`panelIdentity`); the report, its findings and their fixes
 * are computed again on the host.
 */
export interface PanelState {
  kind: ReportKind;
  connectionId: string;
  database: string;
  report?: Report;
}

/** The report's identity from a restored page state, or undefined when it is not one; nothing else is kept. */
export function panelIdentity(saved: unknown): Pick<PanelState, 'kind' | 'connectionId' | 'database'> | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const s = saved as Record<string, unknown>;
  const kind = s['kind'];
  const connectionId = s['connectionId'];
  const database = s['database'];
  if (typeof kind !== 'string' || !(REPORT_KINDS as readonly string[]).includes(kind)) return undefined;
  if (typeof connectionId !== 'string' || !connectionId || typeof database !== 'string' || !database) return undefined;
  return { kind: kind as ReportKind, connectionId, database };
}

export type HostToPage =
  | { type: 'init'; state: PanelState }
  | { type: 'computing'; message: string }
  | { type: 'report'; report: Report }
  | { type: 'failed'; message: string }
  | { type: 'cancelled' }
  | { type: 'exact'; sectionId: string; rowKey: string; text: string }
  | { type: 'fixDone'; findingId: string; message: string; ok: boolean };

export type PageToHost =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'cancel' }
  | { type: 'runFix'; findingId: string; fixIndex: number }
  | { type: 'fixScript'; findingIds: string[] }
  | { type: 'export'; format: ExportFormat }
  | { type: 'measureExact'; sectionId: string; rowKey: string };

const PAGE_TYPES = new Set(['ready', 'refresh', 'cancel', 'runFix', 'fixScript', 'export', 'measureExact']);

/** Messages from the page are untrusted input: accept only known shapes. */
export function parsePageMessage(raw: unknown): PageToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  if (typeof m['type'] !== 'string' || !PAGE_TYPES.has(m['type'])) return undefined;
  const str = (k: string): boolean => typeof m[k] === 'string';
  switch (m['type']) {
    case 'runFix':
      return str('findingId') && typeof m['fixIndex'] === 'number' ? (m as unknown as PageToHost) : undefined;
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
