import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import Docker from 'dockerode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import { typedNameFor, type OperationPreview } from '../../../src/app/prompter';
import type { BackupNowResult } from '../../../src/commands/backup/index';
import type { RestoreDone } from '../../../src/core/backup/model';
import type { ConnectionProfile } from '../../../src/core/connections/profile';
import { waitForBolt } from '../../../src/core/neo4j/backupDump';
import { openNeo4jDriver } from '../../../src/core/neo4j/connection';
import { freePort } from '../../services/util';
import { removeLabelled, runLabel, TEST_LABEL } from '../../support/dockerFixtures';
import { neo4jBinds, neo4jTestImage } from '../../support/neo4jImage';
import { report, services, upkeep } from './helpers';

/**
 * Back Up Now with neo4j-admin database dump through the commands, on a
 * connection made from a Neo4j container in the Docker view: the command
 * asks before stopping anything (a blocking operation; the name typed on
 * production), stops nothing when declined, and when accepted dumps, starts
 * the container again and verifies in a throwaway of the same image.
 */
describe('Neo4j dump through the commands (a connection made from a container)', function () {
  this.timeout(400_000);
  const label = runLabel('extdump');
  const docker = new Docker({ socketPath: services().docker.socketPath });
  const password = `pw-${Math.random().toString(36).slice(2, 10)}`;
  const previews: OperationPreview[] = [];
  let answer = false;
  let dockerConn: AddConnectionResult | undefined;
  let neo4j: ConnectionProfile | undefined;
  let containerId = '';
  let folder: string;
  /** The dump of the accepted Back Up Now, which the restore tests load back. */
  let dumped: string | undefined;

  before(async function () {
    this.timeout(380_000);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-ext-dump-'));
    const image = await neo4jTestImage(docker);
    const port = await freePort();
    await docker.createVolume({ Name: `${label}-data`, Labels: { [TEST_LABEL]: label } });
    const c = await docker.createContainer({
      name: `${label}-neo4j`, Image: image, Labels: { [TEST_LABEL]: label, 'upkeep.database': 'neo4j' },
      Env: [`NEO4J_AUTH=neo4j/${password}`, `NEO4J_server_bolt_listen__address=127.0.0.1:${port}`],
      HostConfig: { NetworkMode: 'host', Binds: neo4jBinds(), Mounts: [{ Type: 'volume', Source: `${label}-data`, Target: '/data' }] },
    });
    await c.start();
    containerId = c.id;
    dockerConn = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `unix://${services().docker.socketPath}`, name: 'Docker for dumps' });
    const made = await vscode.commands.executeCommand<{ profile: ConnectionProfile }[]>('upkeep.docker.createDatabaseConnections', { ids: [c.id], savePassword: true, test: false });
    neo4j = made[0]?.profile;
    assert.ok(neo4j?.container, 'a connection that remembers its container');
    assert.equal(neo4j.port, port);
    await waitForBolt(neo4j, password, 180_000);
    const driver = await openNeo4jDriver(neo4j, password);
    await driver.executeQuery("UNWIND range(1, 120) AS i CREATE (:`Item <b>ü</b>` {i: i})-[:`HAS \"x\"`]->(:Other)");
    await driver.executeQuery('CREATE INDEX item_i FOR (n:`Item <b>ü</b>`) ON (n.i)');
    await driver.close();
    (await upkeep()).setPrompter({
      confirmOperation: (p) => {
        previews.push(p);
        return Promise.resolve(answer);
      },
      showOutcome: () => Promise.resolve(undefined),
    });
  });

  after(async () => {
    (await upkeep()).setPrompter(undefined);
    for (const id of [neo4j?.id, dockerConn?.profile.id]) if (id) await vscode.commands.executeCommand('upkeep.removeConnection', id, { confirm: false });
    await removeLabelled(docker, label);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  const running = async (): Promise<boolean> => (await docker.getContainer(containerId).inspect()).State.Running;
  const startedAt = async (): Promise<string> => (await docker.getContainer(containerId).inspect()).State.StartedAt;

  it('asks before stopping the container (blocking; on production the name typed), and a "no" stops nothing and writes nothing', async () => {
    const before = await startedAt();
    answer = false;
    const result = await vscode.commands.executeCommand<BackupNowResult | undefined>('upkeep.backup.backupNow', undefined, { connectionId: neo4j!.id, options: { format: 'neo4j-dump' }, folder, verify: false });
    assert.equal(result, undefined);
    const p = previews.at(-1)!;
    assert.equal(p.risk, 'blocking');
    assert.match(p.ops[0]?.impact ?? '', /stops the server's container/);
    assert.equal(typedNameFor({ ...p.connection, production: true }, p.ops, p.risk), neo4j!.name, 'production asks for the name typed');
    assert.equal(await running(), true);
    assert.equal(await startedAt(), before, 'never stopped');
    assert.deepEqual(fs.readdirSync(folder), []);
  });

  it('when accepted: dumps, starts the container again, and Verify passes in a throwaway of the same image', async () => {
    const before = await startedAt();
    answer = true;
    const t0 = Date.now();
    const result = await vscode.commands.executeCommand<BackupNowResult>('upkeep.backup.backupNow', undefined, { connectionId: neo4j!.id, options: { format: 'neo4j-dump' }, folder, verify: true });
    report(`dump + verify through the command: ${Date.now() - t0} ms; ${result.verification?.summary ?? ''}`);
    assert.match(result.path, /\.dump$/);
    dumped = result.path;
    assert.equal(result.manifest.counts['nodes'], 240);
    assert.equal(result.manifest.counts['indexes'], 1);
    assert.equal(result.verification?.status, 'passed', result.verification?.summary);
    assert.equal(await running(), true);
    assert.notEqual(await startedAt(), before, 'stopped and started again');
    assert.deepEqual((await docker.listContainers({ all: true, filters: { label: ['upkeep.throwaway'] } })).length, 0);
  });

  it('Restore of the dump through the shared command: the preview says what is stopped and replaced (shell; destructive; the name typed on production); a "no" stops nothing', async () => {
    assert.ok(dumped, 'the dump of the test before');
    const driver = await openNeo4jDriver(neo4j!, password);
    await driver.executeQuery('MATCH (n:Other) WITH n LIMIT 20 DETACH DELETE n');
    await driver.executeQuery('DROP INDEX item_i');
    await driver.close();
    const before = await startedAt();
    answer = false;
    const args = { connectionId: neo4j!.id, path: dumped, folder, into: 'neo4j', clean: true };
    assert.equal(await vscode.commands.executeCommand('upkeep.backup.restore', undefined, args), undefined);
    const p = previews.at(-1)!;
    assert.equal(p.connection.id, neo4j!.id, 'a dump restores only on its own connection: no other was asked for');
    assert.equal(p.risk, 'destructive');
    assert.equal(p.ops[0]?.language, 'shell');
    assert.match(p.ops[0]?.text ?? '', /^docker stop --time 120 \S+$/m);
    assert.match(p.ops[0]?.text ?? '', /database load neo4j --from-path=\/tmp --overwrite-destination=true/);
    assert.match(p.ops[0]?.text ?? '', /Database "neo4j" is REPLACED by the dump's contents: everything in it that is not in the dump is lost \(it holds 220 nodes/);
    assert.match(p.ops[0]?.impact ?? '', /^STOPS container ".+" .* REPLACES database "neo4j" with the dump's contents/);
    assert.equal(typedNameFor({ ...p.connection, production: true }, p.ops, p.risk), 'neo4j', 'production asks for the database name typed');
    assert.equal(await startedAt(), before, 'never stopped');
  });

  it('a "yes" loads the dump with the container stopped, starts it again, compares equal and records the restore', async () => {
    const before = await startedAt();
    answer = true;
    const done = await vscode.commands.executeCommand<{ commandText: string; comparison?: RestoreDone['comparison'] }>('upkeep.backup.restore', undefined, { connectionId: neo4j!.id, path: dumped, folder, into: 'neo4j', clean: true });
    assert.equal(done.comparison?.status, 'passed', `${done.comparison?.summary}\n${done.comparison?.differences.join('\n')}`);
    assert.match(done.comparison?.summary ?? '', /^240 nodes in 2 labels, 120 relationships of 1 type, 1 index and 0 constraints as at backup time\.$/);
    assert.equal(await running(), true);
    assert.notEqual(await startedAt(), before, 'stopped and started again');
    assert.deepEqual((await docker.listContainers({ all: true, filters: { label: ['upkeep.throwaway'] } })).length, 0);
    const history = await (await upkeep()).history.read(neo4j!.id);
    assert.deepEqual([history[0]?.kind, history[0]?.status], ['restore', 'done']);
    assert.ok(!JSON.stringify(history).includes(password));
  });
});
