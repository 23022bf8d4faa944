/**
 * What the Docker tests make on the test engine: containers (busybox, no
 * network or the host's), volumes, networks, images, each labelled with one
 * label unique to the run and removed afterwards; and a unix-socket proxy to
 * the engine that a test can kill (an engine that dies mid-operation).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { services, uniqueName } from './services';

export interface ContainerSpec {
  name: string;
  image?: string;
  labels?: Record<string, string>;
  env?: string[];
  cmd?: string[];
  /** A named volume mounted at /data. */
  volume?: string;
  /** An anonymous volume at this path. */
  anonymousVolume?: string;
  network?: 'none' | 'host';
  portBindings?: Record<string, { HostIp?: string; HostPort: string }[]>;
  start?: boolean;
  stopTimeout?: number;
}

export interface SocketProxy {
  path: string;
  kill(): Promise<void>;
  revive(): Promise<void>;
}

export interface DockerFixture {
  label: string;
  container(spec: ContainerSpec): Promise<{ id: string; name: string }>;
  volume(name: string): Promise<string>;
  network(name: string): Promise<string>;
  /** A new image made from a container of the test image (one small layer). `tag` undefined: a dangling image. */
  image(tag?: { repo: string; tag: string }): Promise<string>;
  tag(repo: string, tag: string): Promise<void>;
  proxy(): Promise<SocketProxy>;
  cleanup(): Promise<void>;
}

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

export function dockerFixture(docker: Dockerode): DockerFixture {
  const label = uniqueName('dockertest');
  const labels = (extra: Record<string, string> = {}): Record<string, string> => ({ ...extra, 'upkeep.test': label });
  const tags: string[] = [];
  const images: string[] = [];
  const proxies: { kill(): Promise<void> }[] = [];

  return {
    label,
    async container(spec) {
      const c = await docker.createContainer({
        name: spec.name,
        Image: spec.image ?? services().docker.image,
        Cmd: spec.cmd ?? ['sleep', '600'],
        Env: spec.env ?? [],
        Labels: labels(spec.labels),
        ...(spec.anonymousVolume ? { Volumes: { [spec.anonymousVolume]: {} } } : {}),
        ...(spec.stopTimeout !== undefined ? { StopTimeout: spec.stopTimeout } : {}),
        HostConfig: {
          NetworkMode: spec.network ?? 'none',
          ...(spec.volume ? { Binds: [`${spec.volume}:/data`] } : {}),
          ...(spec.portBindings ? { PortBindings: spec.portBindings } : {}),
        },
      });
      if (spec.start) await c.start();
      return { id: c.id, name: spec.name };
    },
    async volume(name) {
      await docker.createVolume({ Name: name, Labels: labels() });
      return name;
    },
    async network(name) {
      await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels() });
      return name;
    },
    async image(tag) {
      const c = await docker.createContainer({ Image: services().docker.image, Cmd: ['true'], Labels: labels(), HostConfig: { NetworkMode: 'none' } });
      const made = (await c.commit({ ...(tag ? { repo: tag.repo, tag: tag.tag } : {}), changes: `LABEL upkeep.test=${label}`, comment: uniqueName('img') } as Record<string, unknown>)) as { Id: string };
      await c.remove({ force: true });
      images.push(made.Id);
      if (tag) tags.push(`${tag.repo}:${tag.tag}`);
      return made.Id;
    },
    async tag(repo, tag) {
      await docker.getImage(services().docker.image).tag({ repo, tag });
      tags.push(`${repo}:${tag}`);
    },
    async proxy() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-proxy-'));
      const socketPath = path.join(dir, 'docker.sock');
      let server: net.Server | undefined;
      const sockets = new Set<net.Socket>();
      const open = (): Promise<void> => new Promise((resolve, reject) => {
        fs.rmSync(socketPath, { force: true });
        server = net.createServer((client) => {
          const upstream = net.connect(services().docker.socketPath);
          sockets.add(client);
          sockets.add(upstream);
          client.pipe(upstream).pipe(client);
          const drop = (): void => {
            client.destroy();
            upstream.destroy();
          };
          client.on('error', drop);
          upstream.on('error', drop);
          client.on('close', () => sockets.delete(client));
          upstream.on('close', () => sockets.delete(upstream));
        });
        server.once('error', reject);
        server.listen(socketPath, () => resolve());
      });
      const kill = async (): Promise<void> => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        const s = server;
        server = undefined;
        if (s) await new Promise<void>((r) => s.close(() => r()));
        fs.rmSync(socketPath, { force: true });
      };
      await open();
      const p = { path: socketPath, kill, revive: open };
      proxies.push(p);
      return p;
    },
    async cleanup() {
      for (const p of proxies) await p.kill();
      const mine = { label: [`upkeep.test=${label}`] };
      for (const c of await docker.listContainers({ all: true, filters: mine })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      for (const v of (await docker.listVolumes({ filters: mine })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
      for (const n of await docker.listNetworks({ filters: mine })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
      for (const t of tags) await docker.getImage(t).remove().catch(() => undefined);
      for (const i of images) await docker.getImage(i).remove({ force: true }).catch(() => undefined);
    },
  };
}
