import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Neo4j from 'neo4j-driver';
import { runBackup } from '../../src/core/backup/catalog';
import type { BackupManifest, RestoreContext } from '../../src/core/backup/model';
import { isCancelled } from '../../src/core/errors';
import { neo4jBackup } from '../../src/core/neo4j/backup';
import { IMPORT_CONSTRAINT, IMPORT_LABEL } from '../../src/core/neo4j/backupScript';
import type { Neo4jSnapshotDetail } from '../../src/core/neo4j/backupSnapshot';
import type { RunningService, ServicesInfo } from '../services/types';
import { collectingLogger } from '../support/backup';
import { clearNeo4j, fixtureAndEmptyNeo4j, neo4jBackupFixture, neo4jContents, removeNeo4jBackupFixture } from '../support/neo4jBackupFixture';
import { neo4jProfile, services } from './services';

/**
 * Restore of a Neo4j backup (APOC's Cypher export of the hostile fixture, on
 * the shared server with APOC) into the database of a second Neo4j started
 * here without APOC (a restore needs none): into the empty database, refused
 * into a non-empty one without the choice to clear it, with that choice
 * cleared and restored, cancel part-way reported as partial, read-only
 * refused, a new database refused on Community.
 */
describe('Neo4j restore through BackupSupport: into an empty or cleared database of another server, counts compared', function () {
  this.timeout(300_000);
  const fixture = neo4jBackupFixture(`rs${process.pid}`);
  let root: string;
  let folder: string;
  let target: ServicesInfo['neo4j'];
  let targetService: RunningService | undefined;
  let source: Neo4j.Driver;
  let targetDriver: Neo4j.Driver;
  let logLines: string[] = [];
  let backup: { path: string; manifest: BackupManifest };

  const sourceProfile = (): ReturnType<typeof neo4jProfile> => neo4jProfile({ id: 'neo4j-restore-source', name: 'Neo4j "restore" <source>' });
  const targetProfile = (): ReturnType<typeof neo4jProfile> => neo4jProfile({ id: 'neo4j-restore-target', name: 'Restore <b>target</b> "ü"', host: target.host, port: target.port });
  const ctx = (over: Partial<RestoreContext> = {}): RestoreContext => ({
    profile: sourceProfile(), password: services().neo4j.password, log: collectingLogger(logLines), tools: {}, target: { profile: targetProfile(), password: target.password }, ...over,
  });
  const empty = { nodes: 0, indexes: [], constraints: [] };
  const clearTarget = (): Promise<void> => clearNeo4j(targetDriver);
  /** Node counts per label and relationship counts per type on the target, from the graph itself. */
  const graphCounts = async (): Promise<{ labels: Record<string, number>; types: Record<string, number> }> => {
    const l = await targetDriver.executeQuery('MATCH (n) UNWIND labels(n) AS l RETURN l, count(*) AS c');
    const t = await targetDriver.executeQuery('MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS c');
    return {
      labels: Object.fromEntries(l.records.map((r) => [r.get('l') as string, (r.get('c') as Neo4j.Integer).toNumber()])),
      types: Object.fromEntries(t.records.map((r) => [r.get('t') as string, (r.get('c') as Neo4j.Integer).toNumber()])),
    };
  };

  before(async function () {
    this.timeout(280_000);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-neo4j-restore-'));
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-rs-neo4j-'));
    ({ source, target, targetService, targetDriver } = await fixtureAndEmptyNeo4j(root, fixture, (t) => {
      target = t;
      return targetProfile();
    }));
    backup = await runBackup(neo4jBackup, folder, { format: 'neo4j-cypher' }, undefined, { ...ctx(), target: undefined } as RestoreContext);
  });

  after(async () => {
    if (source) await removeNeo4jBackupFixture(source, fixture).finally(() => source.close());
    await targetDriver?.close().catch(() => undefined);
    await targetService?.stop();
    for (const dir of [root, folder]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    logLines = [];
  });

  it('offers the target server\'s database; a new one is refused on Community with the reason', async () => {
    const targets = await neo4jBackup.restoreTargets!(ctx());
    assert.equal(targets.noun, 'database');
    assert.deepEqual(targets.existing, ['neo4j']);
    assert.equal(targets.create.allowed, false);
    assert.match(targets.create.allowed ? '' : targets.create.reason, /Community, which has one user database/);
    await assert.rejects(neo4jBackup.restore!(backup.path, backup.manifest, { database: 'other', create: true, clean: false }, ctx()), /cannot create databases.*Nothing was changed/);
    await assert.rejects(neo4jBackup.restore!(backup.path, backup.manifest, { database: 'nope', create: false, clean: false }, ctx()), /There is no database "nope"/);
    assert.deepEqual(await neo4jContents(targetDriver), empty);
  });

  it('restores the hostile fixture into the empty database: counts per label and type, indexes and constraints equal; no import marker left', async () => {
    const state = await neo4jBackup.restoreTargetState!('neo4j', ctx());
    assert.equal(state.empty, true);
    const text = await neo4jBackup.restoreText!(backup.path, { database: 'neo4j', create: false, clean: false }, state);
    assert.match(text, /^\/\/ Restore .*\.cypher into database `neo4j`\n/);
    assert.ok(!text.includes('DETACH DELETE'), 'nothing is cleared in an empty database');
    assert.match(neo4jBackup.restoreImpact!({ database: 'neo4j', create: false, clean: false }, state), /^imports the backup into the empty database "neo4j"/);

    const done = await neo4jBackup.restore!(backup.path, backup.manifest, { database: 'neo4j', create: false, clean: false }, ctx());
    assert.equal(done.comparison?.status, 'passed', `${done.comparison?.summary}\n${done.comparison?.differences.join('\n')}`);
    assert.match(done.comparison?.restoredInto ?? '', /^database "neo4j" on "Restore <b>target<\/b> "ü""$/);
    const d = backup.manifest.snapshot as Neo4jSnapshotDetail;
    const counts = await graphCounts();
    assert.equal(counts.labels[fixture.labels.person], d.after.labels[fixture.labels.person]);
    assert.equal(counts.labels[fixture.labels.city], 3);
    assert.equal(counts.labels[fixture.labels.bulk], fixture.nodes - 5);
    assert.equal(counts.types[fixture.types.knows], 2);
    assert.equal(counts.types[fixture.types.lives], 3);
    assert.equal(counts.labels[IMPORT_LABEL], undefined, 'APOC\'s import marker was removed');
    const contents = await neo4jContents(targetDriver);
    assert.ok(!contents.constraints.includes(IMPORT_CONSTRAINT), contents.constraints.join(', '));
    assert.ok(contents.constraints.includes(fixture.constraints[0]!));
    // A property with the file's own syntax in it came back as it was.
    const tricky = await targetDriver.executeQuery(`MATCH (n:\`${fixture.labels.person.replace(/`/g, '``')}\` {id: 1}) RETURN n.\`prop key ü <img src=x onerror=alert(1)>\` AS v`);
    assert.equal(tricky.records[0]?.get('v'), 'a"b\'c\\d;\n:commit\n:begin\n// not a comment /* nor this */ `x` ü\u2028');
  });

  it('into the now non-empty database: refused without the choice to clear it (nothing changed); with it, cleared and restored to equal counts', async () => {
    const before = await neo4jContents(targetDriver);
    assert.ok(before.nodes > 0);
    const state = await neo4jBackup.restoreTargetState!('neo4j', ctx());
    assert.equal(state.empty, false);
    assert.match(state.holds ?? '', /^[\d,]+ nodes, \d+ relationships, \d+ indexes/);
    assert.match(state.clearText ?? '', /^MATCH \(n\) CALL \{ WITH n DETACH DELETE n \} IN TRANSACTIONS OF 10000 ROWS;\nDROP CONSTRAINT `/);
    assert.match(neo4jBackup.restoreImpact!({ database: 'neo4j', create: false, clean: true }, state), /^DELETES everything in database "neo4j"/);

    await assert.rejects(neo4jBackup.restore!(backup.path, backup.manifest, { database: 'neo4j', create: false, clean: false }, ctx()), (err: Error) => err.name === 'UserFacingError' && /is not empty \([\d,]+ nodes.*choose to clear it first.*Nothing was changed/.test(err.message));
    assert.deepEqual(await neo4jContents(targetDriver), before);

    const done = await neo4jBackup.restore!(backup.path, backup.manifest, { database: 'neo4j', create: false, clean: true }, ctx());
    assert.equal(done.comparison?.status, 'passed', `${done.comparison?.summary}\n${done.comparison?.differences.join('\n')}`);
    assert.equal((await neo4jContents(targetDriver)).nodes, before.nodes, 'not doubled');
  });

  it('refuses a read-only target before sending anything', async () => {
    const before = await neo4jContents(targetDriver);
    await assert.rejects(neo4jBackup.restore!(backup.path, backup.manifest, { database: 'neo4j', create: false, clean: true }, ctx({ target: { profile: { ...targetProfile(), readOnly: true }, password: target.password } })), /read-only connection: the restore was refused/);
    assert.deepEqual(await neo4jContents(targetDriver), before);
  });

  it('cancel mid-restore stops between statements and reports the database as PARTIAL, with no comparison claimed', async () => {
    await clearTarget();
    const controller = new AbortController();
    const phases: string[] = [];
    await assert.rejects(
      neo4jBackup.restore!(backup.path, backup.manifest, { database: 'neo4j', create: false, clean: false }, ctx({
        signal: controller.signal,
        onProgress: (p) => {
          phases.push(p.phase);
          if (/^importing: [1-9]/.test(p.phase)) controller.abort();
        },
      })),
      (err: Error) => isCancelled(err) && /Restore cancelled: database "neo4j" on .* is PARTIAL: it holds [1-9][\d,]* committed statements? of the backup\. Do not use it as restored/.test(err.message),
    );
    assert.ok(!phases.some((p) => p.startsWith('comparing')), 'nothing was compared');
    const partial = await neo4jContents(targetDriver);
    const d = backup.manifest.snapshot as Neo4jSnapshotDetail;
    assert.ok(partial.nodes < d.after.nodes, `partial: ${partial.nodes} of ${d.after.nodes} nodes`);
    await clearTarget();
  });

  it('a difference after the restore is reported as failed (the manifest records a label the backup does not hold)', async () => {
    await clearTarget();
    const tampered = JSON.parse(JSON.stringify(backup.manifest)) as BackupManifest;
    const d = tampered.snapshot as Neo4jSnapshotDetail;
    d.before.labels['Only <i>recorded</i>'] = 4;
    d.after.labels['Only <i>recorded</i>'] = 4;
    const done = await neo4jBackup.restore!(backup.path, tampered, { database: 'neo4j', create: false, clean: false }, ctx());
    assert.equal(done.comparison?.status, 'failed');
    assert.ok(done.comparison?.differences.includes('label "Only <i>recorded</i>": 4 nodes at backup, 0 restored'), done.comparison?.differences.join('\n'));
    await clearTarget();
  });
});
