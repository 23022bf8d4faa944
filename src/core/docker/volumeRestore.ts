/**
 * Restore of a volume backup through the shared Restore command: into a new
 * volume (the default, named by the user) or into an existing one, whose
 * files are removed first — only when the user chose that (the command says
 * that its contents are replaced, with the name typed on production). The
 * transfer is volumeBackup.ts' restoreVolume (the engine's archive API, no
 * tar in any image); its preview is volumeOps.ts' `docker run … tar` line.
 * A cancel or failure removes the volume the restore created; an existing
 * volume is left holding part of the backup, and the message says so.
 * Afterwards the restored files are read back and their SHA-256s compared
 * with those recorded at backup time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import type { BackupManifest, RestoreContext, RestoreDone, RestoreOptions, RestoreTargets, RestoreTargetState, VerifyResult } from '../backup/model';
import { Cancelled, isCancelled, UserFacingError } from '../errors';
import { dockerFailure, engineMessage } from './streaming';
import { helperImage, restoreVolume, runningWriters, volumeHasFiles } from './volumeBackup';
import { clientFor, listVolume } from './volumeClient';
import { buildVolumeRestore, volumeRestoreWhat } from './volumeOps';
import { compareSnapshots, type VolumeSnapshotDetail } from './volumeSnapshot';

/** Label of the volumes a restore creates (value: the backup's file name). */
export const RESTORED_LABEL = 'upkeep.restored-from';
/** The names Docker accepts for a volume. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

async function exists(docker: Dockerode, volume: string): Promise<boolean> {
  return docker.getVolume(volume).inspect().then(() => true, (err: { statusCode?: number }) => {
    if (err.statusCode === 404) return false;
    throw err;
  });
}

export async function dockerRestoreTargets(ctx: RestoreContext): Promise<RestoreTargets> {
  const docker = await clientFor(ctx.profile);
  const list = await docker.listVolumes();
  return { noun: 'volume', existing: (list.Volumes ?? []).map((v) => v.Name).sort((a, b) => a.localeCompare(b)), create: { allowed: true } };
}

export async function dockerRestoreTargetState(volume: string, ctx: RestoreContext): Promise<RestoreTargetState> {
  const docker = await clientFor(ctx.profile);
  const writers = await runningWriters(docker, volume);
  const hasFiles = await volumeHasFiles(docker, volume);
  return {
    empty: !hasFiles,
    ...(hasFiles ? { holds: 'files' } : {}),
    ...(writers.length ? { refusal: `Volume ${volume} is mounted read-write by running container${writers.length > 1 ? 's' : ''} ${writers.join(', ')}: stop ${writers.length > 1 ? 'them' : 'it'} before restoring. Nothing was changed.` } : {}),
  };
}

function facts(file: string, options: RestoreOptions, state?: RestoreTargetState): Parameters<typeof buildVolumeRestore>[0] {
  let fileBytes = 0;
  try {
    fileBytes = fs.statSync(file).size;
  } catch {
    // The preview still shows; the restore says the file cannot be read.
  }
  return { volume: options.database, file, fileBytes, exists: !options.create, replaces: !options.create && state?.empty === false, writers: [], evenIfInUse: false };
}

export function dockerRestoreText(file: string, options: RestoreOptions, state?: RestoreTargetState): string {
  const text = buildVolumeRestore(facts(file, options, state)).text;
  return options.create ? `docker volume create ${options.database}\n${text}` : text;
}

export function dockerRestoreImpact(options: RestoreOptions, state?: RestoreTargetState): string {
  return `${volumeRestoreWhat({ volume: options.database, exists: !options.create, replaces: !options.create && state?.empty === false })}; afterwards every file's SHA-256 is compared with the backup`;
}

/** The restored volume's files compared with the checksums recorded at backup time. */
async function compare(docker: Dockerode, volume: string, manifest: BackupManifest | undefined, started: number, signal: AbortSignal | undefined): Promise<VerifyResult> {
  const result = (status: VerifyResult['status'], summary: string, differences: string[] = []): VerifyResult => ({ status, at: new Date().toISOString(), durationMs: Date.now() - started, summary, differences, restoredInto: volume });
  const recorded = manifest?.snapshot as Partial<VolumeSnapshotDetail> | undefined;
  if (!recorded || typeof recorded.listDigest !== 'string' || typeof recorded.files !== 'number') return result('not-verifiable', 'The backup has no Upkeep manifest with file checksums: the restore was not compared.');
  const listing = await listVolume(docker, volume, await helperImage(docker, volume), signal);
  const differences = compareSnapshots(recorded as VolumeSnapshotDetail, listing);
  if (differences.length) return result('failed', `${differences.length} difference${differences.length === 1 ? '' : 's'} from the backup: ${differences[0] ?? ''}`, differences);
  return result('passed', `${listing.files.length.toLocaleString('en-US')} files, ${listing.bytes.toLocaleString('en-US')} bytes: every file's SHA-256 equal to the backup's${recorded.checksums ? '' : ' (as one digest of the list)'}.`);
}

