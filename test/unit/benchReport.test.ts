import { strict as assert } from 'node:assert';
import { type BenchRow, formatMs, formatRatio, formatSummary, formatTable, median } from '../../scripts/bench';

const rows: BenchRow[] = [
  { name: 'first page', role: 'measure', label: 'first page', inSummary: true, samples: [8, 6, 7, 30, 7] },
  { name: 'psql process', role: 'reference', label: 'psql', inSummary: true, samples: [300, 280, 290] },
  { name: 'warm query', role: 'reference', label: 'query', samples: [120, 118] },
  { name: 'cold page', role: 'measure', label: 'cold', samples: [20] },
];

describe('bench report', () => {
  it('takes the median of odd and even sample counts', () => {
    assert.equal(median([8, 6, 7, 30, 7]), 7);
    assert.equal(median([120, 118]), 119);
    assert.ok(Number.isNaN(median([])));
  });

  it('formats milliseconds and ratios to about three digits', () => {
    assert.equal(formatMs(6.789), '6.79');
    assert.equal(formatMs(20.24), '20.2');
    assert.equal(formatMs(151.4), '151');
    assert.equal(formatMs(NaN), '—');
    assert.equal(formatRatio(7, 290), '0.02×');
    assert.equal(formatRatio(150, 120), '1.25×');
    assert.equal(formatRatio(5, 0), '—');
  });

  it('puts references first with one ratio column each, columns aligned', () => {
    const lines = formatTable(rows).split('\n');
    assert.equal(lines.length, 6);
    assert.match(lines[0] ?? '', /^ {2}measurement +median ms +min ms +× psql +× query$/);
    assert.match(lines[2] ?? '', /^ {2}ref psql process +290 +280 +1\.00× +2\.44×$/);
    assert.match(lines[3] ?? '', /^ {2}ref warm query +119 +118 +0\.41× +1\.00×$/);
    assert.match(lines[4] ?? '', /^ {2}first page +7\.00 +6\.00 +0\.02× +0\.06×$/);
    assert.equal(new Set(lines.map((l) => l.length)).size, 1, 'every line the same width');
  });

  it('summarises marked measurements against marked references', () => {
    assert.equal(formatSummary('schema with 10000 tables', rows), 'bench: schema with 10000 tables — first page 7.00 ms (0.02× psql)');
    const unmarked = rows.map((r) => (r.role === 'reference' ? { ...r, inSummary: false } : r));
    assert.equal(formatSummary('t', unmarked), 'bench: t — first page 7.00 ms (0.02× psql, 0.06× query)');
  });
});
