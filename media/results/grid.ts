/**
 * The virtual results grid. `.grid` is the scroll container: a sticky
 * `.header` row, then `.spacer`, as tall as all the rows, in which only the
 * rows in view (plus OVERSCAN either side) exist as DOM, absolutely placed.
 * Rows are fixed height. Past MAX_SPACER pixels the spacer stops growing and
 * the scroll position maps proportionally onto the rows (browsers cap element
 * heights at a few million pixels), so millions of held rows still scroll.
 *
 * Sorting is client-side over the held rows: `order` maps display position →
 * row index. The selection is kept as a row index, so it follows its row
 * through a sort.
 */
import type { CellValue, ResultColumn } from '../../src/core/query/types';
import { columnCopyText, copyText, displayText, isNumericType, isRich, KIND_LABEL, rowCopyText, sortOrder, type SortDir } from './cells';
import { el } from '../shared/dom';
import { headerCells } from './gridHeader';
import { columnWidths, keyMove, MIN_WIDTH, SAMPLE_ROWS, scrollMetrics, scrollTopToReveal, virtualTop, visibleRows, type ScrollMetrics } from './gridGeometry';

export type GridCopy = 'cell' | 'row' | 'column';

export interface GridEvents {
  selectionChanged(): void;
  openValue(): void;
  contextMenu(x: number, y: number): void;
  copy(what: GridCopy): void;
}

export interface GridSelection {
  /** Display position (after sorting). */
  view: number;
  /** Index in the held rows. */
  row: number;
  col: number;
  value: CellValue | undefined;
}

let gridIds = 0;

export class Grid {
  readonly root: HTMLDivElement;
  private readonly header: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly rendered = new Map<number, HTMLElement>();
  private readonly numeric: boolean[];
  private readonly id = `g${++gridIds}`;
  private widths: number[] = [];
  private sampled = -1;
  private resized = false;
  private gutterW = 48;
  private rowH = 22;
  private charW = 0;
  private order: number[] | undefined;
  private position: Int32Array | undefined;
  private sort: { col: number; dir: SortDir } | undefined;
  private sel: { row: number; col: number } | undefined;
  private frame = 0;
  private resortTimer: ReturnType<typeof setTimeout> | undefined;
  private savedScroll = { top: 0, left: 0 };
  private readonly resizeObserver = new ResizeObserver(() => this.schedule());

