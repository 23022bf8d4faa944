/**
 * The editor's health monitor (chunk health-monitor): one run at a time over
 * every connection and `upkeep.health.endpoints`, through the connection
 * service (its passwords and kept sessions), every
 * `upkeep.health.intervalSeconds` while the window has focus; the status bar
 * item shows the worst state, and a connection that goes from healthy to
 * critical raises a notification (`upkeep.health.notify`).
 */
import * as vscode from 'vscode';
import type { SettingsReader } from '../../core/engine';
import { backupFolderFor } from '../../core/backup/folder';
import { parseEndpoints } from '../../core/health/endpoints';
import type { HealthRun } from '../../core/health/model';
import { runHealth } from '../../core/health/run';
import type { Logger } from '../../core/log';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { criticalMessage, notifyMode, statusText, wentCritical, type HealthStatusText } from './status';

export const HEALTH_SHOW_COMMAND = 'upkeep.health.show';
export const DEFAULT_INTERVAL_SECONDS = 300;
/** Each connection's and endpoint's limit unless `upkeep.health.timeoutMs` says otherwise. */
export const DEFAULT_SUBJECT_TIMEOUT_MS = 10_000;

const settings: SettingsReader = { get: <T>(key: string, fallback: T): T => vscode.workspace.getConfiguration().get<T>(key, fallback) };

export interface HealthMonitorDeps {
  profiles: ProfileStore;
  connections: ConnectionService;
  log: Logger;
  /** The extension's storage: the backup folder's default, as the backup commands have it. */
  storageDir: string;
}

/**
 * The backup folder of a connection, by the backup commands' rule (its own
 * folder setting, then upkeep.backup.folder, then the extension's storage).
 */

export class HealthMonitor implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private last: HealthRun | undefined;
  private running: Promise<HealthRun> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastStarted = 0;
  private visible = false;
  /** Every healthy → critical notification shown, in order (the extension's test API reads it). */
  private readonly notices: string[] = [];
  private readonly changed = new vscode.EventEmitter<HealthRun>();
  /** Fires after every run. */
  readonly onDidRun = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: HealthMonitorDeps) {
    this.item = vscode.window.createStatusBarItem('upkeep.health', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Upkeep Health';
    this.item.command = HEALTH_SHOW_COMMAND;
    this.show();
    this.disposables.push(
      this.item,
      this.changed,
      vscode.window.onDidChangeWindowState((s) => (s.focused ? this.schedule() : this.stopTimer())),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('upkeep.health.intervalSeconds') && this.schedule()),
    );
  }

  get lastRun(): HealthRun | undefined {
    return this.last;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  status(): HealthStatusText {
    return statusText(this.last, this.running !== undefined);
  }

  /** What the status bar item shows now (the extension's test API reads it). */
  shown(): { text: string; tooltip: string; worst: string; visible: boolean } {
    return { text: this.item.text, tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : '', worst: this.status().worst, visible: this.visible };
  }

  /** Starts the interval (the first run now, if the window has focus and the interval is on). */
  start(): void {
    this.schedule();
  }

  private intervalMs(): number {
    const s = settings.get<number>('upkeep.health.intervalSeconds', DEFAULT_INTERVAL_SECONDS);
    return typeof s === 'number' && Number.isFinite(s) && s > 0 ? Math.max(10, s) * 1000 : 0;
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs when due and the window has focus; then waits for the next time (nothing runs while the window is in the background). */
  private schedule(): void {
    this.stopTimer();
    const every = this.intervalMs();
    if (!every || !vscode.window.state.focused) return;
    const due = Math.max(0, this.lastStarted + every - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!vscode.window.state.focused) return;
      void this.run().catch((err: unknown) => this.deps.log.warn(`Health check failed: ${err instanceof Error ? err.message : String(err)}`)).finally(() => this.schedule());
    }, due);
  }

  /** One run over everything; a run already going is returned instead of a second one. */
  run(): Promise<HealthRun> {
    if (this.running) return this.running;
    this.lastStarted = Date.now();
    const run = this.runOnce()
      .finally(() => {
        this.running = undefined;
        this.show();
      })
      // Fired once the run no longer counts as running, so the panel draws it finished (Check again enabled).
      .then((result) => {
        this.changed.fire(result);
        return result;
      });
    this.running = run;
    this.show();
    return run;
  }

  private async runOnce(): Promise<HealthRun> {
    const { profiles, connections, log, storageDir } = this.deps;
    const { endpoints, problems } = parseEndpoints(settings.get<unknown>('upkeep.health.endpoints', []));
    for (const p of problems) log.warn(p);
    const timeoutMs = settings.get<number>('upkeep.health.timeoutMs', DEFAULT_SUBJECT_TIMEOUT_MS);
    const result = await runHealth(profiles.all().map((s) => s.profile), endpoints, {
      settings,
      passwordFor: (p) => connections.passwordFor(p),
      // The editor's kept session (its password, its pool): the run does not close it.
      openSession: async (p) => ({ session: await connections.session(p), release: () => Promise.resolve() }),
      backupFolder: (p) => (settings.get<boolean>('upkeep.health.checkBackups', true) ? backupFolderFor(p, settings, storageDir) : undefined),
      log,
      timeoutMs: timeoutMs > 0 ? timeoutMs : DEFAULT_SUBJECT_TIMEOUT_MS,
    });
    const previous = this.last;
    this.last = result;
    log.info(`Health: ${result.worst} over ${result.subjects.length} subjects in ${result.durationMs} ms.`);
    for (const s of wentCritical(previous, result, notifyMode(settings.get<unknown>('upkeep.health.notify', 'production')))) this.notify(criticalMessage(s));
    return result;
  }

  /** The notifications shown so far (their words), oldest first. */
  notified(): string[] {
    return [...this.notices];
  }

  private notify(message: string): void {
    this.notices.push(message);
    void vscode.window.showWarningMessage(message, 'Open Health').then((choice) => choice && vscode.commands.executeCommand(HEALTH_SHOW_COMMAND));
  }

  private show(): void {
    const s = this.status();
    this.item.text = s.text;
    this.item.tooltip = s.tooltip;
    this.item.backgroundColor = s.worst === 'critical' ? new vscode.ThemeColor('statusBarItem.errorBackground') : s.worst === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
    this.visible = true;
  }

  dispose(): void {
    this.stopTimer();
    for (const d of this.disposables) d.dispose();
  }
}
