/**
 * Docker volumes as backups of the Docker engine, for the shared catalog: a
 * volume is the "database", its backup a .tar.gz read through the archive API
 * of a helper container that is never started (volumeBackup.ts). The
 * snapshot is what the archive held: files, bytes and each file's SHA-256.
 * Verify extracts the file into a fresh throwaway volume (again through a
 * helper that never starts), reads it back and compares the checksums; the
 * throwaway volume and helper are removed whatever happens.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type Dockerode from 'dockerode';
import type { BackupContext, BackupManifest, BackupSupport, BackupWritten, VerifyContext, VerifyResult } from '../backup/model';
import { Cancelled, isCancelled, UserFacingError } from '../errors';
import { shellWord } from './cli';
import { dockerFailure, engineMessage } from './streaming';
import { backupVolume, createHelper, helperImage, HELPER_LABEL, MOUNT_POINT, removeHelper, runningWriters } from './volumeBackup';
import { clientFor, digestOf, listVolume } from './volumeClient';
import { dockerRestoreImpact, dockerRestoreTargets, dockerRestoreTargetState, dockerRestoreText, restoreVolumeBackup } from './volumeRestore';
import { compareSnapshots, volumeSnapshot, type VolumeSnapshotDetail } from './volumeSnapshot';

export const VOLUME_FORMAT = 'docker-volume';
/** Label of the throwaway volumes Verify makes (value: the backup's file name). */
export const VERIFY_LABEL = 'upkeep.verify-of';

export { listVolume };

/** The `docker run … tar` line that does what Upkeep does through the archive API (for the history and the manifest). */
export function volumeBackupText(volume: string, file: string): string {
  return [
    `docker run --rm --network none -v ${shellWord(`${volume}:/v:ro`)} -v ${shellWord(`${path.dirname(file)}:/backup`)} busybox tar -czf ${shellWord(`/backup/${path.basename(file)}`)} -C /v .`,
    '# Upkeep reads the volume through the engine archive API (GET /containers/{helper}/archive) with a helper container that is never started.',
  ].join('\n');
}

async function writeVolume(file: string, volume: string, ctx: BackupContext): Promise<BackupWritten> {
  if (ctx.signal?.aborted) throw new Cancelled();
  const docker = await clientFor(ctx.profile);
  const notes: string[] = [];
  try {
    const version = await docker.version();
    const writers = await runningWriters(docker, volume);
    if (writers.length) notes.push(`Running container${writers.length > 1 ? 's' : ''} ${writers.join(', ')} had the volume mounted read-write while it was read: files changed meanwhile may be caught half-written (stop ${writers.length > 1 ? 'them' : 'it'} for a consistent copy).`);
    ctx.onProgress?.({ phase: `reading volume ${volume}` });
    await backupVolume(docker, volume, file, { ...(ctx.signal ? { signal: ctx.signal } : {}), onProgress: (bytes) => ctx.onProgress?.({ phase: `reading volume ${volume}`, bytes }) });
    ctx.onProgress?.({ phase: 'checksumming the files' });
    const listing = await digestOf([fs.createReadStream(file), zlib.createGunzip()], ctx.signal);
    const detail = volumeSnapshot(volume, listing);
    if (!detail.checksums) notes.push(`The volume holds ${detail.files.toLocaleString('en-US')} files: the manifest keeps one digest of their checksums, so a failed Verify says that the files differ, not which.`);
    return {
      serverVersion: `Docker Engine ${version.Version}`,
      tool: 'Docker Engine archive API',
      toolVersion: `API ${version.ApiVersion}`,
      commandText: volumeBackupText(volume, file),
      snapshot: { counts: { files: detail.files, directories: detail.directories, bytes: detail.bytes }, detail },
      notes,
    };
  } catch (err) {
    if (ctx.signal?.aborted) throw new Cancelled('Cancelled: the helper container was removed and nothing was kept.');
    throw dockerFailure(`Backing up volume ${volume}`, err, ctx.profile);
  }
}

function stopIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Cancelled();
}

