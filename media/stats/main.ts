/**
 * Docker stats panel page. One card per container: the latest values and
 * four charts over the last two minutes (CPU %, memory used, network and
 * block I/O per second), redrawn as samples arrive. Everything is built with
 * createElement / createElementNS and textContent; the host sends the
 * samples it kept whenever the page loads, so nothing is saved here.
 *
 * Hooks for tests: .card[data-id] per container, .card .state[data-state],
 * .card .value[data-metric=cpu|mem|net|blk], svg.chart[data-metric] with one
 * polyline.line per series.
 */
import type { StatsHostToPage, StatsPageToHost, StatsSample, StatsState } from '../../src/webviews/statsProtocol';
import { el } from '../shared/dom';
import { drawChart, type Series } from './chart';

interface VsCodeApi {
  postMessage(message: StatsPageToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const KEEP = 300;
const METRICS = ['cpu', 'mem', 'net', 'blk'] as const;
type Metric = (typeof METRICS)[number];

interface Card {
  root: HTMLElement;
  state: HTMLElement;
  values: Record<Metric, HTMLElement>;
  charts: Record<Metric, SVGSVGElement>;
  samples: StatsSample[];
}

const app = document.getElementById('app') as HTMLElement;
app.setAttribute('aria-live', 'off');
const cards = new Map<string, Card>();
let maxWindow = 120;

function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v.toFixed(v < 10 ? 1 : 0)} ${units[u] ?? 'B'}`;
}
const rate = (n: number | null): string => (n === null ? '—' : `${bytes(n)}/s`);

const TITLES: Record<Metric, string> = { cpu: 'CPU', mem: 'Memory used', net: 'Network rx / tx', blk: 'Block I/O read / write' };

function makeCard(id: string, name: string): Card {
  const state = el('span', { cls: 'state', text: 'starting…', attrs: { 'data-state': 'paused' } });
  const values = {} as Record<Metric, HTMLElement>;
  const charts = {} as Record<Metric, SVGSVGElement>;
  const grid = el('div', { cls: 'charts' });
  for (const m of METRICS) {
    values[m] = el('span', { cls: 'value', text: '—', attrs: { 'data-metric': m } });
    const chart = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    chart.setAttribute('class', 'chart');
    chart.setAttribute('data-metric', m);
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-label', `${TITLES[m]} of ${name}`);
    charts[m] = chart;
    const legend = m === 'net' ? legendOf(['rx', 'tx']) : m === 'blk' ? legendOf(['read', 'write']) : undefined;
    grid.append(el('figure', { cls: `metric metric-${m}` }, el('figcaption', {}, el('span', { cls: 'metric-title', text: TITLES[m] }), values[m]), chart, legend));
  }
  const root = el('section', { cls: 'card', attrs: { 'data-id': id } }, el('h2', {}, el('span', { cls: 'name', text: name }), state), grid);
  app.append(root);
  return { root, state, values, charts, samples: [] };
}

function legendOf(names: [string, string]): HTMLElement {
  return el('div', { cls: 'legend' }, el('span', { cls: 'swatch a' }), el('span', { text: names[0] }), el('span', { cls: 'swatch b' }), el('span', { text: names[1] }));
}

function series(samples: StatsSample[], cls: string, pick: (s: StatsSample) => number | null): Series {
  return { cls, points: samples.flatMap((s) => { const v = pick(s); return v === null ? [] : [{ t: s.t, v }]; }) };
}

function draw(card: Card): void {
  const s = card.samples;
  const last = s[s.length - 1];
  const now = last ? Math.max(last.t, Date.now() - 1500) : Date.now();
  if (last) {
    card.values.cpu.textContent = `${last.cpuPercent.toFixed(1)} %`;
    card.values.mem.textContent = `${bytes(last.memUsed)} / ${bytes(last.memLimit)}${last.memLimit ? ` (${((100 * last.memUsed) / last.memLimit).toFixed(1)} %)` : ''}`;
    card.values.net.textContent = last.netReported ? `${rate(last.netRxRate)} / ${rate(last.netTxRate)}` : '—';
    card.values.blk.textContent = last.blkReported ? `${rate(last.blkReadRate)} / ${rate(last.blkWriteRate)}` : '—';
  }
  const maxMem = Math.max(1, ...s.map((x) => x.memUsed));
  // The x axis spans what there is to show, from 30 s up to the full window, so a new chart is not a sliver at the right.
  const first = s[0];
  const span = first ? (now - first.t) / 1000 : 0;
  const windowSeconds = Math.min(maxWindow, Math.max(30, Math.ceil(span / 10) * 10));
  drawChart(card.charts.cpu, [series(s, 'a', (x) => x.cpuPercent)], now, { minMax: 100, format: (v) => `${Math.round(v)} %`, windowSeconds });
  drawChart(card.charts.mem, [series(s, 'a', (x) => x.memUsed)], now, { minMax: maxMem * 1.2, format: bytes, windowSeconds });
  const netNote = last && !last.netReported ? { note: 'no network (--network none)' } : {};
  const blkNote = last && !last.blkReported ? { note: 'the engine reports no block I/O' } : {};
  drawChart(card.charts.net, [series(s, 'a', (x) => x.netRxRate), series(s, 'b', (x) => x.netTxRate)], now, { minMax: 1024, format: bytes, windowSeconds, ...netNote });
  drawChart(card.charts.blk, [series(s, 'a', (x) => x.blkReadRate), series(s, 'b', (x) => x.blkWriteRate)], now, { minMax: 1024, format: bytes, windowSeconds, ...blkNote });
}

const STATE_WORDS: Record<StatsState, string> = { streaming: 'live', paused: 'paused', stopped: 'not running', error: 'error' };

function setState(card: Card, state: StatsState, message?: string): void {
  card.state.textContent = message && state !== 'streaming' ? `${STATE_WORDS[state]}: ${message}` : STATE_WORDS[state];
  card.state.setAttribute('data-state', state);
}

window.addEventListener('message', (event: MessageEvent<StatsHostToPage>) => {
  const m = event.data;
  switch (m.type) {
    case 'init': {
      maxWindow = m.windowSeconds;
      document.title = m.title;
      app.replaceChildren(el('header', {}, el('h1', { text: `Stats: ${m.title}` }), el('span', { cls: 'meta', text: m.engine })));
      cards.clear();
      for (const c of m.containers) cards.set(c.id, makeCard(c.id, c.name));
      return;
    }
    case 'history': {
      const card = cards.get(m.id);
      if (!card) return;
      card.samples = m.samples.slice(-KEEP);
      draw(card);
      return;
    }
    case 'sample': {
      const card = cards.get(m.id);
      if (!card) return;
      card.samples.push(m.sample);
      if (card.samples.length > KEEP) card.samples.shift();
      draw(card);
      return;
    }
    case 'state': {
      const card = cards.get(m.id);
      if (card) setState(card, m.state, m.message);
      return;
    }
  }
});

vscode.postMessage({ type: 'ready' });
