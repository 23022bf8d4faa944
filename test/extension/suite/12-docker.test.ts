import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import Docker from 'dockerode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { OperationPreview, OutcomeNotice } from '../../../src/app/prompter';
import type { ConnectionProfile } from '../../../src/core/connections/profile';
import type { PrunePlan } from '../../../src/core/docker/prune';
import type { UpkeepNode } from '../../../src/views/node';
import type { EngineTreeProvider } from '../../../src/views/treeProvider';
import { eventually, label, report, services, upkeep } from './helpers';

const LABEL = `ext-${process.pid}-${Date.now().toString(36)}`;
const PROJECT = `shop "<b>ünïcode</b>" ${LABEL}`;

async function children(tree: EngineTreeProvider, node: UpkeepNode): Promise<UpkeepNode[]> {
  return tree.getChildren(node);
}

async function child(tree: EngineTreeProvider, parent: UpkeepNode, name: string): Promise<UpkeepNode> {
  const list = await children(tree, parent);
  const found = list.find((c) => label(c) === name);
  if (!found) throw new Error(`no "${name}" under ${label(parent)}: ${list.map(label).join(', ')}`);
  return found;
}

describe('Docker view', function () {
  this.timeout(120_000);
  const docker = new Docker({ socketPath: services().docker.socketPath });
  const previews: OperationPreview[] = [];
  const notices: OutcomeNotice[] = [];
  let answer = true;
  let added: AddConnectionResult;
  let web: Docker.Container;
  let old: Docker.Container;
  const made: string[] = [];

  const container = async (name: string, opts: Partial<Docker.ContainerCreateOptions> = {}, start = false): Promise<Docker.Container> => {
    const c = await docker.createContainer({
      name: `${name}-${LABEL}`, Image: services().docker.image, Cmd: ['sleep', '600'], ...opts,
      Labels: { 'upkeep.test': LABEL, ...(opts.Labels ?? {}) }, HostConfig: { NetworkMode: 'none', ...(opts.HostConfig ?? {}) },
    });
    if (start) await c.start();
    return c;
  };

  before(async () => {
    web = await container('web', { Labels: { 'com.docker.compose.project': PROJECT, 'com.docker.compose.service': 'web' }, StopTimeout: 1 }, true);
    old = await container('old', { Cmd: ['true'] }, true);
    await old.wait();
    added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `unix://${services().docker.socketPath}`, name: 'Docker It' });
    const api = await upkeep();
    api.setPrompter({
      confirmOperation: (p) => {
        previews.push(p);
        return Promise.resolve(answer);
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
    for (const id of made) await vscode.commands.executeCommand('upkeep.removeConnection', id, { confirm: false });
    await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
    for (const c of await docker.listContainers({ all: true, filters: { label: [`upkeep.test=${LABEL}`] } })) await docker.getContainer(c.Id).remove({ force: true, v: true });
    await docker.getImage('postgres:15').remove().catch(() => undefined);
  });

  async function connection(): Promise<UpkeepNode> {
    const api = await upkeep();
    return eventually('the Docker connection node', async () => (await api.trees.docker.getChildren()).find((n) => n.id === `conn:${added.profile.id}`));
  }

  it('expands to its groups, the Compose project (its label as text) and its containers, with state, image and greyed stopped ones', async () => {
    const api = await upkeep();
    const tree = api.trees.docker;
    const conn = await connection();
    assert.equal(conn.toTreeItem().collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const groups = await children(tree, conn);
    assert.deepEqual(groups.map(label), ['Containers', 'Images', 'Volumes', 'Networks', 'Disk usage']);
    const containers = await child(tree, conn, 'Containers');
    const project = await child(tree, containers, PROJECT);
    assert.equal(project.nodeKind, 'docker-project');
    assert.equal((project as unknown as { project: string }).project, PROJECT);
    const webNode = await child(tree, project, `web-${LABEL}`);
    const item = webNode.toTreeItem();
    assert.match(String(item.contextValue), /^upkeep\.docker\.container running/);
    assert.match(String(item.description), /running · upkeep-test\/busybox:latest · Up /);
    assert.equal((webNode as unknown as { id: string }).id, web.id, 'the contract: a container node\'s id is the container id');
    const oldNode = await child(tree, containers, `old-${LABEL}`);
    const icon = oldNode.toTreeItem().iconPath as vscode.ThemeIcon;
    assert.equal((icon.color)?.id, 'disabledForeground');
    assert.match(String(oldNode.toTreeItem().contextValue), /\bstopped\b/);
    report(`Docker tree: ${groups.map((g) => `${label(g)} ${String(g.toTreeItem().description ?? '')}`).join(' | ')}`);

    const usage = await child(tree, conn, 'Disk usage');
    const lines = await children(tree, usage);
    assert.deepEqual(lines.map(label), ['Images', 'Containers', 'Local volumes', 'Build cache']);
    assert.match(String(usage.toTreeItem().description), /reclaimable$/);
    report(`Disk usage: ${String(usage.toTreeItem().description)}; ${lines.map((l) => `${label(l)} ${String(l.toTreeItem().description)}`).join(' | ')}`);
  });

  it('stop goes through the flow: preview with the docker CLI line, blocking, then the container is stopped', async () => {
    const api = await upkeep();
    const containers = await child(api.trees.docker, await connection(), 'Containers');
    const webNode = await child(api.trees.docker, await child(api.trees.docker, containers, PROJECT), `web-${LABEL}`);
    previews.length = 0;
    await vscode.commands.executeCommand('upkeep.docker.stop', webNode);
    assert.equal(previews.length, 1);
    assert.equal(previews[0]?.ops[0]?.text, `docker stop web-${LABEL}`);
    assert.equal(previews[0]?.risk, 'blocking');
    const state = ((await web.inspect()) as { State: { Status: string } }).State.Status;
    assert.equal(state, 'exited');
    assert.match(notices.at(-1)?.message ?? '', /^Stop container web-.*: done in/);
    const entries = await api.history.read(added.profile.id);
    assert.equal(entries.at(-1)?.text, `docker stop web-${LABEL}`);
  });

  it('the prune preview lists what goes (a named volume by name) before anything is removed; declined, nothing is', async () => {
    const api = await upkeep();
    const volume = `named-${LABEL}`;
    await docker.createVolume({ Name: volume, Labels: { 'upkeep.test': LABEL } });
    previews.length = 0;
    answer = false;
    await vscode.commands.executeCommand('upkeep.docker.prune', await connection(), { kinds: ['containers', 'volumes'], allVolumes: true });
    answer = true;
    const p = previews[0];
    assert.ok(p);
    const op = p.ops[0];
    assert.equal(p.risk, 'destructive');
    assert.match(op?.text ?? '', /^docker container prune --force --filter until=[\d.]+\ndocker volume prune --force$/);
    assert.match(op?.impact ?? '', new RegExp(`old-${LABEL}`));
    assert.match(op?.impact ?? '', new RegExp(`web-${LABEL}`), 'the container stopped by the previous test');
    assert.match(op?.impact ?? '', new RegExp(`${volume} \\(named\\)`));
    const plan = (op as { params?: { plan?: PrunePlan } }).params?.plan;
    assert.ok(plan?.items.some((i) => i.id === old.id));
    assert.match(p.sizeText, /to delete$/);
    assert.ok(await old.inspect(), 'declined: the stopped container is still there');
    assert.ok(await docker.getVolume(volume).inspect(), 'declined: the volume is still there');
    report(`Prune preview: ${p.title} — ${(op?.impact ?? '').split('\n').join(' / ')}`);

    // Accepted this time, containers only: what was listed goes, the outcome says what was reclaimed.
    previews.length = 0;
    await vscode.commands.executeCommand('upkeep.docker.prune', await connection(), { kinds: ['containers'] });
    assert.equal(previews.length, 1);
    await assert.rejects(old.inspect(), /no such container/i);
    assert.match(notices.at(-1)?.message ?? '', /Prune stopped containers: done in .* — \d+ removed, .* reclaimed/);
    assert.ok(await docker.getVolume(volume).inspect(), 'a volume prune was not asked for');
    await docker.getVolume(volume).remove();
    const usage = await child(api.trees.docker, await connection(), 'Disk usage');
    assert.ok(await children(api.trees.docker, usage));
  });

  it('events refresh the visible view when a container starts outside Upkeep', async () => {
    const api = await upkeep();
    await vscode.commands.executeCommand('upkeep.docker.focus');
    await eventually('the Docker view visible', () => api.trees.docker.visible);
    const containers = await child(api.trees.docker, await connection(), 'Containers');
    assert.ok(containers);
    let refreshed = 0;
    const sub = api.trees.docker.onDidChangeTreeData(() => refreshed++);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const before = refreshed;
      const c = await container('outside', {}, true);
      await eventually('a refresh after the start event', () => refreshed > before, 10_000);
      const list = await children(api.trees.docker, await child(api.trees.docker, await connection(), 'Containers'));
      const node = list.find((n) => label(n) === `outside-${LABEL}`);
      assert.match(String(node?.toTreeItem().contextValue), /\brunning\b/);
      assert.equal(c.id, (node as unknown as { id: string } | undefined)?.id);
    } finally {
      sub.dispose();
    }
  });

  it('a database container becomes a connection: the password only with consent, into secret storage; a stopped container reads "container stopped"', async () => {
    const api = await upkeep();
    await docker.getImage(services().docker.image).tag({ repo: 'postgres', tag: '15' });
    const pg = await container('pg', {
      Image: 'postgres:15', Env: ['POSTGRES_USER=shop', 'POSTGRES_DB=orders', 'POSTGRES_PASSWORD=ext-s3cret'],
      HostConfig: { NetworkMode: 'none', PortBindings: { '5432/tcp': [{ HostIp: '0.0.0.0', HostPort: '1' }] } },
    });
    api.trees.docker.refresh();
    const containers = await child(api.trees.docker, await connection(), 'Containers');
    const node = await eventually('the pg container node', async () => (await children(api.trees.docker, containers)).find((n) => label(n) === `pg-${LABEL}`));
    const item = node.toTreeItem();
    assert.match(String(item.description), /^PostgreSQL · created/);
    assert.match(String(item.contextValue), /\bdatabase\b.*\bconnectable\b/);
    const made1 = await vscode.commands.executeCommand<{ profile: ConnectionProfile; passwordSaved: boolean }>('upkeep.docker.createConnection', node, { savePassword: true });
    made.push(made1.profile.id);
    assert.deepEqual(
      { host: made1.profile.host, port: made1.profile.port, user: made1.profile.user, database: made1.profile.database, container: made1.profile.container },
      { host: '127.0.0.1', port: 1, user: 'shop', database: 'orders', container: { docker: added.profile.id, id: pg.id, name: `pg-${LABEL}` } },
    );
    assert.equal(made1.passwordSaved, true);
    assert.equal(await api.secrets.getPassword(made1.profile.id), 'ext-s3cret');
    const settings = JSON.stringify(vscode.workspace.getConfiguration('upkeep').inspect('connections'));
    assert.ok(settings.includes(pg.id) && !settings.includes('ext-s3cret'), 'the profile remembers the container; no password in settings');
    const status = await eventually('the status of the new connection', () => {
      const s = api.connections.status(made1.profile.id);
      return s.state === 'error' ? s : undefined;
    });
    assert.equal(status.problem.kind, 'container-stopped');
    assert.match(status.problem.message, new RegExp(`^Container "pg-${LABEL}" is created on Docker It: start it to connect\\.$`));
    report(`container-made connection: ${status.problem.message}`);

    // The palette command skips containers that have a connection already.
    const none = await vscode.commands.executeCommand<unknown[]>('upkeep.docker.createDatabaseConnections', { ids: [pg.id], savePassword: false, test: false });
    assert.deepEqual(none, []);
    await vscode.commands.executeCommand('upkeep.removeConnection', made1.profile.id, { confirm: false });
    made.length = 0;
    const again = await vscode.commands.executeCommand<{ profile: ConnectionProfile; passwordSaved: boolean }[]>('upkeep.docker.createDatabaseConnections', { ids: [pg.id], savePassword: false, test: false });
    assert.equal(again.length, 1);
    made.push(...again.map((m) => m.profile.id));
    assert.equal(again[0]?.passwordSaved, false);
    assert.equal(await api.secrets.getPassword(again[0]?.profile.id ?? ''), undefined, 'declined: nothing stored');
  });
});
