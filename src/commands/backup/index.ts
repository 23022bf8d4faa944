/**
 * Backup commands for every engine that has backups (its module's `backup`
 * hook): Back Up Now (options picker, progress with cancel, then Verify and
 * retention), Verify, List, Restore. The extension requires this module the
 * first time one of the `upkeep.backup.*` commands runs.
 *
 * A backup only reads, so it needs no confirmation beyond the options
 * picker; Verify of an engine that restores on the source server (PostgreSQL:
 * a throwaway database) is not run on a read-only connection; a restore asks
 * first (restoreCommand.ts).
 */
import * as vscode from 'vscode';
import type { FlowDeps } from '../../app/operationFlow';
import { showNotice } from '../../app/prompter';
import type { ProfileStore } from '../../connections/profileStore';
import type { ConnectionProfile } from '../../core/connections/profile';
import { applyRetention, listBackups, readManifest, recordVerification, runBackup, verifyBackup, type BackupDone } from '../../core/backup/catalog';
import type { BackupContext, BackupEntry, BackupManifest, BackupOptions, BackupProgress, BackupSupport, VerifyContext, VerifyResult, VerifyTarget } from '../../core/backup/model';
import { formatBytes, formatDuration } from '../../core/format';
import { isCancelled, isUserFacing, UserFacingError } from '../../core/errors';
import { backupFolder, containerAccessFor, pick, pickOptions, resolveBackupTarget, retentionSettings, supportFor, toolSettings, type BackupTarget, type BackupTargetArgs } from './target';
import { verifyRefusal } from '../../core/backup/verifyRules';
import { interruptionOperation } from '../../core/backup/interruption';
import { backupsToMarkdown } from './listing';
import { RestoreCommand, type RestoreArgs } from './restoreCommand';
import { chooseVerifyServer } from './verifyOn';

export interface BackupNowArgs extends BackupTargetArgs {
  options?: BackupOptions;
  /** Verify right after (default: upkeep.backup.verifyAfterBackup). */
  verify?: boolean;
  /** Instead of the folder settings. */
  folder?: string;
  /** The connection to verify on, when the engine verifies on a server the user names (otherwise asked). */
  targetConnectionId?: string;
}

export interface BackupNowResult extends BackupDone {
  verification?: VerifyResult;
  /** Names retention deleted after the verify. */
  retired: string[];
}

export interface VerifyArgs extends BackupTargetArgs {
  /** The backup (file or folder) to verify; otherwise picked from the connection's list. */
  path?: string;
  folder?: string;
  /** The connection to verify on, when the engine verifies on a server the user names (otherwise asked). */
  targetConnectionId?: string;
}

export interface BackupCommandDeps {
  flow: FlowDeps;
  profiles: ProfileStore;
  /** The extension's storage folder (the default backup folder is under it). */
  storageDir: string;
}

export class BackupCommands {
  readonly restoreCommand: RestoreCommand;

  constructor(private readonly deps: BackupCommandDeps) {
    this.restoreCommand = new RestoreCommand({ ...deps, context: (p, signal, onProgress) => this.context(p, signal, onProgress), resolve: (node, args) => this.resolve(node, args), pickBackup: (t, folder) => this.pickBackup(t, folder) });
  }

