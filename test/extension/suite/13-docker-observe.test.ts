import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import Docker from 'dockerode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { ErrorCount } from '../../../src/core/docker/logs';
import type { LogViewState } from '../../../src/commands/docker/logs';
import type { ExecTerminalHandle } from '../../../src/commands/docker/exec';
import type { RestoreOutcome } from '../../../src/commands/docker/volumes';
import type { TransferResult } from '../../../src/core/docker/volumeBackup';
import type { StatsPanel } from '../../../src/webviews/statsPanel';
import type { OperationPreview } from '../../../src/app/prompter';
import { makeContainer, makeVolume, removeLabelled, runLabel, runToEnd } from '../../support/dockerFixtures';
import { eventually, report, services, upkeep } from './helpers';

describe('Docker logs, error counts, stats, exec and volumes in the editor', function () {
  this.timeout(90_000);
  const label = runLabel('ext-observe');
  let docker: Docker;
  let connection: string;
  let readOnly: string;
  const image = (): string => services().docker.image;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-ext-volumes-'));
  const previews: OperationPreview[] = [];

  before(async () => {
    const api = await upkeep();
    docker = new Docker({ socketPath: services().docker.socketPath });
    const added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `unix://${services().docker.socketPath}`, name: 'Observed Docker' });
    connection = added.profile.id;
    const ro = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `unix://${services().docker.socketPath}`, name: 'Read-only Docker' });
    readOnly = ro.profile.id;
    await api.profiles.save({ ...ro.profile, readOnly: true }, 'user');
    api.setPrompter({
      confirmOperation: (p) => {
        previews.push(p);
        return Promise.resolve(true);
      },
      showOutcome: () => Promise.resolve(undefined),
    });
  });
  after(async () => {
    const api = await upkeep();
    api.setPrompter(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const t of vscode.window.terminals) t.dispose();
    await removeLabelled(docker, label);
    for (const id of [connection, readOnly]) await vscode.commands.executeCommand('upkeep.removeConnection', id, { confirm: false });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens a container’s logs picked through the command, stdout and stderr marked apart', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sh', '-c', 'echo out-line; echo "err-line <b>ü</b>" >&2'] });
    await c.wait();
    const name = (await c.inspect()).Name.slice(1);
    const state = await vscode.commands.executeCommand<LogViewState>('upkeep.docker.logs', undefined, { connection, container: name, since: 'all', follow: false, timestamps: false });
    assert.ok(state, 'the command returned the view');
    assert.equal(state.lines, 2);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === state.uri);
    assert.ok(doc, 'the log document is open');
    const text = doc.getText();
    assert.match(text, /^\[out\] out-line$/m);
    assert.match(text, /^\[err\] err-line <b>ü<\/b>$/m);
    assert.match(text, /^# docker logs /m);
    assert.equal(doc.languageId, 'log');
    report(`log view: ${state.commandLine}`);
  });

  it('follows a running container and stops when the tab closes', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sh', '-c', 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.2; done'] });
    const state = await vscode.commands.executeCommand<LogViewState>('upkeep.docker.logs', undefined, { connection, container: c.id, follow: true, filter: '/tick [0-9]*[05]$/' });
    assert.ok(state.following);
    const doc = await eventually('ticks arrive', () => {
      const d = vscode.workspace.textDocuments.find((x) => x.uri.toString() === state.uri);
      return d && /tick 5$/m.test(d.getText()) ? d : undefined;
    });
    assert.doesNotMatch(doc.getText(), /tick 3$/m, 'the filter keeps only matching lines');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await new Promise((r) => setTimeout(r, 500));
    // Asked once: had the tab's closing not stopped it, this command would, and say so differently.
    const stopped = await vscode.commands.executeCommand<LogViewState | undefined>('upkeep.docker.stopFollowingLogs', vscode.Uri.parse(state.uri));
    assert.equal(stopped?.following, false);
    assert.equal(stopped?.ended, 'Stopped following: the tab was closed.');
  });

  it('counts errors by container across a Compose project', async () => {
    const project = `${label}-proj`;
    const compose = (s: string): Record<string, string> => ({ 'com.docker.compose.project': project, 'com.docker.compose.service': s });
    const a = await makeContainer(docker, { image: image(), label, labels: compose('api'), cmd: ['sh', '-c', 'echo "ERROR a"; echo "ERROR b" >&2; echo ok'] });
    const b = await makeContainer(docker, { image: image(), label, labels: compose('db'), cmd: ['sh', '-c', 'echo "ERROR c"'] });
    await Promise.all([a.wait(), b.wait()]);
    const result = await vscode.commands.executeCommand<{ uri: string; counts: ErrorCount[] }>('upkeep.docker.countErrors', undefined, { connection, project, since: '24h', pattern: 'ERROR' });
    const byId = new Map(result.counts.map((c) => [c.id, c]));
    assert.deepEqual([byId.get(a.id)?.stdout, byId.get(a.id)?.stderr, byId.get(b.id)?.stdout], [1, 1, 1]);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === result.uri);
    assert.match(doc?.getText() ?? '', /^3 matching lines in 2 containers\.$/m);
  });

  it('the stats panel opens, receives samples, pauses when hidden and resumes when shown', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sh', '-c', 'while :; do :; done'] });
    const panel = await vscode.commands.executeCommand<StatsPanel>('upkeep.docker.stats', undefined, { connection, container: c.id });
    const first = await eventually('two samples', () => {
      const s = panel.snapshot();
      return (s.containers[0]?.samples ?? 0) >= 2 ? s : undefined;
    });
    assert.equal(first.open, 1);
    const last = first.containers[0]?.last;
    assert.ok(last && last.memUsed > 0 && last.memLimit > 0);
    report(`stats: ${first.containers[0]?.samples} samples, CPU ${last.cpuPercent.toFixed(1)} %, memory ${last.memUsed} bytes`);
    // Another editor in the same group hides the panel: its stream closes.
    const other = await vscode.workspace.openTextDocument({ content: 'hide the panel' });
    await vscode.window.showTextDocument(other, { viewColumn: vscode.ViewColumn.Active, preview: false });
    const hidden = await eventually('paused when hidden', () => {
      const s = panel.snapshot();
      return !s.visible && s.open === 0 ? s : undefined;
    });
    assert.equal(hidden.containers[0]?.state, 'paused');
    const before = hidden.containers[0]?.samples ?? 0;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(panel.snapshot().containers[0]?.samples, before, 'no samples while hidden');
    panel.reveal();
    await eventually('resumed when shown', () => {
      const s = panel.snapshot();
      return s.visible && s.open === 1 && (s.containers[0]?.samples ?? 0) > before ? s : undefined;
    });
    panel.dispose();
    assert.equal(panel.snapshot().open, 0);
    assert.ok(panel.snapshot().disposed);
    await c.kill();
  });

  it('the exec terminal runs a command typed into it and shows its output', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['sleep', '300'] });
    const handle = await vscode.commands.executeCommand<ExecTerminalHandle>('upkeep.docker.exec', undefined, { connection, container: c.id });
    assert.ok(handle, 'a terminal opened');
    handle.terminal.sendText('echo hello-from-exec');
    const out = await eventually('output read back', () => (/\r\nhello-from-exec\r\n/.test(handle.transcript()) ? handle.transcript() : undefined));
    report(`exec transcript: ${JSON.stringify(out.slice(0, 200))}`);
    handle.terminal.sendText('exit 0');
    assert.equal(await handle.closed, 0);
  });

  it('exec refuses a stopped container with a clear message', async () => {
    const c = await makeContainer(docker, { image: image(), label, cmd: ['true'] });
    await c.wait();
    const handle = await vscode.commands.executeCommand<ExecTerminalHandle | undefined>('upkeep.docker.exec', undefined, { connection, container: c.id });
    assert.equal(handle, undefined, 'no terminal for a stopped container');
  });

  it('backs a volume up and restores it through the confirmation; read-only refuses', async () => {
    const source = `${label}-vol`;
    await makeVolume(docker, source, label);
    assert.equal(await runToEnd(docker, { image: image(), label, cmd: ['sh', '-c', 'echo "<b>payload ü</b>" > "/v/a file.txt"'], mounts: [{ volume: source, target: '/v' }] }), 0);
    const file = path.join(dir, 'vol.tar.gz');
    const backup = await vscode.commands.executeCommand<TransferResult>('upkeep.docker.backupVolume', undefined, { connection, volume: source, file });
    assert.ok(backup && fs.statSync(file).size === backup.fileBytes);

    const fresh = `${label}-restored`;
    const restored = await vscode.commands.executeCommand<RestoreOutcome>('upkeep.docker.restoreVolume', undefined, { connection, volume: fresh, file });
    assert.equal(restored.status, 'done', restored.message);
    assert.equal(previews.at(-1)?.ops[0]?.kind, 'volume-restore');
    assert.equal(previews.at(-1)?.ops[0]?.confirmName, fresh);
    const check = await makeContainer(docker, { image: image(), label, cmd: ['cat', '/v/a file.txt'], mounts: [{ volume: fresh, target: '/v' }] });
    await check.wait();
    assert.match((await check.logs({ stdout: true })).toString(), /<b>payload ü<\/b>/);
    await check.remove({ force: true });

    // Replacing a volume's files is destructive and previewed as such.
    const again = await vscode.commands.executeCommand<RestoreOutcome>('upkeep.docker.restoreVolume', undefined, { connection, volume: fresh, file });
    assert.equal(again.status, 'done');
    assert.equal(previews.at(-1)?.risk, 'destructive');

    const asked = previews.length;
    const refused = await vscode.commands.executeCommand<RestoreOutcome | undefined>('upkeep.docker.restoreVolume', undefined, { connection: readOnly, volume: fresh, file });
    assert.equal(refused, undefined, 'refused before anything ran');
    assert.equal(previews.length, asked, 'nothing was previewed on a read-only connection');
    const history = await (await upkeep()).history.read(connection);
    assert.ok(history.some((e) => e.kind === 'volume-restore' && e.status === 'done' && e.engine === 'docker'));
    await docker.getVolume(fresh).remove({ force: true });
  });
});
