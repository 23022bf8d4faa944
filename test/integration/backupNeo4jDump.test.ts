import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import type * as Neo4j from 'neo4j-driver';
import { listBackups, readManifest, runBackup, verifyBackup } from '../../src/core/backup/catalog';
import { sha256File } from '../../src/core/backup/files';
import type { BackupContext, BackupManifest } from '../../src/core/backup/model';
import { manifestName } from '../../src/core/backup/naming';
import type { ConnectionProfile, ContainerRef } from '../../src/core/connections/profile';
import { isCancelled } from '../../src/core/errors';
import { openDocker } from '../../src/core/docker/connection';
import { containerAccessOf } from '../../src/core/docker/containerAccess';
import { neo4jBackup } from '../../src/core/neo4j/backup';
import { openNeo4jDriver } from '../../src/core/neo4j/connection';
import { collectingLogger, flipBytes, watchCmdlines } from '../support/backup';
import { removeLabelled, runLabel } from '../support/dockerFixtures';
import { loadNeo4jBackupFixture, neo4jBackupFixture, neo4jContents } from '../support/neo4jBackupFixture';
import { startNeo4jContainer, throwawaysLeft } from '../support/neo4jContainer';
import { dockerProfile } from './services';

async function nodeCount(driver: Neo4j.Driver): Promise<number> {
  return (await neo4jContents(driver)).nodes;
}