  private async context(profile: ConnectionProfile, signal?: AbortSignal, onProgress?: (p: BackupProgress) => void): Promise<BackupContext> {
    const support = await supportFor(profile);
    const password = await this.password(profile);
    const { connections, log } = this.deps.flow;
    const checksumMb = vscode.workspace.getConfiguration('upkeep.backup').get<number>('verifyChecksumMaxMB', 64);
    return {
      profile, password, log, tools: toolSettings(support), checksumMaxBytes: Math.max(0, checksumMb) * 1024 * 1024,
      container: () => containerAccessFor(profile, this.deps.profiles, connections), ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}),
    };
  }

  /** A connection's password, the one way every backup path gets it. */
  private async password(profile: ConnectionProfile): Promise<string | undefined> {
    const { connections } = this.deps.flow;
    try {
      return await connections.passwordFor(profile);
    } catch (err) {
      throw new UserFacingError((await connections.recordFailure(profile, err)).message);
    }
  }

  /** The server Verify restores on, when the engine verifies on one the user names (asked, or from the arguments). */
  private async verifyTarget(t: BackupTarget, format: string, targetConnectionId: string | undefined, ask: boolean): Promise<VerifyTarget | undefined> {
    const profile = await chooseVerifyServer(t.support, format, t.profile, this.deps.profiles, targetConnectionId, ask);
    return profile ? { profile, password: await this.password(profile) } : undefined;
  }

  private resolve(node: unknown, args: BackupTargetArgs | undefined, askDatabase = true): Promise<BackupTarget> {
    return resolveBackupTarget(node, args, this.deps.profiles, (p) => this.context(p), askDatabase);
  }

  /** Runs `work` under a cancellable notification; failures of the server or the tool become one line. */
  private async withProgress<T>(title: string, profile: ConnectionProfile, work: (signal: AbortSignal, onProgress: (p: BackupProgress) => void) => Promise<T>): Promise<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${title} — ${profile.name}`, cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        return await work(controller.signal, (p) => progress.report({ message: progressText(p) }));
      } catch (err) {
        if (isCancelled(err)) throw err;
        // The catalog words a lost connection itself and keeps the driver's error as the cause: the tree still hears of it.
        const cause = isUserFacing(err) ? err.cause : err;
        if (cause === undefined || isUserFacing(cause)) throw err;
        const problem = await this.deps.flow.connections.recordFailure(profile, cause, 'maintenance');
        throw isUserFacing(err) ? err : new UserFacingError(`${title} failed: ${problem.message}`);
      } finally {
        sub.dispose();
      }
    });
  }

  async backupNow(node?: unknown, args?: BackupNowArgs): Promise<BackupNowResult | undefined> {
    const t = await this.resolve(node, args);
    const options = args?.options ?? (await pickOptions(t.support, t.profile));
    if (!(await this.confirmInterruption(t, options))) return undefined;
    const folder = args?.folder ?? backupFolder(t.profile, this.deps.storageDir);
    const verify = args?.verify ?? vscode.workspace.getConfiguration('upkeep.backup').get<boolean>('verifyAfterBackup', true);
    const title = `Back up ${t.database ?? t.profile.name}`;
    const started = Date.now();
    let done: BackupDone;
    try {
      done = await this.withProgress(title, t.profile, async (signal, onProgress) => runBackup(t.support, folder, options, t.database, await this.context(t.profile, signal, onProgress)));
    } catch (err) {
      await this.history(t, 'backup', title, '', isCancelled(err) ? 'cancelled' : 'failed', Date.now() - started, isCancelled(err) ? 'cancelled: nothing was kept' : (err as Error).message);
      throw err;
    }
    this.deps.flow.log.info(`${title}: ${done.path} (${formatBytes(done.manifest.sizeBytes)}) in ${formatDuration(Date.now() - started)}\n  ${done.manifest.commandText}`);
    await this.history(t, 'backup', title, done.manifest.commandText, 'done', Date.now() - started, `${done.path} (${formatBytes(done.manifest.sizeBytes)})`);
    const result: BackupNowResult = { ...done, retired: [] };
    if (verify) {
      // The verify that follows a backup never stops to ask where: it verifies where the engine can without asking, or says what is needed.
      result.verification = await this.runVerify(t, done.path, done.manifest, args?.targetConnectionId, false);
      result.manifest = { ...done.manifest, verification: result.verification };
      if (result.verification.status === 'passed') result.retired = await this.retire(t, folder);
    }
    const v = result.verification;
    const verdict = !v ? 'not verified' : v.status === 'passed' ? 'verified' : v.status === 'failed' ? `VERIFY FAILED: ${v.summary}` : `not verifiable here: ${v.summary}`;
    await this.notify(v?.status === 'failed' ? 'error' : v?.status === 'passed' ? 'info' : 'warning', `${title}: ${formatBytes(done.manifest.sizeBytes)} written to ${done.path} — ${verdict}${result.retired.length ? `; retention removed ${result.retired.length} older backup${result.retired.length === 1 ? '' : 's'}` : ''}.`);
    return result;
  }

  /** A method that does more than read (Neo4j's dump stops the container) asks first, with the name typed on production. */
  private async confirmInterruption(t: BackupTarget, options: BackupOptions): Promise<boolean> {
    const format = t.support.formats.find((f) => f.id === options.format);
    const op = format && interruptionOperation(t.profile, format, t.support.describe(format.id));
    if (!op) return true;
    return this.deps.flow.prompter().confirmOperation({ connection: t.profile, title: op.title, ops: [op], risk: op.risk, sizeText: t.profile.container ? `container "${t.profile.container.name}"` : 'the server' });
  }

  /** Verifies one backup (given, or picked from the connection's list) and records the result. */
  async verify(node?: unknown, args?: VerifyArgs): Promise<VerifyResult | undefined> {
    const t = await this.resolve(node, args);
    const folder = args?.folder ?? backupFolder(t.profile, this.deps.storageDir);
    const backupPath = args?.path ?? (await this.pickBackup(t, folder)).path;
    const manifest = await readManifest(`${backupPath}.upkeep.json`);
    if (!manifest) throw new UserFacingError(`${backupPath} has no Upkeep manifest (a backup from outside Upkeep): there is nothing recorded at backup time to compare a restore with.`);
    // Asked only when the user started Verify (tree, palette); a caller that names the backup (the backups report, tests) gets the engine's default.
    const result = await this.runVerify(t, backupPath, manifest, args?.targetConnectionId, args?.path === undefined);
    if (result.status === 'passed') await this.retire(t, folder);
    await this.notify(result.status === 'passed' ? 'info' : result.status === 'failed' ? 'error' : 'warning', `Verify ${manifest.file}: ${result.status === 'not-verifiable' ? 'not verifiable here' : result.status} — ${result.summary}`);
    return result;
  }

  /** The connection's backups as a Markdown page, newest first (also returned, for tests). */
  async list(node?: unknown, args?: BackupTargetArgs & { folder?: string; show?: boolean }): Promise<BackupEntry[]> {
    const t = await this.resolve(node, args, false);
    const folder = args?.folder ?? backupFolder(t.profile, this.deps.storageDir);
    const entries = await listBackups(folder, t.profile, t.support, t.database);
    if (args?.show !== false) {
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: backupsToMarkdown(t.profile.name, folder, entries, t.support) });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
    return entries;
  }

  async restore(node?: unknown, args?: RestoreArgs): Promise<unknown> {
    return this.restoreCommand.run(node, args);
  }

  private async pickBackup(t: BackupTarget, folder: string): Promise<BackupEntry> {
    const entries = (await listBackups(folder, t.profile, t.support, t.database)).filter((e) => !e.outside);
    return pick(
      entries.map((e) => ({ label: e.name, description: `${formatBytes(e.sizeBytes)} · ${e.manifest?.verification?.status ?? 'never verified'}`, value: e })),
      `Which backup of ${t.profile.name}${t.database ? `/${t.database}` : ''} (in ${folder})?`,
    );
  }

  private async runVerify(t: BackupTarget, backupPath: string, manifest: BackupManifest, targetConnectionId: string | undefined, ask: boolean): Promise<VerifyResult> {
    const started = Date.now();
    const title = `Verify ${manifest.file}`;
    let result: VerifyResult;
    const target = await this.verifyTarget(t, manifest.format, targetConnectionId, ask);
    // Nothing is sent when Verify would write where the user said not to (verifyRules.ts).
    const refusal = verifyRefusal(t.support, t.profile, target?.profile, manifest.format);
    if (refusal) {
      result = { status: 'not-verifiable', at: new Date().toISOString(), durationMs: 0, summary: refusal, differences: [] };
      await recordVerification(backupPath, manifest, result);
    } else {
      try {
        result = await this.withProgress(title, t.profile, async (signal, onProgress) => {
          const ctx: VerifyContext = { ...(await this.context(t.profile, signal, onProgress)), ...(target ? { target } : {}) };
          return verifyBackup(t.support, backupPath, manifest, ctx);
        });
      } catch (err) {
        await this.history(t, 'verify', title, '', isCancelled(err) ? 'cancelled' : 'failed', Date.now() - started, isCancelled(err) ? 'cancelled: the throwaway target was removed' : (err as Error).message);
        throw err;
      }
    }
    const status = result.status === 'passed' ? 'done' : result.status === 'failed' ? 'failed' : 'not run';
    await this.history(t, 'verify', title, `verify ${backupPath}`, status, result.durationMs, `${result.status}: ${result.summary}`);
    this.deps.flow.log.info(`${title}: ${result.status} — ${result.summary}${result.differences.length ? `\n  ${result.differences.join('\n  ')}` : ''}`);
    return result;
  }

  private async retire(t: BackupTarget, folder: string): Promise<string[]> {
    const r = await applyRetention(folder, t.profile, t.support, t.database, retentionSettings());
    if (r.deleted.length) this.deps.flow.log.info(`Retention in ${folder}: removed ${r.deleted.join(', ')} (${r.reason}).`);
    return r.deleted;
  }

  private async history(t: BackupTarget, kind: 'backup' | 'verify' | 'restore', title: string, text: string, status: 'done' | 'cancelled' | 'failed' | 'not run', durationMs: number, message: string): Promise<void> {
    try {
      await this.deps.flow.history.append({
        at: new Date(Date.now() - durationMs).toISOString(), connectionId: t.profile.id, connectionName: t.profile.name, engine: t.profile.engine,
        ...(t.database !== undefined ? { database: t.database } : {}), kind, title, text, risk: 'safe', status, durationMs, message,
      });
    } catch (err) {
      this.deps.flow.log.warn(`Could not write the history: ${String(err)}`);
    }
  }

  private async notify(severity: 'info' | 'warning' | 'error', message: string): Promise<void> {
    const prompter = this.deps.flow.prompter();
    const notice = { severity, message, actions: [] };
    // Not awaited in the editor: a notification resolves only when it is dismissed.
    const shown = (prompter.showOutcome ? prompter.showOutcome(notice) : showNotice(notice)).then(undefined, () => undefined);
    if (prompter.showOutcome) await shown;
  }
}

export function progressText(p: BackupProgress): string {
  return [p.phase, p.bytes ? formatBytes(p.bytes) : '', p.objects ? `${p.objects} objects` : ''].filter(Boolean).join(' · ');
}

export type { BackupSupport };
export { supportFor };
