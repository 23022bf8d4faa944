/**
 * One result tab's body: the status bar (state, counts, actions), the line
 * saying what an open cursor holds on the server (or why it was closed), the grid or
 * — for a statement without columns — its command tag, the detail pane with
 * the selected cell's full value / JSON, the collapsible server messages and
 * the transient info line. Each tab keeps its own rows and view.
 */
import type { CellValue, ResultColumn, StatementSummary } from '../../src/core/query/types';
import type { ResultsPageToHost, TabHold, TabInfo, TabStatus } from '../../src/webviews/resultsProtocol';
import { formatDuration } from '../../src/core/format';
import { fullText, isRich } from './cells';
import { button, formatInt } from './dom';
import { el, icon } from '../shared/dom';
import { Grid, type GridCopy } from './grid';
import { closeMenu, showMenu } from './menu';

export interface TabData {
  info: TabInfo;
  /** Known only from the saved state after a reload; the host has not re-sent it (yet). */
  restored: boolean;
  status: TabStatus;
  columns?: ResultColumn[];
  rows: (CellValue[] | undefined)[];
  rowCount: number;
  durationMs?: number;
  summary?: StatementSummary;
  message?: string;
  /** While 'more': what the open cursor holds on the server. */
  held?: TabHold;
}

export const STATUS_ICON: Record<TabStatus, string> = {
  running: 'loading codicon-modifier-spin',
  done: 'check',
  more: 'ellipsis',
  closed: 'debug-disconnect',
  failed: 'warning',
  cancelled: 'circle-slash',
};

const INFO_MS = 8000;

/** 13:05:09, in the viewer's time zone. */
function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** 300 → "5 min", 90 → "90 s". */
function seconds(n: number): string {
  return n >= 120 && n % 60 === 0 ? `${n / 60} min` : `${n} s`;
}
const CYPHER_KIND: Record<string, string> = { r: 'read', w: 'write', rw: 'read/write', s: 'schema' };

