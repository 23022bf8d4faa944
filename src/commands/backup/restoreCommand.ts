/**
 * Restore a backup into a database of the user's. Unlike a backup this
 * writes: refused on a read-only connection before anything is sent, and
 * shown and asked through the Prompter like every Operation (the command
 * line, what it replaces, the size; on production the database name typed).
 * Into an existing database it is destructive (with --clean it drops and
 * recreates the backup's objects; without, it adds rows to them).
 *
 * Engines that list their targets (`restoreTargets`: Neo4j databases,
 * Docker volumes) are asked where a restore may go (restoreInto.ts): an
 * existing target that holds anything needs the explicit choice to clear it
 * first, and a new one is offered only where the engine can make one. Neo4j
 * may restore on another connection of the engine (`restoreOn: 'any'`). What
 * the engine compared after the restore is shown and recorded.
 */
import * as vscode from 'vscode';
import type { FlowDeps } from '../../app/operationFlow';
import type { ConnectionProfile } from '../../core/connections/profile';
import { formatOfBackup, type BackupContext, type BackupEntry, type BackupProgress, type RestoreContext, type RestoreDone, type RestoreOptions, type RestorePreview, type RestoreTargetState } from '../../core/backup/model';
import type { ProfileStore } from '../../connections/profileStore';
import { readManifest } from '../../core/backup/catalog';
import { sizeOf } from '../../core/backup/files';
import { formatBytes, formatDuration } from '../../core/format';
import { Cancelled, isCancelled, UserFacingError } from '../../core/errors';
import { backupFolder, pick, type BackupTarget, type BackupTargetArgs } from './target';
import { chooseRestoreConnection, chooseRestoreInto } from './restoreInto';
import { restoreOperation } from './restoreOperation';

export interface RestoreArgs extends BackupTargetArgs {
  /** The backup to restore; otherwise picked from the connection's list. */
  path?: string;
  folder?: string;
  /** The database to restore into. */
  into?: string;
  /** Create `into` first (a new database). */
  create?: boolean;
  clean?: boolean;
  singleTransaction?: boolean;
  jobs?: number;
  /** Engines that restore on another connection (Neo4j): its id; otherwise asked (the backed-up one first). */
  targetConnectionId?: string;
}

export interface RestoreDeps {
  profiles: ProfileStore;
  flow: FlowDeps;
  storageDir: string;
  context(profile: ConnectionProfile, signal?: AbortSignal, onProgress?: (p: BackupProgress) => void): Promise<BackupContext>;
  resolve(node: unknown, args: BackupTargetArgs | undefined): Promise<BackupTarget>;
  pickBackup(t: BackupTarget, folder: string): Promise<BackupEntry>;
}

export class RestoreCommand {
  constructor(private readonly deps: RestoreDeps) {}

