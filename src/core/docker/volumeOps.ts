/**
 * Volume restore as an Operation, so it is previewed, confirmed (the volume's
 * name typed on production) and recorded like every other change. Its text is
 * the `docker run … tar` line that does the same thing by hand; Upkeep itself
 * uses the archive API (core/docker/volumeBackup.ts) and needs no tar.
 */
import * as path from 'node:path';
import { formatBytes } from '../format';
import { shellWord } from './cli';
import type { DockerOp } from './operation';

/** What the executor's 'volume-restore' handler needs beyond the target. */
export interface VolumeRestoreParams {
  /** The backup file read. */
  file: string;
  fileBytes: number;
  /** Restore although a running container has the volume mounted read-write. */
  evenIfInUse: boolean;
}

/** A restore: the volume is its target (id and name both the volume's name; bytes the backup file's size). */
export interface VolumeRestoreOp extends DockerOp {
  kind: 'volume-restore';
  params: VolumeRestoreParams & Record<string, unknown>;
}

/** The restore's parameters, checked (the executor gets them as a plain record). */
export function restoreParams(op: DockerOp): VolumeRestoreParams {
  const p = op.params ?? {};
  const file = p['file'];
  if (typeof file !== 'string' || !file) throw new Error(`${op.title}: no backup file.`);
  return { file, fileBytes: typeof p['fileBytes'] === 'number' ? p['fileBytes'] : 0, evenIfInUse: p['evenIfInUse'] === true };
}

export interface RestoreFacts {
  volume: string;
  file: string;
  fileBytes: number;
  /** The volume exists and holds files (they will be removed first). */
  replaces: boolean;
  exists: boolean;
  /** Running containers with the volume mounted read-write (only when restoring anyway). */
  writers: string[];
  evenIfInUse: boolean;
}

/** What a restore does to the volume, in words (the Docker view's restore and the shared Restore command). */
export function volumeRestoreWhat(f: Pick<RestoreFacts, 'volume' | 'replaces' | 'exists'>): string {
  return f.replaces
    ? `removes every file now in volume ${f.volume} and puts the backup's in their place (cannot be undone)`
    : f.exists
      ? `writes the backup's files into the empty volume ${f.volume}`
      : `creates volume ${f.volume} and writes the backup's files into it`;
}

export function buildVolumeRestore(f: RestoreFacts): VolumeRestoreOp {
  const dir = path.dirname(f.file);
  const base = path.basename(f.file);
  const text = [
    `docker run --rm --network none -v ${shellWord(`${f.volume}:/v`)} -v ${shellWord(`${dir}:/backup:ro`)} busybox \\`,
    `  sh -c ${shellWord(`${f.replaces ? 'rm -rf /v/..?* /v/.[!.]* /v/* && ' : ''}tar -xzf ${shellWord(`/backup/${base}`)} -C /v`)}`,
    '# Upkeep does this through the engine archive API (PUT /containers/{helper}/archive); no tar is needed in any image.',
  ].join('\n');
  const what = volumeRestoreWhat(f);
  const writers = f.writers.length ? `; running container${f.writers.length > 1 ? 's' : ''} ${f.writers.join(', ')} ${f.writers.length > 1 ? 'have' : 'has'} it mounted read-write and may see half-restored files` : '';
  return {
    engine: 'docker',
    kind: 'volume-restore',
    target: { kind: 'volume', id: f.volume, name: f.volume, bytes: f.fileBytes },
    title: `Restore volume ${f.volume} from ${base}`,
    text,
    language: 'shell',
    impact: `${what}; ${formatBytes(f.fileBytes)} backup file${writers}`,
    risk: f.replaces || f.writers.length ? 'destructive' : 'heavy',
    confirmName: f.volume,
    progress: 'bytes',
    params: { file: f.file, fileBytes: f.fileBytes, evenIfInUse: f.evenIfInUse },
  };
}
