/**
 * Report panel page. Runs in the webview: builds the DOM from the report the
 * host sends, with textContent only (server names are data, never markup),
 * sortable and filterable tables, Chart.js charts coloured from the theme's
 * --vscode-* variables, and messages back to the host for every action.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import type { CellValue, Column, Finding, Report, Section } from '../../src/core/reports/model';
import type { HostToPage, PageActions, PageToHost, PanelState } from '../../src/webviews/protocol';
import { formatDuration } from '../../src/core/format';
import { formatCell, serverText } from '../../src/core/reports/cells';
import { el, icon } from '../shared/dom';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

interface VsCodeApi {
  postMessage(message: PageToHost): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let state: PanelState | undefined = vscode.getState();
let computing: string | undefined;
let failure: string | undefined;
const selected = new Set<string>();
const sortBy = new Map<string, { key: string; dir: 1 | -1 }>();
const filterBy = new Map<string, string>();
const exact = new Map<string, string>();
const fixStatus = new Map<string, { ok: boolean; message: string }>();
let charts: Chart[] = [];
/** What the engine offers on this kind of report besides Refresh (from the host, never from saved state). */
let actions: PageActions = {};

const app = document.getElementById('app') as HTMLElement;
const post = (m: PageToHost): void => vscode.postMessage(m);

function button(label: string, onClick: () => void, opts: { secondary?: boolean; iconName?: string; disabled?: boolean; title?: string } = {}): HTMLButtonElement {
  const b = el('button', { cls: opts.secondary ? 'button secondary' : 'button', title: opts.title }, opts.iconName ? icon(opts.iconName) : undefined, label);
  b.type = 'button';
  b.disabled = opts.disabled ?? false;
  b.addEventListener('click', onClick);
  return b;
}

