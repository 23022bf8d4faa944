/** The grid's header row: one cell a column, with its sort state, sort on click or Enter/Space, and a resize handle. */
import type { ResultColumn } from '../../src/core/query/types';
import type { SortDir } from './cells';
import { el, icon } from '../shared/dom';

export interface HeaderHandlers {
  sort(col: number): void;
  startResize(e: PointerEvent, col: number, handle: HTMLElement): void;
}

export function headerCells(columns: readonly ResultColumn[], numeric: readonly boolean[], sort: { col: number; dir: SortDir } | undefined, on: HeaderHandlers): HTMLElement[] {
  const gutter = el('div', { cls: 'gutter', attrs: { role: 'columnheader', 'aria-colindex': '1', 'aria-label': 'Row number' }, text: '#' });
  const cols = columns.map((c, i) => {
    const sorted = sort?.col === i ? sort.dir : 0;
    const col = el(
      'div',
      {
        cls: `col${numeric[i] ? ' num' : ''}${sorted ? ' sorted' : ''}`,
        title: `${c.name}${c.type ? ` (${c.type})` : ''} — click to sort`,
        attrs: { role: 'columnheader', tabindex: '-1', 'data-col': String(i), 'aria-colindex': String(i + 2), 'aria-sort': sorted === 1 ? 'ascending' : sorted === -1 ? 'descending' : 'none' },
      },
      el('span', { cls: 'col-name', text: c.name }),
      c.type ? el('span', { cls: 'col-type', text: c.type }) : undefined,
      sorted ? icon(sorted === 1 ? 'arrow-up' : 'arrow-down', 'sort') : undefined,
    );
    const handle = el('div', { cls: 'resize', attrs: { 'aria-hidden': 'true' } });
    handle.addEventListener('pointerdown', (e) => on.startResize(e, i, handle));
    handle.addEventListener('click', (e) => e.stopPropagation());
    col.append(handle);
    col.addEventListener('click', () => on.sort(i));
    col.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        e.stopPropagation();
        on.sort(i);
      }
    });
    return col;
  });
  return [gutter, ...cols];
}
