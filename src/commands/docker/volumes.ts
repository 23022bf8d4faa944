/**
 * Volume backup (to a .tar.gz file) and restore (from one), through the
 * engine's archive API (core/docker/volumeBackup.ts). A restore replaces a
 * volume's contents, so it is an Operation and takes the shared flow's path:
 * refused on a read-only connection before anything is read, previewed and
 * confirmed through the Prompter (the volume's name typed on production),
 * run with progress and cancel, recorded in the history, views refreshed —
 * runOperationFlow, with the Docker executor's 'volume-restore' handler.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runOperationFlow, type FlowDeps } from '../../app/operationFlow';
import { backupVolume, FileExistsError, runningWriters, volumeHasFiles, type TransferResult } from '../../core/docker/volumeBackup';
import { buildVolumeRestore, type VolumeRestoreOp } from '../../core/docker/volumeOps';
import { dockerFailure, streamingDocker } from '../../core/docker/streaming';
import { formatBytes } from '../../core/format';
import { Cancelled, UserFacingError } from '../../core/errors';
import type { DockerTargetArgs, DockerTargets } from './observeTarget';

export interface BackupArgs extends DockerTargetArgs {
  /** Where to write; asked with a save dialog when absent. */
  file?: string;
}

export interface RestoreArgs extends DockerTargetArgs {
  file?: string;
  /** Restore although a running container has the volume mounted read-write. */
  evenIfInUse?: boolean;
}

export interface RestoreOutcome {
  status: 'done' | 'failed' | 'cancelled' | 'not run';
  op: VolumeRestoreOp;
  result?: TransferResult;
  message?: string;
}

function stamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

function defaultFolder(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
}

export class DockerVolumes {
  constructor(
    private readonly targets: DockerTargets,
    private readonly deps: FlowDeps,
  ) {}

  async backup(node: unknown, args?: BackupArgs): Promise<TransferResult> {
    const target = await this.targets.volume(node, args);
    const docker = await streamingDocker(target.profile, target.docker);
    let file = args?.file ?? (await askSaveFile(vscode.Uri.joinPath(defaultFolder(), `${target.volume}-${stamp()}.tar.gz`)));
    for (;;) {
      try {
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Backing up volume ${target.volume}`, cancellable: true },
          async (progress, token) => {
            const controller = new AbortController();
            const sub = token.onCancellationRequested(() => controller.abort());
            try {
              return await backupVolume(docker, target.volume, file, { signal: controller.signal, onProgress: (n) => progress.report({ message: `${formatBytes(n)} read` }) });
            } finally {
              sub.dispose();
            }
          },
        );
        this.deps.log.info(`Backed up volume ${target.volume} of ${target.profile.name} to ${result.file}: ${formatBytes(result.tarBytes)} of files, ${formatBytes(result.fileBytes)} compressed.`);
        void vscode.window.showInformationMessage(`Volume ${target.volume} backed up to ${path.basename(result.file)} (${formatBytes(result.fileBytes)}).`);
        return result;
      } catch (err) {
        // Never overwritten: from the palette, ask for another name; with a file given, say so.
        if (!(err instanceof FileExistsError) && !(err instanceof Error && err.name === 'UserFacingError' && /already exists: Upkeep never replaces a file/.test(err.message))) throw err;
        if (args?.file) throw err;
        void vscode.window.showWarningMessage(`${path.basename(file)} already exists and is never replaced: choose another name.`);
        file = await askSaveFile(vscode.Uri.file(path.join(path.dirname(file), `${target.volume}-${stamp()}-2.tar.gz`)));
      }
    }
  }

  async restore(node: unknown, args?: RestoreArgs): Promise<RestoreOutcome> {
    const target = await this.targets.volume(node, args, true);
    const { profile } = target;
    // Read-only first, before anything is read from the engine or the disk.
    if (profile.readOnly) throw new UserFacingError(`"${profile.name}" is a read-only connection: restoring volume ${target.volume} was refused and nothing was sent to the engine.`);
    const file = args?.file ?? (await askOpenFile());
    let fileBytes: number;
    try {
      fileBytes = fs.statSync(file).size;
    } catch {
      throw new UserFacingError(`${file} cannot be read.`);
    }
    const docker = target.docker;
    const facts = await (async () => {
      const exists = await docker.getVolume(target.volume).inspect().then(() => true, (err: { statusCode?: number }) => {
        if (err.statusCode === 404) return false;
        throw dockerFailure(`Reading volume ${target.volume}`, err, profile);
      });
      const writers = exists ? await runningWriters(docker, target.volume) : [];
      const replaces = exists ? await volumeHasFiles(docker, target.volume) : false;
      return { exists, writers, replaces };
    })().catch((err: unknown) => {
      throw dockerFailure(`Reading volume ${target.volume}`, err, profile);
    });
    let evenIfInUse = args?.evenIfInUse ?? false;
    if (facts.writers.length && !evenIfInUse) {
      const refusal = `Volume ${target.volume} is mounted read-write by running container${facts.writers.length > 1 ? 's' : ''} ${facts.writers.join(', ')}: stop ${facts.writers.length > 1 ? 'them' : 'it'} before restoring. Nothing was changed.`;
      if (args && 'evenIfInUse' in args) throw new UserFacingError(refusal);
      const choice = await vscode.window.showWarningMessage(refusal, { modal: true, detail: 'A container writing while its files are replaced can corrupt its data.' }, 'Restore Anyway');
      if (choice !== 'Restore Anyway') throw new Cancelled();
      evenIfInUse = true;
    }
    const op = buildVolumeRestore({ volume: target.volume, file, fileBytes, ...facts, evenIfInUse });
    const batch = await runOperationFlow(this.deps, { profile, ops: [op] });
    const outcome = batch?.outcomes[0];
    if (!outcome) return { status: 'not run', op };
    const result = outcome.status === 'done' ? (outcome.details as TransferResult | undefined) : undefined;
    return { status: outcome.status, op, ...(result ? { result } : {}), ...(outcome.problem ? { message: outcome.problem.message } : {}) };
  }
}

async function askSaveFile(defaultUri: vscode.Uri): Promise<string> {
  const uri = await vscode.window.showSaveDialog({ defaultUri, filters: { 'Compressed tar': ['tar.gz', 'tgz'] }, saveLabel: 'Back Up Here' });
  if (!uri) throw new Cancelled();
  return uri.fsPath;
}

async function askOpenFile(): Promise<string> {
  const [uri] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Volume backup': ['tar.gz', 'tgz', 'tar'] }, openLabel: 'Restore This Backup', defaultUri: defaultFolder() })) ?? [];
  if (!uri) throw new Cancelled();
  return uri.fsPath;
}