/** Writes a .tar.gz into the volume through a read-write helper; a file that is not a readable .tar.gz fails with `unreadable`. */
async function extractInto(helper: Dockerode.Container, file: string, signal: AbortSignal | undefined): Promise<{ unreadable?: string }> {
  stopIfCancelled(signal);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const body = new PassThrough();
  let unreadable: string | undefined;
  const feed = pipeline(fs.createReadStream(file), zlib.createGunzip(), body).catch((err: unknown) => {
    unreadable = (err as Error).message;
    controller.abort();
  });
  try {
    await helper.putArchive(body, { path: MOUNT_POINT, abortSignal: controller.signal });
  } catch (err) {
    await feed;
    if (signal?.aborted) throw new Cancelled();
    if (unreadable) return { unreadable };
    // The engine refused the archive (a broken tar inside an intact gzip).
    if ((err as { statusCode?: number }).statusCode === 400 || (err as { statusCode?: number }).statusCode === 500) return { unreadable: engineMessage(err) };
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  await feed;
  return unreadable ? { unreadable } : {};
}

async function verifyVolume(file: string, manifest: BackupManifest, ctx: VerifyContext): Promise<VerifyResult> {
  const started = Date.now();
  const result = (status: VerifyResult['status'], summary: string, differences: string[] = [], restoredInto?: string): VerifyResult => ({
    status, at: new Date().toISOString(), durationMs: Date.now() - started, summary, differences, ...(restoredInto ? { restoredInto } : {}),
  });
  const recorded = manifest.snapshot as Partial<VolumeSnapshotDetail> | undefined;
  if (!recorded || typeof recorded.listDigest !== 'string' || typeof recorded.files !== 'number') return result('not-verifiable', 'The manifest records no file checksums for this backup.');
  if (ctx.signal?.aborted) throw new Cancelled();
  const docker = await clientFor(ctx.profile);
  const throwaway = `upkeep-verify-${randomBytes(6).toString('hex')}`;
  let helper: Dockerode.Container | undefined;
  let created = false;
  let outcome: VerifyResult | undefined;
  let failure: unknown;
  try {
    const image = await helperImage(docker, manifest.database ?? throwaway);
    ctx.onProgress?.({ phase: `extracting into throwaway volume ${throwaway}` });
    await docker.createVolume({ Name: throwaway, Labels: { [HELPER_LABEL]: 'volume-verify', [VERIFY_LABEL]: manifest.file } });
    created = true;
    stopIfCancelled(ctx.signal);
    helper = await createHelper(docker, throwaway, image, false, 'volume-verify');
    const put = await extractInto(helper, file, ctx.signal);
    if (put.unreadable) {
      outcome = result('failed', `The backup could not be extracted: ${put.unreadable}`, [`archive: ${put.unreadable}`], throwaway);
    } else {
      await ctx.afterRestore?.(throwaway);
      ctx.onProgress?.({ phase: 'reading the restored files back' });
      stopIfCancelled(ctx.signal);
      const listing = await listVolume(docker, throwaway, image, ctx.signal);
      const differences = compareSnapshots(recorded as VolumeSnapshotDetail, listing);
      const counts = `${listing.files.length.toLocaleString('en-US')} files, ${listing.bytes.toLocaleString('en-US')} bytes`;
      outcome = differences.length
        ? result('failed', `${differences.length} difference${differences.length === 1 ? '' : 's'}: ${differences[0] ?? ''}`, differences, throwaway)
        : result('passed', `${counts}: every file's SHA-256 equal${recorded.checksums ? '' : ' (as one digest of the list)'}`, [], throwaway);
    }
  } catch (err) {
    failure = ctx.signal?.aborted ? new Cancelled('Cancelled: the throwaway volume was removed.') : err;
  } finally {
    const left: string[] = [];
    const helperLeft = await removeHelper(helper);
    if (helperLeft) left.push(helperLeft);
    if (created) {
      await docker.getVolume(throwaway).remove({ force: true }).catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) left.push(`The throwaway volume ${throwaway} could not be removed (${engineMessage(err)}): remove it with docker volume rm ${throwaway}.`);
      });
    }
    if (left.length && failure instanceof Error) failure.message += ` ${left.join(' ')}`;
    else if (left.length && outcome) outcome = { ...outcome, summary: `${outcome.summary} — but: ${left.join(' ')}` };
  }
  if (failure) {
    if (isCancelled(failure)) throw failure;
    throw dockerFailure(`Verifying ${manifest.file}`, failure, ctx.profile);
  }
  if (!outcome) throw new UserFacingError(`Verifying ${manifest.file}: nothing was compared.`);
  return outcome;
}

export const dockerBackup: BackupSupport = {
  engine: 'docker',
  formats: [{ id: VOLUME_FORMAT, label: 'Volume files (.tar.gz through the engine archive API)', extension: '.tar.gz', shape: 'file' }],
  defaultFormat: VOLUME_FORMAT,
  // Verify creates a throwaway volume on the engine.
  verifyWritesToServer: true,
  describe: () =>
    'Every file of one Docker volume (names, contents, modes, owners, symbolic links) as a .tar.gz, read through the engine\'s archive API by a helper container that is never started, so no image needs tar. Not captured: the volume\'s driver, options and labels; files a running container changes while they are read are copied as they are at that moment (stop it for a consistent copy). Verify extracts the file into a fresh throwaway volume and compares every file\'s SHA-256 (above 5,000 files, one digest of the whole list), the file count and the total bytes with those recorded at backup time; the throwaway volume is removed afterwards. Restore writes the files into a new volume you name (or, after saying that its files are replaced, into an existing one) and compares every file\'s SHA-256 with the backup\'s; a cancel removes the new volume.',
  async databases(ctx) {
    const docker = await clientFor(ctx.profile);
    const list = await docker.listVolumes();
    return (list.Volumes ?? []).map((v) => v.Name).sort((a, b) => a.localeCompare(b));
  },
  write: (file, _options, volume, ctx) => {
    if (volume === undefined) return Promise.reject(new UserFacingError('A Docker backup names the volume to back up.'));
    return writeVolume(file, volume, ctx);
  },
  verify: verifyVolume,
  restore: restoreVolumeBackup,
  restoreText: dockerRestoreText,
  restoreTargets: dockerRestoreTargets,
  restoreTargetState: dockerRestoreTargetState,
  restoreImpact: dockerRestoreImpact,
};
