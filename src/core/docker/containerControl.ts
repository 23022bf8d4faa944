/**
 * A server's container as a whole (ContainerControl): stopped and started
 * again, and containers of its own image run beside it — a one-shot tool on
 * the same volumes (`--volumes-from`, Neo4j's `neo4j-admin database dump`)
 * or on a throwaway volume of ours, and a throwaway server. Everything made
 * here is labelled `upkeep.throwaway=<purpose>` and removed by the caller's
 * finally (one-shots remove themselves), anonymous volumes included.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ContainerControl, ContainerExecOptions, ContainerExecResult, OneShotSpec } from '../backup/container';
import { Cancelled } from '../errors';
import { pumpFrames } from './framePump';
import { FrameDemuxer } from './logStream';
import { dockerFailure } from './streaming';
import { oneFileTarHeader, tarPadding, TAR_END } from './tarWrite';

export const THROWAWAY_LABEL = 'upkeep.throwaway';

export interface ControlFacts {
  id: string;
  name: string;
  image: string;
  env: readonly string[];
  mounts: readonly { type: string; source: string; target: string }[];
  /** The user the server's container runs as (`--user`), '' for the image's default. */
  user: string;
}

export function controlFactsOf(info: Dockerode.ContainerInspectInfo): ControlFacts {
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Image,
    env: info.Config.Env ?? [],
    mounts: (info.Mounts ?? []).map((m) => ({ type: m.Type, source: m.Source, target: m.Destination })),
    user: info.Config.User ?? '',
  };
}

/**
 * The HostConfig mounts of a container beside the server's: the same ones,
 * or our volume at `at` with the server's bind mounts read-only (its
 * programs, plugins or configuration) and none of its other volumes.
 */
export function besideMounts(facts: Pick<ControlFacts, 'id' | 'mounts'>, mounts: OneShotSpec['mounts']): Pick<Dockerode.HostConfig, 'VolumesFrom' | 'Mounts'> {
  if (mounts === 'same') return { VolumesFrom: [facts.id] };
  const binds = facts.mounts.filter((m) => m.type === 'bind' && m.target !== mounts.at && !m.target.startsWith(`${mounts.at}/`));
  return {
    Mounts: [
      ...binds.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: true })),
      { Type: 'volume' as const, Source: mounts.volume, Target: mounts.at },
    ],
  };
}

const suffix = (): string => randomBytes(4).toString('hex');

/** The name of a throwaway (container or volume): what it is for, and a random part. */
export function throwawayName(purpose: string): string {
  return `upkeep-${purpose.replace(/[^a-z0-9-]/gi, '-').toLowerCase()}-${suffix()}`;
}

/** A tar archive of one file, streamed from disk (putArchive's input). */
async function tarOf(file: string, name: string): Promise<Readable> {
  const size = (await fs.stat(file)).size;
  async function* parts(): AsyncGenerator<Buffer> {
    yield oneFileTarHeader(name, size, Math.floor(Date.now() / 1000));
    for await (const chunk of createReadStream(file)) yield chunk as Buffer;
    yield tarPadding(size);
    yield TAR_END;
  }
  return Readable.from(parts());
}

/**
 * A container beside the server's. It runs as the server's container does
 * (`--user`, or the image's default): what it writes into the store — a
 * loaded dump — then belongs to the user the server will read it as. (The
 * official Neo4j image, started as root, hands the store back to its neo4j
 * user at start; started with --user it does not, and would fail on files
 * left to root.)
 */
export function containerSpec(facts: ControlFacts, spec: Omit<OneShotSpec, 'put'>, name: string): Dockerode.ContainerCreateOptions {
  return {
    name,
    Image: facts.image,
    ...(facts.user ? { User: facts.user } : {}),
    ...(spec.entrypoint ? { Entrypoint: [...spec.entrypoint] } : {}),
    Cmd: [...spec.cmd],
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [THROWAWAY_LABEL]: spec.purpose },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    // Without a network the container's own name resolves nowhere (Java tools ask for it at start); as localhost it is in /etc/hosts. The host's network takes no host name.
    ...((spec.network ?? 'none') === 'none' ? { Hostname: 'localhost' } : {}),
    HostConfig: { NetworkMode: spec.network ?? 'none', ...besideMounts(facts, spec.mounts) },
  };
}

