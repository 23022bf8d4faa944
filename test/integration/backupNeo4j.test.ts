import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Neo4j from 'neo4j-driver';
import { readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import type { BackupContext, BackupManifest, VerifyContext } from '../../src/core/backup/model';
import { neo4jBackup } from '../../src/core/neo4j/backup';
import type { Neo4jSnapshotDetail } from '../../src/core/neo4j/backupSnapshot';
import type { RunningService, ServicesInfo } from '../services/types';
import { collectingLogger } from '../support/backup';
import { fixtureAndEmptyNeo4j, neo4jBackupFixture, neo4jContents, removeNeo4jBackupFixture } from '../support/neo4jBackupFixture';
import { neo4jProfile, services } from './services';

/**
 * Backs up the shared Neo4j (with APOC) through APOC's streamed Cypher export
 * and verifies into a second Neo4j this file starts without APOC (the import
 * needs none), empty before and after every verify.
 */
describe('Neo4j backups: APOC Cypher export, Verify into an empty second server', function () {
  this.timeout(300_000);
  const fixture = neo4jBackupFixture(`bk${process.pid}`);
  let root: string;
  let target: ServicesInfo['neo4j'];
  let targetService: RunningService | undefined;
  let source: Neo4j.Driver;
  let targetDriver: Neo4j.Driver;
  let folder: string;
  let logLines: string[];
  let backup: { path: string; manifest: BackupManifest } | undefined;

  const sourceProfile = (): ReturnType<typeof neo4jProfile> => neo4jProfile({ id: 'neo4j-backup-test', name: 'Neo4j "backup" <test>' });
  const ctx = (over: Partial<BackupContext> = {}): BackupContext => ({ profile: sourceProfile(), password: services().neo4j.password, log: collectingLogger(logLines), tools: {}, ...over });
  const targetProfile = (): ReturnType<typeof neo4jProfile> => neo4jProfile({ id: 'neo4j-verify-target', name: 'Empty <b>target</b>', host: target.host, port: target.port });
  const vctx = (over: Partial<VerifyContext> = {}): VerifyContext => ({ ...ctx(), target: { profile: targetProfile(), password: target.password }, ...over });

  before(async function () {
    this.timeout(280_000);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-neo4j-verify-'));
    ({ source, target, targetService, targetDriver } = await fixtureAndEmptyNeo4j(root, fixture, (t) => {
      target = t;
      return targetProfile();
    }));
  });

  after(async () => {
    if (source) await removeNeo4jBackupFixture(source, fixture).finally(() => source.close());
    await targetDriver?.close().catch(() => undefined);
    await targetService?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-neo4j-'));
    logLines = [];
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  async function backedUp(): Promise<{ path: string; manifest: BackupManifest }> {
    if (backup && fs.existsSync(backup.path)) return backup;
    const keep = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-neo4j-keep-'));
    backup = await runBackup(neo4jBackup, keep, { format: 'neo4j-cypher' }, undefined, ctx());
    return backup;
  }
  after(() => backup && fs.rmSync(path.dirname(backup.path), { recursive: true, force: true }));

  it('exports the hostile fixture, imports it into the empty server, finds equal counts, indexes and constraints, and leaves the target empty', async () => {
    const done = await runBackup(neo4jBackup, folder, { format: 'neo4j-cypher' }, undefined, ctx());
    const m = (await readManifest(`${done.path}.upkeep.json`))!;
    const d = m.snapshot as Neo4jSnapshotDetail;
    assert.equal(m.format, 'neo4j-cypher');
    assert.match(m.toolVersion, /^APOC 5\./);
    assert.match(m.serverVersion, /^5\.\d+.* community$/i);
    assert.equal(d.after.labels[fixture.labels.bulk], fixture.nodes - 5);
    assert.equal(d.after.labels[fixture.labels.person], 3);
    assert.equal(d.after.labels[fixture.labels.city], 3);
    assert.equal(d.after.types[fixture.types.knows], 2);
    assert.equal(d.after.types[fixture.types.lives], 3);
    for (const name of fixture.indexes) assert.ok(d.indexes.some((i) => i.name === name), `index ${name} in the snapshot`);
    assert.deepEqual(d.constraints.filter((c) => fixture.constraints.includes(c.name)).map((c) => c.type), ['UNIQUENESS']);
    assert.ok(m.counts['nodes']! >= fixture.nodes && m.counts['indexes']! >= 4 && m.counts['constraints']! >= 1, JSON.stringify(m.counts));
    assert.equal(fs.statSync(done.path).mode & 0o777, 0o600);
    assert.ok(fs.readFileSync(done.path, 'utf8').includes(':begin\n'), 'the cypher-shell format');

    const v = await verifyBackup(neo4jBackup, done.path, done.manifest, vctx());
    assert.equal(v.status, 'passed', `${v.summary}\n${v.differences.join('\n')}`);
    assert.match(v.summary, new RegExp(`Imported into Neo4j "Empty <b>target</b>" .*: ${m.counts['nodes']!.toLocaleString('en-US')} nodes`));
    assert.equal((await readManifest(`${done.path}.upkeep.json`))?.verification?.status, 'passed');
    assert.deepEqual(await neo4jContents(targetDriver), { nodes: 0, indexes: [], constraints: [] });
    // No child process here (the driver speaks Bolt from this process): the password can only leak through logs and files.
    const all = `${logLines.join('\n')}\n${fs.readFileSync(`${done.path}.upkeep.json`, 'utf8')}`;
    assert.ok(!all.includes(services().neo4j.password) && !all.includes(target.password));
    backup = undefined;
  });

  it('a tampered restore (nodes deleted after the import) fails with the label named; the target is left empty', async () => {
    const b = await backedUp();
    const person = fixture.labels.person;
    const v = await verifyBackup(neo4jBackup, b.path, b.manifest, vctx({
      afterRestore: async () => void (await targetDriver.executeQuery(`MATCH (n:\`${person}\`) WITH n LIMIT 1 DETACH DELETE n`)),
    }));
    assert.equal(v.status, 'failed');
    assert.ok(v.differences.includes(`label ${JSON.stringify(person)}: 3 nodes at backup, 2 restored`), v.differences.join('\n'));
    assert.equal((await readManifest(`${b.path}.upkeep.json`))?.verification?.status, 'failed');
    assert.deepEqual(await neo4jContents(targetDriver), { nodes: 0, indexes: [], constraints: [] });
  });

  it('a flipped byte fails on the SHA-256 before anything is imported', async () => {
    const b = await backedUp();
    const copy = path.join(folder, path.basename(b.path));
    fs.copyFileSync(b.path, copy);
    const fd = fs.openSync(copy, 'r+');
    fs.writeSync(fd, Buffer.from('X'), 0, 1, 10);
    fs.closeSync(fd);
    const v = await neo4jBackup.verify(copy, b.manifest, vctx());
    assert.equal(v.status, 'failed');
    assert.match(v.summary, /SHA-256/);
  });

  it('refuses a target that is not empty (imports nothing, deletes nothing), the source itself, a read-only target; without a target: not verifiable', async () => {
    const b = await backedUp();
    await targetDriver.executeQuery("CREATE (:`User's data` {keep: true})");
    try {
      await assert.rejects(neo4jBackup.verify(b.path, b.manifest, vctx()), (err: Error) => err.name === 'UserFacingError' && /is not empty \(1 node\).*never deletes data of yours/.test(err.message));
      assert.deepEqual(await neo4jContents(targetDriver), { nodes: 1, indexes: [], constraints: [] });
    } finally {
      await targetDriver.executeQuery("MATCH (n:`User's data`) DELETE n");
    }
    await assert.rejects(neo4jBackup.verify(b.path, b.manifest, { ...ctx(), target: { profile: neo4jProfile({ name: 'Same server' }), password: services().neo4j.password } }), /is the backed-up database itself/);
    await assert.rejects(neo4jBackup.verify(b.path, b.manifest, vctx({ target: { profile: { ...targetProfile(), readOnly: true }, password: target.password } })), /read-only connection/);
    const none = await neo4jBackup.verify(b.path, b.manifest, ctx());
    assert.equal(none.status, 'not-verifiable');
    assert.match(none.summary, /empty Neo4j server you name/);
  });

  it('cancel mid-import stops, removes what was imported, and says so', async () => {
    const b = await backedUp();
    const controller = new AbortController();
    const v = vctx({ signal: controller.signal, onProgress: (p) => p.phase.startsWith('importing') && controller.abort() });
    await assert.rejects(neo4jBackup.verify(b.path, b.manifest, v), (err: Error) => err.name === 'Cancelled' && /removed/.test(err.message));
    assert.deepEqual(await neo4jContents(targetDriver), { nodes: 0, indexes: [], constraints: [] });
  });

  it('cancel between export batches stops the export on the server; through the catalog it leaves no file at all', async () => {
    // Enough nodes for three export batches, for this test only.
    const big = `Bulk big ${process.pid}`;
    await source.executeQuery(`UNWIND range(1, 25000) AS i CREATE (:\`${big}\` {i: i})`);
    try {
      await cancelMidExport();
    } finally {
      const s = source.session();
      try {
        await s.run(`MATCH (n:\`${big}\`) CALL { WITH n DELETE n } IN TRANSACTIONS OF 10000 ROWS`);
      } finally {
        await s.close();
      }
    }
  });

  async function cancelMidExport(): Promise<void> {
    const controller = new AbortController();
    const partial = path.join(folder, 'direct.partial');
    const phases: string[] = [];
    const c = ctx({ signal: controller.signal, onProgress: (p) => {
      phases.push(p.phase);
      if (/^exporting: [1-9]/.test(p.phase)) controller.abort();
    } });
    await assert.rejects(neo4jBackup.write(partial, { format: 'neo4j-cypher' }, undefined, c), (err: Error) => err.name === 'Cancelled');
    assert.equal(phases.filter((p) => /^exporting: [1-9]/.test(p)).length, 1, 'stopped after the first batch');
    assert.ok(fs.statSync(partial).size < 50_000_000);
    // The server's export transaction ends with the session (waited for, not timed).
    for (;;) {
      const running = await source.executeQuery("SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery CONTAINS 'apoc.export.cypher.all' AND NOT currentQuery STARTS WITH 'SHOW' RETURN count(*) AS n");
      if ((running.records[0]?.get('n') as Neo4j.Integer).toNumber() === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    fs.rmSync(partial);
    const again = new AbortController();
    const c2 = ctx({ signal: again.signal, onProgress: () => again.abort() });
    await assert.rejects(runBackup(neo4jBackup, folder, { format: 'neo4j-cypher' }, undefined, c2), (err: Error) => err.name === 'Cancelled');
    assert.deepEqual(fs.readdirSync(folder), []);
  }

  it('refuses names APOC would write wrongly (a backtick in a label, a constraint name with a space) and writes nothing', async () => {
    const label = `Tick\`ed ${process.pid}`;
    const q = (n: string): string => `\`${n.replace(/`/g, '``')}\``;
    const constraint = `uq spaced ${process.pid}`;
    await source.executeQuery(`CREATE (:${q(label)})`);
    await source.executeQuery(`CREATE CONSTRAINT ${q(constraint)} FOR (n:${q(label)}) REQUIRE n.id IS UNIQUE`);
    try {
      await assert.rejects(runBackup(neo4jBackup, folder, { format: 'neo4j-cypher' }, undefined, ctx()), (err: Error) => {
        assert.equal(err.name, 'UserFacingError');
        assert.ok(err.message.includes(`label ${JSON.stringify(label)}`) && err.message.includes(`constraint ${JSON.stringify(constraint)}`), err.message);
        return true;
      });
      assert.deepEqual(fs.readdirSync(folder), []);
    } finally {
      await source.executeQuery(`DROP CONSTRAINT ${q(constraint)} IF EXISTS`);
      await source.executeQuery(`MATCH (n:${q(label)}) DELETE n`);
    }
  });

  it('says what is needed on a server without APOC', async () => {
    await assert.rejects(
      runBackup(neo4jBackup, folder, { format: 'neo4j-cypher' }, undefined, { ...ctx(), profile: targetProfile(), password: target.password }),
      (err: Error) => err.name === 'UserFacingError' && /no apoc\.export\.cypher\.all: .*install APOC core/.test(err.message),
    );
    assert.deepEqual(fs.readdirSync(folder), []);
  });
});
