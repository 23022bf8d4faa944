import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import Docker from 'dockerode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { BackupNowResult } from '../../../src/commands/backup/index';
import type { BackupEntry, RestoreDone, VerifyResult } from '../../../src/core/backup/model';
import { typedNameFor, type OperationPreview, type OutcomeNotice } from '../../../src/app/prompter';
import type { UpkeepNode } from '../../../src/views/node';
import { makeVolume, removeLabelled, runLabel, runToEnd } from '../../support/dockerFixtures';
import { importHostImage } from '../../support/hostImage';
import { eventually, label, report, services, upkeep } from './helpers';

/** The menu entries package.json shows for a tree item of this context value. */
function menuCommands(contextValue: string): string[] {
  const ext = vscode.extensions.all.find((e) => (e.packageJSON as { name?: string }).name === 'upkeep');
  const items = ((ext?.packageJSON as { contributes: { menus: Record<string, { command: string; when?: string }[]> } }).contributes.menus['view/item/context'] ?? []);
  return items.filter((m) => {
    const re = /viewItem =~ \/(.+?)\/(?:\s|$)/.exec(m.when ?? '');
    return re?.[1] !== undefined && new RegExp(re[1]).test(contextValue) && (m.when ?? '').includes('upkeep.docker');
  }).map((m) => m.command);
}

