/**
 * The Docker stats panel: CPU %, memory, network and block I/O of one
 * container or a Compose project's containers, charted from the engine's
 * stats streams. A stream is open only while the panel is visible: hidden,
 * every stream is closed; shown again, they reopen and the charts go on from
 * the samples the host kept. Closing the panel closes them all.
 */
import * as vscode from 'vscode';
import type Dockerode from 'dockerode';
import type { Logger } from '../core/log';
import { streamStats, type StatsSample } from '../core/docker/stats';
import { engineMessage } from '../core/docker/streaming';
import { panelHtml } from './panelHtml';
import { parseStatsMessage, type StatsContainer, type StatsHostToPage, type StatsState } from './statsProtocol';

export const STATS_VIEW_TYPE = 'upkeep.dockerStats';
/** Samples kept per container (one a second: five minutes). */
const KEEP = 300;
const WINDOW_SECONDS = 120;

interface Feed {
  container: StatsContainer;
  samples: StatsSample[];
  state: StatsState;
  message?: string;
  controller?: AbortController;
}

/** What the panel holds (tests read it: they cannot look inside a webview). */
export interface StatsSnapshot {
  title: string;
  visible: boolean;
  disposed: boolean;
  /** Streams open now. */
  open: number;
  containers: { id: string; name: string; state: StatsState; samples: number; last?: StatsSample; message?: string }[];
}

export class StatsPanel implements vscode.Disposable {
  private readonly feeds = new Map<string, Feed>();
  private ready = false;
  private disposed = false;
  private readonly updated = new vscode.EventEmitter<StatsSnapshot>();
  /** Fires on every sample and state change. */
  readonly onDidUpdate = this.updated.event;

  constructor(
    readonly key: string,
    dist: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    private readonly title: string,
    private readonly engineName: string,
    containers: StatsContainer[],
    private readonly docker: Dockerode,
    private readonly log: Logger,
    onDispose: () => void,
  ) {
    for (const c of containers) this.feeds.set(c.id, { container: c, samples: [], state: 'paused' });
    const uri = (f: string): string => panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString();
    panel.webview.html = panelHtml({ cspSource: panel.webview.cspSource, scriptUri: uri('stats.js'), styleUri: uri('stats.css'), codiconUri: uri('codicon.css'), title });
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      if (!parseStatsMessage(raw)) return;
      this.ready = true;
      this.sendAll();
    });
    panel.onDidChangeViewState(() => (panel.visible ? this.resume() : this.pause()));
    panel.onDidDispose(() => {
      this.disposed = true;
      this.pause();
      onDispose();
      this.updated.fire(this.snapshot());
      this.updated.dispose();
    });
    this.resume();
  }

  reveal(): void {
    this.panel.reveal();
  }

  snapshot(): StatsSnapshot {
    return {
      title: this.title,
      visible: !this.disposed && this.panel.visible,
      disposed: this.disposed,
      open: [...this.feeds.values()].filter((f) => f.controller).length,
      containers: [...this.feeds.values()].map((f) => ({
        id: f.container.id,
        name: f.container.name,
        state: f.state,
        samples: f.samples.length,
        ...(f.samples.length ? { last: f.samples[f.samples.length - 1] } : {}),
        ...(f.message ? { message: f.message } : {}),
      })),
    };
  }

  private post(m: StatsHostToPage): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(m);
  }

  private sendAll(): void {
    this.post({ type: 'init', title: this.title, engine: this.engineName, containers: [...this.feeds.values()].map((f) => f.container), windowSeconds: WINDOW_SECONDS });
    for (const f of this.feeds.values()) {
      this.post({ type: 'history', id: f.container.id, samples: f.samples });
      this.post({ type: 'state', id: f.container.id, state: f.state, ...(f.message ? { message: f.message } : {}) });
    }
  }

  private setState(f: Feed, state: StatsState, message?: string): void {
    f.state = state;
    if (message) f.message = message;
    else delete f.message;
    this.post({ type: 'state', id: f.container.id, state, ...(message ? { message } : {}) });
    this.updated.fire(this.snapshot());
  }

  /** Opens a stream per container not streaming yet. */
  private resume(): void {
    if (this.disposed) return;
    for (const f of this.feeds.values()) {
      if (f.controller) continue;
      const controller = new AbortController();
      f.controller = controller;
      this.setState(f, 'streaming');
      void streamStats(this.docker, f.container.id, (sample) => {
        // A stopped container's stream sends zeros with no time: not a sample.
        if (sample.memLimit === 0 && sample.cpuPercent === 0 && sample.pids === 0) {
          if (f.state !== 'stopped') this.setState(f, 'stopped', `${f.container.name} is not running.`);
          return;
        }
        if (f.state !== 'streaming') this.setState(f, 'streaming');
        f.samples.push(sample);
        if (f.samples.length > KEEP) f.samples.splice(0, f.samples.length - KEEP);
        this.post({ type: 'sample', id: f.container.id, sample });
        this.updated.fire(this.snapshot());
      }, controller.signal).then(
        (how) => {
          if (f.controller === controller) f.controller = undefined;
          if (how === 'end' && !this.disposed) this.setState(f, 'stopped', `${f.container.name} stopped or was removed.`);
        },
        (err: unknown) => {
          if (f.controller === controller) f.controller = undefined;
          const message = `Stats of ${f.container.name}: ${engineMessage(err)}`;
          this.log.warn(message);
          if (!this.disposed) this.setState(f, 'error', message);
        },
      );
    }
  }

  /** Closes every stream (hidden or closed): nothing is read while nobody looks. */
  private pause(): void {
    for (const f of this.feeds.values()) {
      const c = f.controller;
      f.controller = undefined;
      c?.abort();
      if (!this.disposed && f.state === 'streaming') this.setState(f, 'paused');
    }
    if (!this.disposed) this.updated.fire(this.snapshot());
  }

  dispose(): void {
    this.panel.dispose();
  }
}

/** Opens (or reveals) the stats panel of one container or a project's containers. */
export class StatsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, StatsPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
  ) {}

  open(opts: { key: string; title: string; engineName: string; containers: StatsContainer[]; docker: Dockerode }): StatsPanel {
    const existing = this.panels.get(opts.key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(STATS_VIEW_TYPE, `Stats: ${opts.title}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist] });
    const made = new StatsPanel(opts.key, dist, panel, opts.title, opts.engineName, opts.containers, opts.docker, this.log, () => this.panels.delete(opts.key));
    this.panels.set(opts.key, made);
    return made;
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }
}
