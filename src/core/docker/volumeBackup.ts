/**
 * A volume to a .tar.gz file and back, with no `tar` needed in any image:
 * the engine's archive API reads and writes the files of a helper container
 * that mounts the volume and is never started (`GET`/`PUT
 * /containers/{id}/archive`). The file is written under a temporary name in
 * the same folder and linked to its name only when complete, so a failed or
 * cancelled backup leaves no half file and an existing file is never
 * replaced. The helper container is removed whatever happens.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type Dockerode from 'dockerode';
import { UserFacingError } from '../errors';
import { asError, dockerFailure, idleWatch } from './streaming';

/** Where the helper container mounts the volume. */
export const MOUNT_POINT = '/upkeep-volume';
export const HELPER_LABEL = 'upkeep.helper';

export interface TransferOptions {
  signal?: AbortSignal;
  /** Bytes of the archive moved so far (uncompressed tar). */
  onProgress?: (bytes: number) => void;
  /** Fail when the engine sends nothing for this long (default 30 s). */
  idleMs?: number;
  /** The image for the helper container; by default that of a container using the volume, or any local image. */
  image?: string;
}

export interface TransferResult {
  volume: string;
  file: string;
  /** Uncompressed archive bytes. */
  tarBytes: number;
  /** Size of the .tar.gz file. */
  fileBytes: number;
}

/** The file exists: the caller asks for another name. */
export class FileExistsError extends UserFacingError {
  constructor(readonly file: string) {
    super(`${file} already exists: Upkeep never replaces a file. Choose another name.`);
  }
}

function aborted(): UserFacingError {
  return new UserFacingError('Cancelled: nothing was kept.');
}

/** An image the engine already has, to make the helper container from (nothing is pulled). */
export async function helperImage(docker: Dockerode, volume: string): Promise<string> {
  const users = await docker.listContainers({ all: true, filters: { volume: [volume] } });
  const used = users.find((c) => c.ImageID)?.ImageID;
  if (used) return used;
  const images = await docker.listImages();
  const image = [...images].sort((a, b) => a.Size - b.Size)[0];
  if (!image) throw new UserFacingError(`The Docker engine has no image to make a helper container from: pull or load one (any small image, e.g. busybox) and try again.`);
  return image.Id;
}

/** Creates (never starts) a container that mounts the volume. */
export async function createHelper(docker: Dockerode, volume: string, image: string, readOnly: boolean, purpose: string): Promise<Dockerode.Container> {
  return docker.createContainer({
    Image: image,
    // Never started; the command only has to satisfy images that define none.
    Cmd: ['/upkeep-helper-never-started'],
    Entrypoint: [],
    Labels: { [HELPER_LABEL]: purpose },
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: MOUNT_POINT, ReadOnly: readOnly }] },
  });
}

export async function removeHelper(helper: Dockerode.Container | undefined): Promise<string | undefined> {
  if (!helper) return undefined;
  try {
    await helper.remove({ force: true, v: false });
    return undefined;
  } catch (err) {
    const e = err as { statusCode?: number };
    if (e.statusCode === 404) return undefined;
    return `The helper container ${helper.id.slice(0, 12)} (label ${HELPER_LABEL}) could not be removed; remove it with docker rm ${helper.id.slice(0, 12)}.`;
  }
}

/** Counts bytes, reports them, and feeds the idle watch. */
function counter(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
}

