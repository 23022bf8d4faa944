/**
 * The Docker client and volume reads the volume backup, its Verify and its
 * restore share: a client without the idle timeout, and a volume's files as
 * a listing with each file's SHA-256 (tarDigest.ts).
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import type { ConnectionProfile } from '../connections/profile';
import { TarDigest, type TarListing } from './tarDigest';
import { createHelper, MOUNT_POINT, removeHelper } from './volumeBackup';

/** A client without the per-request idle timeout: an archive stream may be quiet while the engine reads a large file. */
export async function clientFor(profile: ConnectionProfile): Promise<Dockerode> {
  // import(): the connection module is a chunk of its own.
  const { openDocker } = await import('./connection');
  return openDocker({ ...profile, connectTimeoutMs: 0 }, { streaming: true });
}

/** The listing of a tar stream (from a file or the engine), stopped by `signal`. */
export async function digestOf(stages: (Readable | Writable)[], signal: AbortSignal | undefined): Promise<TarListing> {
  const digest = new TarDigest();
  await pipeline([...stages, digest] as unknown as readonly NodeJS.ReadWriteStream[], ...(signal ? [{ signal }] : []));
  return digest.listing;
}

/** The files of a volume as the engine's archive gives them, through a read-only helper that never starts. */
export async function listVolume(docker: Dockerode, volume: string, image: string, signal?: AbortSignal): Promise<TarListing> {
  const helper = await createHelper(docker, volume, image, true, 'volume-list');
  try {
    const tar = (await helper.getArchive({ path: `${MOUNT_POINT}/.`, abortSignal: signal })) as Readable;
    return await digestOf([tar], signal);
  } finally {
    await removeHelper(helper);
  }
}
