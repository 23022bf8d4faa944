import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readManifest, runBackup, verifyBackup, type BackupDone } from '../../src/core/backup/catalog';
import type { BackupManifest, VerifyContext } from '../../src/core/backup/model';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { silentLogger } from '../../src/core/log';
import { engineModule } from '../../src/core/engines';
import { rabbitBackup } from '../../src/core/rabbitmq/backup';
import { adminApi, createVhost, declareQueue, deleteVhost } from './rabbitmqFixture';
import { rabbitProfile, services, uniqueName } from './services';

type Defs = { queues: { vhost: string; name: string; arguments: Record<string, unknown> }[] } & Record<string, unknown>;

/** The throwaway vhosts on the broker now (none may outlive a verify). */
async function verifyVhosts(): Promise<string[]> {
  const list = await adminApi().call<{ name: string }[]>({ method: 'GET', path: ['vhosts'] });
  return list.map((v) => v.name).filter((n) => n.startsWith('upkeep_verify_'));
}

/** A copy of the backup and its manifest, edited by `edit`; `rehash` makes the manifest agree (a backup that really held that content). */
function copyEdited(done: BackupDone, folder: string, edit: (defs: Defs) => string, rehash: boolean): { file: string; manifest: BackupManifest } {
  const file = path.join(folder, `edited-${Math.random().toString(36).slice(2)}.json`);
  const text = edit(JSON.parse(fs.readFileSync(done.path, 'utf8')) as Defs);
  fs.writeFileSync(file, text, { mode: 0o600 });
  const manifest: BackupManifest = { ...done.manifest, file: path.basename(file), ...(rehash ? { sha256: createHash('sha256').update(text).digest('hex') } : {}) };
  return { file, manifest };
}