/** Links `tmp` to `file` only if `file` does not exist (atomic), then drops the temporary name. */
async function publish(tmp: string, file: string): Promise<void> {
  try {
    await fs.promises.link(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new FileExistsError(file);
    // File systems without hard links: the same check, then a rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw err;
    if (fs.existsSync(file)) throw new FileExistsError(file);
    await fs.promises.rename(tmp, file);
    return;
  }
  await fs.promises.unlink(tmp);
}

/** Runs one archive transfer, turning a broken or silent engine and a cancel into clear errors. */
async function transfer(what: string, stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[], opts: TransferOptions, watched: Readable | undefined): Promise<void> {
  const idleMs = opts.idleMs ?? 30_000;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let stalled = false;
  const watch = idleWatch(idleMs, () => {
    stalled = true;
    controller.abort();
  });
  watched?.on('data', () => watch.touch());
  try {
    await pipeline(stages as unknown as readonly NodeJS.ReadWriteStream[], { signal: controller.signal });
  } catch (err) {
    if (opts.signal?.aborted) throw aborted();
    if (stalled) throw new UserFacingError(`${what} failed: the Docker engine stopped answering (nothing for ${Math.round(idleMs / 1000)} s).`);
    throw dockerFailure(what, err);
  } finally {
    watch.stop();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Writes the volume's files to `file` (.tar.gz) through a helper container's archive. */
export async function backupVolume(docker: Dockerode, volume: string, file: string, opts: TransferOptions = {}): Promise<TransferResult> {
  const what = `Backing up volume ${volume}`;
  if (fs.existsSync(file)) throw new FileExistsError(file);
  try {
    await docker.getVolume(volume).inspect();
  } catch (err) {
    throw dockerFailure(what, err);
  }
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.upkeep-partial`);
  let helper: Dockerode.Container | undefined;
  let tarBytes = 0;
  let failure: unknown;
  let result: TransferResult | undefined;
  try {
    if (opts.signal?.aborted) throw aborted();
    helper = await createHelper(docker, volume, opts.image ?? (await helperImage(docker, volume)), true, 'volume-backup').catch((err: unknown) => {
      throw dockerFailure(what, err);
    });
    // "<dir>/." archives the folder's contents, named ./…, as `tar -C <dir> .` would: the file restores with plain tar too.
    const tar = (await helper.getArchive({ path: `${MOUNT_POINT}/.`, abortSignal: opts.signal })) as Readable;
    const count = counter((n) => {
      tarBytes = n;
      opts.onProgress?.(n);
    });
    const out = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
    await transfer(what, [tar, count, zlib.createGzip(), out], opts, tar);
    await publish(tmp, file);
    result = { volume, file, tarBytes, fileBytes: fs.statSync(file).size };
  } catch (err) {
    failure = opts.signal?.aborted ? aborted() : err;
  } finally {
    await fs.promises.rm(tmp, { force: true });
    const left = await removeHelper(helper);
    if (left && failure instanceof Error) failure.message += ` ${left}`;
    else if (left && !failure) failure = new UserFacingError(`The backup ${file} is complete, but: ${left}`);
  }
  if (failure) throw failure instanceof Error && (failure.name === 'UserFacingError' || failure instanceof FileExistsError) ? failure : dockerFailure(what, failure);
  if (!result) throw new UserFacingError(`${what}: nothing was written.`);
  return result;
}

/** Running containers that have the volume mounted read-write (they could write while it is restored). */
export async function runningWriters(docker: Dockerode, volume: string): Promise<string[]> {
  const running = await docker.listContainers({ filters: { volume: [volume], status: ['running'] } });
  return running.filter((c) => c.Mounts.some((m) => m.Type === 'volume' && m.Name === volume && m.RW)).map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
}

/** Whether the volume holds any file (reads only the first entries of its archive). */
export async function volumeHasFiles(docker: Dockerode, volume: string, image?: string): Promise<boolean> {
  const helper = await createHelper(docker, volume, image ?? (await helperImage(docker, volume)), true, 'volume-peek');
  try {
    const tar = (await helper.getArchive({ path: `${MOUNT_POINT}/.` })) as unknown as Readable;
    return await new Promise<boolean>((resolve, reject) => {
      let held = Buffer.alloc(0);
      let skip = 0;
      const done = (v: boolean): void => {
        tar.destroy();
        resolve(v);
      };
      tar.on('data', (chunk: Buffer) => {
        held = Buffer.concat([held, chunk]);
        for (;;) {
          if (skip) {
            const n = Math.min(skip, held.length);
            held = held.subarray(n);
            skip -= n;
            if (skip) return;
          }
          if (held.length < 512) return;
          const h = held.subarray(0, 512);
          held = held.subarray(512);
          if (h.every((b) => b === 0)) return done(false);
          const name = `${h.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '')}${h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '')}`;
          const type = String.fromCharCode(h[156] ?? 0);
          const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
          // Extended headers (pax, GNU long names) precede the entry they describe.
          if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
            skip = Math.ceil(size / 512) * 512;
            continue;
          }
          if (name.replace(/^\.\/?/, '').replace(/\/$/, '') !== '') return done(true);
          skip = Math.ceil(size / 512) * 512;
        }
      });
      tar.on('end', () => resolve(false));
      tar.on('error', reject);
    });
  } finally {
    await removeHelper(helper);
  }
}

/**
 * Empties a volume before a restore. The archive API cannot delete, so this
 * starts a helper that runs `sh`; an image without one is refused, and the
 * user restores into a new volume instead.
 */
async function emptyVolume(docker: Dockerode, volume: string, image: string): Promise<void> {
  const helper = await docker.createContainer({
    Image: image,
    Entrypoint: [],
    Cmd: ['sh', '-c', `cd ${MOUNT_POINT} && rm -rf -- ..?* .[!.]* *`],
    Labels: { [HELPER_LABEL]: 'volume-empty' },
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: MOUNT_POINT, ReadOnly: false }] },
  });
  try {
    try {
      await helper.start();
    } catch (err) {
      throw new UserFacingError(`Volume ${volume} holds files and could not be emptied first (the helper image has no sh: ${String((err as Error).message).slice(0, 200)}). Restore into a new volume instead.`);
    }
    const res = (await helper.wait()) as { StatusCode?: number };
    if (res.StatusCode !== 0) throw new UserFacingError(`Volume ${volume} could not be emptied before the restore (exit code ${String(res.StatusCode)}): nothing was restored.`);
  } finally {
    await removeHelper(helper);
  }
}

export interface RestoreOptions extends TransferOptions {
  /** Restore although a running container has the volume mounted read-write. */
  evenIfInUse?: boolean;
}

/**
 * Replaces the volume's contents with the files of a backup (.tar.gz, or a
 * plain .tar), creating the volume when it does not exist. Refuses while a
 * running container writes to it, unless told.
 */
export async function restoreVolume(docker: Dockerode, volume: string, file: string, opts: RestoreOptions = {}): Promise<TransferResult> {
  const what = `Restoring volume ${volume}`;
  let fileBytes: number;
  try {
    fileBytes = fs.statSync(file).size;
  } catch {
    throw new UserFacingError(`${what}: the file ${file} cannot be read.`);
  }
  let helper: Dockerode.Container | undefined;
  let tarBytes = 0;
  let failure: unknown;
  try {
    const exists = await docker.getVolume(volume).inspect().then(() => true, (err: { statusCode?: number }) => {
      if (err.statusCode === 404) return false;
      throw asError(err);
    });
    if (!exists) await docker.createVolume({ Name: volume, Labels: { 'upkeep.restored-from': path.basename(file) } });
    const writers = await runningWriters(docker, volume);
    if (writers.length && !opts.evenIfInUse) {
      throw new UserFacingError(`Volume ${volume} is mounted read-write by running container${writers.length > 1 ? 's' : ''} ${writers.join(', ')}: stop ${writers.length > 1 ? 'them' : 'it'} first (or restore anyway). Nothing was changed.`);
    }
    const image = opts.image ?? (await helperImage(docker, volume));
    if (opts.signal?.aborted) throw aborted();
    if (exists && (await volumeHasFiles(docker, volume, image))) await emptyVolume(docker, volume, image);
    helper = await createHelper(docker, volume, image, false, 'volume-restore');
    const input = fs.createReadStream(file);
    let readFailure: unknown;
    input.on('error', (e) => (readFailure = e));
    const count = counter((n) => {
      tarBytes = n;
      opts.onProgress?.(n);
    });
    const tarStream = (await isGzip(file)) ? input.pipe(zlib.createGunzip()).on('error', (e) => (readFailure = e)).pipe(count) : input.pipe(count);
    const put = helper.putArchive(tarStream, { path: MOUNT_POINT, abortSignal: opts.signal });
    await transferPromise(what, put, tarStream, opts);
    if (readFailure) throw new UserFacingError(`${what} failed: ${path.basename(file)} could not be read as a .tar.gz (${asError(readFailure).message}).`);
  } catch (err) {
    failure = opts.signal?.aborted ? new UserFacingError(`Cancelled: volume ${volume} may hold part of the backup.`) : dockerFailure(what, err);
  }
  const left = await removeHelper(helper);
  if (failure) {
    if (left && failure instanceof Error) failure.message += ` ${left}`;
    throw asError(failure);
  }
  if (left) throw new UserFacingError(`${what}: the volume is restored, but: ${left}`);
  return { volume, file, tarBytes, fileBytes };
}

/** Waits for an upload, failing it when nothing moves for the idle time or on cancel. */
async function transferPromise(what: string, put: Promise<unknown>, body: Readable, opts: TransferOptions): Promise<void> {
  const idleMs = opts.idleMs ?? 30_000;
  let rejectIdle: (e: Error) => void = () => undefined;
  const idle = new Promise<never>((_, reject) => (rejectIdle = reject));
  const watch = idleWatch(idleMs, () => {
    body.destroy();
    rejectIdle(new UserFacingError(`${what} failed: the Docker engine stopped answering (nothing for ${Math.round(idleMs / 1000)} s).`));
  });
  body.on('data', () => watch.touch());
  // Once the body is sent the engine unpacks it before answering: that silence is work, not a hang.
  body.on('end', () => watch.stop());
  try {
    await Promise.race([put, idle]);
  } finally {
    watch.stop();
  }
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    await fh.read(b, 0, 2, 0);
    return b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}
