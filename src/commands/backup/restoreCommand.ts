/**
 * Restore a backup into a database of the user's. Unlike a backup this
 * writes: refused on a read-only connection before anything is sent, and
 * shown and asked through the Prompter like every Operation (the command
 * line, what it replaces, the size; on production the database name typed).
 * Into an existing database it is destructive (with --clean it drops and
 * recreates the backup's objects; without, it adds rows to them).
 */
import * as vscode from 'vscode';
import type { FlowDeps } from '../../app/operationFlow';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { BackupContext, BackupEntry, BackupProgress, RestoreOptions } from '../../core/backup/model';
import type { Operation } from '../../core/operations/operation';
import { readManifest } from '../../core/backup/catalog';
import { sizeOf } from '../../core/backup/files';
import { formatBytes, formatDuration } from '../../core/format';
import { Cancelled, isCancelled, UserFacingError } from '../../core/errors';
import { backupFolder, pick, type BackupTarget, type BackupTargetArgs } from './target';

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
}

export interface RestoreDeps {
  flow: FlowDeps;
  storageDir: string;
  context(profile: ConnectionProfile, signal?: AbortSignal, onProgress?: (p: BackupProgress) => void): Promise<BackupContext>;
  resolve(node: unknown, args: BackupTargetArgs | undefined): Promise<BackupTarget>;
  pickBackup(t: BackupTarget, folder: string): Promise<BackupEntry>;
}

/** The Operation shown before a restore: its exact command line and what it does to the target. */
export function restoreOperation(t: BackupTarget, file: string, options: RestoreOptions, text: string): Operation {
  const into = options.database;
  const impact = options.create
    ? `creates database ${into} and restores the backup into it`
    : options.clean
      ? `drops every object of the backup that exists in database ${into} and recreates it from the backup: their current rows are replaced; sessions using them wait or fail`
      : `restores into the existing database ${into}: the backup's rows are added to tables that exist, and objects that exist already make pg_restore report errors`;
  return {
    engine: t.profile.engine,
    target: { kind: 'database', database: into } as Operation['target'],
    kind: 'restore',
    title: `Restore ${file.split('/').pop() ?? file} into ${into}`,
    text,
    language: 'shell',
    impact,
    risk: options.create ? 'heavy' : 'destructive',
    confirmName: into,
  };
}

export class RestoreCommand {
  constructor(private readonly deps: RestoreDeps) {}

  async run(node: unknown, args: RestoreArgs | undefined): Promise<{ commandText: string } | undefined> {
    const t = await this.deps.resolve(node, args);
    const restore = t.support.restore?.bind(t.support);
    const restoreText = t.support.restoreText?.bind(t.support);
    if (!restore || !restoreText) throw new UserFacingError(`Upkeep does not restore ${t.profile.engine} backups yet.`);
    if (t.profile.readOnly) throw new UserFacingError(`"${t.profile.name}" is a read-only connection: the restore was refused and nothing was sent to the server.`);
    const folder = args?.folder ?? backupFolder(t.profile, this.deps.storageDir);
    const file = args?.path ?? (await this.deps.pickBackup(t, folder)).path;
    const manifest = await readManifest(`${file}.upkeep.json`);
    const into = args?.into ?? (await this.askName(`${manifest?.database ?? t.database ?? 'restored'}_restored`));
    const create = args?.create ?? (await pick([{ label: `Create ${into} (a new database)`, value: true }, { label: `${into} exists: restore into it`, value: false }], 'New or existing database?'));
    const clean = args?.clean ?? (create ? false : await pick([{ label: 'Drop and recreate the backup\'s objects (--clean)', value: true }, { label: 'Keep what is there', value: false }], 'Clean first?'));
    const options: RestoreOptions = {
      database: into, create, clean,
      ...(args?.singleTransaction ? { singleTransaction: true } : {}),
      ...(args?.jobs ? { jobs: args.jobs } : {}),
    };
    const op = restoreOperation(t, file, options, restoreText(file, options));
    const confirmed = await this.deps.flow.prompter().confirmOperation({ connection: t.profile, title: op.title, ops: [op], risk: op.risk, sizeText: `${formatBytes(await sizeOf(file))} backup` });
    if (!confirmed) return undefined;
    const started = Date.now();
    let status: 'done' | 'failed' | 'cancelled' = 'done';
    let message = '';
    try {
      const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${op.title} — ${t.profile.name}`, cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return await restore(file, manifest, options, await this.deps.context(t.profile, controller.signal, (p) => progress.report({ message: p.phase })));
        } finally {
          sub.dispose();
        }
      });
      message = `restored into ${into} in ${formatDuration(Date.now() - started)}`;
      return { commandText: done.commandText };
    } catch (err) {
      status = isCancelled(err) ? 'cancelled' : 'failed';
      message = (err as Error).message;
      throw err;
    } finally {
      await this.deps.flow.history.append({
        at: new Date(started).toISOString(), connectionId: t.profile.id, connectionName: t.profile.name, engine: t.profile.engine, database: into,
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
