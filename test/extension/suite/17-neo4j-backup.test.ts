import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as Neo4j from 'neo4j-driver';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import { typedNameFor, type OperationPreview, type OutcomeNotice } from '../../../src/app/prompter';
import type { BackupNowResult } from '../../../src/commands/backup/index';
import type { RestoreDone, VerifyResult } from '../../../src/core/backup/model';
import { openNeo4jDriver } from '../../../src/core/neo4j/connection';
import { startNeo4j } from '../../services/neo4j';
import type { RunningService, ServicesInfo } from '../../services/types';
import { clearNeo4j, loadNeo4jBackupFixture, neo4jBackupFixture, neo4jContents, removeNeo4jBackupFixture } from '../../support/neo4jBackupFixture';
import { report, services, upkeep } from './helpers';

/**
 * Back Up Now and Verify of a Neo4j connection through the commands: the
 * verify target (a second, empty Neo4j this suite starts, without APOC) is
 * named by `targetConnectionId`, its password comes from the extension's
 * secret storage like the source's.
 */
describe('Neo4j backups through the commands', function () {
  this.timeout(400_000);
  const fixture = neo4jBackupFixture(`ext${process.pid}`, 50);
  const notices: OutcomeNotice[] = [];
  const previews: OperationPreview[] = [];
  let backupPath: string | undefined;
  let root: string;
  let target: ServicesInfo['neo4j'];
  let targetService: RunningService | undefined;
  let source: Neo4j.Driver;
  let targetDriver: Neo4j.Driver;
  let src: AddConnectionResult;
  let tgt: AddConnectionResult;
  let folder: string;

  before(async function () {
    this.timeout(380_000);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-neo4j-ext-verify-'));
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-neo4j-ext-'));
    const started = startNeo4j(root, { apoc: false });
    const s = services().neo4j;
    const profile = { id: 'fixture', engine: 'neo4j' as const, name: 'fixture', host: s.host, port: s.port, user: s.user, scheme: 'bolt' as const, tls: 'disable' as const, readOnly: false, production: false, connectTimeoutMs: 8_000 };
    source = await openNeo4jDriver(profile, s.password);
    await removeNeo4jBackupFixture(source, fixture);
    await loadNeo4jBackupFixture(source, fixture);
    ({ info: target, service: targetService } = await started);
    targetDriver = await openNeo4jDriver({ ...profile, port: target.port }, target.password);
    src = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `bolt://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}`, name: 'Backup Neo4j <img src=x onerror=alert(1)>' });
    tgt = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `bolt://${target.user}:${encodeURIComponent(target.password)}@${target.host}:${target.port}`, name: 'Empty Neo4j "verify"' });
    (await upkeep()).setPrompter({
      confirmOperation: (p) => {
        previews.push(p);
        return Promise.resolve(true);
      },
      showOutcome: (n) => {
        notices.push(n);
        return Promise.resolve(undefined);
      },
    });
  });

  after(async () => {
    (await upkeep()).setPrompter(undefined);
    for (const c of [src, tgt]) if (c) await vscode.commands.executeCommand('upkeep.removeConnection', c.profile.id, { confirm: false });
    if (source) await removeNeo4jBackupFixture(source, fixture).finally(() => source.close());
    await targetDriver?.close().catch(() => undefined);
    await targetService?.stop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('backs up a Neo4j connection and verifies it on the connection named by targetConnectionId, which is left empty', async () => {
    const result = await vscode.commands.executeCommand<BackupNowResult>('upkeep.backup.backupNow', undefined, { connectionId: src.profile.id, options: { format: 'neo4j-cypher' }, folder, verify: true, targetConnectionId: tgt.profile.id });
    assert.ok(result, 'the command returned its result');
    assert.equal(result.verification?.status, 'passed', `${result.verification?.summary}\n${result.verification?.differences.join('\n')}`);
    assert.equal(result.manifest.engine, 'neo4j');
    assert.ok((result.manifest.counts['nodes'] ?? 0) >= fixture.nodes, JSON.stringify(result.manifest.counts));
    assert.match(result.verification?.restoredInto ?? '', /^Neo4j "Empty Neo4j "verify"" \(127\.0\.0\.1:\d+\)$/);
    assert.match(notices.at(-1)?.message ?? '', / — verified\./);
    assert.deepEqual(await neo4jContents(targetDriver), { nodes: 0, indexes: [], constraints: [] });
    report(`Neo4j backup: ${path.basename(result.path)}, ${result.verification?.summary}`);
    backupPath = result.path;

    const again = await vscode.commands.executeCommand<VerifyResult>('upkeep.backup.verify', undefined, { connectionId: src.profile.id, path: result.path, folder, targetConnectionId: tgt.profile.id });
    assert.equal(again?.status, 'passed', again?.summary);
    assert.deepEqual(await neo4jContents(targetDriver), { nodes: 0, indexes: [], constraints: [] });
    const history = await (await upkeep()).history.read(src.profile.id);
    assert.deepEqual(history.slice(0, 3).map((h) => [h.kind, h.status]), [['verify', 'done'], ['verify', 'done'], ['backup', 'done']]);
    assert.ok(!JSON.stringify(history).includes(services().neo4j.password) && !JSON.stringify(history).includes(target.password));
  });

  it('Restore reaches Neo4j through the shared command: into the other connection\'s empty database, refused into it once it holds data unless cleared, refused read-only', async () => {
    assert.ok(backupPath, 'the backup of the test before');
    const args = { connectionId: src.profile.id, path: backupPath, folder, targetConnectionId: tgt.profile.id, into: 'neo4j' };
    const done = await vscode.commands.executeCommand<{ commandText: string; comparison?: RestoreDone['comparison'] }>('upkeep.backup.restore', undefined, args);
    assert.equal(done?.comparison?.status, 'passed', `${done?.comparison?.summary}\n${done?.comparison?.differences.join('\n')}`);
    const preview = previews.at(-1);
    assert.equal(preview?.connection.id, tgt.profile.id, 'asked for the connection restored into');
    assert.equal(preview?.risk, 'heavy');
    assert.equal(preview?.ops[0]?.language, 'cypher');
    assert.match(preview?.ops[0]?.text ?? '', /^\/\/ Restore .*\.cypher into database `neo4j`\n/);
    const restored = await neo4jContents(targetDriver);
    assert.ok(restored.nodes >= fixture.nodes, JSON.stringify(restored));
    report(`Neo4j restore through the command: ${done?.comparison?.summary ?? ''}`);

    // Now the target holds data: without the choice to clear it, refused before anything is asked or sent.
    const asked = previews.length;
    assert.equal(await vscode.commands.executeCommand('upkeep.backup.restore', undefined, args), undefined);
    assert.equal(previews.length, asked, 'nothing was asked');
    assert.deepEqual(await neo4jContents(targetDriver), restored);

    // With it: destructive, the database's name typed on production, and the counts equal again (not doubled).
    const cleared = await vscode.commands.executeCommand<{ comparison?: RestoreDone['comparison'] }>('upkeep.backup.restore', undefined, { ...args, clean: true });
    assert.equal(cleared?.comparison?.status, 'passed', cleared?.comparison?.summary);
    const p2 = previews.at(-1);
    assert.equal(p2?.risk, 'destructive');
    assert.match(p2?.ops[0]?.impact ?? '', /^DELETES everything in database "neo4j"/);
    assert.match(p2?.ops[0]?.text ?? '', /MATCH \(n\) CALL \{ WITH n DETACH DELETE n \} IN TRANSACTIONS OF 10000 ROWS;/);
    assert.equal(typedNameFor({ ...tgt.profile, production: true }, p2?.ops ?? [], p2?.risk ?? 'safe'), 'neo4j');
    assert.equal((await neo4jContents(targetDriver)).nodes, restored.nodes);
    const history = await (await upkeep()).history.read(tgt.profile.id);
    assert.deepEqual(history.slice(0, 2).map((h) => [h.kind, h.status]), [['restore', 'done'], ['restore', 'done']]);
    assert.ok(!JSON.stringify(history).includes(target.password));

    // A read-only target: refused before anything is asked.
    const api = await upkeep();
    await api.profiles.save({ ...tgt.profile, readOnly: true }, 'user');
    try {
      const before = previews.length;
      assert.equal(await vscode.commands.executeCommand('upkeep.backup.restore', undefined, { ...args, clean: true }), undefined);
      assert.equal(previews.length, before);
    } finally {
      await api.profiles.save({ ...tgt.profile, readOnly: false }, 'user');
    }
    await clearNeo4j(targetDriver);
  });
});
