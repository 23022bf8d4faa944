/**
 * Results panel page. Runs in the webview: one tab per statement the host
 * runs, each with its own rows, shown in a virtual grid (only the rows in view
 * exist as DOM). Built with createElement/textContent only; colours from the
 * theme's --vscode-* variables; every action is a message to the host (the
 * host writes the clipboard and the export files). Only the tab list and the
 * selected tab are saved with setState; after a reload the host re-sends rows.
 *
 * Hooks for tests (stable class names and attributes):
 *   .tabs[role=tablist] > .tab[data-tab-id][aria-selected]   a tab; .tab .close closes it;
 *                                                            .tab .tab-status is the status icon,
 *                                                            .tab[data-status=running|done|more|closed|failed|cancelled]
 *   .tab-body[data-tab-id]        the selected tab's panel (only the selected one is in the DOM)
 *   .status                       status bar: .state.state-<status>, .facts (row count · duration · command),
 *                                 button.cancel, button.fetch-more, button.release (close the cursor), button.export-csv, button.export-json,
 *                                 button.copy-cell, button.copy-row, button.copy-column, button.show-value
 *   .hold.holding .hold-text      "Holding a snapshot (open transaction) since 13:05:09 — …" while the cursor is open;
 *   .hold.released .hold-text     why it was closed (idle, or Close cursor)
 *   .grid[role=grid]              scroll container; .grid .header .col[data-col] column headers
 *                                 (.col-name, .col-type, .sort arrow, aria-sort), .grid .spacer holds the rows
 *   .grid .row[data-index]        a rendered row: data-index = display position, data-row = index in the held rows
 *   .grid .row .gutter            row number; .grid .cell[data-col] a cell, .cell.selected the selected one,
 *                                 .cell.null a NULL (shows a NULL badge), .cell.rich.kind-<kind> a structured value
 *                                 (.kind marker + .text), .cell.num a numeric column
 *   .context-menu .menu-copy-cell / .menu-copy-row / .menu-copy-column / .menu-show-value
 *   .detail.open .json-view       the value pane: the selected cell's JSON or full text in a <pre>
 *   .messages                     <details> "Messages (n)" with .notice lines
 *   .command-result               a statement without columns: its command tag and affected rows
 *   .info                         the transient one-line message from the host
 */
import type { ResultsHostToPage, ResultsPageToHost, TabInfo, TabStatus } from '../../src/webviews/resultsProtocol';
import { el, icon } from '../shared/dom';
import { STATUS_ICON, TabView } from './tabView';

interface SavedState {
  tabs: { info: TabInfo; status: TabStatus }[];
  selected?: string;
}

