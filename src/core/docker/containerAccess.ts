/**
 * A running container as backup methods of other engines use it: a command
 * run through the exec API (no shell; secrets only in the exec's
 * environment, which neither the container's nor the exec's inspect shows),
 * its stdout streamed into a file, and one file copied out through the
 * archive API. Cancel stops the process: the exec API has no kill, so the
 * caller's own stop runs first (PostgreSQL ends the backends, and pg_dump
 * exits), then, on a local engine, the exec's process gets SIGTERM by its
 * host pid (checked to be that process), and the stream is closed. The
 * container as a whole (stop, start, containers of its image beside it) is
 * `control` (containerControl.ts).
 */
import * as fs from 'node:fs';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import type { ContainerAccess, ContainerExecOptions, ContainerExecResult } from '../backup/container';
import { Cancelled, UserFacingError } from '../errors';
import { exitCodeOf } from './exec';
import { containerControl, controlFactsOf, type ControlFacts } from './containerControl';
import { pumpFrames } from './framePump';
import { dockerFailure, streamingDocker } from './streaming';
import type { ConnectionProfile } from '../connections/profile';
import { TarDigest } from './tarDigest';

interface ContainerFacts {
  id: string;
  name: string;
  hostNetwork: boolean;
  /** Published ports: host port → container port. */
  published: Map<number, number>;
  control: ControlFacts;
}

async function factsOf(docker: Dockerode, id: string): Promise<ContainerFacts | undefined> {
  let info: Dockerode.ContainerInspectInfo;
  try {
    info = await docker.getContainer(id).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  if (!info.State.Running || info.State.Paused) return undefined;
  const published = new Map<number, number>();
  for (const [spec, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const inner = Number(spec.split('/')[0]);
    for (const b of bindings ?? []) if (b.HostPort) published.set(Number(b.HostPort), inner);
  }
  return { id: info.Id, name: info.Name.replace(/^\//, ''), hostNetwork: info.HostConfig.NetworkMode === 'host', published, control: controlFactsOf(info) };
}

/** Sends SIGTERM to the exec's process when the engine runs on this machine (its pid is then a host pid) and the pid is still that process. */
function killLocally(pid: number | undefined, program: string | undefined): void {
  if (!pid || !program) return;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (cmdline[0] !== program) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    // Not on this machine, or gone already.
  }
}

async function runIn(docker: Dockerode, facts: ContainerFacts, local: boolean, cmd: readonly string[], opts: ContainerExecOptions): Promise<ContainerExecResult> {
  if (opts.signal?.aborted) throw new Cancelled('Cancelled before it started.');
  const env = Object.entries(opts.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${k}=${v}`);
  const exec = await docker.getContainer(facts.id).exec({ Cmd: [...cmd], Env: env, AttachStdout: true, AttachStderr: true, Tty: false });
  opts.onStart?.(exec.id);
  const stream: Duplex = await exec.start({ hijack: true, stdin: false });
  let aborted = false;
  const pump = pumpFrames(stream, opts, () => aborted);
  const onAbort = (): void => {
    aborted = true;
    void (async () => {
      await opts.onAbort?.().catch(() => undefined);
      // The kernel keeps argv as the exec gave it: argv[0] is cmd[0].
      if (local) killLocally((await exec.inspect().catch(() => undefined))?.Pid, cmd[0]);
      stream.destroy();
    })();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await pump.done;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (aborted) {
    // Wait (briefly) for the process to be gone, so nothing writes on after the caller removed its files.
    await exitCodeOf(exec).catch(() => null);
    throw new Cancelled('Cancelled: the command in the container was stopped.');
  }
  const failure = pump.writeFailure();
  if (failure) throw failure;
  return { exitCode: await exitCodeOf(exec), stderr: pump.stderr(), stdout: pump.stdout() };
}

async function copyOut(docker: Dockerode, facts: ContainerFacts, containerPath: string, dest: string, signal?: AbortSignal): Promise<number> {
  const what = `Copying ${containerPath} out of container ${facts.name}`;
  if (signal?.aborted) throw new Cancelled();
  let tar: Readable;
  try {
    tar = (await docker.getContainer(facts.id).getArchive({ path: containerPath, abortSignal: signal })) as Readable;
  } catch (err) {
    if (signal?.aborted) throw new Cancelled();
    throw dockerFailure(what, err);
  }
  const file = fs.createWriteStream(dest, { flags: 'wx', mode: 0o600 });
  const digest = new TarDigest({ content: file });
  try {
    await pipeline([tar, digest] as unknown as readonly NodeJS.ReadWriteStream[], ...(signal ? [{ signal }] : []));
  } catch (err) {
    file.destroy();
    if (signal?.aborted) throw new Cancelled();
    throw dockerFailure(what, err);
  } finally {
    await new Promise<void>((resolve) => (file.closed ? resolve() : file.end(() => resolve())));
  }
  const copied = digest.listing.files.find((f) => f.kind === 'file');
  if (!copied) throw new UserFacingError(`${what}: it is not a regular file.`);
  return copied.size;
}

/** Access to a running container of the connection `profile` (its session's client `docker`); undefined when it is gone or not running. */
export async function containerAccessOf(profile: ConnectionProfile, docker: Dockerode, id: string): Promise<ContainerAccess | undefined> {
  // A unix socket: the engine runs on this machine, so an exec's pid is one of ours to signal on cancel.
  return containerAccess(await streamingDocker(profile, docker), id, profile.name, profile.socketPath !== undefined);
}

/** Access to a running container on this Docker connection; undefined when it is gone or not running. */
export async function containerAccess(docker: Dockerode, id: string, where: string, local: boolean): Promise<ContainerAccess | undefined> {
  const facts = await factsOf(docker, id);
  if (!facts) return undefined;
  return {
    describe: `container "${facts.name}" on ${where}`,
    innerPort: (profilePort, defaultPort) => Promise.resolve(facts.hostNetwork ? profilePort : facts.published.get(profilePort) ?? defaultPort),
    exec: (cmd, opts) => runIn(docker, facts, local, cmd, opts),
    copyOut: (p, dest, signal) => copyOut(docker, facts, p, dest, signal),
    control: containerControl(docker, facts.control, local),
  };
}
