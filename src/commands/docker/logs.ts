/**
 * Container logs in a read-only editor (a virtual document per opened log,
 * language "log"), and the per-container error count of a Compose project.
 * Lines pass through a ring of `upkeep.docker.logs.maxLines`: a log of any
 * size costs that much memory, and the document says when lines were left
 * out. A followed log stops streaming when its tab closes or on
 * "Stop Following Logs".
 */
import * as vscode from 'vscode';
import type { Logger } from '../../core/log';
import { countErrors, logsCommandLine, logSource, parseSince, streamLogs, errorCountMarkdown, type LogQuery, type ErrorCount } from '../../core/docker/logs';
import { parseLineFilter, RingBuffer, type LineFilter, type LogLine } from '../../core/docker/logStream';
import { dockerFailure, streamingDocker } from '../../core/docker/streaming';
import { Cancelled, UserFacingError } from '../../core/errors';
import { pick, type DockerTargetArgs, type DockerTargets } from './observeTarget';

export const LOGS_SCHEME = 'upkeep-docker-logs';

/** What the logs command accepts besides a node (all optional; any of them skips the questions). */
export interface LogArgs extends DockerTargetArgs {
  /** "10m", "1h", "24h", "all", or a date. */
  since?: string;
  tail?: number | 'all';
  follow?: boolean;
  timestamps?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** A substring, or /regex/flags. */
  filter?: string;
}

/** What a log view holds and shows (tests read it). */
export interface LogViewState {
  uri: string;
  container: string;
  commandLine: string;
  following: boolean;
  /** Lines kept (at most maxLines). */
  lines: number;
  /** Matching lines left out to stay within maxLines. */
  dropped: number;
  /** How the stream ended, or why it failed. */
  ended?: string;
}

interface LogView {
  uri: vscode.Uri;
  container: string;
  commandLine: string;
  filterText?: string;
  timestamps: boolean;
  ring: RingBuffer<LogLine>;
  controller: AbortController;
  following: boolean;
  ended?: string;
  /** The engine's tail was raised by one to tell whether the cap cut anything. */
  probeCap: boolean;
}

function settings(): { maxLines: number; tail: number; errorPattern: string } {
  const c = vscode.workspace.getConfiguration('upkeep.docker');
  return {
    maxLines: Math.max(100, c.get<number>('logs.maxLines', 10_000)),
    tail: Math.max(1, c.get<number>('logs.tail', 500)),
    errorPattern: c.get<string>('errorPattern', 'ERROR'),
  };
}

let viewCounter = 0;

