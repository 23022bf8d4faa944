/**
 * Bench case (issue 12): a Docker engine with 200 containers and 200 images —
 * the tree's first level (the four lists and the version, mapped: what the
 * connection node reads) and the disk-usage node (`system df`, mapped), next
 * to `docker ps -a` and `docker system df` run against the same engine in the
 * same run. A throwaway dockerd (vfs storage copies every layer, so the
 * images are tiny imports of one small file each, and the containers are
 * made from one of them, created and never started).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { startDocker } from '../test/services/docker';
import { run } from '../test/services/util';
import { openDocker } from '../src/core/docker/connection';
import { readOverview } from '../src/core/docker/resources';
import { readDiskUsage } from '../src/core/docker/diskUsage';
import type { ConnectionProfile } from '../src/core/connections/profile';
import type { BenchCase } from './bench';

export const DOCKER_CONTAINERS = 200;
export const DOCKER_IMAGES = 200;

function dockerCli(socketPath: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['-H', `unix://${socketPath}`, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function importTiny(docker: Dockerode, dir: string, n: number): Promise<void> {
  const root = path.join(dir, `img${n}`);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'id'), `bench image ${n}\n`);
  const tarball = path.join(dir, `img${n}.tar`);
  await run('tar', ['-C', root, '-cf', tarball, '.']);
  const stream = await docker.importImage(tarball, { repo: 'bench/tiny', tag: `v${n}`, changes: ['CMD ["/id"]'] } as unknown as Parameters<Dockerode['importImage']>[1]);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench: wrong result: ${what}`);
}

export function dockerCase(): BenchCase {
  return {
    title: `Docker engine with ${DOCKER_CONTAINERS} containers and ${DOCKER_IMAGES} images`,
    async setup() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-docker-'));
      const { info, service } = await startDocker(root);
      const profile: ConnectionProfile = { id: 'bench-docker', engine: 'docker', name: 'bench', socketPath: info.socketPath, tls: 'disable', readOnly: true, production: false, connectTimeoutMs: 60_000 };
      const docker = await openDocker(profile);
      const work = path.join(root, 'images');
      await inBatches([...Array(DOCKER_IMAGES).keys()], 8, (n) => importTiny(docker, work, n));
      await inBatches([...Array(DOCKER_CONTAINERS).keys()], 8, (n) =>
        docker.createContainer({
          name: `bench-${String(n).padStart(3, '0')}`, Image: `bench/tiny:v${n % DOCKER_IMAGES}`, Cmd: ['/id'],
          Labels: { 'com.docker.compose.project': `project-${n % 10}`, 'upkeep.bench': '1' }, HostConfig: { NetworkMode: 'none' },
        }),
      );
      // The imported busybox image of the test engine, plus the bench's.
      const expectImages = DOCKER_IMAGES + 1;
      return {
        dispose: async () => {
          await service.stop();
          fs.rmSync(root, { recursive: true, force: true });
        },
        timed: [
          { name: 'docker ps -a (CLI, spawn→exit)', role: 'reference', label: 'docker ps -a', inSummary: true, run: async () => check((await dockerCli(info.socketPath, ['ps', '-a', '-q'])).trim().split('\n').length === DOCKER_CONTAINERS, 'docker ps rows') },
          { name: 'docker system df (CLI, spawn→exit)', role: 'reference', label: 'docker system df', inSummary: true, run: async () => check((await dockerCli(info.socketPath, ['system', 'df'])).includes('Containers'), 'docker system df') },
          { name: 'docker images (CLI, spawn→exit)', role: 'reference', label: 'docker images', run: async () => check((await dockerCli(info.socketPath, ['images', '-q'])).trim().split('\n').length === expectImages, 'docker images rows') },
          {
            name: 'tree first level (4 lists + version, mapped)', role: 'measure', label: 'first level', inSummary: true,
            run: async () => {
              const o = await readOverview(docker);
              check(o.containers.length === DOCKER_CONTAINERS && o.images.length === expectImages, `first level: ${o.containers.length} containers, ${o.images.length} images`);
            },
          },
          {
            name: 'disk-usage node (system df, mapped)', role: 'measure', label: 'disk usage', inSummary: true,
            run: async () => check((await readDiskUsage(docker)).usage.containers.count === DOCKER_CONTAINERS, 'df containers'),
          },
        ],
      };
    },
  };
}