  constructor(
    private readonly columns: ResultColumn[],
    private readonly rows: (CellValue[] | undefined)[],
    private readonly events: GridEvents,
  ) {
    this.numeric = columns.map((c) => isNumericType(c.type));
    this.header = el('div', { cls: 'header', attrs: { role: 'row', 'aria-rowindex': '1' } });
    this.spacer = el('div', { cls: 'spacer', attrs: { role: 'rowgroup' } });
    this.root = el('div', { cls: 'grid', attrs: { role: 'grid', tabindex: '0', 'aria-label': 'Query results', 'aria-colcount': String(columns.length + 1) } }, this.header, this.spacer);
    const fontSize = parseFloat(getComputedStyle(document.body).getPropertyValue('--vscode-editor-font-size')) || 13;
    this.rowH = Math.max(20, Math.round(fontSize * 1.7));
    this.root.style.setProperty('--row-height', `${this.rowH}px`);
    this.root.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    this.spacer.addEventListener('mousedown', (e) => this.onPointer(e));
    this.spacer.addEventListener('dblclick', (e) => {
      if (this.cellAt(e.target)) this.events.openValue();
    });
    this.spacer.addEventListener('contextmenu', (e) => {
      if (!this.cellAt(e.target)) return;
      e.preventDefault();
      this.onPointer(e);
      this.events.contextMenu(e.clientX, e.clientY);
    });
    this.resizeObserver.observe(this.root);
    this.buildHeader();
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.resortTimer) clearTimeout(this.resortTimer);
    this.frame = 0;
    this.resortTimer = undefined;
  }

  /** Rows were appended to the held rows. */
  rowsChanged(): void {
    if (this.sort && !this.resortTimer) {
      this.resortTimer = setTimeout(() => {
        this.resortTimer = undefined;
        this.applySort();
      }, 150);
    }
    if (!this.resized && this.sampled < SAMPLE_ROWS && this.rows.length > this.sampled) this.sampled = -1;
    this.schedule();
  }

  /** The grid was put back into the document (tab switched back): restore its scroll position. */
  attached(): void {
    this.root.scrollTop = this.savedScroll.top;
    this.root.scrollLeft = this.savedScroll.left;
    this.schedule();
  }

  detaching(): void {
    this.savedScroll = { top: this.root.scrollTop, left: this.root.scrollLeft };
  }

  focus(): void {
    this.root.focus({ preventScroll: true });
  }

  count(): number {
    return this.order ? this.order.length : this.rows.length;
  }

  selection(): GridSelection | undefined {
    if (!this.sel) return undefined;
    const view = this.position ? (this.position[this.sel.row] ?? this.sel.row) : this.sel.row;
    return { view, row: this.sel.row, col: this.sel.col, value: this.rows[this.sel.row]?.[this.sel.col] };
  }

  /** Clipboard text for the selected cell, its row or its column (in display order); undefined with no selection. */
  copyText(what: GridCopy): string | undefined {
    if (!this.sel) return undefined;
    const { row, col } = this.sel;
    const column = this.columns[col];
    if (what === 'cell') return copyText(this.rows[row]?.[col]);
    if (what === 'row') return rowCopyText(this.rows[row], this.columns.length);
    return column ? columnCopyText(column, this.rows, col, this.order) : undefined;
  }

  /** Screen position of the selected cell, for a keyboard-opened context menu. */
  selectedRect(): DOMRect | undefined {
    return this.selectedCell()?.getBoundingClientRect();
  }

  // ---- header and sorting ----

  private buildHeader(): void {
    this.header.replaceChildren(...headerCells(this.columns, this.numeric, this.sort, { sort: (i) => this.toggleSort(i), startResize: (e, i, handle) => this.startResize(e, i, handle) }));
    this.layoutHeader();
  }

  private layoutHeader(): void {
    const cells = this.header.children;
    (cells[0] as HTMLElement | undefined)?.style.setProperty('width', `${this.gutterW}px`);
    this.widths.forEach((w, i) => (cells[i + 1] as HTMLElement | undefined)?.style.setProperty('width', `${w}px`));
    const total = `${this.totalWidth()}px`;
    this.header.style.width = total;
    this.spacer.style.width = total;
  }

  /** Ascending → descending → the order the server sent. */
  toggleSort(col: number): void {
    const cur = this.sort;
    this.sort = cur?.col !== col ? { col, dir: 1 } : cur.dir === 1 ? { col, dir: -1 } : undefined;
    this.applySort();
    this.buildHeader();
    const focusCol = this.header.querySelector<HTMLElement>(`.col[data-col="${col}"]`);
    focusCol?.focus({ preventScroll: true });
  }

  private applySort(): void {
    if (this.resortTimer) clearTimeout(this.resortTimer);
    this.resortTimer = undefined;
    if (!this.sort) {
      this.order = undefined;
      this.position = undefined;
    } else {
      this.order = sortOrder(this.rows, this.sort.col, this.sort.dir, this.numeric[this.sort.col] ?? false);
      this.position = new Int32Array(this.rows.length);
      this.order.forEach((r, v) => {
        if (this.position) this.position[r] = v;
      });
    }
    this.invalidate();
  }

  // ---- widths ----

  private measureChar(): number {
    const probe = el('span', { cls: 'probe', text: '0'.repeat(40) });
    this.spacer.append(probe);
    const w = probe.getBoundingClientRect().width / 40;
    probe.remove();
    return w;
  }

  private computeWidths(): void {
    if (!this.charW) this.charW = this.measureChar() || 7.5;
    this.widths = columnWidths(this.columns, this.rows, this.charW);
    this.sampled = Math.min(this.rows.length, SAMPLE_ROWS);
    this.layoutHeader();
    this.invalidate();
  }

  private totalWidth(): number {
    return this.gutterW + this.widths.reduce((a, b) => a + b, 0);
  }

  private startResize(e: PointerEvent, col: number, handle: HTMLElement): void {
    e.preventDefault();
    e.stopPropagation();
    const startX = e.clientX;
    const startW = this.widths[col] ?? MIN_WIDTH;
    handle.setPointerCapture(e.pointerId);
    const move = (m: PointerEvent): void => {
      this.resized = true;
      this.widths[col] = Math.max(32, Math.round(startW + m.clientX - startX));
      this.layoutHeader();
      const total = `${this.totalWidth()}px`;
      for (const row of this.rendered.values()) {
        row.style.width = total;
        (row.children[col + 1] as HTMLElement | undefined)?.style.setProperty('width', `${this.widths[col]}px`);
      }
    };
    const up = (): void => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', up);
  }

  // ---- painting ----

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.paint());
  }

  /** Drop every rendered row (data, widths or order changed) and repaint. */
  private invalidate(): void {
    for (const r of this.rendered.values()) r.remove();
    this.rendered.clear();
    this.schedule();
  }

  private metrics(): ScrollMetrics {
    return scrollMetrics(this.count(), this.root.clientHeight, this.header.offsetHeight, this.rowH);
  }

  private paint(): void {
    this.frame = 0;
    if (!this.root.isConnected || this.root.clientHeight === 0) return;
    if (this.sampled < 0) this.computeWidths();
    const digits = String(Math.max(1, this.count())).length;
    const gutterW = Math.max(40, Math.ceil(digits * this.charW + 20));
    if (gutterW !== this.gutterW) {
      this.gutterW = gutterW;
      this.layoutHeader();
      this.invalidate();
    }
    const m = this.metrics();
    this.spacer.style.height = `${m.spacerH}px`;
    this.root.setAttribute('aria-rowcount', String(m.n + 1));
    const st = Math.min(this.root.scrollTop, m.maxScroll);
    const vTop = virtualTop(st, m);
    const { first, last } = visibleRows(vTop, m, this.rowH);
    for (const [i, row] of this.rendered) {
      if (i < first || i > last) {
        row.remove();
        this.rendered.delete(i);
      }
    }
    const fresh: HTMLElement[] = [];
    for (let i = first; i <= last; i++) {
      let row = this.rendered.get(i);
      if (!row) {
        row = this.buildRow(i);
        this.rendered.set(i, row);
        fresh.push(row);
      }
      row.style.top = `${Math.round(st + i * this.rowH - vTop)}px`;
    }
    if (fresh.length) this.spacer.append(...fresh);
  }

  private buildRow(view: number): HTMLElement {
    const index = this.order ? (this.order[view] ?? view) : view;
    const data = this.rows[index];
    const selected = this.sel?.row === index;
    const row = el('div', { cls: `row${selected ? ' selected-row' : ''}${view % 2 ? ' odd' : ''}`, attrs: { role: 'row', 'data-index': String(view), 'data-row': String(index), 'aria-rowindex': String(view + 2) } });
    row.style.width = `${this.totalWidth()}px`;
    const gutter = el('div', { cls: 'gutter', text: String(view + 1), attrs: { role: 'rowheader', 'aria-colindex': '1' } });
    gutter.style.width = `${this.gutterW}px`;
    row.append(gutter);
    for (let c = 0; c < this.columns.length; c++) {
      const v = data?.[c];
      const cell = el('div', { cls: 'cell', attrs: { role: 'gridcell', 'data-col': String(c), 'aria-colindex': String(c + 2) } });
      cell.style.width = `${this.widths[c] ?? MIN_WIDTH}px`;
      if (this.numeric[c]) cell.classList.add('num');
      if (v === null || v === undefined) {
        cell.classList.add('null');
        cell.append(el('span', { cls: 'null-badge', text: 'NULL' }));
      } else if (isRich(v)) {
        cell.classList.add('rich', `kind-${v.kind}`);
        cell.append(el('span', { cls: 'kind', text: KIND_LABEL[v.kind], title: `${v.kind} — double-click or Enter for the JSON view` }), el('span', { cls: 'text', text: displayText(v) }));
      } else {
        cell.textContent = displayText(v);
      }
      if (selected && this.sel?.col === c) this.markSelected(cell, true);
      row.append(cell);
    }
    return row;
  }

  // ---- selection ----

  private cellAt(target: EventTarget | null): { view: number; col: number } | undefined {
    const cell = target instanceof Element ? target.closest('.cell') : null;
    const row = cell?.parentElement;
    if (!cell || !row) return undefined;
    return { view: Number(row.getAttribute('data-index')), col: Number(cell.getAttribute('data-col')) };
  }

  private onPointer(e: MouseEvent): void {
    const hit = this.cellAt(e.target);
    if (!hit) return;
    if (e.button === 0 && e.target instanceof Element && e.target.classList.contains('kind')) {
      this.select(hit.view, hit.col, false);
      this.events.openValue();
    } else {
      this.select(hit.view, hit.col, false);
    }
    this.focus();
    if (e.button === 0) e.preventDefault();
  }

  private selectedCell(): HTMLElement | undefined {
    const s = this.selection();
    if (!s) return undefined;
    return (this.rendered.get(s.view)?.children[s.col + 1] as HTMLElement | undefined) ?? undefined;
  }

  private markSelected(cell: HTMLElement, on: boolean): void {
    cell.classList.toggle('selected', on);
    cell.setAttribute('aria-selected', String(on));
    if (on) {
      cell.id = `${this.id}-active`;
      this.root.setAttribute('aria-activedescendant', cell.id);
    } else cell.removeAttribute('id');
  }

  select(view: number, col: number, reveal = true): void {
    const n = this.count();
    if (!n || !this.columns.length) return;
    const v = Math.max(0, Math.min(n - 1, view));
    const c = Math.max(0, Math.min(this.columns.length - 1, col));
    this.spacer.querySelectorAll<HTMLElement>('.selected, .selected-row').forEach((old) => {
      if (old.classList.contains('selected')) this.markSelected(old, false);
      old.classList.remove('selected-row');
    });
    this.sel = { row: this.order ? (this.order[v] ?? v) : v, col: c };
    const rowEl = this.rendered.get(v);
    rowEl?.classList.add('selected-row');
    const cell = rowEl?.children[c + 1] as HTMLElement | undefined;
    if (cell) this.markSelected(cell, true);
    if (reveal) this.reveal(v, c);
    this.events.selectionChanged();
  }

  revealSelection(): void {
    const s = this.selection();
    if (s && this.root.isConnected) this.reveal(s.view, s.col);
  }

  private reveal(view: number, col: number): void {
    const scrollTop = scrollTopToReveal(view, this.rowH, this.root.scrollTop, this.metrics());
    if (scrollTop !== undefined) this.root.scrollTop = scrollTop;
    let left = this.gutterW;
    for (let i = 0; i < col; i++) left += this.widths[i] ?? 0;
    const w = this.widths[col] ?? 0;
    const visibleLeft = this.root.scrollLeft + this.gutterW;
    const visibleRight = this.root.scrollLeft + this.root.clientWidth;
    if (left < visibleLeft) this.root.scrollLeft = left - this.gutterW;
    else if (left + w > visibleRight) this.root.scrollLeft = Math.min(left - this.gutterW, left + w - this.root.clientWidth);
    this.paint();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.target !== this.root) return;
    const s = this.selection();
    const view = s?.view ?? -1;
    const col = s?.col ?? 0;
    const page = Math.max(1, Math.floor(this.metrics().viewH / this.rowH) - 1);
    const mod = e.ctrlKey || e.metaKey;
    const next = keyMove(e.key, mod, view, col, page, this.count(), this.columns.length);
    if (next) {
      e.preventDefault();
      this.select(next[0], next[1]);
      return;
    }
    switch (e.key) {
      case 'Enter':
        if (s) this.events.openValue();
        break;
      case 'ContextMenu':
      case 'F10': {
        if (e.key === 'F10' && !e.shiftKey) return;
        const r = this.selectedRect();
        if (r) this.events.contextMenu(r.left + 8, r.bottom);
        break;
      }
      default:
        if (mod && (e.key === 'c' || e.key === 'C') && s) this.events.copy(e.shiftKey ? 'row' : 'cell');
        else return;
    }
    e.preventDefault();
  }
}