export class TabView {
  readonly root: HTMLElement;
  private readonly statusEl = el('div', { cls: 'status', attrs: { role: 'toolbar', 'aria-label': 'Result actions' } });
  private readonly holdEl = el('div', { cls: 'hold', attrs: { role: 'status' } });
  private readonly mainEl = el('div', { cls: 'grid-area' });
  private readonly detailEl = el('aside', { cls: 'detail', attrs: { 'aria-label': 'Cell value' } });
  private readonly messagesEl = el('div', { cls: 'messages-box' });
  private readonly infoEl = el('div', { cls: 'info', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly emptyEl = el('div', { cls: 'empty' });
  private grid: Grid | undefined;
  private gridColumns: ResultColumn[] | undefined;
  private detailOpen = false;
  private messagesOpen: boolean | undefined;
  private runningSince: number;
  private elapsedEl: HTMLElement | undefined;
  private readonly stateEl = el('span', { cls: 'state' });
  private readonly factsEl = el('span', { cls: 'facts' });
  private copyButtons: HTMLButtonElement[] = [];
  private valueButton: HTMLButtonElement | undefined;
  private infoTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly data: TabData,
    private readonly post: (m: ResultsPageToHost) => void,
  ) {
    this.runningSince = Math.min(Date.now(), data.info.startedAt);
    this.root = el(
      'div',
      { cls: 'tab-body', attrs: { role: 'tabpanel', 'data-tab-id': data.info.id } },
      this.statusEl,
      this.holdEl,
      el('div', { cls: 'content' }, this.mainEl, this.detailEl),
      this.messagesEl,
      this.infoEl,
    );
    this.render();
  }

  /** The host sent the tab again (a re-run, or re-sending after a reload): start over. */
  reset(info: TabInfo): void {
    this.data.info = info;
    this.data.restored = false;
    this.data.status = 'running';
    this.data.columns = undefined;
    this.data.rows = [];
    this.data.rowCount = 0;
    this.data.durationMs = this.data.summary = this.data.message = this.data.held = undefined;
    this.grid?.dispose();
    this.grid = this.gridColumns = undefined;
    this.detailOpen = false;
    this.messagesOpen = undefined;
    this.runningSince = Math.min(Date.now(), info.startedAt);
    this.render();
  }

  setColumns(columns: ResultColumn[]): void {
    this.data.columns = columns;
    this.render();
  }

  addRows(offset: number, rows: CellValue[][]): void {
    const held = this.data.rows;
    const overwrote = offset < held.length;
    for (let i = 0; i < rows.length; i++) held[offset + i] = rows[i];
    if (overwrote && this.grid) this.rebuildGrid();
    else this.grid?.rowsChanged();
    this.mainEl.classList.toggle('has-rows', held.length > 0);
    this.updateCounts();
  }

  setStatus(m: { status: TabStatus; rowCount: number; durationMs: number; summary?: StatementSummary; message?: string; held?: TabHold }): void {
    if (m.status === 'running' && this.data.status !== 'running') this.runningSince = Date.now();
    this.data.status = m.status;
    this.data.rowCount = m.rowCount;
    this.data.durationMs = m.durationMs;
    if (m.summary) this.data.summary = m.summary;
    this.data.message = m.message;
    this.data.held = m.held;
    this.render();
  }

  info(text: string): void {
    this.infoEl.replaceChildren(icon('info'), el('span', { text }));
    this.infoEl.classList.add('visible');
    if (this.infoTimer) clearTimeout(this.infoTimer);
    this.infoTimer = setTimeout(() => {
      this.infoEl.classList.remove('visible');
      this.infoEl.replaceChildren();
    }, INFO_MS);
  }

  shown(): void {
    this.grid?.attached();
  }

  hiding(): void {
    this.grid?.detaching();
    closeMenu();
  }

  focus(): void {
    this.grid?.focus();
  }

  /** Once a second while running: the elapsed time. */
  tick(): void {
    if (this.data.status === 'running' && this.elapsedEl) this.elapsedEl.textContent = formatDuration(Date.now() - this.runningSince);
  }

  // ---- rendering ----

  private render(): void {
    this.renderStatus();
    this.renderMain();
    this.renderDetail();
    this.renderMessages();
  }

  private hasGrid(): boolean {
    return (this.data.columns?.length ?? 0) > 0;
  }

  private rebuildGrid(): void {
    this.grid?.dispose();
    this.grid = undefined;
    this.renderMain();
    this.updateCopyButtons();
  }

  /** The tab is closed: stop observing. */
  dispose(): void {
    this.grid?.dispose();
    if (this.infoTimer) clearTimeout(this.infoTimer);
    closeMenu();
  }

  private renderMain(): void {
    const d = this.data;
    this.root.classList.toggle('no-grid', !this.hasGrid());
    if (this.hasGrid() && d.columns) {
      if (!this.grid || this.gridColumns !== d.columns) {
        this.grid?.dispose();
        this.gridColumns = d.columns;
        this.grid = new Grid(d.columns, d.rows, {
          selectionChanged: () => {
            this.updateCopyButtons();
            if (this.detailOpen) this.renderDetail();
          },
          openValue: () => this.toggleDetail(true),
          contextMenu: (x, y) => this.contextMenu(x, y),
          copy: (what) => this.copy(what),
        });
        this.mainEl.replaceChildren(this.grid.root, this.emptyEl);
      }
      this.emptyEl.textContent = d.status === 'running' ? 'Waiting for rows…' : 'No rows.';
      this.mainEl.classList.toggle('has-rows', d.rows.length > 0);
      this.grid.rowsChanged();
      return;
    }
    this.grid?.dispose();
    this.grid = this.gridColumns = undefined;
    const statement = el('pre', { cls: 'statement', text: d.info.statement.length > 2000 ? `${d.info.statement.slice(0, 2000)}…` : d.info.statement });
    if (d.restored) {
      this.mainEl.replaceChildren(el('div', { cls: 'placeholder' }, icon('history'), el('span', { text: 'These results are no longer held. Run the statement again to see them.' })), statement);
    } else if (d.status === 'running' || (d.status === 'more' && !d.columns)) {
      this.mainEl.replaceChildren(el('div', { cls: 'placeholder' }, icon('loading', 'codicon-modifier-spin'), el('span', { text: 'Running…' })), statement);
    } else if (d.status === 'failed') {
      this.mainEl.replaceChildren(el('div', { cls: 'failure', attrs: { role: 'alert' } }, icon('error'), el('span', { text: d.message ?? 'The statement failed.' })), statement);
    } else if (d.status === 'cancelled') {
      this.mainEl.replaceChildren(el('div', { cls: 'placeholder' }, icon('circle-slash'), el('span', { text: 'Cancelled before any rows arrived.' })), statement);
    } else {
      const tag = this.commandText() || 'Done';
      this.mainEl.replaceChildren(
        el('div', { cls: 'command-result' }, icon('pass'), el('span', { cls: 'command', text: tag }), d.durationMs !== undefined ? el('span', { cls: 'muted', text: formatDuration(d.durationMs) }) : undefined),
        statement,
      );
    }
  }

  private commandText(): string {
    const s = this.data.summary;
    if (!s) return '';
    const cmd = this.data.info.engine === 'neo4j' ? (CYPHER_KIND[s.command] ?? s.command) : s.command;
    // A SELECT's count is the grid's row count; for writes the affected rows are the news.
    if (s.affected === undefined || s.command.toUpperCase() === 'SELECT') return cmd;
    return `${cmd} · ${formatInt(s.affected)} row${s.affected === 1 ? '' : 's'} affected`;
  }

  /** The whole status bar: on status, columns or tab changes (rows arriving only update the counts). */
  private renderStatus(): void {
    const d = this.data;
    // Keyboard users keep their place when the buttons change (Fetch more → Cancel → Fetch more).
    const focused = this.statusEl.contains(document.activeElement) ? document.activeElement : null;
    const focusedAction = focused instanceof HTMLElement ? (Array.from(focused.classList).find((c) => c !== 'button' && c !== 'secondary' && c !== 'icon-only') ?? '') : undefined;
    const id = d.info.id;
    const conn = `${d.info.connectionName} · ${d.info.engineLabel}`;
    const parts: HTMLElement[] = [];
    if (d.status === 'running' && !d.restored) parts.push(button('Cancel', () => this.post({ type: 'cancel', tabId: id }), { cls: 'cancel', iconName: 'debug-stop', secondary: true, title: 'Cancel the running statement' }));
    if (d.status === 'more') {
      parts.push(
        button('Fetch more', () => this.post({ type: 'fetchMore', tabId: id }), { cls: 'fetch-more', iconName: 'cloud-download', title: 'Fetch the next rows from the open cursor' }),
        button('Close cursor', () => this.post({ type: 'release', tabId: id }), { cls: 'release', iconName: 'debug-disconnect', secondary: true, title: 'Close the open cursor and release what it holds on the server; the rows shown stay' }),
      );
    }
    this.copyButtons = [];
    this.valueButton = undefined;
    if (this.hasGrid()) {
      const none = !this.grid?.selection();
      const hints: Record<GridCopy, string> = { cell: ' (Ctrl+C)', row: ' (Ctrl+Shift+C)', column: '' };
      this.copyButtons = (['cell', 'row', 'column'] as const).map((what) =>
        button(`Copy ${what}`, () => this.copy(what), { cls: `copy-${what}`, iconName: what === 'cell' ? 'copy' : what === 'row' ? 'list-flat' : 'table', iconOnly: true, secondary: true, disabled: none, title: `Copy ${what}${hints[what]}` }),
      );
      this.valueButton = button('Value', () => this.toggleDetail(!this.detailOpen), { cls: 'show-value', iconName: 'json', iconOnly: true, secondary: true, title: 'Show the selected cell in full (JSON view)' });
      parts.push(
        el('span', { cls: 'group' }, ...this.copyButtons, this.valueButton),
        button('Export CSV', () => this.post({ type: 'export', tabId: id, format: 'csv' }), { cls: 'export-csv', iconName: 'export', secondary: true, title: 'Export the result as CSV' }),
        button('Export JSON', () => this.post({ type: 'export', tabId: id, format: 'json' }), { cls: 'export-json', iconName: 'export', secondary: true, title: 'Export the result as JSON' }),
      );
    }
    this.statusEl.replaceChildren(el('div', { cls: 'summary' }, this.stateEl, this.factsEl, el('span', { cls: 'conn', text: conn, title: conn })), el('div', { cls: 'actions' }, ...parts));
    if (focusedAction !== undefined) {
      const same = focusedAction ? this.statusEl.querySelector<HTMLElement>(`button.${focusedAction}:not(:disabled)`) : null;
      (same ?? this.statusEl.querySelector<HTMLElement>('button:not(:disabled)'))?.focus();
    }
    this.renderHold();
    this.updateValueButton();
    this.updateCounts();
  }

  /** What the open cursor holds on the server, or why it was closed. */
  private renderHold(): void {
    const d = this.data;
    const held = d.status === 'more' && !d.restored ? d.held : undefined;
    if (held) {
      const closes = held.idleCloseSeconds > 0 ? ` Closed after ${seconds(held.idleCloseSeconds)} without Fetch more.` : '';
      const text = `Holding ${held.what} since ${clock(held.since)} — ${held.effect}.${closes}`;
      this.holdEl.className = 'hold holding';
      this.holdEl.replaceChildren(icon('lock'), el('span', { cls: 'hold-text', text, title: text }));
    } else if (d.status === 'closed' && !d.restored && d.message) {
      this.holdEl.className = 'hold released';
      this.holdEl.replaceChildren(icon('debug-disconnect'), el('span', { cls: 'hold-text', text: d.message, title: d.message }));
    } else {
      this.holdEl.className = 'hold';
      this.holdEl.replaceChildren();
    }
  }

  /** The state and the counts: cheap, on every batch of rows. */
  private updateCounts(): void {
    const d = this.data;
    this.elapsedEl = undefined;
    const state = this.stateEl;
    state.className = `state state-${d.restored ? 'restored' : d.status}`;
    if (d.restored) state.replaceChildren(icon('history'), el('span', { text: 'Not loaded' }));
    else if (d.status === 'running') {
      this.elapsedEl = el('span', { cls: 'elapsed', text: formatDuration(Date.now() - this.runningSince) });
      state.replaceChildren(icon('loading', 'codicon-modifier-spin'), el('span', { text: 'Running…' }), this.elapsedEl);
    } else if (d.status === 'more') state.replaceChildren(icon('ellipsis'), el('span', { text: `Fetched ${formatInt(d.rows.length)} rows — more available` }));
    else if (d.status === 'closed') state.replaceChildren(icon('debug-disconnect'), el('span', { text: `Fetched ${formatInt(d.rows.length)} rows — cursor closed` }));
    else if (d.status === 'failed') state.replaceChildren(icon('error'), el('strong', { text: 'Failed:' }), el('span', { cls: 'error', text: d.message ?? 'the statement failed', title: d.message }));
    else if (d.status === 'cancelled') state.replaceChildren(icon('circle-slash'), el('span', { text: 'Cancelled' }));
    else state.replaceChildren(icon('check'), el('span', { text: 'Done' }));
    const facts: string[] = [];
    if (this.hasGrid() && d.status !== 'more' && d.status !== 'closed') facts.push(`${formatInt(d.rows.length)} row${d.rows.length === 1 ? '' : 's'}`);
    if (d.durationMs !== undefined && d.status !== 'running') facts.push(formatDuration(d.durationMs));
    const cmd = this.commandText();
    if (cmd) facts.push(cmd);
    this.factsEl.textContent = facts.join(' · ');
  }

  private updateValueButton(): void {
    this.valueButton?.classList.toggle('active', this.detailOpen);
    this.valueButton?.setAttribute('aria-pressed', String(this.detailOpen));
  }

  private updateCopyButtons(): void {
    const has = !!this.grid?.selection();
    for (const b of this.copyButtons) b.disabled = !has;
  }

  private renderMessages(): void {
    const notices = this.data.summary?.notices ?? [];
    if (!notices.length) {
      this.messagesEl.replaceChildren();
      return;
    }
    const box = el('details', { cls: 'messages' });
    box.open = this.messagesOpen ?? !this.hasGrid();
    box.addEventListener('toggle', () => (this.messagesOpen = box.open));
    box.append(
      el('summary', {}, icon('output'), el('span', { text: `Messages (${formatInt(notices.length)})` })),
      el('div', { cls: 'message-list' }, ...notices.map((n) => el('div', { cls: 'notice', text: n }))),
    );
    this.messagesEl.replaceChildren(box);
  }

  // ---- detail pane, copy, context menu ----

  private toggleDetail(open: boolean): void {
    this.detailOpen = open;
    this.renderDetail();
    this.updateValueButton();
    // The grid just got narrower (or wider): keep the selected cell in view.
    requestAnimationFrame(() => this.grid?.revealSelection());
    if (!open) this.grid?.focus();
  }

  private renderDetail(): void {
    this.detailEl.classList.toggle('open', this.detailOpen && this.hasGrid());
    if (!this.detailOpen || !this.grid) {
      this.detailEl.replaceChildren();
      return;
    }
    const s = this.grid.selection();
    const column = s ? this.data.columns?.[s.col] : undefined;
    const v = s?.value;
    const kind = v === undefined ? '' : v === null ? 'null' : isRich(v) ? v.kind : 'text';
    const title = s && column ? `${column.name} · row ${formatInt(s.view + 1)}${isRich(v) ? ` · ${v.kind}` : column.type ? ` · ${column.type}` : ''}` : 'No cell selected';
    const head = el(
      'div',
      { cls: 'detail-head' },
      el('span', { cls: 'detail-title', text: title, title }),
      button('Copy value', () => this.copy('cell'), { cls: 'copy-value', iconName: 'copy', iconOnly: true, secondary: true, disabled: !s }),
      button('Close', () => this.toggleDetail(false), { cls: 'close-detail', iconName: 'close', iconOnly: true, secondary: true, title: 'Close the value pane' }),
    );
    const pre = el('pre', { cls: `json-view${v === null ? ' null' : ''}`, text: s ? fullText(v) : 'Select a cell to see its full value.', attrs: { 'data-kind': kind, tabindex: '0' } });
    this.detailEl.replaceChildren(head, pre);
  }

  private copy(what: GridCopy): void {
    const text = this.grid?.copyText(what);
    if (text !== undefined) this.post({ type: 'copy', what, text });
  }

  private contextMenu(x: number, y: number): void {
    const grid = this.grid;
    if (!grid) return;
    showMenu(
      x,
      y,
      [
        { label: 'Copy cell', cls: 'menu-copy-cell', iconName: 'copy', shortcut: 'Ctrl+C', action: () => this.copy('cell') },
        { label: 'Copy row', cls: 'menu-copy-row', iconName: 'list-flat', shortcut: 'Ctrl+Shift+C', action: () => this.copy('row') },
        { label: 'Copy column', cls: 'menu-copy-column', iconName: 'table', action: () => this.copy('column') },
        { label: 'Show value', cls: 'menu-show-value', iconName: 'json', shortcut: 'Enter', action: () => this.toggleDetail(true) },
      ],
      grid.root,
    );
  }
}
