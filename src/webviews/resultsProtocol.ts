/**
 * Messages between the results panel and its host. Both sides import this
 * file; nothing here imports 'vscode' or the DOM. The page holds only the rows
 * the host has sent for a tab (a window of the result, up to max-rows per
 * fetch); the rest stays on the server behind an open cursor until "fetch
 * more", or goes straight to a file with "export all".
 */
import type { CellValue, HeldOnServer, ResultColumn, StatementSummary } from '../core/query/types';
import type { Engine } from '../core/engine';

export type ResultsExportFormat = 'csv' | 'json';

export interface TabInfo {
  id: string;
  /** Short title: first line of the statement, trimmed. */
  title: string;
  /** The statement as sent. */
  statement: string;
  connectionName: string;
  engine: Engine;
  /** "PostgreSQL", "Neo4j": shown in the status line. */
  engineLabel: string;
  startedAt: number;
}

/** 'closed': rows remain but the cursor was closed before the end (left idle, or released by the user). */
export type TabStatus = 'running' | 'done' | 'more' | 'closed' | 'failed' | 'cancelled';

/** What a tab's open stream holds on the server, and when the host will close it if nobody fetches. */
export interface TabHold extends HeldOnServer {
  /** Seconds without a fetch after which the host closes the stream; 0 = only when the tab closes. */
  idleCloseSeconds: number;
}

export type ResultsHostToPage =
  /** A new tab (running); the page selects it. */
  | { type: 'tab'; tab: TabInfo }
  | { type: 'columns'; tabId: string; columns: ResultColumn[] }
  /** Rows appended to the tab's window; `offset` is the index of the first one. */
  | { type: 'rows'; tabId: string; offset: number; rows: CellValue[][] }
  /**
   * The fetch that was running has finished. status 'more': the cursor is
   * still open and "Fetch more" can continue (`held`: what it keeps on the
   * server meanwhile); 'done': all rows were read; 'closed': the cursor was
   * closed before the end (`message` says why).
   */
  | { type: 'status'; tabId: string; status: TabStatus; rowCount: number; durationMs: number; summary?: StatementSummary; message?: string; held?: TabHold }
  | { type: 'closeTab'; tabId: string }
  | { type: 'selectTab'; tabId: string }
  /** A one-line message under the grid ("Copied 3 rows", "Exported 1,000,000 rows to …"). */
  | { type: 'info'; tabId: string; text: string };

export type CopyWhat = 'cell' | 'row' | 'column' | 'selection';

export type ResultsPageToHost =
  | { type: 'ready' }
  | { type: 'fetchMore'; tabId: string }
  /** Close the tab's open cursor now (releasing what it holds on the server), keeping the rows shown. */
  | { type: 'release'; tabId: string }
  | { type: 'cancel'; tabId: string }
  | { type: 'export'; tabId: string; format: ResultsExportFormat }
  | { type: 'closeTab'; tabId: string }
  /** The page composes the text (tab-separated for rows/columns); the host writes it to the clipboard. */
  | { type: 'copy'; what: CopyWhat; text: string };

const STRING_FIELDS: Record<string, string[]> = {
  ready: [],
  fetchMore: ['tabId'],
  release: ['tabId'],
  cancel: ['tabId'],
  export: ['tabId', 'format'],
  closeTab: ['tabId'],
  copy: ['what', 'text'],
};

/** Messages from the page are untrusted input: accept only known shapes. */
export function parseResultsMessage(raw: unknown): ResultsPageToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const type = m['type'];
  if (typeof type !== 'string' || !Object.hasOwn(STRING_FIELDS, type)) return undefined;
  if (!(STRING_FIELDS[type] ?? []).every((k) => typeof m[k] === 'string')) return undefined;
  if (type === 'export' && m['format'] !== 'csv' && m['format'] !== 'json') return undefined;
  if (type === 'copy' && !['cell', 'row', 'column', 'selection'].includes(String(m['what']))) return undefined;
  return m as unknown as ResultsPageToHost;
}
