/**
 * The Docker observing commands — logs, error counts, stats, exec terminal,
 * volume backup and restore — built together the first time one runs (this
 * module is the `docker-observe` chunk).
 */
import type * as vscode from 'vscode';
import type { FlowDeps } from '../../app/operationFlow';
import type { ProfileStore } from '../../connections/profileStore';
import { lazy } from '../../app/lazy';
import { StatsPanels } from '../../webviews/statsPanel';
import { DockerTargets } from './observeTarget';
import { DockerLogs } from './logs';
import { DockerExec } from './exec';
import { DockerStats } from './stats';
import { DockerVolumes } from './volumes';

export type { LogArgs, LogViewState } from './logs';
export type { ExecArgs, ExecTerminalHandle } from './exec';
export type { BackupArgs, RestoreArgs, RestoreOutcome } from './volumes';
export type { DockerTargetArgs } from './observeTarget';

export interface DockerObserveDeps {
  flow: FlowDeps;
  profiles: ProfileStore;
  extensionUri: vscode.Uri;
}

export class DockerObserveCommands implements vscode.Disposable {
  readonly logs: DockerLogs;
  readonly exec: DockerExec;
  readonly stats: DockerStats;
  readonly volumes: DockerVolumes;
  private readonly panels: () => StatsPanels;
  private panelsMade: StatsPanels | undefined;

  constructor(deps: DockerObserveDeps) {
    const targets = new DockerTargets(deps.profiles, deps.flow.connections);
    this.logs = new DockerLogs(targets, deps.flow.log);
    this.exec = new DockerExec(targets, deps.flow.log);
    this.panels = lazy(() => (this.panelsMade = new StatsPanels(deps.extensionUri, deps.flow.log)));
    this.stats = new DockerStats(targets, this.panels);
    this.volumes = new DockerVolumes(targets, deps.flow);
  }

  dispose(): void {
    this.logs.dispose();
    this.panelsMade?.dispose();
  }
}