export class DockerLogs implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly views = new Map<string, LogView>();
  /** The last states of views whose document closed (a few, without their lines). */
  private readonly closed = new Map<string, LogViewState>();
  private readonly reports = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly pending = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly targets: DockerTargets,
    private readonly log: Logger,
  ) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(LOGS_SCHEME, this),
      // A log is followed only while some tab shows it.
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          const input = tab.input;
          if (input instanceof vscode.TabInputText && input.uri.scheme === LOGS_SCHEME && !this.isShown(input.uri)) this.stop(input.uri, 'closed');
        }
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === LOGS_SCHEME) this.forget(doc.uri);
      }),
      this.changed,
    );
  }

  private isShown(uri: vscode.Uri): boolean {
    return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString()));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const report = this.reports.get(uri.toString());
    if (report !== undefined) return report;
    const view = this.views.get(uri.toString());
    if (!view) return '# This log view was closed. Open the logs again from the Docker view or the command palette.\n';
    return render(view);
  }

  /** Opens a container's logs; asks since/tail/options/filter unless `args` says. */
  async open(node: unknown, args?: LogArgs): Promise<LogViewState> {
    const target = await this.targets.container(node, args);
    const asked = args && ['since', 'tail', 'follow', 'timestamps', 'stdout', 'stderr', 'filter'].some((k) => k in args) ? args : await askLogOptions(settings().tail);
    const { maxLines } = settings();
    const filter = parseFilter(asked.filter);
    const q: LogQuery = {
      follow: asked.follow ?? true,
      timestamps: asked.timestamps ?? true,
      stdout: asked.stdout ?? true,
      stderr: asked.stderr ?? true,
    };
    if (!q.stdout && !q.stderr) throw new UserFacingError('Choose stdout, stderr or both.');
    try {
      const since = parseSince(asked.since ?? '');
      if (since !== undefined) q.since = since;
    } catch (err) {
      throw new UserFacingError((err as Error).message);
    }
    if (asked.tail !== undefined && asked.tail !== 'all') q.tail = Math.max(0, Math.floor(asked.tail));
    const docker = await streamingDocker(target.profile, target.docker);
    const source = await logSource(docker, target.container.id).catch((err: unknown) => {
      throw dockerFailure(`Reading the logs of ${target.container.name}`, err, target.profile);
    });
    // Without a filter the engine can stop at the cap itself; one line more tells whether it cut anything.
    const probeCap = !filter && (q.tail === undefined || q.tail > maxLines);
    const engineQuery: LogQuery = probeCap ? { ...q, tail: maxLines + 1 } : q;
    const uri = vscode.Uri.from({ scheme: LOGS_SCHEME, path: `/${source.name}.log`, query: `view=${++viewCounter}` });
    const view: LogView = {
      uri,
      container: source.name,
      commandLine: `${logsCommandLine(source.name, q)}${filter ? ` | grep ${filter.source.startsWith('/') ? '-E ' : '-F '}'${filter.source.replace(/'/g, `'\\''`)}'` : ''}`,
      timestamps: q.timestamps,
      ring: new RingBuffer<LogLine>(maxLines + (probeCap ? 1 : 0)),
      controller: new AbortController(),
      following: q.follow,
      probeCap,
      ...(filter ? { filterText: filter.source } : {}),
    };
    this.views.set(uri.toString(), view);
    const reading = streamLogs(docker, source, engineQuery, (line) => {
      if (filter && !filter.test(line.text)) return;
      view.ring.push(line);
      this.schedule(uri);
    }, view.controller.signal);
    void reading.then(
      (how) => this.finish(view, how === 'end' ? (q.follow ? 'The container stopped: end of log.' : 'End of log.') : undefined),
      (err: unknown) => {
        const message = dockerFailure(`Reading the logs of ${source.name}`, err, target.profile).message;
        this.log.warn(message);
        this.finish(view, message);
      },
    );
    // A log read to its end is shown complete; a followed one opens at once and grows.
    if (!q.follow) await reading.catch(() => undefined);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'log');
    await vscode.window.showTextDocument(doc, { preview: false });
    return this.state(uri) as LogViewState;
  }

  private finish(view: LogView, ended: string | undefined): void {
    view.following = false;
    if (ended) view.ended = ended;
    this.schedule(view.uri);
  }

  /** Stops following (the command, or the tab closed). */
  stop(uri?: vscode.Uri, why: 'closed' | 'command' = 'command'): LogViewState | undefined {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const view = target ? this.views.get(target.toString()) : undefined;
    if (!view) {
      const gone = target ? this.closed.get(target.toString()) : undefined;
      if (!gone && why === 'command') void vscode.window.showInformationMessage('The active editor is not a followed Docker log.');
      return gone;
    }
    if (view.following) {
      view.controller.abort();
      view.following = false;
      view.ended = why === 'closed' ? 'Stopped following: the tab was closed.' : 'Stopped following.';
      this.schedule(view.uri);
    }
    return this.state(view.uri);
  }

  private forget(uri: vscode.Uri): void {
    const view = this.views.get(uri.toString());
    if (view?.following) this.stop(uri, 'closed');
    const last = this.state(uri);
    if (last) this.closed.set(uri.toString(), last);
    for (const key of [...this.closed.keys()].slice(0, Math.max(0, this.closed.size - 20))) this.closed.delete(key);
    view?.controller.abort();
    this.views.delete(uri.toString());
    this.reports.delete(uri.toString());
  }

  /** A view's state (tests read it). */
  state(uri: vscode.Uri | string): LogViewState | undefined {
    const view = this.views.get(uri.toString());
    if (!view) return undefined;
    const { kept, dropped } = capped(view);
    return {
      uri: view.uri.toString(),
      container: view.container,
      commandLine: view.commandLine,
      following: view.following,
      lines: kept.length,
      dropped,
      ...(view.ended ? { ended: view.ended } : {}),
    };
  }

  private schedule(uri: vscode.Uri): void {
    this.pending.add(uri.toString());
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      for (const key of this.pending) this.changed.fire(vscode.Uri.parse(key));
      this.pending.clear();
    }, 250);
  }

  /** Errors per container of a project (or one container), as a Markdown table. */
  async countErrors(node: unknown, args?: LogArgs & { pattern?: string }): Promise<{ uri: string; counts: ErrorCount[] }> {
    const target = await this.targets.containerOrProject(node, args);
    const since = args && 'since' in args ? args.since ?? 'all' : await askSince(['10m', '1h', '24h', 'all'], '24h');
    const patternText = args?.pattern ?? (args ? settings().errorPattern : await askText('Count the lines that contain… (/regex/i for a regular expression)', settings().errorPattern));
    const filter = parseFilter(patternText);
    if (!filter) throw new UserFacingError('Give a word or /regex/ to count.');
    let sinceSeconds: number | undefined;
    try {
      sinceSeconds = parseSince(since);
    } catch (err) {
      throw new UserFacingError((err as Error).message);
    }
    const docker = await streamingDocker(target.profile, target.docker);
    const counts = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Counting "${filter.source}" in the logs of ${target.title}`, cancellable: true },
      async (_p, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const result = await countErrors(docker, target.containers.map((c) => ({ id: c.id, name: c.name })), filter, sinceSeconds, controller.signal);
          if (controller.signal.aborted) throw new Cancelled();
          return result;
        } finally {
          sub.dispose();
        }
      },
    );
    const cli = `docker compose logs${since !== 'all' ? ` --since ${since}` : ''} | grep ${filter.source.startsWith('/') ? '-E' : '-F'} '${filter.source.replace(/'/g, `'\\''`)}' | cut -d'|' -f1 | sort | uniq -c`;
    const uri = vscode.Uri.from({ scheme: LOGS_SCHEME, path: `/errors in ${target.title.replace(/[/\\]/g, '_')}.md`, query: `view=${++viewCounter}` });
    this.reports.set(uri.toString(), errorCountMarkdown(`"${filter.source}" in the logs of ${target.title}${since !== 'all' ? ` (last ${since})` : ''}`, cli, counts));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: false });
    return { uri: uri.toString(), counts };
  }

  dispose(): void {
    for (const view of this.views.values()) view.controller.abort();
    this.views.clear();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const d of this.disposables) d.dispose();
  }
}