describe('RabbitMQ backups: the definitions in the shared catalog, verified by a restore into a throwaway vhost', function () {
  this.timeout(120_000);
  let folder: string;
  let vhost: string;
  let profile: ConnectionProfile;
  let done: BackupDone;
  const ctx = (extra: Partial<VerifyContext> = {}): VerifyContext => ({ profile, password: services().rabbitmq.password, log: silentLogger, tools: {}, ...extra });
  const hostileQueue = 'spaced "quoted" queue ü 日本 <b>bold</b> & \'single\'';
  const hostileExchange = 'ex <script>alert(1)</script> "q" é';

  before(async () => {
    profile = rabbitProfile({ name: 'Broker "main"' });
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-rmq-backup-'));
    vhost = `${uniqueName('backup')} <img src=x onerror=alert(1)> "v" ü`;
    const api = adminApi();
    await createVhost(api, vhost);
    await declareQueue(api, vhost, 'kept "q"');
    await declareQueue(api, vhost, hostileQueue, { 'x-max-length': 1000, 'x-dead-letter-exchange': hostileExchange });
    await declareQueue(api, vhost, 'quorum q', { 'x-queue-type': 'quorum' });
    await api.call({ method: 'PUT', path: ['queues', vhost, 'transient q'], body: { durable: false, auto_delete: true, arguments: {} } });
    await api.call({ method: 'PUT', path: ['exchanges', vhost, hostileExchange], body: { type: 'topic', durable: true, arguments: { 'alternate-exchange': 'amq.fanout' } } });
    await api.call({ method: 'POST', path: ['bindings', vhost, 'e', hostileExchange, 'q', hostileQueue], body: { routing_key: 'orders.<*>."#"', arguments: { 'x-match': 'all' } } });
    await api.call({ method: 'POST', path: ['bindings', vhost, 'e', 'amq.topic', 'q', 'kept "q"'], body: { routing_key: 'a.#', arguments: {} } });
    await api.call({ method: 'PUT', path: ['policies', vhost, 'policy "p" <i>'], body: { pattern: '^kept', definition: { 'max-length': 50, 'message-ttl': 60000 }, 'apply-to': 'queues', priority: 3 } });
    done = await runBackup(rabbitBackup, folder, { format: 'rabbitmq-definitions' }, undefined, ctx());
  });
  after(async () => {
    fs.rmSync(folder, { recursive: true, force: true });
    await deleteVhost(adminApi(), vhost);
  });

  it('is the engine\'s backup hook; writes a 0600 JSON file with a manifest, the counts and each vhost\'s object names', async () => {
    assert.equal(await engineModule('rabbitmq').backup?.(), rabbitBackup);
    assert.match(path.basename(done.path), /\.json$/);
    assert.equal(fs.statSync(done.path).mode & 0o777, 0o600);
    const defs = JSON.parse(fs.readFileSync(done.path, 'utf8')) as Defs;
    assert.ok(defs.queues.some((q) => q.vhost === vhost && q.name === 'kept "q"'));
    assert.equal(done.manifest.engine, 'rabbitmq');
    assert.equal(done.manifest.commandText, 'GET /api/definitions');
    assert.ok((done.manifest.counts['vhosts'] ?? 0) >= 2 && (done.manifest.counts['queues'] ?? 0) >= 4);
    const index = (done.manifest.snapshot as { index?: Record<string, string[]> }).index ?? {};
    assert.ok(index[vhost]?.includes(`queue ${JSON.stringify(hostileQueue)}`));
  });

  it('verify restores every vhost into a throwaway vhost, compares, passes with hostile names, and deletes the throwaway vhost', async () => {
    const phases: string[] = [];
    const seen: string[] = [];
    const v = await verifyBackup(rabbitBackup, done.path, done.manifest, ctx({
      onProgress: (p) => phases.push(p.phase),
      afterRestore: async (where) => {
        seen.push(where);
        // While restored: the throwaway vhost holds the hostile queue.
        const q = await adminApi().call<{ name: string; arguments: Record<string, unknown> }>({ method: 'GET', path: ['queues', where, hostileQueue] }).catch(() => undefined);
        if (q) seen.push(`found ${q.name}`);
      },
    }));
    assert.equal(v.status, 'passed', `${v.summary}\n${v.differences.join('\n')}`);
    assert.match(v.summary, /^Restored into throwaway vhosts on the same broker \(deleted again\): \d+ objects in \d+ vhosts? — \d+ queues, \d+ exchanges, \d+ bindings, \d+ policies, equal to the backup; read only, not restored \(importing them would change the real broker\): \d+ users?, \d+ permissions/);
    assert.ok(seen.some((s) => /^upkeep_verify_[0-9a-f]{12}$/.test(s)));
    assert.ok(seen.includes(`found ${hostileQueue}`), seen.join(', '));
    assert.ok(phases.some((p) => p.startsWith(`restoring vhost ${vhost} into upkeep_verify_`)));
    assert.deepEqual(await verifyVhosts(), []);
    assert.equal((await readManifest(`${done.path}.upkeep.json`))?.verification?.status, 'passed');
  });

  it('names what the broker holds differently after the restore (a queue gone, arguments changed)', async () => {
    const v = await verifyBackup(rabbitBackup, done.path, done.manifest, ctx({
      afterRestore: async (where) => {
        const api = adminApi();
        await api.call({ method: 'DELETE', path: ['queues', where, 'kept "q"'] });
        await api.call({ method: 'DELETE', path: ['exchanges', where, hostileExchange] });
        await api.call({ method: 'PUT', path: ['exchanges', where, hostileExchange], body: { type: 'fanout', durable: false, arguments: {} } });
      },
    }));
    assert.equal(v.status, 'failed');
    const where = ` (vhost ${JSON.stringify(vhost)})`;
    assert.ok(v.differences.includes(`queue "kept \\"q\\""${where}: in the backup, missing after the restore`), v.differences.join('\n'));
    assert.ok(v.differences.includes(`exchange ${JSON.stringify(hostileExchange)}${where}: type "topic" in the backup, "fanout" restored`), v.differences.join('\n'));
    assert.ok(v.differences.includes(`exchange ${JSON.stringify(hostileExchange)}${where}: durable true in the backup, false restored`), v.differences.join('\n'));
    assert.ok(v.differences.some((d) => d.startsWith(`exchange ${JSON.stringify(hostileExchange)}${where}: arguments {"alternate-exchange":"amq.fanout"} in the backup, {} restored`)), v.differences.join('\n'));
    assert.deepEqual(await verifyVhosts(), []);
  });

  it('a file edited after the backup (a queue removed) fails on its SHA-256 and names the queue; nothing is created', async () => {
    const edited = copyEdited(done, folder, (defs) => JSON.stringify({ ...defs, queues: defs.queues.filter((q) => !(q.vhost === vhost && q.name === hostileQueue)) }, null, 2), false);
    const phases: string[] = [];
    const v = await verifyBackup(rabbitBackup, edited.file, edited.manifest, ctx({ onProgress: (p) => phases.push(p.phase) }));
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /^The backup changed since it was written: SHA-256 differs; queue /);
    assert.equal(v.differences[0], `${path.basename(edited.file)}: SHA-256 differs from the manifest`);
    assert.ok(v.differences.includes(`queue ${JSON.stringify(hostileQueue)} (vhost ${JSON.stringify(vhost)}): in the backup at backup time, not in the file now`), v.differences.join('\n'));
    assert.ok(v.differences.some((d) => /^queues: \d+ at backup, \d+ in the file$/.test(d)));
    assert.ok(!phases.some((p) => p.startsWith('restoring')));
    assert.deepEqual(await verifyVhosts(), []);
  });

  it('bytes flipped in the file fail on the SHA-256 (and on reading it)', async () => {
    const flipped = copyEdited(done, folder, (defs) => {
      const text = JSON.stringify(defs, null, 2);
      const at = Math.floor(text.length / 2);
      return `${text.slice(0, at)}\u0000\u00ff${text.slice(at + 2)}`;
    }, false);
    const v = await verifyBackup(rabbitBackup, flipped.file, flipped.manifest, ctx());
    assert.equal(v.status, 'failed');
    assert.ok(v.differences.includes(`${path.basename(flipped.file)}: SHA-256 differs from the manifest`), v.differences.join('\n'));
    assert.deepEqual(await verifyVhosts(), []);
  });

  it('a definition the broker refuses: the import fails half-way, the verify fails with the broker\'s reason, and the throwaway vhost is deleted', async () => {
    // A backup that really holds it (the manifest agrees): say, exported from a broker that took arguments this one refuses.
    const bad = copyEdited(done, folder, (defs) => {
      const queues = [...defs.queues];
      const i = queues.findIndex((q) => q.vhost === vhost && q.name === hostileQueue);
      const q = queues[i]!;
      queues.splice(i, 1);
      queues.push({ ...q, arguments: { ...q.arguments, 'x-max-length': 'not a number' } });
      return JSON.stringify({ ...defs, queues }, null, 2);
    }, true);
    const v = await verifyBackup(rabbitBackup, bad.file, bad.manifest, ctx());
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /^The broker refused the import of vhost .* into a throwaway vhost \(deleted again\): .*x-max-length/);
    assert.ok(v.differences.some((d) => d.startsWith(`vhost ${JSON.stringify(vhost)}: the broker refused the import: `) && d.includes(hostileQueue)), v.differences.join('\n'));
    assert.deepEqual(await verifyVhosts(), []);
  });

  it('a cancel after the import, or while it is sent, leaves no throwaway vhost behind', async () => {
    const controller = new AbortController();
    await assert.rejects(
      verifyBackup(rabbitBackup, done.path, done.manifest, ctx({ signal: controller.signal, afterRestore: () => Promise.resolve(controller.abort()) })),
      (err: Error) => err.name === 'Cancelled' && /throwaway vhost was deleted/.test(err.message),
    );
    assert.deepEqual(await verifyVhosts(), []);

    const early = new AbortController();
    await assert.rejects(
      verifyBackup(rabbitBackup, done.path, done.manifest, ctx({
        signal: early.signal,
        // Abort as the restore starts: the vhost's PUT and the import may be on their way.
        onProgress: (p) => void (p.phase.startsWith('restoring') && setTimeout(() => early.abort(), 5)),
      })),
      (err: Error) => err.name === 'Cancelled',
    );
    assert.deepEqual(await verifyVhosts(), []);
  });

  it('on a read-only connection, refuses without creating anything (it would restore on the broker)', async () => {
    const readOnly = { ...profile, readOnly: true };
    const v = await verifyBackup(rabbitBackup, done.path, done.manifest, { ...ctx(), profile: readOnly });
    assert.equal(v.status, 'not-verifiable');
    assert.match(v.summary, /is read-only and Verify restores into a throwaway copy on its server: nothing was created\. Name another server to verify on\./);
    assert.deepEqual(await verifyVhosts(), []);
  });
});
