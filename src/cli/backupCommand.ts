/**
 * `upkeep run backup --connection NAME`: a backup through the same core as
 * the editor's Back Up Now (core/backup/catalog.ts and the engine's
 * BackupSupport): written under a temporary name, hashed, described by a
 * manifest, then renamed; `--verify` runs the engine's Verify under the same
 * rules (core/backup/verifyRules.ts) and, once it passes, retention
 * (upkeep.backup.keepLast / keepDays) as the editor applies it.
 *
 * As in the editor, a backup only reads: no --yes, and read-only profiles
 * may be backed up (Verify then refuses where it would write: PostgreSQL's
 * throwaway database on the source server). A Verify that finds a difference
 * exits 1; one that cannot run here is a warning (exit 0), as in the editor.
 * Ctrl+C stops the tool (and its server backends) and leaves nothing under a
 * final name.
 */
import * as path from 'node:path';
import { applyRetention, runBackup, verifyBackup } from '../core/backup/catalog';
import { backupFolderFor } from '../core/backup/folder';
import type { BackupContext, BackupProgress, BackupSupport, ToolSettings, VerifyContext, VerifyResult, VerifyTarget } from '../core/backup/model';
import type { ContainerAccess } from '../core/backup/container';
import { verifyRefusal } from '../core/backup/verifyRules';
import type { ConnectionProfile } from '../core/connections/profile';
import { describeConnectionError } from '../core/connections/errors';
import type { SettingsReader } from '../core/engine';
import { engineModule } from '../core/engines';
import { isCancelled, isUserFacing } from '../core/errors';
import { formatBytes, formatDuration } from '../core/format';
import { silentLogger } from '../core/log';
import type { Command } from './args';
import { findProfile, type CliConfig } from './config';
import type { CliContext } from './context';
import { CliError, EXIT } from './errors';
import { reportDatabase } from './reportCommand';
import { openCliSession, type OpenedSession } from './sessions';

type RunCommand = Extract<Command, { command: 'run' }>;

/**
 * What the backup names, for engines whose backups name one thing
 * (`BackupSupport.databases`): a database (--database, else the profile's)
 * when the engine's profiles have a database field, else the thing itself
 * with --target (a Docker volume). Whole-server backups take neither.
 */
export function backupSubject(support: Pick<BackupSupport, 'databases'>, profile: ConnectionProfile, cmd: Pick<RunCommand, 'database' | 'target'>): string | undefined {
  const engine = engineModule(profile.engine);
  if (!support.databases) {
    if (cmd.database !== undefined) throw new CliError(`a ${engine.label} backup covers the whole server: it takes no --database`, 'usage');
    if (cmd.target !== undefined) throw new CliError(`run backup of a ${engine.label} connection takes no --target`, 'usage');
    return undefined;
  }
  if (engine.fields.some((f) => f.key === 'database')) {
    if (cmd.target !== undefined) throw new CliError(`run backup of a ${engine.label} connection takes no --target: name the database with --database`, 'usage');
    return reportDatabase(profile, cmd.database);
  }
  if (cmd.database !== undefined) throw new CliError(`a ${engine.label} backup names no database: give --target NAME (for Docker, the volume), not --database`, 'usage');
  if (cmd.target === undefined) throw new CliError(`run backup of a ${engine.label} connection needs --target NAME: what to back up (for Docker, the volume)`, 'usage');
  return cmd.target;
}

/**
 * The server --verify-on names, checked as the editor's chooseVerifyServer
 * checks an argument: an engine that brings its own scratch server takes
 * none, and naming the backed-up connection itself means "verify there"
 * (refused by an engine that needs another server). Engine and read-only are
 * verifyRules' to word, with nothing sent.
 */
export function verifyServer(support: Pick<BackupSupport, 'verifyTarget'>, source: ConnectionProfile, named: ConnectionProfile | undefined): ConnectionProfile | undefined {
  if (!named) return undefined;
  const mode = support.verifyTarget ?? 'never';
  const label = engineModule(source.engine).label;
  if (mode === 'never') throw new CliError(`--verify-on: Verify of a ${label} backup brings its own scratch server`, 'usage');
  if (named.id !== source.id) return named;
  if (mode === 'required') throw new CliError(`--verify-on: Verify of a ${label} backup needs another server than the backed-up one (“${source.name}”)`, 'usage');
  return undefined;
}