function compare(a: CellValue | undefined, b: CellValue | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function header(report: Report | undefined): HTMLElement {
  const title = report?.title ?? `${state?.kind ?? ''} report`;
  const meta = report?.scope
    ? `${report.scope} · ${report.generatedAt.replace('T', ' ').slice(0, 19)} · ${formatDuration(report.durationMs)}`
    : report
    ? `${report.connectionName} · ${report.database} · ${serverText(report)} · ${report.generatedAt.replace('T', ' ').slice(0, 19)} · ${formatDuration(report.durationMs)}`
    : state
      ? state.database
      : '';
  const buttons = el('div', { cls: 'actions' });
  if (computing) buttons.append(button('Cancel', () => post({ type: 'cancel' }), { secondary: true, iconName: 'stop-circle' }));
  else {
    buttons.append(button('Refresh', () => post({ type: 'refresh' }), { iconName: 'refresh' }));
    if (actions.fullRun) buttons.append(button(actions.fullRun.label, () => post({ type: 'refresh', full: true }), { secondary: true, iconName: 'search' }));
  }
  const scripted = !report || report.findings.some((f) => f.fixes.length || f.manualSteps);
  if (scripted) buttons.append(
    button(`Generate fix script${selected.size ? ` (${selected.size})` : ''}`, () => post({ type: 'fixScript', findingIds: [...selected] }), { secondary: true, iconName: 'file-code', disabled: !report || selected.size === 0 }),
  );
  for (const [format, label] of [['html', 'HTML'], ['markdown', 'Markdown'], ['csv', 'CSV'], ['json', 'JSON']] as const) {
    buttons.append(button(label, () => post({ type: 'export', format }), { secondary: true, iconName: 'export', disabled: !report, title: `Export as ${label}` }));
  }
  return el('header', {}, el('div', {}, el('h1', { text: title }), el('div', { cls: 'meta', text: meta })), buttons);
}

function findingsView(report: Report): HTMLElement {
  const box = el('section', { cls: 'findings' }, el('h2', { text: `Findings (${report.findings.length})` }));
  if (!report.findings.length) {
    box.append(el('p', { cls: 'quiet' }, icon('pass'), ' Nothing needs attention.'));
    return box;
  }
  const withFixes = report.findings.filter((f) => f.fixes.length || f.manualSteps);
  const all = el('label', { cls: 'select-all' });
  const allBox = el('input', { attrs: { type: 'checkbox' } });
  allBox.checked = withFixes.length > 0 && withFixes.every((f) => selected.has(f.id));
  allBox.addEventListener('change', () => {
    for (const f of withFixes) {
      if (allBox.checked) selected.add(f.id);
      else selected.delete(f.id);
    }
    render();
  });
  all.append(allBox, ' Select all fixes');
  if (withFixes.length) box.append(all);
  const list = el('ul', { cls: 'finding-list' });
  for (const f of report.findings) list.append(findingItem(f));
  box.append(list);
  return box;
}

function findingItem(f: Finding): HTMLElement {
  const sev = f.severity === 'critical' ? 'error' : f.severity === 'warning' ? 'warning' : 'info';
  const check = el('input', { attrs: { type: 'checkbox', 'aria-label': `Include ${f.object} in the fix script` } });
  check.checked = selected.has(f.id);
  check.disabled = f.fixes.length === 0 && !f.manualSteps;
  check.addEventListener('change', () => {
    if (check.checked) selected.add(f.id);
    else selected.delete(f.id);
    render();
  });
  const fixes = el('div', { cls: 'fixes' });
  f.fixes.forEach((fix, i) => {
    fixes.append(button(`Run ${fix.title}`, () => post({ type: 'runFix', findingId: f.id, fixIndex: i }), { secondary: i > 0, iconName: 'play', title: `${fix.text} — ${fix.risk}, ${fix.lockLevel ?? fix.impact}` }), el('span', { cls: `risk risk-${fix.risk}`, text: fix.risk }));
  });
  (f.actions ?? []).forEach((a, i) => {
    fixes.append(button(a.title, () => post({ type: 'runAction', findingId: f.id, actionIndex: i }), { secondary: i > 0, iconName: 'play', title: `Runs the command ${a.command}` }));
  });
  const status = fixStatus.get(f.id);
  return el(
    'li',
    { cls: `finding severity-${f.severity}` },
    check,
    el('span', { cls: `sev sev-${sev}` }, icon(sev)),
    el('div', { cls: 'finding-body' }, el('div', {}, el('strong', { text: f.object }), ` — ${f.message}`), fixes, status ? el('div', { cls: status.ok ? 'fix-ok' : 'fix-failed', text: status.message }) : undefined),
  );
}

function sectionView(report: Report, section: Section): HTMLElement {
  const box = el('section', { cls: 'report-section', attrs: { 'data-section': section.id } }, el('h2', { text: `${section.title} (${section.rows.length})` }));
  if (section.description) box.append(el('p', { cls: 'description', text: section.description }));
  if (section.note) box.append(el('p', { cls: 'note' }, icon('info'), ` ${section.note}`));
  if (section.chart && section.rows.length) box.append(chartView(section));
  if (!section.rows.length) {
    box.append(el('p', { cls: 'quiet', text: section.empty ?? 'No rows.' }));
    return box;
  }
  const filter = el('input', { cls: 'filter', attrs: { type: 'search', placeholder: 'Filter rows', 'aria-label': `Filter ${section.title}` } });
  filter.value = filterBy.get(section.id) ?? '';
  filter.addEventListener('input', () => {
    filterBy.set(section.id, filter.value);
    renderTable(section, tableBox, report);
  });
  const tableBox = el('div', { cls: 'table-box' });
  box.append(filter, tableBox);
  renderTable(section, tableBox, report);
  return box;
}

function renderTable(section: Section, box: HTMLElement, report: Report): void {
  const rowAction = actions.rowAction;
  const sort = sortBy.get(section.id);
  const needle = (filterBy.get(section.id) ?? '').toLowerCase();
  let rows = section.rows.filter((r) => !needle || section.columns.some((c) => formatCell(c, r[c.key]).toLowerCase().includes(needle)));
  if (sort) rows = [...rows].sort((a, b) => compare(a[sort.key], b[sort.key]) * sort.dir);
  const head = el('tr');
  for (const c of section.columns) {
    const th = el('th', { cls: c.kind === 'text' || c.kind === 'sql' ? '' : 'num', attrs: { scope: 'col', tabindex: '0', 'aria-sort': sort?.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none' } }, c.label, sort?.key === c.key ? icon(sort.dir === 1 ? 'arrow-up' : 'arrow-down') : undefined);
    const toggle = (): void => {
      const cur = sortBy.get(section.id);
      sortBy.set(section.id, { key: c.key, dir: cur?.key === c.key && cur.dir === -1 ? 1 : -1 });
      renderTable(section, box, report);
    };
    th.addEventListener('click', toggle);
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') toggle();
    });
    head.append(th);
  }
  if (rowAction) head.append(el('th', { text: rowAction.column }));
  const body = el('tbody');
  for (const r of rows.slice(0, 2000)) {
    const tr = el('tr');
    for (const c of section.columns) {
      const text = formatCell(c, r[c.key]);
      // Text cells are cut at the column's width (CSS); the whole text is their tooltip.
      tr.append(el('td', { cls: `${c.kind === 'text' ? 'text' : c.kind === 'sql' ? '' : 'num'}${text === 'n/a' ? ' muted' : ''}`, title: c.kind === 'text' && text.length > 60 ? text : undefined }, c.kind === 'sql' ? el('code', { text }) : text));
    }
    if (rowAction) {
      const key = typeof r['_key'] === 'string' ? r['_key'] : '';
      const done = exact.get(`${section.id}\u0000${key}`);
      tr.append(el('td', {}, done ?? button(rowAction.label, () => post({ type: 'measureExact', sectionId: section.id, rowKey: key }), { secondary: true, title: rowAction.title })));
    }
    body.append(tr);
  }
  const table = el('table', {}, el('thead', {}, head), body);
  const more = rows.length > 2000 ? el('p', { cls: 'quiet', text: `Showing 2,000 of ${rows.length.toLocaleString('en-US')} rows: filter to narrow down, or export for all.` }) : undefined;
  box.replaceChildren(table, ...(more ? [more] : []));
}

function shortLabel(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** One line per series (connection), points at their time: x is a date column drawn on a linear time axis. */
function seriesConfig(section: Section, chart: NonNullable<Section['chart']>, series: string, palette: string[], fg: string, grid: string): ChartConfiguration<'line', { x: number; y: number }[]> {
  const yColumn = section.columns.find((c) => c.key === chart.y[0]) ?? { key: '', label: '', kind: 'number' as const };
  const dateColumn: Column = { key: '', label: '', kind: 'date' };
  const lines = new Map<string, { x: number; y: number }[]>();
  for (const r of section.rows) {
    const t = Date.parse(String(r[chart.x] ?? ''));
    const v = r[chart.y[0] ?? ''];
    if (!Number.isFinite(t) || typeof v !== 'number') continue;
    const name = String(r[series] ?? '');
    lines.set(name, [...(lines.get(name) ?? []), { x: t, y: v }]);
  }
  const times = [...lines.values()].flat().map((p) => p.x);
  const [first, last] = [Math.min(...times), Math.max(...times)];
  // Days apart: dates alone on the axis; within a day or two: the time too.
  const tickText = (v: number): string => formatCell(dateColumn, v).slice(0, last - first > 2 * 86_400_000 ? 10 : 16);
  return {
    type: 'line',
    data: {
      datasets: [...lines].map(([name, points], i) => ({
        label: shortLabel(name),
        data: points.sort((a, b) => a.x - b.x),
        backgroundColor: palette[i % palette.length],
        borderColor: palette[i % palette.length],
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: true, labels: { color: fg } },
        tooltip: { callbacks: { label: (ctx) => `${String(ctx.dataset.label)} · ${formatCell(dateColumn, ctx.parsed.x)}: ${formatCell(yColumn, ctx.parsed.y)}` } },
      },
      scales: {
        x: { type: 'linear', min: first, max: last, ticks: { color: fg, maxTicksLimit: 6, callback: (v) => tickText(Number(v)) }, grid: { color: grid } },
        y: { beginAtZero: true, ticks: { color: fg, callback: (v) => formatCell(yColumn, Number(v)) }, grid: { color: grid } },
      },
    },
  };
}

function chartView(section: Section): HTMLElement {
  const chart = section.chart;
  const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': chart?.title ?? section.title } });
  const wrap = el('div', { cls: 'chart' }, el('h3', { text: chart?.title ?? '' }), el('div', { cls: 'chart-canvas' }, canvas));
  if (!chart) return wrap;
  const rows = section.rows.slice(0, chart.limit ?? 15);
  const palette = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'].map((v) => themeColor(v, '#3794ff'));
  const fg = themeColor('--vscode-foreground', '#cccccc');
  const grid = themeColor('--vscode-editorWidget-border', '#454545');
  const col = (key: string): Column | undefined => section.columns.find((c) => c.key === key);
  // The value axis reads as the plotted column does ("2 MB", "40.0%"), not as raw numbers.
  const valueColumn = col(chart.y[0] ?? '');
  const valueTicks = valueColumn && valueColumn.kind !== 'number' ? { callback: (v: string | number): string => formatCell(valueColumn, typeof v === 'number' ? v : Number(v)) } : {};
  if (chart.series !== undefined) {
    charts.push(new Chart(canvas, seriesConfig(section, chart, chart.series, palette, fg, grid)));
    return wrap;
  }
  const instance = new Chart(canvas, {
    type: chart.kind,
    data: {
      // Long names (a 10 KB Redis key) would squeeze the plot: labels are cut, the table has them whole.
      labels: rows.map((r) => shortLabel(String(r[chart.x] ?? ''))),
      datasets: chart.y.map((key, i) => ({
        label: col(key)?.label ?? key,
        data: rows.map((r) => (typeof r[key] === 'number' ? r[key] : 0)),
        backgroundColor: palette[i % palette.length],
        borderColor: palette[i % palette.length],
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: chart.kind === 'bar' ? 'y' : 'x',
      plugins: {
        legend: { display: chart.y.length > 1, labels: { color: fg } },
        tooltip: { callbacks: { label: (ctx) => `${String(ctx.dataset.label)}: ${formatCell(col(chart.y[ctx.datasetIndex] ?? '') ?? { key: '', label: '', kind: 'number' }, ctx.parsed[chart.kind === 'bar' ? 'x' : 'y'])}` } },
      },
      scales: {
        x: { ticks: { color: fg, ...(chart.kind === 'bar' ? valueTicks : {}) }, grid: { color: grid } },
        y: { ticks: { color: fg, ...(chart.kind === 'line' ? valueTicks : {}) }, grid: { color: grid } },
      },
    },
  });
  charts.push(instance);
  return wrap;
}

function render(): void {
  for (const c of charts) c.destroy();
  charts = [];
  const report = state?.report;
  const parts: HTMLElement[] = [header(report)];
  if (computing) parts.push(el('div', { cls: 'progress', attrs: { role: 'progressbar', 'aria-label': computing } }, el('div', { cls: 'progress-bar' }), el('span', { text: computing })));
  if (failure) parts.push(el('div', { cls: 'failure' }, icon('error'), ` ${failure}`));
  if (report) {
    parts.push(findingsView(report));
    for (const s of report.sections) parts.push(sectionView(report, s));
  } else if (!computing && !failure) {
    parts.push(el('p', { cls: 'quiet', text: 'No report yet.' }));
  }
  app.replaceChildren(...parts);
}

window.addEventListener('message', (event: MessageEvent<HostToPage>) => {
  const m = event.data;
  switch (m.type) {
    case 'init':
      state = { ...m.state, report: m.state.report ?? state?.report };
      actions = m.actions;
      break;
    case 'computing':
      computing = m.message;
      failure = undefined;
      break;
    case 'report':
      computing = undefined;
      failure = undefined;
      if (state) state = { ...state, report: m.report };
      for (const id of [...selected]) if (!m.report.findings.some((f) => f.id === id)) selected.delete(id);
      exact.clear();
      break;
    case 'failed':
      computing = undefined;
      failure = m.message;
      break;
    case 'cancelled':
      computing = undefined;
      failure = 'Cancelled: the report query was stopped on the server.';
      break;
    case 'exact':
      exact.set(`${m.sectionId}\u0000${m.rowKey}`, m.text);
      break;
    case 'fixDone':
      fixStatus.set(m.findingId, { ok: m.ok, message: m.message });
      break;
  }
  if (state) vscode.setState(state);
  render();
});

// VS Code swaps the body's theme class when the colour theme changes: redraw, so charts take the new colours.
new MutationObserver(() => render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

render();
post({ type: 'ready' });
