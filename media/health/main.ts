/**
 * Health panel page: the last run's subjects (connections and endpoints),
 * worst first, each with its checks worst first. Every text from a server or
 * from settings goes in with textContent; links are buttons that post the
 * index of their check, never a command.
 *
 * Hooks for tests: .subject[data-severity][data-kind] with .subject-name,
 * .check[data-severity][data-id] with .reason, button.explain, button.fix,
 * #refresh, .summary[data-worst].
 */
import type { HealthCheck, HealthRun, HealthSeverity, SubjectHealth } from '../../src/core/health/model';
import type { HealthHostToPage, HealthPageToHost } from '../../src/webviews/healthProtocol';
import { el, icon } from '../shared/dom';

interface VsCodeApi {
  postMessage(message: HealthPageToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const RANK: Record<HealthSeverity, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };
const ICON: Record<HealthSeverity, string> = { critical: 'error', warning: 'warning', unknown: 'question', ok: 'pass' };
const WORD: Record<HealthSeverity, string> = { critical: 'Critical', warning: 'Warning', unknown: 'Unknown', ok: 'OK' };

const app = document.getElementById('app') as HTMLElement;

function badge(sev: HealthSeverity): HTMLElement {
  return el('span', { cls: `badge sev-${sev}`, attrs: { 'data-severity': sev } }, icon(ICON[sev]), ` ${WORD[sev]}`);
}

function checkRow(c: HealthCheck, subject: number, check: number): HTMLElement {
  const actions = el('div', { cls: 'actions' });
  if (c.explain) {
    const b = el('button', { cls: 'link explain', text: c.explain.title, title: c.explain.title });
    b.addEventListener('click', () => vscode.postMessage({ type: 'open', subject, check, link: 'explain' }));
    actions.append(b);
  }
  (c.fixes ?? []).forEach((f, fix) => {
    const b = el('button', { cls: 'fix', title: f.title }, icon('tools'), ` ${f.title}`);
    b.addEventListener('click', () => vscode.postMessage({ type: 'open', subject, check, link: 'fix', fix }));
    actions.append(b);
  });
  return el('li', { cls: 'check', attrs: { 'data-severity': c.severity, 'data-id': c.id } },
    badge(c.severity),
    el('div', { cls: 'body' }, el('div', { cls: 'title', text: c.title }), el('div', { cls: 'reason', text: c.reason }), actions),
  );
}

function subjectCard(s: SubjectHealth, index: number): HTMLElement {
  const checks = s.checks.map((c, i) => ({ c, i })).sort((a, b) => RANK[b.c.severity] - RANK[a.c.severity] || a.i - b.i);
  const kind = s.subject.kind === 'connection' ? `${s.subject.engine}${s.subject.production ? ' · production' : ''}` : s.subject.url;
  return el('section', { cls: 'subject', attrs: { 'data-severity': s.worst, 'data-kind': s.subject.kind } },
    el('h2', {}, badge(s.worst), el('span', { cls: 'subject-name', text: s.subject.name }), el('span', { cls: 'meta', text: `${kind} · ${s.durationMs} ms` })),
    el('ul', { cls: 'checks' }, ...checks.map(({ c, i }) => checkRow(c, index, i))),
  );
}

function render(run: HealthRun | undefined, running: boolean): void {
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
  if (!run) body.push(el('p', { cls: 'empty', text: running ? 'The first check is running…' : 'Not checked yet.' }));
  else if (!run.subjects.length) body.push(el('p', { cls: 'empty', text: 'No connections or endpoints to check: add a connection, or list URLs in upkeep.health.endpoints.' }));
  else {
    const order = run.subjects.map((s, i) => ({ s, i })).sort((a, b) => RANK[b.s.worst] - RANK[a.s.worst] || a.s.subject.name.localeCompare(b.s.subject.name));
    for (const { s, i } of order) body.push(subjectCard(s, i));
  }
  app.replaceChildren(header, ...body);
}

window.addEventListener('message', (e: MessageEvent<HealthHostToPage>) => {
  const m = e.data;
  if (m && m.type === 'run') render(m.run, m.running);
});
render(undefined, true);
vscode.postMessage({ type: 'ready' });
