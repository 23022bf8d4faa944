import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { openDocker } from '../../src/core/docker/connection';
import { backupVolume, FileExistsError, HELPER_LABEL, restoreVolume } from '../../src/core/docker/volumeBackup';
import { runExec } from '../../src/core/docker/exec';
import { makeContainer, makeVolume, removeLabelled, runLabel, runToEnd } from '../support/dockerFixtures';
import { dockerProfile, services } from './services';

/** Files with hostile names and contents, and 2 MB of random bytes, written inside the volume by busybox. */
const POPULATE = [
  'set -e',
  'mkdir -p "/v/$DIR"',
  'printf "%s" "$CONTENT" > "/v/$DIR/$NAME"',
  'printf "%s" "$CONTENT" > "/v/.hidden"',
  'dd if=/dev/urandom of=/v/random.bin bs=1024 count=2048 2>/dev/null',
  'mkdir -p /v/empty-dir',
].join('; ');
const HOSTILE_ENV = ['DIR=ünïcødé dir/<i>"quoted"<i>', `NAME=it's <b onclick="alert(1)"> & ✓.txt`, 'CONTENT=<html>"double" \'single\' ünïcødé ✓\nline two\n'];

/** Checksums of every file in a volume, read by busybox in a container that mounts it. */
async function checksums(docker: Dockerode, image: string, label: string, volume: string): Promise<string[]> {
  const c = await makeContainer(docker, { image, label, cmd: ['sleep', '120'], mounts: [{ volume, target: '/v', readOnly: true }] });
  try {
    const r = await runExec(docker, c.id, ['sh', '-c', 'cd /v && busybox find . -type f -exec busybox sha256sum {} + && busybox find . -type d']);
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout.trim().split('\n').sort();
  } finally {
    await c.remove({ force: true });
  }
}