/** The engine's settings under upkeep.backup (the keys its support names), non-empty strings only — as the editor's toolSettings. */
export function backupToolSettings(support: Pick<BackupSupport, 'toolSettingKeys'>, settings: SettingsReader): ToolSettings {
  const out: Record<string, string> = {};
  for (const key of support.toolSettingKeys ?? []) {
    const value = settings.get<unknown>(`upkeep.backup.${key}`, undefined);
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}

export function retentionFrom(settings: SettingsReader): { keepLast: number; keepDays: number } {
  const n = (key: string): number => {
    const v = settings.get<number>(`upkeep.backup.${key}`, 0);
    return Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
  };
  return { keepLast: n('keepLast'), keepDays: n('keepDays') };
}

export function progressLine(p: BackupProgress): string {
  return [p.phase, p.bytes ? formatBytes(p.bytes) : '', p.objects ? `${p.objects} objects` : ''].filter(Boolean).join(' · ');
}

/** The one line after a backup: file, size, SHA-256 prefix, duration, verify result, retention. */
export function backupSummary(input: { file: string; sizeBytes: number; sha256: string | Record<string, string>; durationMs: number; verification?: VerifyResult; retired: string[] }): string {
  const v = input.verification;
  const status = !v ? 'done' : v.status === 'passed' ? 'done' : v.status === 'failed' ? 'verify failed' : 'not verified';
  const sha = typeof input.sha256 === 'string' ? `sha256 ${input.sha256.slice(0, 12)}` : `sha256 of ${Object.keys(input.sha256).length} files`;
  const said = v?.summary.replace(/\.+$/, '') ?? '';
  const verdict = !v ? 'not verified (no --verify)' : v.status === 'passed' ? `verify passed: ${said}` : v.status === 'failed' ? `VERIFY FAILED: ${said}` : `not verifiable here: ${said}`;
  const retired = input.retired.length ? `; retention removed ${input.retired.length} older backup${input.retired.length === 1 ? '' : 's'}` : '';
  return `${status}: backup ${input.file} (${formatBytes(input.sizeBytes)}, ${sha}) in ${formatDuration(input.durationMs)} — ${verdict}${retired}`;
}

export async function backupCommand(cmd: RunCommand, ctx: CliContext, config: CliConfig): Promise<number> {
  const profile = findProfile(config.profiles, cmd.connection);
  const engine = engineModule(profile.engine);
  if (!engine.backup) throw new CliError(`${engine.label} connections have no backups in Upkeep`, 'usage');
  const support = await engine.backup();
  const subject = backupSubject(support, profile, cmd);
  const verifyOn = verifyServer(support, profile, cmd.verifyOn !== undefined ? findProfile(config.profiles, cmd.verifyOn) : undefined);
  const folder = cmd.folder !== undefined ? path.resolve(cmd.folder) : backupFolderFor(profile, config.settings, ctx.backupBase(config));
  const label = `${profile.name}${subject !== undefined ? `/${subject}` : ''}`;

  const opened: OpenedSession[] = [];
  const secrets = (): (string | undefined)[] => ctx.known.list();
  try {
    const password = await ctx.passwords.passwordFor(profile);
    // The probe first: an unreachable server or a refused password is one clear line before any tool starts.
    try {
      await engine.probe(profile, password);
    } catch (err) {
      throw ctx.passwords.explain(profile, err, password);
    }
    let target: VerifyTarget | undefined;
    if (verifyOn) {
      // verifyRules words what is wrong with the server named (engine, read-only, an engine that takes none); nothing is sent then.
      target = { profile: verifyOn, password: verifyRefusal(support, profile, verifyOn) ? undefined : await ctx.passwords.passwordFor(verifyOn) };
    }
    const base: Omit<BackupContext, 'password' | 'profile'> = {
      log: ctx.log ?? silentLogger,
      tools: backupToolSettings(support, config.settings),
      checksumMaxBytes: Math.max(0, config.settings.get<number>('upkeep.backup.verifyChecksumMaxMB', 64)) * 1024 * 1024,
      container: () => containerAccess(profile, config, ctx, opened),
      signal: ctx.signal,
      ...(ctx.isTty ? { onProgress: throttled((line) => ctx.info(line)) } : {}),
    };
    const started = Date.now();
    if (cmd.verbose) ctx.info(`backing up “${label}” (${support.formats.find((f) => f.id === support.defaultFormat)?.label ?? support.defaultFormat}) into ${folder}`);
    let done;
    try {
      done = await runBackup(support, folder, { format: support.defaultFormat }, subject, { ...base, profile, password });
    } catch (err) {
      if (isCancelled(err) || ctx.signal.aborted) throw new CliError(`stopped (Ctrl+C): the backup of “${label}” was cancelled; nothing was kept`, 'failure', EXIT.interrupted);
      throw err;
    }
    if (cmd.verbose) ctx.info(`wrote ${done.path}: ${done.manifest.commandText}`);
    for (const note of done.manifest.notes) ctx.info(`note: ${note}`);
    let verification: VerifyResult | undefined;
    let retired: string[] = [];
    if (cmd.verify) {
      if (ctx.isTty) ctx.info(`verifying ${done.manifest.file}`);
      const vctx: VerifyContext = { ...base, profile, password, ...(target ? { target } : {}) };
      try {
        verification = await verifyBackup(support, done.path, done.manifest, vctx);
      } catch (err) {
        if (isCancelled(err) || ctx.signal.aborted) throw new CliError(`stopped (Ctrl+C) during Verify: its throwaway copy was removed; the backup is kept at ${done.path}, not verified`, 'failure', EXIT.interrupted);
        // Already one line for the user (the catalog words a lost connection and what became of the work).
        throw new CliError(isUserFacing(err) ? err.message : `Verify of ${done.path} failed: ${describeConnectionError(profile, err, secrets()).message}`, 'failure', EXIT.runFailed);
      }
      for (const d of verification.differences) ctx.info(`difference: ${d}`);
      // As the editor's warning: the backup is good, Verify could not run here (a read-only source, a broker that cannot take a copy, no server named).
      if (verification.status === 'not-verifiable') ctx.info(`warning: ${done.manifest.file} is not verified: ${verification.summary}`);
      if (verification.status === 'passed') {
        const r = await applyRetention(folder, profile, support, subject, retentionFrom(config.settings));
        retired = r.deleted;
        if (retired.length) ctx.info(`retention in ${folder}: removed ${retired.join(', ')} (${r.reason})`);
        else if (cmd.verbose) ctx.info(`retention: nothing removed (${r.reason})`);
      }
    }
    await ctx.write(`${backupSummary({ file: done.path, sizeBytes: done.manifest.sizeBytes, sha256: done.manifest.sha256, durationMs: Date.now() - started, ...(verification ? { verification } : {}), retired })}\n`);
    return verification?.status === 'failed' ? EXIT.runFailed : EXIT.ok;
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (ctx.signal.aborted) throw new CliError(`stopped (Ctrl+C): the backup of “${label}” was cancelled; nothing was kept`, 'failure', EXIT.interrupted);
    throw new CliError(isUserFacing(err) ? err.message : `backup of “${label}”: ${describeConnectionError(profile, err, secrets()).message}`, 'failure', EXIT.runFailed);
  } finally {
    for (const o of opened) await o.release().catch(() => undefined);
  }
}

/** Progress lines on a terminal: on a change of phase, else every few seconds. */
function throttled(say: (line: string) => void): (p: BackupProgress) => void {
  let phase = '';
  let at = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase === phase && now - at < 2_000) return;
    phase = p.phase;
    at = now;
    say(`backup: ${progressLine(p)}`);
  };
}

/**
 * The container the profile's server runs in (`profile.container`), through
 * the container engine's connection it names in the same settings, when that
 * connection exists and the container runs — as the editor's containerAccessFor.
 */
async function containerAccess(profile: ConnectionProfile, config: CliConfig, ctx: CliContext, opened: OpenedSession[]): Promise<ContainerAccess | undefined> {
  const ref = profile.container;
  if (!ref) return undefined;
  const host = config.profiles.find((p) => p.id === ref.docker);
  const module = host ? engineModule(host.engine) : undefined;
  if (!host || !module?.containerAccess) return undefined;
  const session = await openCliSession(host, await ctx.passwords.passwordFor(host), ctx.passwords, ctx.sessionOptions(config));
  opened.push(session);
  return module.containerAccess(session.session, ref.id);
}
