import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { BackupContext } from '../../src/core/backup/model';
import { silentLogger } from '../../src/core/log';
import { engineModule } from '../../src/core/engines';
import { rabbitBackup } from '../../src/core/rabbitmq/backup';
import { adminApi, createVhost, declareQueue, deleteVhost } from './rabbitmqFixture';
import { rabbitProfile, services, uniqueName } from './services';

describe('RabbitMQ backups: the definitions in the shared catalog', function () {
  this.timeout(60_000);
  let folder: string;
  let vhost: string;
  const ctx = (): BackupContext => ({ profile: rabbitProfile({ name: 'Broker "main"' }), password: services().rabbitmq.password, log: silentLogger, tools: {} });

  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-rmq-backup-'));
    vhost = `${uniqueName('backup')} <img src=x onerror=alert(1)>`;
    await createVhost(adminApi(), vhost);
    await declareQueue(adminApi(), vhost, 'kept "q"');
  });
  after(async () => {
    fs.rmSync(folder, { recursive: true, force: true });
    await deleteVhost(adminApi(), vhost);
  });

  it('is the engine\'s backup hook; writes a 0600 JSON file with a manifest and the counts; verify reads it back without claiming a restore', async () => {
    assert.equal(await engineModule('rabbitmq').backup?.(), rabbitBackup);
    const done = await runBackup(rabbitBackup, folder, { format: 'rabbitmq-definitions' }, undefined, ctx());
    assert.match(path.basename(done.path), /\.json$/);
    assert.equal(fs.statSync(done.path).mode & 0o777, 0o600);
    const defs = JSON.parse(fs.readFileSync(done.path, 'utf8')) as { queues: { vhost: string; name: string }[] };
    assert.ok(defs.queues.some((q) => q.vhost === vhost && q.name === 'kept "q"'));
    assert.equal(done.manifest.engine, 'rabbitmq');
    assert.equal(done.manifest.commandText, 'GET /api/definitions');
    assert.ok((done.manifest.counts['vhosts'] ?? 0) >= 2 && (done.manifest.counts['queues'] ?? 0) >= 1);
    const v = await verifyBackup(rabbitBackup, done.path, done.manifest, ctx());
    assert.equal(v.status, 'not-verifiable');
    assert.match(v.summary, /^read back: \d+ users, \d+ vhosts, .* as at backup time; not restored/);
    assert.equal((await readManifest(`${done.path}.upkeep.json`))?.verification?.status, 'not-verifiable');

    // A file changed since: verify says what differs.
    const edited = { ...defs, queues: [] };
    fs.writeFileSync(done.path, JSON.stringify(edited));
    const changed = await verifyBackup(rabbitBackup, done.path, done.manifest, ctx());
    assert.equal(changed.status, 'failed');
    assert.match(changed.differences[0] ?? '', /^queues: \d+ at backup, 0 in the file$/);
  });
});