  async run(node: unknown, args: RestoreArgs | undefined): Promise<{ commandText: string; comparison?: RestoreDone['comparison'] } | undefined> {
    const t = await this.deps.resolve(node, args);
    const restore = t.support.restore?.bind(t.support);
    const restoreText = t.support.restoreText?.bind(t.support);
    if (!restore || !restoreText) throw new UserFacingError(`Upkeep does not restore ${t.profile.engine} backups yet.`);
    const folder = args?.folder ?? backupFolder(t.profile, this.deps.storageDir);
    const file = args?.path ?? (await this.deps.pickBackup(t, folder)).path;
    const manifest = await readManifest(`${file}.upkeep.json`);
    const format = formatOfBackup(t.support.formats, file, manifest);
    // The connection restored into: the backed-up one, or (Neo4j's export) another of the engine the user picks.
    const on = (format?.restoreOn ?? t.support.restoreOn) === 'any' ? await chooseRestoreConnection(t.profile, this.deps.profiles, args?.targetConnectionId) : t.profile;
    if (on.readOnly) throw new UserFacingError(`"${on.name}" is a read-only connection: the restore was refused and nothing was sent to the server.`);
    const target = on.id !== t.profile.id ? { profile: on, password: (await this.deps.context(on)).password } : undefined;
    const restoreCtx = async (signal?: AbortSignal, onProgress?: (p: BackupProgress) => void): Promise<RestoreContext> => ({ ...(await this.deps.context(t.profile, signal, onProgress)), ...(target ? { target } : {}) });
    let options: RestoreOptions;
    let state: RestoreTargetState | undefined;
    if (t.support.restoreTargets) {
      ({ options, state } = await chooseRestoreInto(t.support, on, await restoreCtx(), args, `${manifest?.database ?? t.database ?? 'restored'}-restored`));
    } else {
      const into = args?.into ?? (await this.askName(`${manifest?.database ?? t.database ?? 'restored'}_restored`));
      const create = args?.create ?? (await pick([{ label: `Create ${into} (a new database)`, value: true }, { label: `${into} exists: restore into it`, value: false }], 'New or existing database?'));
      const clean = args?.clean ?? (create ? false : await pick([{ label: 'Drop and recreate the backup\'s objects (--clean)', value: true }, { label: 'Keep what is there', value: false }], 'Clean first?'));
      options = {
        database: into, create, clean,
        ...(args?.singleTransaction ? { singleTransaction: true } : {}),
        ...(args?.jobs ? { jobs: args.jobs } : {}),
      };
    }
    const into = options.database;
    const preview: RestorePreview = { file, manifest, profile: on };
    const op = restoreOperation({ ...t, profile: on }, file, options, await restoreText(file, options, state, preview), state, preview, format);
    const confirmed = await this.deps.flow.prompter().confirmOperation({ connection: on, title: op.title, ops: [op], risk: op.risk, sizeText: `${formatBytes(await sizeOf(file))} backup` });
    if (!confirmed) return undefined;
    const started = Date.now();
    let status: 'done' | 'failed' | 'cancelled' = 'done';
    let message = '';
    try {
      const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${op.title} — ${on.name}`, cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return await restore(file, manifest, options, await restoreCtx(controller.signal, (p) => progress.report({ message: p.phase })));
        } finally {
          sub.dispose();
        }
      });
      const c = done.comparison;
      // A restore that differs from the backup did not restore it: recorded as failed, not done.
      if (c?.status === 'failed') status = 'failed';
      message = `restored into ${into} in ${formatDuration(Date.now() - started)}${c ? ` — compared with the backup: ${c.status}: ${c.summary}` : ''}${done.notes.length ? ` ${done.notes.join(' ')}` : ''}`;
      if (c) {
        const show = c.status === 'passed' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
        void show(`${op.title}: ${c.status === 'passed' ? 'restored and compared' : c.status === 'failed' ? 'restored, but it DIFFERS from the backup' : 'restored, not compared'} — ${c.summary}`).then(undefined, () => undefined);
        this.deps.flow.log.info(`${op.title} on ${on.name}: ${c.status} — ${c.summary}${c.differences.length ? `\n  ${c.differences.join('\n  ')}` : ''}`);
      }
      return { commandText: done.commandText, ...(c ? { comparison: c } : {}) };
    } catch (err) {
      status = isCancelled(err) ? 'cancelled' : 'failed';
      message = (err as Error).message;
      throw err;
    } finally {
      await this.deps.flow.history.append({
        at: new Date(started).toISOString(), connectionId: on.id, connectionName: on.name, engine: on.engine, database: into,
        kind: 'restore', title: op.title, text: op.text, impact: op.impact, risk: op.risk, status, durationMs: Date.now() - started, message,
      }).catch((err: unknown) => this.deps.flow.log.warn(`Could not write the history: ${String(err)}`));
      this.deps.flow.refresh();
    }
  }

  private async askName(suggested: string): Promise<string> {
    const name = await vscode.window.showInputBox({ title: 'Restore into which database?', value: suggested, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Give a database name.') });
    if (!name) throw new Cancelled();
    return name;
  }
}