/** The lines to show and how many were left out (a probe line beyond the cap counts as left out). */
function capped(view: LogView): { kept: LogLine[]; dropped: number } {
  const all = view.ring.toArray();
  const extra = view.probeCap && all.length === view.ring.capacity ? 1 : 0;
  return { kept: all.slice(extra), dropped: view.ring.dropped + extra };
}

function render(view: LogView): string {
  const { kept, dropped } = capped(view);
  const head = [`# ${view.commandLine}`];
  if (dropped > 0) head.push(`# Showing the last ${kept.length.toLocaleString('en-US')} lines${view.probeCap ? '' : ` of ${(kept.length + dropped).toLocaleString('en-US')}`}: earlier ones were left out (setting upkeep.docker.logs.maxLines).`);
  const body = kept.map((l) => `${view.timestamps && l.time ? `${l.time} ` : ''}${l.stream === 'stderr' ? '[err]' : '[out]'} ${l.text}`);
  const tail = view.following ? '# … following (Upkeep: Stop Following Docker Logs, or close this tab, to stop)' : view.ended ? `# ${view.ended}` : '';
  return [...head, ...body, ...(tail ? [tail] : [])].join('\n') + '\n';
}

function parseFilter(text: string | undefined): LineFilter | undefined {
  try {
    return parseLineFilter(text ?? '');
  } catch (err) {
    throw new UserFacingError((err as Error).message);
  }
}

async function askText(prompt: string, value: string): Promise<string> {
  const typed = await vscode.window.showInputBox({ prompt, value, ignoreFocusOut: true });
  if (typed === undefined) throw new Cancelled();
  return typed;
}

const SINCE_WORDS: Record<string, string> = { '10m': 'Last 10 minutes', '1h': 'Last hour', '24h': 'Last 24 hours', all: 'Everything' };

async function askSince(choices: string[], preferred: string): Promise<string> {
  const items = [...choices.map((c) => ({ label: SINCE_WORDS[c] ?? c, description: c === 'all' ? '' : `--since ${c}`, value: c, picked: c === preferred })), { label: 'Custom…', description: '30m, 2h, 7d or a date', value: '' }];
  const chosen = await pick(items, 'Which lines? (docker logs --since)');
  if (chosen) return chosen;
  const typed = await askText('Since when? A duration (30m, 2h, 7d) or a date (2026-11-30T10:00)', '2h');
  parseSince(typed);
  return typed;
}

/** The questions of "Show Logs…": which lines, follow/timestamps/streams, and a filter. */
async function askLogOptions(defaultTail: number): Promise<LogArgs> {
  const first = await pick(
    [
      { label: `Last ${defaultTail.toLocaleString('en-US')} lines`, description: `--tail ${defaultTail}`, value: 'tail' },
      ...['10m', '1h', '24h', 'all'].map((c) => ({ label: SINCE_WORDS[c] ?? c, description: c === 'all' ? 'up to upkeep.docker.logs.maxLines' : `--since ${c}`, value: c })),
      { label: 'Custom…', description: 'since 30m, 2h, 7d or a date', value: 'custom' },
    ],
    'Which lines? (docker logs --tail / --since)',
  );
  const args: LogArgs = {};
  if (first === 'tail') args.tail = defaultTail;
  else if (first === 'custom') args.since = await askSince([], '');
  else args.since = first;
  const options = await vscode.window.showQuickPick(
    [
      { label: 'Follow', description: '--follow: keep reading new lines', picked: true, key: 'follow' as const },
      { label: 'Timestamps', description: '--timestamps', picked: true, key: 'timestamps' as const },
      { label: 'stdout', picked: true, key: 'stdout' as const },
      { label: 'stderr', picked: true, key: 'stderr' as const },
    ],
    { canPickMany: true, placeHolder: 'Options', ignoreFocusOut: true },
  );
  if (!options) throw new Cancelled();
  for (const key of ['follow', 'timestamps', 'stdout', 'stderr'] as const) args[key] = options.some((o) => o.key === key);
  args.filter = await askText('Show only lines containing… (empty: all lines; /regex/i for a regular expression)', '');
  return args;
}