export async function restoreVolumeBackup(file: string, manifest: BackupManifest | undefined, options: RestoreOptions, ctx: RestoreContext): Promise<RestoreDone> {
  const started = Date.now();
  const { profile } = ctx;
  const volume = options.database;
  if (profile.readOnly) throw new UserFacingError(`"${profile.name}" is a read-only connection: the restore was refused and nothing was sent to the engine.`);
  if (!VOLUME_NAME.test(volume)) throw new UserFacingError(`${JSON.stringify(volume)} is not a volume name Docker accepts (a letter or digit, then letters, digits, _ . -).`);
  if (ctx.signal?.aborted) throw new Cancelled();
  const docker = await clientFor(profile);
  let created = false;
  try {
    const there = await exists(docker, volume);
    if (options.create) {
      if (there) throw new UserFacingError(`Volume ${volume} already exists: give another name, or pick it as an existing volume (its files are then replaced). Nothing was changed.`);
      await docker.createVolume({ Name: volume, Labels: { [RESTORED_LABEL]: path.basename(file) } });
      created = true;
    } else {
      if (!there) throw new UserFacingError(`There is no volume ${volume}: restore into a new volume instead. Nothing was changed.`);
      if (!options.clean && (await volumeHasFiles(docker, volume))) throw new UserFacingError(`Volume ${volume} holds files: a restore replaces them, so choose to replace its contents (or restore into a new volume). Nothing was changed.`);
    }
    ctx.onProgress?.({ phase: `writing the backup's files into volume ${volume}` });
    await restoreVolume(docker, volume, file, { ...(ctx.signal ? { signal: ctx.signal } : {}), onProgress: (bytes) => ctx.onProgress?.({ phase: `writing into volume ${volume}`, bytes }) });
    if (ctx.signal?.aborted) throw new Cancelled();
    ctx.onProgress?.({ phase: 'reading the restored files back' });
    const comparison = await compare(docker, volume, manifest, started, ctx.signal);
    const op = buildVolumeRestore(facts(file, options, { empty: !options.clean }));
    return { commandText: created ? `docker volume create ${volume}\n${op.text}` : op.text, notes: [], comparison };
  } catch (err) {
    const cancelled = ctx.signal?.aborted === true || isCancelled(err);
    let left = '';
    if (created) {
      await docker.getVolume(volume).remove({ force: true }).catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 404) left = ` The new volume ${volume} could not be removed (${engineMessage(e)}): remove it with docker volume rm ${volume}.`;
      });
    }
    const where = created ? (left ? '' : ` The new volume ${volume} was removed.`) : options.create ? ' Nothing was changed.' : ` Volume ${volume} is PARTIAL: it may hold part of the backup (its earlier files were removed); restore again before using it.`;
    if (cancelled) throw new Cancelled(`Restore cancelled.${where}${left}`);
    const failure = err instanceof Error && err.name === 'UserFacingError' ? err : dockerFailure(`Restoring volume ${volume}`, err, profile);
    if (created || !options.create) failure.message += `${where}${left}`;
    throw failure;
  }
}
