import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import type * as Neo4j from 'neo4j-driver';
import { runBackup } from '../../src/core/backup/catalog';
import type { BackupManifest, RestoreContext, RestoreOptions } from '../../src/core/backup/model';
import type { ConnectionProfile, ContainerRef } from '../../src/core/connections/profile';
import { isCancelled } from '../../src/core/errors';
import { openDocker } from '../../src/core/docker/connection';
import { containerAccessOf } from '../../src/core/docker/containerAccess';
import { neo4jBackup } from '../../src/core/neo4j/backup';
import { readCounts, readSchema, type Neo4jSnapshotDetail } from '../../src/core/neo4j/backupSnapshot';
import { openNeo4jDriver } from '../../src/core/neo4j/connection';
import { collectingLogger, flipBytes, watchCmdlines } from '../support/backup';
import { removeLabelled, runLabel } from '../support/dockerFixtures';
import { loadNeo4jBackupFixture, neo4jBackupFixture } from '../support/neo4jBackupFixture';
import { startNeo4jContainer, throwawaysLeft } from '../support/neo4jContainer';
import { dockerProfile } from './services';

const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

describe('Neo4j restore of a neo4j-admin dump into the server\'s own container (stopped, loaded, started again)', function () {
  this.timeout(300_000);
  const label = runLabel('n4load');
  const f = neo4jBackupFixture(label.replace(/-/g, '_'), 200);
  // Quotes, spaces and unicode: it must reach no process' argv.
  const password = `pw 'q' "d" ü ${Math.random().toString(36).slice(2, 10)}`;
  const replace: RestoreOptions = { database: 'neo4j', create: false, clean: true };
  let docker: Dockerode;
  let dockerConn: ConnectionProfile;
  let ref: ContainerRef;
  let profile: ConnectionProfile;
  let folder: string;
  let dump: { path: string; manifest: BackupManifest };
  let driver: Neo4j.Driver;
  let logLines: string[] = [];
  const ctx = (over: Partial<RestoreContext> = {}): RestoreContext => ({
    profile, password, log: collectingLogger(logLines), tools: {}, container: () => containerAccessOf(dockerConn, docker, ref.id), ...over,
  });
  const startedAt = async (): Promise<string> => (await docker.getContainer(ref.id).inspect()).State.StartedAt;
  const running = async (): Promise<boolean> => (await docker.getContainer(ref.id).inspect()).State.Running;
  /** A fresh driver: the server restarts between tests. */
  async function withDriver<T>(work: (d: Neo4j.Driver) => Promise<T>): Promise<T> {
    await driver?.close().catch(() => undefined);
    driver = await openNeo4jDriver(profile, password);
    return work(driver);
  }
  /** Deletes some nodes, adds a label, drops an index: the database no longer equals the dump. */
  async function changeData(): Promise<void> {
    await withDriver(async (d) => {
      await d.executeQuery(`MATCH (n:${q(f.labels.bulk)}) WHERE n.i <= 50 DETACH DELETE n`);
      await d.executeQuery(`MATCH (n:${q(f.labels.person)}) SET n:${q(`Added ü "${label}"`)}`);
      await d.executeQuery(`DROP INDEX ${q(f.indexes[0] ?? '')}`);
      await d.executeQuery(`CREATE (:${q(`New <i>${label}</i>`)} {x: 1})`);
    });
  }

  before(async function () {
    this.timeout(300_000);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-n4load-'));
    dockerConn = dockerProfile({ name: 'Docker <i>for</i> restore' });
    docker = await openDocker(dockerConn);
    ({ ref, profile } = await startNeo4jContainer(docker, dockerConn, label, password, 'Neo4j <b>"restore"</b> ü'));
    await withDriver((d) => loadNeo4jBackupFixture(d, f));
    dump = await runBackup(neo4jBackup, folder, { format: 'neo4j-dump' }, undefined, ctx());
  });
  after(async () => {
    await driver?.close().catch(() => undefined);
    await removeLabelled(docker, label);
    fs.rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(() => {
    logLines = [];
  });

  it('refuses without a container and on a read-only connection, before anything is stopped', async () => {
    const at = await startedAt();
    const plain = { ...profile, name: 'Plain "Neo4j"' };
    delete plain.container;
    await assert.rejects(neo4jBackup.restore!(dump.path, dump.manifest, replace, ctx({ profile: plain })), /"Plain "Neo4j"" was not added from a container Upkeep knows: a dump is restored with neo4j-admin database load in the server's own container.*Nothing was changed\./);
    await assert.rejects(neo4jBackup.restore!(dump.path, dump.manifest, replace, ctx({ profile: { ...profile, readOnly: true } })), /is a read-only connection: the restore was refused and nothing was stopped or changed\./);
    await assert.rejects(neo4jBackup.restore!(dump.path, dump.manifest, replace, ctx({ target: { profile: { ...profile, id: 'other', name: 'Other' }, password } })), /restored only into the server of the backed-up connection's own container .*not into "Other"/);
    await assert.rejects(neo4jBackup.restore!(dump.path, dump.manifest, { database: 'nope', create: false, clean: true }, ctx()), /There is no database "nope".*Nothing was changed\./);
    assert.equal(await startedAt(), at, 'the container was not restarted');
  });

  it('a tampered dump (bytes flipped) and a file that is not a dump are refused before the container is stopped', async () => {
    const at = await startedAt();
    const copy = path.join(folder, `tampered ü ${path.basename(dump.path)}`);
    fs.copyFileSync(dump.path, copy);
    flipBytes(copy);
    await assert.rejects(neo4jBackup.restore!(copy, dump.manifest, replace, ctx()), /changed since it was written \(its SHA-256 differs from the manifest's\): the restore was refused; nothing was stopped or changed\./);
    const notDump = path.join(folder, 'not a dump.dump');
    fs.writeFileSync(notDump, 'CREATE (n);\n');
    await assert.rejects(neo4jBackup.restore!(notDump, undefined, replace, ctx()), /not a dump\.dump is not a Neo4j dump .*nothing was stopped or changed\./);
    assert.equal(await startedAt(), at, 'the container was not restarted');
    assert.equal(await running(), true);
  });

  it('a database that holds anything is replaced only when chosen; nothing is stopped otherwise', async () => {
    const at = await startedAt();
    await assert.rejects(neo4jBackup.restore!(dump.path, dump.manifest, { ...replace, clean: false }, ctx()), /is not empty \([\d,]+ nodes.*only when you choose to\. Nothing was changed\./);
    assert.equal(await startedAt(), at);
  });

  it('dump → change the data → restore: the container is stopped and started again, counts, indexes and constraints equal the manifest, hostile names survive, no password in any argv', async () => {
    await changeData();
    const detail = dump.manifest.snapshot as Neo4jSnapshotDetail;
    const changed = await withDriver((d) => readCounts(d, undefined));
    assert.notEqual(changed.nodes, detail.after.nodes);
    const state = await neo4jBackup.restoreTargetState!('neo4j', ctx());
    const preview = { file: dump.path, manifest: dump.manifest, profile };
    const text = await neo4jBackup.restoreText!(dump.path, replace, state, preview);
    assert.ok(text.includes(`docker stop --time 120 ${ref.name}`), text);
    assert.match(text, /database load neo4j --from-path=\/tmp --overwrite-destination=true/);
    assert.match(text, /Database "neo4j" is REPLACED by the dump's contents: everything in it that is not in the dump is lost \(it holds [\d,]+ nodes/);
    assert.match(neo4jBackup.restoreImpact!(replace, state, preview), /^STOPS container .* REPLACES database "neo4j"/);

    const at = await startedAt();
    const phases: string[] = [];
    const t0 = Date.now();
    const { result: done, cmdlines } = await watchCmdlines(() => neo4jBackup.restore!(dump.path, dump.manifest, replace, ctx({ onProgress: (p) => phases.push(p.phase) })));
    console.log(`      (restore with stop and restart: ${Date.now() - t0} ms)`);
    assert.equal(done.comparison?.status, 'passed', `${done.comparison?.summary}\n${done.comparison?.differences.join('\n')}`);
    assert.match(done.comparison?.summary ?? '', new RegExp(`^${f.nodes} nodes in 3 labels, ${f.relationships} relationships of 2 types, ${f.indexes.length} indexes and 1 constraint as at backup time\\.$`));
    assert.match(done.commandText, /^docker stop --time 120 \S+\ndocker run --rm --network none --volumes-from \S+ --entrypoint neo4j-admin \w{12} database load neo4j --from-path=\/tmp --overwrite-destination=true # with the dump put in as \/tmp\/neo4j\.dump\ndocker start \S+$/);
    assert.ok(done.notes.some((n) => /was stopped for the restore and started again; the Neo4j 5 dump \((zstd|gzip)\) replaced database "neo4j"/.test(n)), done.notes.join('\n'));
    assert.ok(phases.indexOf('checking the dump and its SHA-256') < phases.findIndex((p) => p.startsWith('stopping')), phases.join(' | '));
    assert.ok(phases.some((p) => p.startsWith('loading the dump into database neo4j')), phases.join(' | '));
    assert.notEqual(await startedAt(), at, 'the container was started again');
    assert.equal(await running(), true);
    // What the database holds now is the dump's graph: counts per label and type, indexes by name, the constraint.
    const counts = await withDriver((d) => readCounts(d, undefined));
    assert.deepEqual(counts, detail.after);
    const schema = await withDriver((d) => readSchema(d, undefined));
    assert.deepEqual(schema.indexes.map((i) => i.name).sort(), detail.indexes.map((i) => i.name).sort());
    assert.deepEqual(schema.constraints.map((c) => c.name), [f.constraints[0]]);
    assert.ok(f.indexes.every((n) => schema.indexes.some((i) => i.name === n)), 'the dropped index is back, with its hostile name');
    const tricky = await driver.executeQuery(`MATCH (n:${q(f.labels.person)} {id: 1}) RETURN n.${q('prop key ü <img src=x onerror=alert(1)>')} AS v, labels(n) AS l`);
    assert.equal(tricky.records[0]?.get('v'), 'a"b\'c\\d;\n:commit\n:begin\n// not a comment /* nor this */ `x` ü\u2028');
    assert.deepEqual(tricky.records[0]?.get('l'), [f.labels.person], 'the added label is gone');
    for (const c of cmdlines) assert.ok(!c.includes(password), `password in a process' argv: ${c.slice(0, 120)}`);
    assert.ok([...cmdlines].some((c) => c.includes('org.neo4j.cli.AdminTool database load neo4j --from-path=/tmp --overwrite-destination=true')), 'the load\'s process was seen on this machine');
    assert.ok(!logLines.join('\n').includes(password));
    assert.deepEqual(await throwawaysLeft(docker), []);
  });

  it('a cancel during the load kills the one-shot, starts the server again (it answers) and says what the database may hold; a restore afterwards repairs it', async () => {
    await changeData();
    const controller = new AbortController();
    const err = await neo4jBackup.restore!(dump.path, dump.manifest, replace, ctx({
      signal: controller.signal,
      // The one-shot has started (the server is stopped): cancel now.
      onProgress: (p) => p.phase.startsWith('loading the dump') && controller.abort(),
    })).then(() => undefined, (e: unknown) => e);
    assert.ok(isCancelled(err), `cancelled: ${String(err)}`);
    assert.match((err).message, /^Restore cancelled: the load was stopped and container ".+" on Docker <i>for<\/i> restore runs again\. Database "neo4j" may be partial or empty \(neo4j-admin replaces it as it loads\): restore again before using it\.$/);
    assert.equal(await running(), true);
    assert.deepEqual(await throwawaysLeft(docker), [], 'no one-shot left behind');
    // The server answers (on the system database: the cancelled load may have left neo4j offline).
    const system = await openNeo4jDriver({ ...profile, database: 'system' }, password);
    try {
      const rows = await system.executeQuery('SHOW DATABASE neo4j YIELD currentStatus RETURN currentStatus', {}, { database: 'system' });
      console.log(`      (after the cancel, neo4j is ${String(rows.records[0]?.get('currentStatus'))})`);
    } finally {
      await system.close();
    }
    const done = await neo4jBackup.restore!(dump.path, dump.manifest, replace, ctx());
    assert.equal(done.comparison?.status, 'passed', `${done.comparison?.summary}\n${done.comparison?.differences.join('\n')}`);
    assert.deepEqual(await throwawaysLeft(docker), []);
  });
});