describe('Neo4j backup with neo4j-admin database dump through the server\'s container (stopped and started again)', function () {
  this.timeout(300_000);
  const label = runLabel('n4dump');
  const f = neo4jBackupFixture(label.replace(/-/g, '_'), 200);
  // Quotes, spaces and unicode: the password reaches the container only through NEO4J_AUTH at its first start.
  const password = `pw 'q' "d" ü ${Math.random().toString(36).slice(2, 10)}`;
  let docker: Dockerode;
  let dockerConn: ConnectionProfile;
  let ref: ContainerRef;
  let profile: ConnectionProfile;
  let folder: string;
  /** The dump the later tests verify and tamper with (kept across tests). */
  let kept: string;
  let logLines: string[];
  let driver: Neo4j.Driver;
  const ctx = (over: Partial<BackupContext> = {}): BackupContext => ({
    profile, password, log: collectingLogger(logLines), tools: {}, container: () => containerAccessOf(dockerConn, docker, ref.id), ...over,
  });

  before(async function () {
    this.timeout(300_000);
    kept = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-n4dump-kept-'));
    dockerConn = dockerProfile({ name: 'Docker <i>for</i> Neo4j' });
    docker = await openDocker(dockerConn);
    ({ ref, profile } = await startNeo4jContainer(docker, dockerConn, label, password, 'Neo4j <b>"in a container"</b> ü'));
    driver = await openNeo4jDriver(profile, password);
    await loadNeo4jBackupFixture(driver, f);
  });
  after(async () => {
    await driver?.close();
    await removeLabelled(docker, label);
    fs.rmSync(kept, { recursive: true, force: true });
  });
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-n4dump-'));
    logLines = [];
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('is offered only with a container: a connection without one gets a clear refusal and nothing is written', async () => {
    const plain = { ...profile, name: 'Plain "Neo4j"' };
    delete plain.container;
    await assert.rejects(runBackup(neo4jBackup, folder, { format: 'neo4j-dump' }, undefined, ctx({ profile: plain })), /"Plain "Neo4j"" was not added from a container Upkeep knows: neo4j-admin database dump runs in the server's own container .*Use the Cypher export \(APOC\).*Nothing was written\./);
    assert.deepEqual(fs.readdirSync(folder), []);
    assert.ok(neo4jBackup.formats.find((x) => x.id === 'neo4j-dump')?.needsContainer, 'the picker leaves it out without a container');
  });

  let dumped: { path: string; manifest: BackupManifest } | undefined;

  it('stops the container, dumps the store to a temporary name, starts it again; manifest with counts; no password in any argv', async () => {
    const before = await nodeCount(driver);
    const t0 = Date.now();
    const { result: done, cmdlines } = await watchCmdlines(() => runBackup(neo4jBackup, kept, { format: 'neo4j-dump' }, undefined, ctx()));
    console.log(`      (dump with stop and restart: ${Date.now() - t0} ms)`);
    dumped = done;
    assert.match(path.basename(done.path), /\.dump$/);
    assert.deepEqual(fs.readdirSync(kept).sort(), [path.basename(done.path), manifestName(path.basename(done.path))].sort(), 'only the final file and its manifest');
    assert.match(fs.readFileSync(done.path).subarray(0, 4).toString('latin1'), /^D[ZG]V1$/, 'a Neo4j 5 dump');
    const m = (await readManifest(path.join(kept, manifestName(path.basename(done.path)))))!;
    assert.equal(m.format, 'neo4j-dump');
    assert.equal(m.sha256, await sha256File(done.path));
    assert.equal(m.counts['nodes'], f.nodes);
    assert.equal(m.counts['relationships'], f.relationships);
    assert.equal(m.counts['labels'], 3);
    assert.equal(m.counts['relationshipTypes'], 2);
    assert.equal(m.counts['indexes'], f.indexes.length);
    assert.equal(m.counts['constraints'], f.constraints.length);
    assert.match(m.commandText, /^docker stop --time \d+ \S+; docker run --rm --network none --volumes-from \S+ --entrypoint neo4j-admin \w+ database dump neo4j --to-stdout > .+; docker start \S+$/);
    assert.ok(m.notes.some((n) => /was stopped for the dump and started again/.test(n)), m.notes.join('\n'));
    const listed = await listBackups(kept, profile, neo4jBackup, undefined);
    assert.deepEqual(listed.map((e) => [e.name, e.outside, e.manifest?.format]), [[path.basename(done.path), false, 'neo4j-dump']]);
    // Back up and answering, with the same graph.
    assert.equal(await (await containerAccessOf(dockerConn, docker, ref.id))?.control.running(), true);
    assert.equal(await nodeCount(driver), before);
    for (const c of cmdlines) assert.ok(!c.includes(password), `password in a process' argv: ${c.slice(0, 120)}`);
    assert.ok([...cmdlines].some((c) => c.includes('org.neo4j.cli.AdminTool database dump neo4j --to-stdout')), 'the dump\'s process was seen on this machine');
    assert.ok(!logLines.join('\n').includes(password));
    assert.deepEqual(await throwawaysLeft(docker), []);
  });

  it('Verify loads the dump into a throwaway container and volume, finds the same counts, indexes and constraints, and removes them', async () => {
    assert.ok(dumped, 'the dump of the test before');
    const t0 = Date.now();
    const { result: v, cmdlines } = await watchCmdlines(() => verifyBackup(neo4jBackup, dumped!.path, dumped!.manifest, ctx()));
    console.log(`      (verify: ${Date.now() - t0} ms)`);
    assert.equal(v.status, 'passed', `${v.summary}\n${v.differences.join('\n')}`);
    assert.match(v.summary, new RegExp(`^Loaded into throwaway container upkeep-neo4j-verify-\\w+ \\(volume upkeep-neo4j-verify-\\w+, 127\\.0\\.0\\.1:\\d+\\): ${f.nodes} nodes in 3 labels, ${f.relationships} relationships of 2 types, ${f.indexes.length} indexes and 1 constraint as at backup time\\.$`));
    assert.equal((await readManifest(`${dumped.path}.upkeep.json`))?.verification?.status, 'passed');
    assert.deepEqual(await throwawaysLeft(docker), []);
    for (const c of cmdlines) assert.ok(!c.includes(password), `password in a process' argv: ${c.slice(0, 120)}`);
  });

  it('a tampered dump fails Verify with a clear difference (SHA-256; and the load itself when the manifest was rewritten to match) and leaves no throwaway behind', async () => {
    assert.ok(dumped, 'the dump of the test before');
    const copy = path.join(folder, path.basename(dumped.path));
    fs.copyFileSync(dumped.path, copy);
    fs.copyFileSync(`${dumped.path}.upkeep.json`, `${copy}.upkeep.json`);
    flipBytes(copy);
    const bySha = await verifyBackup(neo4jBackup, copy, dumped.manifest, ctx());
    assert.equal(bySha.status, 'failed');
    assert.deepEqual(bySha.differences, [`${path.basename(copy)}: SHA-256 differs from the manifest`]);
    // The same bytes with a manifest that agrees: the load (or the comparison) must find it.
    const rewritten: BackupManifest = { ...dumped.manifest, sha256: await sha256File(copy) };
    const byLoad = await verifyBackup(neo4jBackup, copy, rewritten, ctx());
    assert.equal(byLoad.status, 'failed', byLoad.summary);
    assert.ok(byLoad.differences.length > 0);
    assert.match(byLoad.summary, /^(neo4j-admin database load refused the dump: .+|The loaded dump did not start as a server: .+|\d+ differences?: .+)$/);
    console.log(`      (tampered: ${byLoad.summary.slice(0, 200)})`);
    assert.deepEqual(await throwawaysLeft(docker), []);
  });

  it('a cancel of Verify (during the load, and while the throwaway server starts) removes the throwaway container and volume', async () => {
    assert.ok(dumped, 'the dump of the first test');
    for (const phase of ['loading the dump', 'starting a throwaway Neo4j']) {
      const controller = new AbortController();
      const err = await verifyBackup(neo4jBackup, dumped.path, dumped.manifest, ctx({ signal: controller.signal, onProgress: (p) => p.phase.startsWith(phase) && controller.abort() })).then(() => undefined, (e: unknown) => e);
      assert.ok(isCancelled(err), `${phase}: cancelled, not ${String(err)}`);
      assert.deepEqual(await throwawaysLeft(docker), [], phase);
    }
  });

  it('a cancel mid-dump leaves no final or temporary file, and the server runs and answers again', async () => {
    const controller = new AbortController();
    const err = await runBackup(neo4jBackup, folder, { format: 'neo4j-dump' }, undefined, ctx({
      signal: controller.signal,
      // The one-shot container has started (the server is stopped): cancel now.
      onProgress: (p) => p.phase.startsWith('dumping') && controller.abort(),
    })).then(() => undefined, (e: unknown) => e);
    assert.ok(isCancelled(err), `cancelled: ${String(err)}`);
    assert.match((err).message, /Backup cancelled: the dump was stopped, nothing was kept, and container ".+" on Docker <i>for<\/i> Neo4j runs again\./);
    assert.deepEqual(fs.readdirSync(folder), []);
    assert.equal(await (await containerAccessOf(dockerConn, docker, ref.id))?.control.running(), true);
    assert.equal(await nodeCount(driver), f.nodes);
    assert.deepEqual(await throwawaysLeft(docker), []);
  });
});
