import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type Dockerode from 'dockerode';
import { listBackups, readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { VerifyContext } from '../../src/core/backup/model';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { manifestName } from '../../src/core/backup/naming';
import { isCancelled } from '../../src/core/errors';
import { dockerBackup, VERIFY_LABEL } from '../../src/core/docker/backup';
import { openDocker } from '../../src/core/docker/connection';
import { HELPER_LABEL } from '../../src/core/docker/volumeBackup';
import type { VolumeSnapshotDetail } from '../../src/core/docker/volumeSnapshot';
import { DIR, HOSTILE_ENV, makeVolume, NAME, POPULATE, removeLabelled, runLabel, runToEnd } from '../support/dockerFixtures';
import { collectingLogger, flipBytes } from '../support/backup';
import { dockerProfile, services } from './services';

/** Rewrites a .tar.gz with the bytes of one file's content flipped (the archive stays a valid tar.gz). */
function tamperFile(file: string, target: string): void {
  const tar = zlib.gunzipSync(fs.readFileSync(file));
  let at = 0;
  let paxPath: string | undefined;
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 0);
    const data = at + 512;
    if (type === 'x') {
      paxPath = /\d+ path=(.*)\n/.exec(tar.subarray(data, data + size).toString('utf8'))?.[1];
    } else {
      const name = (paxPath ?? h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '')).replace(/^\.\//, '');
      paxPath = undefined;
      if (name === target) {
        assert.ok(size > 0, 'the file has content to flip');
        for (let i = 0; i < Math.min(4, size); i++) tar[data + i] = (tar[data + i] ?? 0) ^ 0xff;
        fs.writeFileSync(file, zlib.gzipSync(tar));
        return;
      }
    }
    at = data + Math.ceil(size / 512) * 512;
  }
  assert.fail(`${target} is not in the archive`);
}

