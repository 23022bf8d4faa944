import { strict as assert } from 'node:assert';
import { columnWidths, keyMove, MAX_SPACER, MAX_WIDTH, MIN_WIDTH, OVERSCAN, scrollMetrics, scrollTopToReveal, virtualTop, visibleRows } from '../../media/results/gridGeometry';

describe('results grid geometry', () => {
  const rowH = 22;

  it('builds the rows in view plus the overscan, and no row past the end', () => {
    const m = scrollMetrics(1_000, 440 + 30, 30, rowH);
    assert.equal(m.viewH, 440);
    assert.deepEqual(visibleRows(virtualTop(0, m), m, rowH), { first: 0, last: 20 + OVERSCAN });
    const bottom = visibleRows(virtualTop(m.maxScroll, m), m, rowH);
    assert.equal(bottom.last, 999);
    assert.equal(bottom.first, Math.floor((1_000 * rowH - 440) / rowH) - OVERSCAN);
  });

  it('caps the spacer and maps scroll positions proportionally onto millions of rows', () => {
    const m = scrollMetrics(5_000_000, 530, 30, rowH);
    assert.equal(m.spacerH, MAX_SPACER);
    assert.equal(m.virtualMax, 5_000_000 * rowH - 500);
    // Scrolled to the end of the spacer, the last row is in view.
    assert.equal(visibleRows(virtualTop(m.maxScroll, m), m, rowH).last, 4_999_999);
    // Halfway down the spacer is halfway through the rows.
    const mid = visibleRows(virtualTop(m.maxScroll / 2, m), m, rowH);
    assert.ok(Math.abs(mid.first + OVERSCAN - 2_500_000) < 20, String(mid.first));
  });

  it('scrolls only as far as needed to reveal a row, and not at all when it is in view', () => {
    const m = scrollMetrics(1_000, 230, 30, rowH);
    assert.equal(scrollTopToReveal(3, rowH, 0, m), undefined);
    assert.equal(scrollTopToReveal(50, rowH, 0, m), 51 * rowH - 200);
    assert.equal(scrollTopToReveal(10, rowH, 40 * rowH, m), 10 * rowH);
    const big = scrollMetrics(5_000_000, 230, 30, rowH);
    const t = scrollTopToReveal(4_999_999, rowH, 0, big);
    assert.equal(t, big.maxScroll);
  });

  it('sizes columns from the header and the first rows, within bounds', () => {
    const cols = [{ name: 'id', type: '' }, { name: 'note', type: 'text' }, { name: 'blob', type: 'text' }];
    const rows = [['1', 'short', 'x'.repeat(500)], ['2', 'a somewhat longer note', null]];
    const [id, note, blob] = columnWidths(cols, rows, 7);
    assert.equal(id, MIN_WIDTH);
    assert.equal(note, Math.round('a somewhat longer note'.length * 7 + 18));
    assert.equal(blob, MAX_WIDTH);
  });

  it('moves the selection by arrows, pages, Home and End', () => {
    assert.deepEqual(keyMove('ArrowDown', false, -1, 0, 10, 100, 3), [0, 0]);
    assert.deepEqual(keyMove('ArrowUp', false, 0, 1, 10, 100, 3), [0, 1]);
    assert.deepEqual(keyMove('PageDown', false, 5, 1, 10, 100, 3), [15, 1]);
    assert.deepEqual(keyMove('End', true, 5, 1, 10, 100, 3), [99, 1]);
    assert.deepEqual(keyMove('End', false, 5, 1, 10, 100, 3), [5, 2]);
    assert.deepEqual(keyMove('Home', false, 5, 2, 10, 100, 3), [5, 0]);
    assert.equal(keyMove('Enter', false, 5, 2, 10, 100, 3), undefined);
  });
});