interface VsCodeApi {
  postMessage(message: ResultsPageToHost): void;
  getState(): SavedState | undefined;
  setState(state: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: ResultsPageToHost): void => vscode.postMessage(m);

const views = new Map<string, TabView>();
let order: string[] = [];
let selected: string | undefined;

const app = document.getElementById('app') as HTMLElement;
// Rows stream into the page: announce only the status/info regions, not every change.
app.setAttribute('aria-live', 'off');
const tabBar = el('div', { cls: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Results' } });
const body = el('div', { cls: 'tab-host' });
app.append(tabBar, body);

function save(): void {
  vscode.setState({ tabs: order.flatMap((id) => { const v = views.get(id); return v ? [{ info: v.data.info, status: v.data.status }] : []; }), selected });
}

function renderTabs(): void {
  const items = order.flatMap((id) => {
    const v = views.get(id);
    if (!v) return [];
    const { info, status } = v.data;
    const isSel = id === selected;
    const close = el('button', { cls: 'close', title: 'Close', attrs: { type: 'button', 'aria-label': `Close ${info.title}`, tabindex: isSel ? '0' : '-1' } }, icon('close'));
    close.addEventListener('click', (e) => {
      e.stopPropagation();
      post({ type: 'closeTab', tabId: id });
      closeTab(id);
    });
    const tab = el(
      'div',
      {
        cls: `tab${isSel ? ' selected' : ''}`,
        title: `${info.statement}\n— ${info.connectionName}`,
        attrs: { role: 'tab', 'data-tab-id': id, 'data-status': status, 'aria-selected': String(isSel), tabindex: isSel ? '0' : '-1' },
      },
      el('span', { cls: `tab-status status-${v.data.restored ? 'restored' : status}` }, icon(v.data.restored ? 'history' : STATUS_ICON[status])),
      el('span', { cls: 'tab-title', text: info.title || 'Statement' }),
      el('span', { cls: 'tab-conn', text: info.connectionName }),
      close,
    );
    tab.addEventListener('click', () => select(id, true));
    tab.addEventListener('auxclick', (e) => {
      if (e.button !== 1) return;
      post({ type: 'closeTab', tabId: id });
      closeTab(id);
    });
    tab.addEventListener('keydown', (e) => {
      const at = order.indexOf(id);
      if (e.target !== tab) return;
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const next = order[(at + (e.key === 'ArrowRight' ? 1 : -1) + order.length) % order.length];
        if (next) select(next, false);
        tabBar.querySelector<HTMLElement>('.tab.selected')?.focus();
      } else if (e.key === 'Delete') {
        post({ type: 'closeTab', tabId: id });
        closeTab(id);
      } else if (e.key === 'Enter' || e.key === ' ') select(id, true);
      else return;
      e.preventDefault();
    });
    return [tab];
  });
  tabBar.replaceChildren(...items);
  tabBar.querySelector('.tab.selected')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

function showBody(): void {
  const view = selected ? views.get(selected) : undefined;
  const current = body.firstElementChild;
  if (view && current === view.root) return;
  for (const v of views.values()) if (v.root === current) v.hiding();
  if (view) {
    body.replaceChildren(view.root);
    view.shown();
  } else {
    body.replaceChildren(el('div', { cls: 'no-tabs' }, icon('table'), el('span', { text: 'Run a statement from a SQL or Cypher file to see its results here.' })));
  }
}

function select(id: string, focusGrid: boolean): void {
  if (!views.has(id)) return;
  selected = id;
  renderTabs();
  showBody();
  if (focusGrid) views.get(id)?.focus();
  save();
}

function closeTab(id: string): void {
  const view = views.get(id);
  if (!view) return;
  const at = order.indexOf(id);
  if (body.firstElementChild === view.root) view.hiding();
  view.dispose();
  views.delete(id);
  order = order.filter((x) => x !== id);
  if (selected === id) selected = order[Math.min(at, order.length - 1)];
  renderTabs();
  showBody();
  save();
}

function onMessage(m: ResultsHostToPage): void {
  if (m.type === 'tab') {
    const existing = views.get(m.tab.id);
    if (existing) {
      const wasRestored = existing.data.restored;
      existing.reset(m.tab);
      // Re-sent after a reload: keep the tab the user had selected.
      if (!wasRestored || !selected) selected = m.tab.id;
    } else {
      views.set(m.tab.id, new TabView({ info: m.tab, restored: false, status: 'running', rows: [], rowCount: 0 }, post));
      order.push(m.tab.id);
      selected = m.tab.id;
    }
    renderTabs();
    showBody();
    save();
    return;
  }
  const view = views.get(m.tabId);
  if (!view) return;
  switch (m.type) {
    case 'columns':
      view.setColumns(m.columns);
      break;
    case 'rows':
      view.addRows(m.offset, m.rows);
      break;
    case 'status':
      view.data.restored = false;
      view.setStatus(m);
      renderTabs();
      save();
      break;
    case 'info':
      view.info(m.text);
      break;
    case 'selectTab':
      select(m.tabId, false);
      break;
    case 'closeTab':
      closeTab(m.tabId);
      break;
  }
}

window.addEventListener('message', (event: MessageEvent<ResultsHostToPage>) => {
  const m = event.data as ResultsHostToPage | undefined;
  if (m && typeof m === 'object' && typeof m.type === 'string') onMessage(m);
});

setInterval(() => {
  if (selected) views.get(selected)?.tick();
}, 1000);

// After a reload: the tabs as they were (the host re-sends the rows it still holds).
const saved = vscode.getState();
for (const t of saved?.tabs ?? []) {
  if (views.has(t.info.id)) continue;
  views.set(t.info.id, new TabView({ info: t.info, restored: true, status: t.status, rows: [], rowCount: 0 }, post));
  order.push(t.info.id);
}
selected = saved?.selected && views.has(saved.selected) ? saved.selected : order[0];
renderTabs();
showBody();
post({ type: 'ready' });
