/**
 * Health panel page: the last run's subjects (connections and endpoints),
 * worst first, each with its checks worst first. Every text from a server or
 * from settings goes in with textContent; links are buttons that post the
 * index of their check, never a command.
 *
 * Hooks for tests: .subject[data-severity][data-kind] with .subject-name,
 * .check[data-severity][data-id] with .reason, button.explain, button.fix,
 * #refresh, .summary[data-worst], .restored (the run from before a reload,
 * shown until the host's arrives).
 *
 * The last run shown is kept with setState, so after a window reload the
 * panel (handed back by the host's serializer) shows it at once, marked as
 * from before the reload and without its links (the host looks links up in
 * its own run), until the fresh check it starts arrives.
 */
import type { HealthCheck, HealthRun, HealthSeverity, SubjectHealth } from '../../src/core/health/model';
import type { HealthHostToPage, HealthPageState, HealthPageToHost } from '../../src/webviews/healthProtocol';
import { el, icon } from '../shared/dom';

interface VsCodeApi {
  postMessage(message: HealthPageToHost): void;
  getState(): unknown;
  setState(state: HealthPageState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const RANK: Record<HealthSeverity, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };
const ICON: Record<HealthSeverity, string> = { critical: 'error', warning: 'warning', unknown: 'question', ok: 'pass' };
const WORD: Record<HealthSeverity, string> = { critical: 'Critical', warning: 'Warning', unknown: 'Unknown', ok: 'OK' };

const app = document.getElementById('app') as HTMLElement;

/** The run this page showed before a reload: its own state, checked for shape (an older page may have written another). */
function savedRun(): HealthRun | undefined {
  const s = vscode.getState();
  const run = typeof s === 'object' && s !== null ? (s as { run?: unknown }).run : undefined;
  if (typeof run !== 'object' || run === null) return undefined;
  const severity = (v: unknown): boolean => typeof v === 'string' && Object.hasOwn(RANK, v);
  const r = run as Partial<HealthRun>;
  const wellFormed = Array.isArray(r.subjects) && typeof r.startedAt === 'string' && typeof r.durationMs === 'number' && severity(r.worst)
    && r.subjects.every((x) => typeof x === 'object' && x !== null && typeof x.subject?.name === 'string' && severity(x.worst) && Array.isArray(x.checks)
      && x.checks.every((c) => typeof c === 'object' && c !== null && typeof c.title === 'string' && typeof c.reason === 'string' && severity(c.severity)));
  return wellFormed ? (run as HealthRun) : undefined;
}
let restored = savedRun();

function badge(sev: HealthSeverity): HTMLElement {
  return el('span', { cls: `badge sev-${sev}`, attrs: { 'data-severity': sev } }, icon(ICON[sev]), ` ${WORD[sev]}`);
}

function checkRow(c: HealthCheck, subject: number, check: number, stale: boolean): HTMLElement {
  const actions = el('div', { cls: 'actions' });
  // A restored run has no links: they point into the host's run, which is not this one; they come back with the fresh check.
  if (c.explain && !stale) {
    const b = el('button', { cls: 'link explain', text: c.explain.title, title: c.explain.title });
    b.addEventListener('click', () => vscode.postMessage({ type: 'open', subject, check, link: 'explain' }));
    actions.append(b);
  }
  if (!stale) (c.fixes ?? []).forEach((f, fix) => {
    const b = el('button', { cls: 'fix', title: f.title }, icon('tools'), ` ${f.title}`);
    b.addEventListener('click', () => vscode.postMessage({ type: 'open', subject, check, link: 'fix', fix }));
    actions.append(b);
  });
  return el('li', { cls: 'check', attrs: { 'data-severity': c.severity, 'data-id': c.id } },
    badge(c.severity),
    el('div', { cls: 'body' }, el('div', { cls: 'title', text: c.title }), el('div', { cls: 'reason', text: c.reason }), actions),
  );
}

function subjectCard(s: SubjectHealth, index: number, stale: boolean): HTMLElement {
  const checks = s.checks.map((c, i) => ({ c, i })).sort((a, b) => RANK[b.c.severity] - RANK[a.c.severity] || a.i - b.i);
  const kind = s.subject.kind === 'connection' ? `${s.subject.engine}${s.subject.production ? ' · production' : ''}` : s.subject.url;
  return el('section', { cls: 'subject', attrs: { 'data-severity': s.worst, 'data-kind': s.subject.kind } },
    el('h2', {}, badge(s.worst), el('span', { cls: 'subject-name', text: s.subject.name }), el('span', { cls: 'meta', text: `${kind} · ${s.durationMs} ms` })),
    el('ul', { cls: 'checks' }, ...checks.map(({ c, i }) => checkRow(c, index, i, stale))),
  );
}

function render(run: HealthRun | undefined, running: boolean, stale = false): void {
  const refresh = el('button', { cls: 'refresh', attrs: { id: 'refresh' }, title: 'Check again' }, icon(running ? 'sync' : 'refresh', running ? 'codicon-modifier-spin' : ''), running ? ' Checking…' : ' Check again');
  refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  if (running) refresh.setAttribute('disabled', 'true');
  const header = el('header', {}, el('h1', { text: 'Upkeep Health' }));
  if (run) {
    const counts = (['critical', 'warning', 'unknown', 'ok'] as const).map((sev) => ({ sev, n: run.subjects.filter((s) => s.worst === sev).length })).filter((x) => x.n);
    header.append(el('span', { cls: 'summary', attrs: { 'data-worst': run.worst } }, ...counts.map((x) => el('span', { cls: `count sev-${x.sev}`, text: `${x.n} ${WORD[x.sev].toLowerCase()}` }))));
    header.append(el('span', { cls: 'meta', text: `checked ${new Date(run.startedAt).toLocaleTimeString()} in ${(run.durationMs / 1000).toFixed(1)} s` }));
  }
  header.append(refresh);
  const body: HTMLElement[] = [];
  if (run && stale) {
    const words = running ? 'checking again…' : 'not checked since. Check again for the current state and the links.';
    body.push(el('p', { cls: 'restored', attrs: { role: 'status' } }, icon(running ? 'sync' : 'history', running ? 'codicon-modifier-spin' : ''), ` The last check before the window reloaded; ${words}`));
  }
  if (!run) body.push(el('p', { cls: 'empty', text: running ? 'The first check is running…' : 'Not checked yet.' }));
  else if (!run.subjects.length) body.push(el('p', { cls: 'empty', text: 'No connections or endpoints to check: add a connection, or list URLs in upkeep.health.endpoints.' }));
  else {
    const order = run.subjects.map((s, i) => ({ s, i })).sort((a, b) => RANK[b.s.worst] - RANK[a.s.worst] || a.s.subject.name.localeCompare(b.s.subject.name));
    for (const { s, i } of order) body.push(subjectCard(s, i, stale));
  }
  app.replaceChildren(header, ...body);
}

window.addEventListener('message', (e: MessageEvent<HealthHostToPage>) => {
  const m = e.data;
  if (!m || m.type !== 'run') return;
  if (m.run) {
    restored = undefined;
    vscode.setState({ run: m.run });
    render(m.run, m.running);
  } else {
    render(restored, m.running, restored !== undefined);
  }
});
render(restored, true, restored !== undefined);
vscode.postMessage({ type: 'ready' });
