import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { isRoot, MissingToolError, run, waitFor, which } from './util';
import type { RunningService, ServicesInfo } from './types';
import type Dockerode from 'dockerode';

export const TEST_IMAGE = 'upkeep-test/busybox:latest';

/**
 * A private Docker engine: its own socket, data root and exec root, no
 * iptables and no bridge (containers run with --network none or host). There
 * is no registry here, so the test image is imported from a busybox rootfs.
 */
export async function startDocker(root: string): Promise<{ info: ServicesInfo['docker']; service: RunningService }> {
  const dockerd = which('dockerd');
  if (!dockerd) throw new MissingToolError('dockerd (Docker engine)', 'apt-get install -y docker.io');
  if (!isRoot()) throw new MissingToolError('root for dockerd', 'the test Docker engine must be started as root');
  const busybox = which('busybox', ['/bin', '/usr/bin']);
  if (!busybox) throw new MissingToolError('busybox', 'apt-get install -y busybox-static');
  const dir = path.join(root, 'docker');
  fs.mkdirSync(dir, { recursive: true });
  const socketPath = path.join(dir, 'docker.sock');
  const pidfile = path.join(dir, 'dockerd.pid');
  const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
  const child = spawn(
    dockerd,
    [
      '--iptables=false', '--ip6tables=false', '--bridge=none', '--host', `unix://${socketPath}`,
      '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', pidfile,
      '--storage-driver', 'vfs', '--log-level', 'warn',
    ],
    { stdio: ['ignore', log, log], detached: true },
  );
  child.unref();
  let exited = false;
  child.on('exit', () => (exited = true));

  const Docker = (await import('dockerode')).default;
  const docker = new Docker({ socketPath });
  await waitFor('Docker engine', async () => {
    if (exited) throw new Error(`dockerd exited; see ${path.join(dir, 'dockerd.log')}`);
    await docker.ping();
    return true;
  }, 60_000, 250);

  await importBusyboxImage(docker, busybox, dir);
  await healthCheck(docker);

  return {
    info: { socketPath, image: TEST_IMAGE },
    service: {
      name: 'docker',
      stop: async () => {
        try {
          process.kill(child.pid ?? -1, 'SIGTERM');
        } catch {
          /* gone */
        }
        await waitFor('dockerd shutdown', () => Promise.resolve(exited), 20_000).catch(() => undefined);
        // A container on the host network leaves the engine's bind mount of the host's
        // network namespace (exec/netns/default) behind: unmount what is left under the
        // engine's folders, deepest first, or removing them fails with EBUSY.
        for (const mount of leftoverMounts(dir)) await run('umount', ['-l', mount]).catch(() => undefined);
        await run('rm', ['-rf', dir]).catch(() => undefined);
      },
    },
  };
}

/** Mount points under `dir` still listed in /proc/mounts, deepest first. */
function leftoverMounts(dir: string): string[] {
  let mounts = '';
  try {
    mounts = fs.readFileSync('/proc/mounts', 'utf8');
  } catch {
    return [];
  }
  // /proc/mounts writes spaces and other special characters in octal (\040).
  const points = mounts.split('\n').map((l) => (l.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))));
  return points.filter((p) => p === dir || p.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
}

async function importBusyboxImage(docker: Dockerode, busybox: string, dir: string): Promise<void> {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'tmp', 'data', 'etc']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync(busybox, path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const tool of ['sh', 'ls', 'tar', 'cat', 'echo', 'sleep', 'du', 'gzip', 'mkdir', 'rm', 'cp', 'dd', 'wc', 'head', 'env', 'true', 'ps']) {
    fs.symlinkSync('busybox', path.join(rootfs, 'bin', tool));
  }
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
  const tarball = path.join(dir, 'rootfs.tar');
  await run('tar', ['-C', rootfs, '-cf', tarball, '.']);
  const [repo, tag] = TEST_IMAGE.split(':');
  const stream = await docker.importImage(tarball, { repo, tag, changes: ['CMD ["/bin/sh"]'] } as unknown as Parameters<Dockerode['importImage']>[1]);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** Proves containers really run: start one, read its output, remove it. */
async function healthCheck(docker: Dockerode): Promise<void> {
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['/bin/sh', '-c', 'echo upkeep-ok'],
    HostConfig: { NetworkMode: 'none' },
    Labels: { 'upkeep.test': 'health' },
  });
  try {
    await container.start();
    await container.wait();
    const out = await container.logs({ stdout: true, stderr: true });
    if (!out.toString().includes('upkeep-ok')) throw new Error(`test container printed ${JSON.stringify(out.toString())}`);
  } finally {
    await container.remove({ force: true });
  }
}