/** A socket in front of the engine that breaks the archive stream after `limit` bytes of one response: it stops forwarding ('stall') or drops the connection ('drop'). */
async function faultyProxy(target: string, limit: number, mode: 'stall' | 'drop'): Promise<{ socketPath: string; close(): Promise<void> }> {
  const socketPath = path.join(os.tmpdir(), `upkeep-proxy-${process.pid}-${Date.now().toString(36)}.sock`);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    let bytes = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes <= limit) client.write(d);
      else if (mode === 'drop') {
        client.destroy();
        upstream.destroy();
      }
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Docker volume backup and restore (real engine, archive API)', function () {
  this.timeout(90_000);
  const label = runLabel('volumes');
  let docker: Dockerode;
  let dir: string;
  const image = (): string => services().docker.image;
  const made: string[] = [];
  const volume = async (suffix: string, populate = true): Promise<string> => {
    const name = `${label}-${suffix}`;
    await makeVolume(docker, name, label);
    made.push(name);
    if (populate) assert.equal(await runToEnd(docker, { image: image(), label, cmd: ['sh', '-c', POPULATE], env: HOSTILE_ENV, mounts: [{ volume: name, target: '/v' }] }), 0);
    return name;
  };

  before(async () => {
    docker = await openDocker(dockerProfile());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep backups "ü" '));
  });
  after(async () => {
    await removeLabelled(docker, label);
    for (const v of made) await docker.getVolume(v).remove({ force: true }).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function noHelpersLeft(): Promise<void> {
    const helpers = await docker.listContainers({ all: true, filters: { label: [HELPER_LABEL] } });
    assert.deepEqual(helpers.map((h) => h.Names), [], 'helper containers were removed');
  }

  it('backs up to .tar.gz and restores into a fresh volume byte-identical (hostile names and contents)', async () => {
    const source = await volume('src');
    const file = path.join(dir, `backup <b>"${label}"<b> '✓'.tar.gz`);
    const progress: number[] = [];
    const backup = await backupVolume(docker, source, file, { onProgress: (n) => progress.push(n) });
    assert.ok(backup.tarBytes > 2 * 1024 * 1024, `tar bytes ${backup.tarBytes}`);
    assert.equal(backup.fileBytes, fs.statSync(file).size);
    assert.ok(progress.length > 1 && progress[progress.length - 1] === backup.tarBytes);
    assert.deepEqual(fs.readdirSync(dir), [path.basename(file)], 'no temporary file left beside it');
    await noHelpersLeft();

    const fresh = `${label}-fresh`;
    made.push(fresh);
    const restored = await restoreVolume(docker, fresh, file);
    assert.equal(restored.tarBytes, backup.tarBytes);
    const [a, b] = await Promise.all([checksums(docker, image(), label, source), checksums(docker, image(), label, fresh)]);
    assert.ok(a.some((l) => l.includes(`ünïcødé dir/<i>"quoted"<i>/it's <b onclick="alert(1)"> & ✓.txt`)), a.join('\n'));
    assert.ok(a.some((l) => l.includes('random.bin')) && a.some((l) => l.endsWith('./empty-dir')));
    assert.deepEqual(b, a);
    await noHelpersLeft();
    console.log(`      ${a.filter((l) => /^[0-9a-f]{64} /.test(l)).length} files, ${backup.tarBytes} tar bytes → ${backup.fileBytes} bytes .tar.gz, identical after restore`);
  });

  it('never overwrites an existing file', async () => {
    const source = await volume('keep', false);
    const file = path.join(dir, 'existing.tar.gz');
    fs.writeFileSync(file, 'precious');
    await assert.rejects(backupVolume(docker, source, file), (err: Error) => err instanceof FileExistsError && /already exists: Upkeep never replaces a file/.test(err.message));
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
  });

  it('restore replaces the contents of a volume that holds other files', async () => {
    const source = await volume('orig');
    const file = path.join(dir, 'orig.tar.gz');
    await backupVolume(docker, source, file);
    const target = await volume('target', false);
    assert.equal(await runToEnd(docker, { image: image(), label, cmd: ['sh', '-c', 'echo stale > /v/stale.txt; mkdir /v/.old; echo x > /v/.old/y'], mounts: [{ volume: target, target: '/v' }] }), 0);
    await restoreVolume(docker, target, file);
    assert.deepEqual(await checksums(docker, image(), label, target), await checksums(docker, image(), label, source));
    await noHelpersLeft();
  });

  it('refuses while a running container writes to the volume, unless told', async () => {
    const source = await volume('busy');
    const file = path.join(dir, 'busy.tar.gz');
    await backupVolume(docker, source, file);
    const writer = await makeContainer(docker, { image: image(), label, cmd: ['sleep', '300'], mounts: [{ volume: source, target: '/data' }] });
    const name = (await writer.inspect()).Name.replace(/^\//, '');
    await assert.rejects(restoreVolume(docker, source, file), (err: Error) => err.message === `Volume ${source} is mounted read-write by running container ${name}: stop it first (or restore anyway). Nothing was changed.`);
    // A read-only mount does not count as a writer.
    await writer.remove({ force: true });
    await makeContainer(docker, { image: image(), label, cmd: ['sleep', '300'], mounts: [{ volume: source, target: '/data', readOnly: true }] });
    await restoreVolume(docker, source, file);
    const again = await makeContainer(docker, { image: image(), label, cmd: ['sleep', '300'], mounts: [{ volume: source, target: '/data' }] });
    await restoreVolume(docker, source, file, { evenIfInUse: true });
    await again.remove({ force: true });
    await noHelpersLeft();
  });

  for (const mode of ['stall', 'drop'] as const) {
    it(`the engine ${mode === 'stall' ? 'going silent' : 'closing the connection'} mid-backup gives a clear message and leaves no file`, async () => {
      const source = await volume(`gone-${mode}`);
      const proxy = await faultyProxy(services().docker.socketPath, 256 * 1024, mode);
      try {
        const viaProxy = await openDocker(dockerProfile({ socketPath: proxy.socketPath }));
        const file = path.join(dir, `gone-${mode}.tar.gz`);
        const expected = mode === 'stall' ? /^Backing up volume .+ failed: the Docker engine stopped answering \(nothing for 1 s\)\.$/ : /^Backing up volume .+ failed: the Docker engine stopped answering or closed the connection \(.+\)\.$/;
        await assert.rejects(backupVolume(viaProxy, source, file, { idleMs: 1000 }), (err: Error) => {
          assert.match(err.message, expected);
          console.log(`      ${err.message}`);
          return true;
        });
        assert.ok(!fs.existsSync(file));
        assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes(`gone-${mode}`)), [], 'no partial file');
        await noHelpersLeft();
      } finally {
        await proxy.close();
      }
    });
  }

  it('cancel stops a backup and keeps nothing', async () => {
    const source = await volume('cancel');
    const file = path.join(dir, 'cancelled.tar.gz');
    const controller = new AbortController();
    await assert.rejects(backupVolume(docker, source, file, { signal: controller.signal, onProgress: () => controller.abort() }), /Cancelled: nothing was kept\./);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('cancelled')), []);
    await noHelpersLeft();
  });
});