describe('Docker volumes through the shared backup commands', function () {
  this.timeout(120_000);
  const runId = runLabel('ext-bkvol');
  const volume = `${runId}-data`;
  let docker: Docker;
  let connection: AddConnectionResult;
  let folder: string;
  const notices: OutcomeNotice[] = [];
  const previews: OperationPreview[] = [];
  let backupPath: string | undefined;

  before(async () => {
    docker = new Docker({ socketPath: services().docker.socketPath });
    await makeVolume(docker, volume, runId);
    const populate = 'mkdir -p "/v/dir <b>ü</b>" && printf "%s" "$C" > "/v/dir <b>ü</b>/it\'s \\"quoted\\".txt" && dd if=/dev/urandom of=/v/r.bin bs=1024 count=256 2>/dev/null';
    assert.equal(await runToEnd(docker, { image: services().docker.image, label: runId, cmd: ['sh', '-c', populate], env: ['C=<img src=x onerror=alert(1)> ✓'], mounts: [{ volume, target: '/v' }] }), 0);
    connection = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `unix://${services().docker.socketPath}`, name: 'Docker "volumes" <b>' });
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-ext-bkvol-'));
    const api = await upkeep();
    api.setPrompter({
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
    const api = await upkeep();
    api.setPrompter(undefined);
    await vscode.commands.executeCommand('upkeep.removeConnection', connection.profile.id, { confirm: false });
    await removeLabelled(docker, runId);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function volumeNode(): Promise<UpkeepNode> {
    const api = await upkeep();
    const tree = api.trees.docker;
    const conn = await eventually('the Docker connection node', async () => (await tree.getChildren()).find((n) => n.id === `conn:${connection.profile.id}`));
    const group = (await tree.getChildren(conn)).find((n) => label(n) === 'Volumes');
    assert.ok(group, 'the Volumes group');
    const node = (await tree.getChildren(group)).find((n) => label(n) === volume);
    assert.ok(node, 'the volume node');
    return node;
  }

  it('the volume node offers Back Up, Verify and List, and backs up, verifies and lists from them', async () => {
    const node = await volumeNode();
    const commands = menuCommands(String(node.toTreeItem().contextValue));
    for (const c of ['upkeep.backup.backupNow', 'upkeep.backup.verify', 'upkeep.backup.list', 'upkeep.backup.restore']) assert.ok(commands.includes(c), `${c} in the volume's menu: ${commands.join(', ')}`);

    const result = await vscode.commands.executeCommand<BackupNowResult>('upkeep.backup.backupNow', node, { options: { format: 'docker-volume' }, folder });
    assert.ok(result, 'the command returned its result');
    assert.equal(result.manifest.engine, 'docker');
    assert.equal(result.manifest.database, volume);
    assert.equal(result.manifest.counts['files'], 2);
    assert.equal(result.verification?.status, 'passed', result.verification?.summary);
    assert.match(notices.at(-1)?.message ?? '', / — verified\.$/);

    const again = await vscode.commands.executeCommand<VerifyResult>('upkeep.backup.verify', node, { path: result.path, folder });
    assert.equal(again?.status, 'passed', again?.summary);
    const listed = await vscode.commands.executeCommand<BackupEntry[]>('upkeep.backup.list', node, { folder, show: false });
    assert.deepEqual(listed?.map((e) => [path.basename(e.path), e.manifest?.verification?.status]), [[path.basename(result.path), 'passed']]);
    const api = await upkeep();
    const history = await api.history.read(connection.profile.id);
    assert.deepEqual(history.slice(0, 3).map((h) => [h.kind, h.status]), [['verify', 'done'], ['verify', 'done'], ['backup', 'done']]);
    const { Volumes } = await docker.listVolumes({ filters: { label: ['upkeep.verify-of'] } });
    assert.deepEqual((Volumes ?? []).map((v) => v.Name), [], 'no throwaway volume left');
    report(`Docker volume backup from the tree: ${path.basename(result.path)}, ${result.verification?.summary}`);
    backupPath = result.path;
  });

  it('Restore reaches Docker through the shared command: a new volume with equal checksums; the existing volume only with its files replaced by choice', async () => {
    assert.ok(backupPath, 'the backup of the test before');
    const node = await volumeNode();
    const restored = `${runId}-restored`;
    try {
      const done = await vscode.commands.executeCommand<{ comparison?: RestoreDone['comparison'] }>('upkeep.backup.restore', node, { path: backupPath, folder, into: restored, create: true });
      assert.equal(done?.comparison?.status, 'passed', `${done?.comparison?.summary}\n${done?.comparison?.differences.join('\n')}`);
      assert.equal(previews.at(-1)?.risk, 'heavy');
      assert.match(previews.at(-1)?.ops[0]?.text ?? '', new RegExp(`^docker volume create ${restored}\\n`));
      report(`Docker volume restore through the command: ${done?.comparison?.summary ?? ''}`);
    } finally {
      await docker.getVolume(restored).remove({ force: true }).catch(() => undefined);
    }
    // The backed-up volume holds files: refused without the choice to replace them, nothing asked.
    const asked = previews.length;
    assert.equal(await vscode.commands.executeCommand('upkeep.backup.restore', node, { path: backupPath, folder, into: volume }), undefined);
    assert.equal(previews.length, asked);
    const replaced = await vscode.commands.executeCommand<{ comparison?: RestoreDone['comparison'] }>('upkeep.backup.restore', node, { path: backupPath, folder, into: volume, clean: true });
    assert.equal(replaced?.comparison?.status, 'passed', replaced?.comparison?.summary);
    const p = previews.at(-1);
    assert.equal(p?.risk, 'destructive');
    assert.match(p?.ops[0]?.impact ?? '', new RegExp(`^removes every file now in volume ${volume}`));
    assert.equal(typedNameFor({ ...connection.profile, production: true }, p?.ops ?? [], p?.risk ?? 'safe'), volume);
    const history = await (await upkeep()).history.read(connection.profile.id);
    assert.deepEqual(history.slice(0, 2).map((h) => [h.kind, h.status]), [['restore', 'done'], ['restore', 'done']]);
  });

  it('a PostgreSQL connection made from a container backs up with the container\'s pg_dump (the Docker connection found through the profile)', async () => {
    const image = await importHostImage(docker, `upkeep-test/pgclient:${runId}`, [{ from: '/usr/lib/postgresql/15/bin/pg_dump', to: 'usr/bin/pg_dump', withLibraries: true }]);
    const name = `${runId}-pg`;
    const c = await docker.createContainer({ name, Image: image, Cmd: ['sleep', '600'], Labels: { 'upkeep.test': runId, 'upkeep.database': 'postgres' }, HostConfig: { NetworkMode: 'host' } });
    await c.start();
    const s = services().postgres;
    const pg = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`, name: 'PG "from a container"' });
    const api = await upkeep();
    await api.profiles.save({ ...pg.profile, container: { docker: connection.profile.id, id: c.id, name } }, 'user');
    const config = vscode.workspace.getConfiguration('upkeep.backup');
    await config.update('pgDumpInContainer', 'prefer', vscode.ConfigurationTarget.Global);
    try {
      const result = await vscode.commands.executeCommand<BackupNowResult>('upkeep.backup.backupNow', undefined, { connectionId: pg.profile.id, database: s.database, options: { format: 'pg-custom' }, folder });
      assert.ok(result, 'the command returned its result');
      assert.equal(result.manifest.tool, `pg_dump in container "${name}" on Docker "volumes" <b>`);
      assert.equal(result.verification?.status, 'passed', result.verification?.summary);
      const history = await api.history.read(pg.profile.id);
      assert.ok(!JSON.stringify(history).includes(s.password), 'no password in the history');
      report(`pg_dump in a container from the command: ${result.manifest.tool}, ${result.verification?.summary}`);
    } finally {
      await config.update('pgDumpInContainer', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('upkeep.removeConnection', pg.profile.id, { confirm: false });
      await c.remove({ force: true });
      await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    }
  });
});
