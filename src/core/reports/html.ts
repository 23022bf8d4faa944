/**
 * A report as one standalone HTML page: inline CSS, charts as inline SVG, no
 * script at all (and a CSP that would refuse one). Every string that came
 * from the server is escaped, so a table named <img src=x onerror=alert(1)>
 * reads as exactly that.
 */
import { actionText, formatCell, serverText } from './cells';
import type { CellValue, Chart, Column, Finding, Report, Section } from './model';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const e = escapeHtml;

const CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --line: #d1d9e0; --head: #f6f8fa;
  --info: #0969da; --warning: #9a6700; --critical: #d1242f; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --line: #3d444d; --head: #151b23;
  --info: #4493f8; --warning: #d29922; --critical: #f85149; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 2rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.meta, .desc, .empty { color: var(--muted); } .note { border-left: 3px solid var(--warning); padding: .25rem .75rem; margin: .5rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--head); } td.num { text-align: right; white-space: nowrap; } td.na { color: var(--muted); }
code, pre, td.sql { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
td.sql { white-space: pre-wrap; word-break: break-word; max-width: 40rem; }
pre { background: var(--head); border: 1px solid var(--line); padding: .5rem; white-space: pre-wrap; word-break: break-word; margin: .25rem 0; }
ul.findings { list-style: none; padding: 0; } ul.findings li { border: 1px solid var(--line); border-left-width: 4px; padding: .5rem .75rem; margin: .5rem 0; }
li.info { border-left-color: var(--info); } li.warning { border-left-color: var(--warning); } li.critical { border-left-color: var(--critical); }
.sev { font-weight: 600; text-transform: uppercase; font-size: 11px; margin-right: .5rem; }
svg { max-width: 100%; height: auto; margin: .5rem 0; } svg text { fill: var(--fg); font-size: 11px; } svg .axis { stroke: var(--line); }
.legend span { display: inline-block; margin-right: 1rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: middle; }
`;

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
const color = (i: number): string => PALETTE[i % PALETTE.length] ?? '#4e79a7';
const NUMERIC = new Set<Column['kind']>(['bytes', 'number', 'percent', 'duration']);

function cell(c: Column, v: CellValue | undefined): string {
  const text = formatCell(c, v);
  const cls = [v === null || v === undefined ? 'na' : '', NUMERIC.has(c.kind) ? 'num' : '', c.kind === 'sql' ? 'sql' : ''].filter(Boolean).join(' ');
  return `<td${cls ? ` class="${cls}"` : ''}>${e(text)}</td>`;
}

function table(s: Section): string {
  const head = s.columns.map((c) => `<th scope="col">${e(c.label)}</th>`).join('');
  const body = s.rows.map((r) => `<tr>${s.columns.map((c) => cell(c, r[c.key])).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function numeric(v: CellValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function legend(s: Section, chart: Chart): string {
  if (chart.y.length < 2) return '';
  return `<div class="legend">${chart.y.map((k, i) => `<span><i style="background:${color(i)}"></i>${e(s.columns.find((c) => c.key === k)?.label ?? k)}</span>`).join('')}</div>`;
}

function barChart(s: Section, chart: Chart): string {
  const rows = s.rows.slice(0, chart.limit ?? 10);
  const xCol = s.columns.find((c) => c.key === chart.x) ?? { key: chart.x, label: chart.x, kind: 'text' as const };
  const yCols = chart.y.map((k) => s.columns.find((c) => c.key === k) ?? { key: k, label: k, kind: 'number' as const });
  const max = Math.max(0, ...rows.flatMap((r) => chart.y.map((k) => numeric(r[k]) ?? 0)));
  if (!rows.length || max <= 0) return '';
  const barH = 14;
  const rowH = barH * yCols.length + 8;
  const labelW = 220;
  const plotW = 480;
  const height = rows.length * rowH + 4;
  const parts = rows.map((r, i) => {
    const y0 = i * rowH + 4;
    const label = formatCell(xCol, r[chart.x]);
    const bars = yCols.map((c, j) => {
      const v = numeric(r[c.key]) ?? 0;
      const w = Math.max(1, (v / max) * plotW);
      const y = y0 + j * barH;
      return `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${color(j)}"><title>${e(`${label}: ${formatCell(c, r[c.key])}`)}</title></rect>`
        + `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + barH - 4}">${e(formatCell(c, r[c.key]))}</text>`;
    });
    return `<text x="${labelW - 6}" y="${y0 + barH - 4}" text-anchor="end">${e(label.length > 32 ? `${label.slice(0, 31)}…` : label)}</text>${bars.join('')}`;
  });
  return `<svg role="img" aria-label="${e(chart.title)}" viewBox="0 0 ${labelW + plotW + 90} ${height}" width="${labelW + plotW + 90}">${parts.join('')}</svg>${legend(s, chart)}`;
}

function lineChart(s: Section, chart: Chart): string {
  const rows = chart.limit ? s.rows.slice(0, chart.limit) : s.rows;
  const xCol = s.columns.find((c) => c.key === chart.x) ?? { key: chart.x, label: chart.x, kind: 'text' as const };
  const values = rows.flatMap((r) => chart.y.map((k) => numeric(r[k])).filter((v): v is number => v !== null));
  if (rows.length < 1 || !values.length) return '';
  const [w, h, left, bottom] = [640, 220, 80, 30];
  const max = Math.max(...values);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const xAt = (i: number): number => left + (rows.length === 1 ? 0 : (i * (w - left - 10)) / (rows.length - 1));
  const yAt = (v: number): number => 10 + (h - bottom - 10) * (1 - (v - min) / span);
  const yCol = s.columns.find((c) => c.key === chart.y[0]) ?? { key: '', label: '', kind: 'number' as const };
  const series = chart.y.map((k, j) => {
    const pts = rows.map((r, i) => [i, numeric(r[k])] as const).filter((p): p is readonly [number, number] => p[1] !== null);
    const line = pts.map(([i, v]) => `${xAt(i).toFixed(1)},${yAt(v).toFixed(1)}`).join(' ');
    const dots = pts.map(([i, v]) => `<circle cx="${xAt(i).toFixed(1)}" cy="${yAt(v).toFixed(1)}" r="3" fill="${color(j)}"><title>${e(`${formatCell(xCol, rows[i]?.[chart.x])}: ${formatCell(yCol, v)}`)}</title></circle>`).join('');
    return `<polyline fill="none" stroke="${color(j)}" stroke-width="2" points="${line}"/>${dots}`;
  });
  const axis = `<line class="axis" x1="${left}" y1="${h - bottom}" x2="${w - 10}" y2="${h - bottom}"/><line class="axis" x1="${left}" y1="10" x2="${left}" y2="${h - bottom}"/>`
    + `<text x="${left - 6}" y="14" text-anchor="end">${e(formatCell(yCol, max))}</text><text x="${left - 6}" y="${h - bottom}" text-anchor="end">${e(formatCell(yCol, min))}</text>`
    + `<text x="${left}" y="${h - 8}">${e(formatCell(xCol, rows[0]?.[chart.x]))}</text>`
    + (rows.length > 1 ? `<text x="${w - 10}" y="${h - 8}" text-anchor="end">${e(formatCell(xCol, rows[rows.length - 1]?.[chart.x]))}</text>` : '');
  return `<svg role="img" aria-label="${e(chart.title)}" viewBox="0 0 ${w} ${h}" width="${w}">${axis}${series.join('')}</svg>${legend(s, { ...chart, y: chart.y.length < 2 ? [] : chart.y })}`;
}

/** One line per value of the series column, points at their time (x is a date column). */
function seriesChart(s: Section, chart: Chart & { series: string }): string {
  const yKey = chart.y[0] ?? '';
  const yCol = s.columns.find((c) => c.key === yKey) ?? { key: yKey, label: yKey, kind: 'number' as const };
  const xCol = s.columns.find((c) => c.key === chart.x) ?? { key: chart.x, label: chart.x, kind: 'date' as const };
  const points = s.rows
    .map((r) => ({ name: String(r[chart.series] ?? ''), t: Date.parse(String(r[chart.x] ?? '')), v: numeric(r[yKey]), x: r[chart.x] }))
    .filter((p): p is { name: string; t: number; v: number; x: CellValue | undefined } => Number.isFinite(p.t) && p.v !== null);
  if (!points.length) return '';
  const names = [...new Set(points.map((p) => p.name))];
  const [w, h, left, bottom] = [640, 220, 80, 30];
  const tMin = Math.min(...points.map((p) => p.t));
  const tSpan = Math.max(...points.map((p) => p.t)) - tMin || 1;
  const max = Math.max(...points.map((p) => p.v));
  const span = max || 1;
  const xAt = (t: number): number => left + ((t - tMin) * (w - left - 10)) / tSpan;
  const yAt = (v: number): number => 10 + (h - bottom - 10) * (1 - v / span);
  const lines = names.map((name, j) => {
    const own = points.filter((p) => p.name === name).sort((a, b) => a.t - b.t);
    const line = own.map((p) => `${xAt(p.t).toFixed(1)},${yAt(p.v).toFixed(1)}`).join(' ');
    const dots = own.map((p) => `<circle cx="${xAt(p.t).toFixed(1)}" cy="${yAt(p.v).toFixed(1)}" r="3" fill="${color(j)}"><title>${e(`${name} · ${formatCell(xCol, p.x ?? null)}: ${formatCell(yCol, p.v)}`)}</title></circle>`).join('');
    return `<polyline fill="none" stroke="${color(j)}" stroke-width="2" points="${line}"/>${dots}`;
  });
  const first = points.reduce((a, b) => (b.t < a.t ? b : a));
  const last = points.reduce((a, b) => (b.t > a.t ? b : a));
  const axis = `<line class="axis" x1="${left}" y1="${h - bottom}" x2="${w - 10}" y2="${h - bottom}"/><line class="axis" x1="${left}" y1="10" x2="${left}" y2="${h - bottom}"/>`
    + `<text x="${left - 6}" y="14" text-anchor="end">${e(formatCell(yCol, max))}</text><text x="${left - 6}" y="${h - bottom}" text-anchor="end">${e(formatCell(yCol, 0))}</text>`
    + `<text x="${left}" y="${h - 8}">${e(formatCell(xCol, first.x ?? null))}</text>`
    + (last.t > first.t ? `<text x="${w - 10}" y="${h - 8}" text-anchor="end">${e(formatCell(xCol, last.x ?? null))}</text>` : '');
  const legendHtml = `<div class="legend">${names.map((n, i) => `<span><i style="background:${color(i)}"></i>${e(n)}</span>`).join('')}</div>`;
  return `<svg role="img" aria-label="${e(chart.title)}" viewBox="0 0 ${w} ${h}" width="${w}">${axis}${lines.join('')}</svg>${legendHtml}`;
}

function chartOf(s: Section, chart: Chart): string {
  if (chart.series !== undefined) return seriesChart(s, { ...chart, series: chart.series });
  return chart.kind === 'bar' ? barChart(s, chart) : lineChart(s, chart);
}

function section(s: Section): string {
  const parts = [`<section id="section-${e(s.id)}"><h2>${e(s.title)}</h2>`];
  if (s.description) parts.push(`<p class="desc">${e(s.description)}</p>`);
  if (s.note) parts.push(`<p class="note">${e(s.note)}</p>`);
  if (s.chart && s.rows.length) parts.push(chartOf(s, s.chart));
  parts.push(s.rows.length ? table(s) : `<p class="empty">${e(s.empty ?? 'Nothing to show.')}</p>`);
  parts.push('</section>');
  return parts.join('\n');
}

function findingItem(f: Finding): string {
  const fixes = f.fixes.map((op, i) => `<div>${i === 0 ? 'Fix' : 'Alternative'} (${e(op.risk)}${op.lockLevel !== undefined ? `, lock ${e(op.lockLevel)}` : `, ${e(op.impact)}`}):</div><pre>${e(op.text)}</pre>`).join('');
  const actions = (f.actions ?? []).map((a) => `<div>In the editor: ${e(actionText(a))}</div>`).join('');
  return `<li class="${e(f.severity)}"><span class="sev">${e(f.severity)}</span><strong>${e(f.object)}</strong>: ${e(f.message)}${fixes}${actions}</li>`;
}

export function renderHtml(report: Report): string {
  const title = report.scope ? report.title : `${report.title} — ${report.database}`;
  const meta = report.scope
    ? `${e(report.scope)} · generated ${e(report.generatedAt)} in ${e(String(report.durationMs))} ms`
    : `Connection ${e(report.connectionName)} · database ${e(report.database)} · ${e(serverText(report))} · generated ${e(report.generatedAt)} in ${e(String(report.durationMs))} ms`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${e(title)}</h1>
<p class="meta">${meta}</p></header>
<section id="findings"><h2>Findings (${report.findings.length})</h2>
${report.findings.length ? `<ul class="findings">\n${report.findings.map(findingItem).join('\n')}\n</ul>` : '<p class="empty">Nothing needs attention.</p>'}
</section>
${report.sections.map(section).join('\n')}
</body>
</html>
`;
}
