/**
 * The arithmetic of the virtual grid, apart from its DOM: which rows are in
 * view for a scroll position, how a scroll position past the browser's
 * element-height cap maps onto rows, where to scroll to reveal a row, and how
 * wide a column starts out. Pure functions of numbers and cell values.
 */
import type { CellValue, ResultColumn } from '../../src/core/query/types';
import { displayText, isRich, KIND_LABEL } from './cells';

/** Rows built either side of the viewport. */
export const OVERSCAN = 8;
/** The spacer's tallest height: past it, scroll positions map proportionally onto rows. */
export const MAX_SPACER = 8_000_000;
/** Rows read to size the columns. */
export const SAMPLE_ROWS = 100;
export const MIN_WIDTH = 56;
export const MAX_WIDTH = 420;

export interface ScrollMetrics {
  /** Rows in the grid. */
  n: number;
  /** Height of the rows' viewport. */
  viewH: number;
  spacerH: number;
  /** The largest scrollTop the spacer allows. */
  maxScroll: number;
  /** The largest offset into all rows, unscaled. */
  virtualMax: number;
}

export function scrollMetrics(n: number, clientHeight: number, headerHeight: number, rowH: number): ScrollMetrics {
  const viewH = Math.max(0, clientHeight - headerHeight);
  const total = n * rowH;
  const spacerH = Math.min(total, MAX_SPACER);
  return { n, viewH, spacerH, maxScroll: Math.max(0, spacerH - viewH), virtualMax: Math.max(0, total - viewH) };
}

/** The virtual offset (in unscaled row pixels) of the top of the viewport. */
export function virtualTop(scrollTop: number, m: ScrollMetrics): number {
  return m.maxScroll > 0 ? (Math.min(scrollTop, m.maxScroll) / m.maxScroll) * m.virtualMax : 0;
}

/** The display positions to build for a viewport starting at `vTop`, overscan included. */
export function visibleRows(vTop: number, m: ScrollMetrics, rowH: number): { first: number; last: number } {
  return {
    first: Math.max(0, Math.floor(vTop / rowH) - OVERSCAN),
    last: Math.min(m.n - 1, Math.ceil((vTop + m.viewH) / rowH) + OVERSCAN),
  };
}

/** The scrollTop that brings row `view` into the viewport, or undefined when it is already in it. */
export function scrollTopToReveal(view: number, rowH: number, scrollTop: number, m: ScrollMetrics): number | undefined {
  const vTop = virtualTop(scrollTop, m);
  const top = view * rowH;
  let target = vTop;
  if (top < vTop) target = top;
  else if (top + rowH > vTop + m.viewH) target = top + rowH - m.viewH;
  if (target === vTop) return undefined;
  return m.virtualMax > 0 ? Math.round((target / m.virtualMax) * m.maxScroll) : 0;
}

/**
 * Starting widths: the longest of the header (name, and the smaller type) and
 * the first SAMPLE_ROWS values, in characters of width `charW`, within
 * MIN_WIDTH…MAX_WIDTH.
 */
export function columnWidths(columns: readonly ResultColumn[], rows: readonly (CellValue[] | undefined)[], charW: number): number[] {
  const n = Math.min(rows.length, SAMPLE_ROWS);
  return columns.map((c, i) => {
    // The header holds the name and, smaller, the type; the UI font is narrower than the editor's.
    let chars = c.name.length * 0.95 + c.type.length * 0.8 + 3;
    for (let r = 0; r < n; r++) {
      const v = rows[r]?.[i];
      const len = Math.min(displayText(v).length, 60) + (isRich(v) ? KIND_LABEL[v.kind].length + 3 : 0);
      if (len > chars) chars = len;
    }
    return Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, chars * charW + 18)));
  });
}

/** Where an arrow, page or Home/End key moves the selection: [display row, column], unclamped. */
export function keyMove(key: string, mod: boolean, view: number, col: number, page: number, count: number, colCount: number): [number, number] | undefined {
  switch (key) {
    case 'ArrowDown': return [view + 1, col];
    case 'ArrowUp': return [Math.max(0, view - 1), col];
    case 'ArrowRight': return [Math.max(0, view), col + 1];
    case 'ArrowLeft': return [Math.max(0, view), col - 1];
    case 'PageDown': return [view + page, col];
    case 'PageUp': return [Math.max(0, view - page), col];
    case 'Home': return mod ? [0, col] : [Math.max(0, view), 0];
    case 'End': return mod ? [count - 1, col] : [Math.max(0, view), colCount - 1];
    default: return undefined;
  }
}