async function runOnce(docker: Dockerode, facts: ControlFacts, spec: OneShotSpec, opts: ContainerExecOptions): Promise<ContainerExecResult> {
  if (opts.signal?.aborted) throw new Cancelled('Cancelled before it started.');
  const name = throwawayName(spec.purpose);
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer(containerSpec(facts, spec, name));
  } catch (err) {
    throw dockerFailure(`Creating a container of ${facts.name}'s image`, err);
  }
  let aborted = false;
  const onAbort = (): void => {
    aborted = true;
    void container.kill().catch(() => undefined);
  };
  try {
    if (spec.put) await container.putArchive(await tarOf(spec.put.file, spec.put.name), { path: spec.put.dir });
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
    const pump = pumpFrames(stream, opts, () => aborted);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    opts.onStart?.(container.id);
    await container.start();
    await pump.done;
    const waited = (await container.wait()) as { StatusCode?: number };
    if (aborted) throw new Cancelled('Cancelled: the container was stopped.');
    const failure = pump.writeFailure();
    if (failure) throw failure;
    return { exitCode: waited.StatusCode ?? null, stderr: pump.stderr(), stdout: pump.stdout() };
  } catch (err) {
    if (aborted) throw new Cancelled('Cancelled: the container was stopped.');
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** Text of a container's last log lines (both streams). */
async function logsTail(docker: Dockerode, name: string, lines = 30): Promise<string> {
  const raw = await docker.getContainer(name).logs({ stdout: true, stderr: true, tail: lines, follow: false });
  let text = '';
  new FrameDemuxer(false, (_s, b) => (text += b.toString('utf8'))).push(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
  return text;
}

/** 304 (already started / stopped) is not a failure here. */
const unlessNotModified = (what: string) => (err: unknown): void => {
  if ((err as { statusCode?: number }).statusCode === 304) return;
  throw dockerFailure(what, err);
};

export function containerControl(docker: Dockerode, facts: ControlFacts, local: boolean): ContainerControl {
  const c = docker.getContainer(facts.id);
  return {
    image: facts.image,
    local,
    mountTargets: facts.mounts.map((m) => m.target),
    env(names) {
      const out: Record<string, string> = {};
      for (const e of facts.env) {
        const at = e.indexOf('=');
        const k = e.slice(0, at);
        if (at > 0 && names.includes(k)) out[k] = e.slice(at + 1);
      }
      return out;
    },
    async running(name) {
      try {
        return (await docker.getContainer(name ?? facts.id).inspect()).State.Running;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return false;
        throw err;
      }
    },
    async stop(grace) {
      await c.stop({ t: grace }).catch(unlessNotModified(`Stopping container ${facts.name}`));
      await c.wait({ condition: 'not-running' }).catch(() => undefined);
    },
    start: () => c.start().then(() => undefined, unlessNotModified(`Starting container ${facts.name}`)),
    runOnce: (spec, opts) => runOnce(docker, facts, spec, opts),
    async createVolume(purpose) {
      const name = throwawayName(purpose);
      await docker.createVolume({ Name: name, Labels: { [THROWAWAY_LABEL]: purpose } });
      return name;
    },
    async removeVolume(name) {
      // A container just removed may hold it for a moment.
      for (let i = 0; ; i++) {
        try {
          await docker.getVolume(name).remove({ force: true });
          return;
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) return;
          if (i >= 20) throw dockerFailure(`Removing volume ${name}`, err);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    async startServer(spec) {
      const name = throwawayName(spec.purpose);
      const made = await docker.createContainer(containerSpec(facts, { ...spec, network: 'host' }, name));
      try {
        await made.start();
      } catch (err) {
        await made.remove({ force: true, v: true }).catch(() => undefined);
        throw dockerFailure(`Starting a throwaway container of ${facts.name}'s image`, err);
      }
      return name;
    },
    logsTail: (name) => logsTail(docker, name).catch(() => ''),
    async removeContainer(name) {
      try {
        await docker.getContainer(name).remove({ force: true, v: true });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw dockerFailure(`Removing container ${name}`, err);
      }
    },
  };
}