describe('Docker volume backups in the catalog: .tar.gz, checksums, Verify in a throwaway volume', function () {
  this.timeout(120_000);
  const label = runLabel('bkvol');
  let docker: Dockerode;
  let folder: string;
  let logLines: string[];
  // Docker allows only [A-Za-z0-9][A-Za-z0-9_.-]* in a volume name: the hostile part is in the connection's name and the files.
  const volumeName = `${label}_Vol.with-dots_and__underscores`;
  let profile: ConnectionProfile;
  const ctx = (over: Partial<VerifyContext> = {}): VerifyContext => ({ profile, password: undefined, log: collectingLogger(logLines), tools: {}, ...over });

  before(async () => {
    profile = dockerProfile({ id: `docker-backup-${label}`, name: 'Docker "backups" <img src=x onerror=alert(1)> ü' });
    docker = await openDocker(dockerProfile());
    await makeVolume(docker, volumeName, label);
    assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['sh', '-c', POPULATE], env: HOSTILE_ENV, mounts: [{ volume: volumeName, target: '/v' }] }), 0);
  });
  after(async () => {
    await removeLabelled(docker, label);
  });
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-docker "ü" '));
    logLines = [];
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  async function nothingLeftOnTheEngine(): Promise<void> {
    const helpers = await docker.listContainers({ all: true, filters: { label: [HELPER_LABEL] } });
    assert.deepEqual(helpers.map((h) => h.Names), [], 'no helper container left');
    const { Volumes } = await docker.listVolumes({ filters: { label: [VERIFY_LABEL] } });
    assert.deepEqual((Volumes ?? []).map((v) => v.Name), [], 'no throwaway volume left');
  }

  it('lists the engine\'s volumes as what can be backed up', async () => {
    assert.ok((await dockerBackup.databases!(ctx())).includes(volumeName));
  });

  it('backs up a volume with hostile file names, lists it beside the others, and verifies it equal', async () => {
    const done = await runBackup(dockerBackup, folder, { format: 'docker-volume' }, volumeName, ctx());
    assert.ok(done.path.endsWith('.tar.gz'));
    const m = (await readManifest(path.join(folder, manifestName(path.basename(done.path)))))!;
    assert.equal(m.engine, 'docker');
    assert.equal(m.database, volumeName);
    assert.equal(m.counts['files'], 4);
    assert.ok((m.counts['bytes'] ?? 0) > 2 * 1024 * 1024);
    const detail = m.snapshot as VolumeSnapshotDetail;
    const hostile = `${DIR}/${NAME}`;
    assert.ok(detail.checksums && hostile in detail.checksums && 'random.bin' in detail.checksums && '.hidden file' in detail.checksums && 'link to it' in detail.checksums, JSON.stringify(Object.keys(detail.checksums ?? {})));
    assert.match(m.serverVersion, /^Docker Engine /);
    assert.deepEqual(fs.readdirSync(folder).sort(), [path.basename(done.path), manifestName(path.basename(done.path))].sort(), 'only the backup and its manifest');

    const v = await verifyBackup(dockerBackup, done.path, m, ctx());
    assert.equal(v.status, 'passed', `${v.summary}\n${v.differences.join('\n')}`);
    assert.match(v.summary, /^4 files, [\d,]+ bytes: every file's SHA-256 equal$/);
    assert.match(v.restoredInto ?? '', /^upkeep-verify-[0-9a-f]{12}$/);
    const listed = await listBackups(folder, profile, dockerBackup, volumeName);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.manifest?.verification?.status, 'passed');
    await nothingLeftOnTheEngine();
  });

  it('a backup whose file was changed inside the archive fails Verify, naming the file', async () => {
    const done = await runBackup(dockerBackup, folder, { format: 'docker-volume' }, volumeName, ctx());
    tamperFile(done.path, `${DIR}/${NAME}`);
    const v = await verifyBackup(dockerBackup, done.path, done.manifest, ctx());
    assert.equal(v.status, 'failed');
    assert.equal(v.differences.length, 1, v.differences.join('\n'));
    assert.ok(v.differences[0]?.startsWith(`file ${JSON.stringify(`${DIR}/${NAME}`)}: content differs`), v.differences[0]);
    await nothingLeftOnTheEngine();
  });

  it('a file deleted from the throwaway volume after the restore is named missing (the test hook)', async () => {
    const done = await runBackup(dockerBackup, folder, { format: 'docker-volume' }, volumeName, ctx());
    const v = await verifyBackup(dockerBackup, done.path, done.manifest, ctx({
      afterRestore: async (throwaway: string) => {
        assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['rm', '/v/random.bin'], mounts: [{ volume: throwaway, target: '/v' }] }), 0);
      },
    }));
    assert.equal(v.status, 'failed');
    assert.ok(v.differences.includes('file "random.bin": in the backup\'s record, missing after the restore'), v.differences.join('\n'));
    await nothingLeftOnTheEngine();
  });

  it('a corrupt .tar.gz (bytes flipped in the compressed file) fails Verify with the reason and leaves no throwaway volume', async () => {
    const done = await runBackup(dockerBackup, folder, { format: 'docker-volume' }, volumeName, ctx());
    flipBytes(done.path);
    const v = await verifyBackup(dockerBackup, done.path, done.manifest, ctx());
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /^The backup could not be extracted: /);
    await nothingLeftOnTheEngine();
  });

  it('cancel mid-backup leaves no file under the final name and no helper; cancel mid-verify leaves no throwaway volume', async () => {
    // 48 MB of random bytes: the catalog reports progress every 500 ms, and this takes longer to read and compress.
    const big = `${label}-big`;
    await makeVolume(docker, big, label);
    assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['sh', '-c', 'dd if=/dev/urandom of=/v/big.bin bs=1M count=48 2>/dev/null'], mounts: [{ volume: big, target: '/v' }] }), 0);
    const controller = new AbortController();
    await assert.rejects(runBackup(dockerBackup, folder, { format: 'docker-volume' }, big, ctx({
      signal: controller.signal,
      onProgress: (p) => p.phase.startsWith('reading volume') && controller.abort(),
    })), (err: Error) => isCancelled(err));
    assert.deepEqual(fs.readdirSync(folder), [], 'nothing in the folder, not even a partial file');
    await nothingLeftOnTheEngine();

    const done = await runBackup(dockerBackup, folder, { format: 'docker-volume' }, volumeName, ctx());
    for (const phase of ['extracting', 'reading the restored files back']) {
      const c2 = new AbortController();
      await assert.rejects(verifyBackup(dockerBackup, done.path, done.manifest, ctx({ signal: c2.signal, onProgress: (p) => p.phase.startsWith(phase) && c2.abort() })), (err: Error) => isCancelled(err), phase);
      await nothingLeftOnTheEngine();
    }
  });
});
