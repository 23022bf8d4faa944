/**
 * What the observing features (logs, stats, exec, volume backup) share: an
 * API client for long-lived streams, and Docker failures in one line.
 *
 * The session's client has the profile's connect timeout as an idle timeout
 * on every request (docker-modem's `timeout`), which would cut a followed log
 * that is quiet for five seconds or an idle exec terminal. Streams get their
 * own client without it; where silence means trouble (a backup), the caller
 * watches for it with `idleWatch`.
 */
import type Dockerode from 'dockerode';
import type { ConnectionProfile } from '../connections/profile';
import { UserFacingError } from '../errors';

const streamingClients = new WeakMap<Dockerode, Dockerode>();

/** A client for the same engine as `docker`, without the per-request idle timeout. */
export async function streamingDocker(profile: ConnectionProfile, docker: Dockerode): Promise<Dockerode> {
  const known = streamingClients.get(docker);
  if (known) return known;
  // The connection module is a chunk of its own: imported, never bundled twice.
  const { openDocker } = await import('./connection');
  const made = await openDocker({ ...profile, connectTimeoutMs: 0 });
  streamingClients.set(docker, made);
  return made;
}

/** Anything thrown or emitted, as an Error. */
export function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}

/** The one docker-modem call used directly (a streamed GET dockerode would buffer). */
export interface ModemDial {
  dial(options: object, callback: (err: unknown, data: unknown) => void): void;
}

/** The parts of a dockerode error this module reads. */
interface DockerError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
  name?: string;
}

/** The engine's own message of an API error, without docker-modem's "(HTTP code 404) no such container -" prefix. */
export function engineMessage(err: unknown): string {
  const e = (err ?? {}) as DockerError;
  const fromJson = e.json && typeof e.json === 'object' ? e.json.message : undefined;
  const text = fromJson ?? e.message ?? String(err);
  return text.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

const GONE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ENOENT', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** True when the engine went away (socket closed, refused, reset) rather than answering with an error. */
export function engineGone(err: unknown): boolean {
  const e = (err ?? {}) as DockerError;
  return (e.code !== undefined && GONE_CODES.has(e.code)) || /socket hang up|aborted|premature close|stopped answering/i.test(e.message ?? '');
}

/** A Docker failure as one line: what was being done, then why. Already user-facing errors pass through. */
export function dockerFailure(what: string, err: unknown, profile?: ConnectionProfile): UserFacingError {
  if (err instanceof UserFacingError || (err instanceof Error && err.name === 'UserFacingError')) return err;
  const where = profile ? ` (${profile.name})` : '';
  // A local file problem (the folder is gone, the disk is full) is not the engine's.
  const fsErr = err as NodeJS.ErrnoException;
  if (fsErr.syscall && fsErr.path) return new UserFacingError(`${what} failed: ${fsErr.message}.`);
  if (engineGone(err)) return new UserFacingError(`${what} failed: the Docker engine${where} stopped answering or closed the connection (${engineMessage(err)}).`);
  return new UserFacingError(`${what} failed: ${engineMessage(err)}.`.replace(/\.\.$/, '.'));
}

/**
 * Fails a stream that carries nothing for `ms`: an engine that stops
 * answering mid-transfer otherwise leaves it waiting forever. Returns a
 * function to call on every chunk, and one to stop watching.
 */
export function idleWatch(ms: number, onIdle: () => void): { touch(): void; stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onIdle, ms);
  };
  arm();
  return {
    touch: arm,
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
