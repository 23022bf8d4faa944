import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { runBackup } from '../../src/core/backup/catalog';
import type { BackupManifest, RestoreContext } from '../../src/core/backup/model';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { isCancelled } from '../../src/core/errors';
import { dockerBackup } from '../../src/core/docker/backup';
import { openDocker } from '../../src/core/docker/connection';
import { HELPER_LABEL } from '../../src/core/docker/volumeBackup';
import { RESTORED_LABEL } from '../../src/core/docker/volumeRestore';
import { DIR, HOSTILE_ENV, makeVolume, NAME, POPULATE, removeLabelled, runLabel, runToEnd } from '../support/dockerFixtures';
import { collectingLogger } from '../support/backup';
import { dockerProfile, services } from './services';

/**
 * Restore of a volume backup through the engine's BackupSupport (what the
 * shared Restore command calls): into a new volume, into an existing one only
 * with the choice to replace its files, cancel, read-only; every restore's
 * files compared with the backup's checksums.
 */
describe('Docker volume restore through BackupSupport: new volume, existing volume, cancel, checksums compared', function () {
  this.timeout(180_000);
  const label = runLabel('rsvol');
  const source = `${label}_source`;
  const restored = `${label}_restored`;
  const existing = `${label}_existing`;
  let docker: Dockerode;
  let folder: string;
  let logLines: string[];
  let profile: ConnectionProfile;
  let backup: { path: string; manifest: BackupManifest };
  const ctx = (over: Partial<RestoreContext> = {}): RestoreContext => ({ profile, password: undefined, log: collectingLogger(logLines), tools: {}, ...over });
  const volumeExists = (name: string): Promise<boolean> => docker.getVolume(name).inspect().then(() => true, () => false);
  const removeVolume = (name: string): Promise<unknown> => docker.getVolume(name).remove({ force: true }).catch(() => undefined);

  before(async () => {
    profile = dockerProfile({ id: `docker-restore-${label}`, name: 'Docker "restore" <img src=x onerror=alert(1)> ü' });
    docker = await openDocker(dockerProfile());
    logLines = [];
    await makeVolume(docker, source, label);
    assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['sh', '-c', POPULATE], env: HOSTILE_ENV, mounts: [{ volume: source, target: '/v' }] }), 0);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-rs-docker "ü" '));
    backup = await runBackup(dockerBackup, folder, { format: 'docker-volume' }, source, ctx());
  });
  after(async () => {
    await removeVolume(restored);
    await removeLabelled(docker, label);
    fs.rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => {
    logLines = [];
  });

  async function noHelperLeft(): Promise<void> {
    const helpers = await docker.listContainers({ all: true, filters: { label: [HELPER_LABEL] } });
    assert.deepEqual(helpers.map((h) => h.Names), [], 'no helper container left');
  }

  it('offers the engine\'s volumes and a new one; a new volume gets the files with every SHA-256 equal to the backup\'s', async () => {
    const targets = await dockerBackup.restoreTargets!(ctx());
    assert.equal(targets.noun, 'volume');
    assert.ok(targets.existing.includes(source));
    assert.deepEqual(targets.create, { allowed: true });
    const text = await dockerBackup.restoreText!(backup.path, { database: restored, create: true, clean: false });
    assert.match(text, new RegExp(`^docker volume create ${restored}\\n`));
    assert.ok(!text.includes('rm -rf'), 'a new volume is not emptied');

    const done = await dockerBackup.restore!(backup.path, backup.manifest, { database: restored, create: true, clean: false }, ctx());
    assert.equal(done.comparison?.status, 'passed', `${done.comparison?.summary}\n${done.comparison?.differences.join('\n')}`);
    assert.match(done.comparison?.summary ?? '', /^4 files, [\d,]+ bytes: every file's SHA-256 equal to the backup's\.$/);
    const inspected = await docker.getVolume(restored).inspect();
    assert.equal(inspected.Labels?.[RESTORED_LABEL], path.basename(backup.path));
    // The hostile name came back byte for byte (read by busybox in the restored volume).
    assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['sh', '-c', 'test -f "/v/$DIR/$NAME" && test -L "/v/link to it"'], env: [`DIR=${DIR}`, `NAME=${NAME}`], mounts: [{ volume: restored, target: '/v' }] }), 0);
    await noHelperLeft();
    // A second restore under the same new name is refused: the volume exists now.
    await assert.rejects(dockerBackup.restore!(backup.path, backup.manifest, { database: restored, create: true, clean: false }, ctx()), /already exists/);
  });

  it('an existing volume with files: refused without the choice to replace them; with it, its files are replaced and equal', async () => {
    await makeVolume(docker, existing, label);
    assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['sh', '-c', 'echo mine > "/v/user file.txt"'], mounts: [{ volume: existing, target: '/v' }] }), 0);
    const state = await dockerBackup.restoreTargetState!(existing, ctx());
    assert.equal(state.empty, false);
    assert.equal(dockerBackup.restoreImpact!({ database: existing, create: false, clean: true }, state).startsWith(`removes every file now in volume ${existing}`), true);
    assert.match(await dockerBackup.restoreText!(backup.path, { database: existing, create: false, clean: true }, state), /rm -rf/);

    await assert.rejects(dockerBackup.restore!(backup.path, backup.manifest, { database: existing, create: false, clean: false }, ctx()), (err: Error) => err.name === 'UserFacingError' && /holds files: a restore replaces them.*Nothing was changed/.test(err.message));
    assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['sh', '-c', 'test "$(cat "/v/user file.txt")" = mine'], mounts: [{ volume: existing, target: '/v' }] }), 0, 'the user\'s file is untouched');

    const done = await dockerBackup.restore!(backup.path, backup.manifest, { database: existing, create: false, clean: true }, ctx());
    assert.equal(done.comparison?.status, 'passed', `${done.comparison?.summary}\n${done.comparison?.differences.join('\n')}`);
    assert.equal(await runToEnd(docker, { image: services().docker.image, label, cmd: ['sh', '-c', 'test ! -e "/v/user file.txt"'], mounts: [{ volume: existing, target: '/v' }] }), 0, 'the earlier file is gone');
    await noHelperLeft();
  });

  it('a difference after the restore is reported (the manifest says a file the archive does not hold)', async () => {
    const name = `${label}_diff`;
    const tampered: BackupManifest = JSON.parse(JSON.stringify(backup.manifest)) as BackupManifest;
    const detail = tampered.snapshot as { checksums?: Record<string, string>; files: number };
    detail.checksums = { ...detail.checksums, 'only in the record.txt': '0'.repeat(64) };
    detail.files += 1;
    try {
      const done = await dockerBackup.restore!(backup.path, tampered, { database: name, create: true, clean: false }, ctx());
      assert.equal(done.comparison?.status, 'failed');
      assert.ok(done.comparison?.differences.some((d) => d.includes('only in the record.txt')), done.comparison?.differences.join('\n'));
    } finally {
      await removeVolume(name);
    }
  });

  it('cancel mid-restore into a new volume removes that volume and the helper', async () => {
    const name = `${label}_cancelled`;
    const controller = new AbortController();
    await assert.rejects(
      dockerBackup.restore!(backup.path, backup.manifest, { database: name, create: true, clean: false }, ctx({ signal: controller.signal, onProgress: (p) => p.bytes !== undefined && controller.abort() })),
      (err: Error) => isCancelled(err) && err.message.includes(`The new volume ${name} was removed.`),
    );
    assert.equal(controller.signal.aborted, true, 'it was cancelled while writing');
    assert.equal(await volumeExists(name), false);
    await noHelperLeft();
  });

  it('cancel mid-restore into an existing volume keeps the volume and says it is partial (no success claimed)', async () => {
    const name = `${label}_partial`;
    await makeVolume(docker, name, label);
    const controller = new AbortController();
    await assert.rejects(
      dockerBackup.restore!(backup.path, backup.manifest, { database: name, create: false, clean: false }, ctx({ signal: controller.signal, onProgress: (p) => p.bytes !== undefined && controller.abort() })),
      (err: Error) => isCancelled(err) && err.message.includes(`Volume ${name} is PARTIAL`),
    );
    assert.equal(await volumeExists(name), true, 'the user\'s volume is never removed');
    await noHelperLeft();
  });

  it('read-only connection and a name Docker refuses: nothing is sent', async () => {
    const name = `${label}_ro`;
    await assert.rejects(dockerBackup.restore!(backup.path, backup.manifest, { database: name, create: true, clean: false }, ctx({ profile: { ...profile, readOnly: true } })), /read-only connection/);
    assert.equal(await volumeExists(name), false);
    await assert.rejects(dockerBackup.restore!(backup.path, backup.manifest, { database: 'bad name "<b>"', create: true, clean: false }, ctx()), /not a volume name Docker accepts/);
  });
});
