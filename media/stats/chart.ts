/**
 * A small time-series line chart drawn as inline SVG (no library, no
 * markup strings): a frame, three horizontal grid lines with their values,
 * and one polyline per series over the last `windowSeconds`.
 */
const SVG = 'http://www.w3.org/2000/svg';

export interface Series {
  /** CSS class of the line (its colour comes from the stylesheet). */
  cls: string;
  points: { t: number; v: number }[];
}

export interface ChartOptions {
  /** The smallest top of the y axis (100 for CPU %), so a quiet line does not fill the chart. */
  minMax: number;
  format: (v: number) => string;
  windowSeconds: number;
  /** Shown across the chart instead of lines (the engine reports nothing for this metric). */
  note?: string;
}

const W = 240;
const H = 110;
const PAD_LEFT = 50;
const PAD_RIGHT = 6;
const PAD_TOP = 8;
const PAD_BOTTOM = 16;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Nice round top for the axis: 1, 2 or 5 times a power of ten. */
function niceTop(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

export function drawChart(host: SVGSVGElement, series: Series[], now: number, opts: ChartOptions): void {
  host.setAttribute('viewBox', `0 0 ${W} ${H}`);
  host.replaceChildren();
  const from = now - opts.windowSeconds * 1000;
  const visible = series.map((s) => ({ ...s, points: s.points.filter((p) => p.t >= from - 2000) }));
  const max = niceTop(Math.max(opts.minMax, ...visible.flatMap((s) => s.points.map((p) => p.v))));
  const x = (t: number): number => PAD_LEFT + ((t - from) / (opts.windowSeconds * 1000)) * (W - PAD_LEFT - PAD_RIGHT);
  const y = (v: number): number => PAD_TOP + (1 - v / max) * (H - PAD_TOP - PAD_BOTTOM);
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    host.append(svg('line', { x1: PAD_LEFT, x2: W - PAD_RIGHT, y1: y(v), y2: y(v), class: 'grid' }));
    const label = svg('text', { x: PAD_LEFT - 4, y: y(v) + 3, class: 'axis', 'text-anchor': 'end' });
    label.textContent = opts.format(v);
    host.append(label);
  }
  const ago = svg('text', { x: PAD_LEFT, y: H - 3, class: 'axis' });
  ago.textContent = `${opts.windowSeconds} s ago`;
  const nowLabel = svg('text', { x: W - PAD_RIGHT, y: H - 3, class: 'axis', 'text-anchor': 'end' });
  nowLabel.textContent = 'now';
  host.append(ago, nowLabel);
  if (opts.note) {
    const note = svg('text', { x: (PAD_LEFT + W - PAD_RIGHT) / 2, y: (PAD_TOP + H - PAD_BOTTOM) / 2, class: 'note', 'text-anchor': 'middle' });
    note.textContent = opts.note;
    host.append(note);
    return;
  }
  for (const s of visible) {
    if (!s.points.length) continue;
    const pts = s.points.map((p) => `${Math.max(PAD_LEFT, x(p.t)).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    host.append(svg('polyline', { points: pts, class: `line ${s.cls}`, 'vector-effect': 'non-scaling-stroke' }));
  }
}
