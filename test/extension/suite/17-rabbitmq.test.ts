import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { InputQuestion, OperationPreview, OutcomeNotice, PickQuestion } from '../../../src/app/prompter';
import type { BatchOutcome } from '../../../src/core/operations/operation';
import type { RabbitOp } from '../../../src/core/rabbitmq/operation';
import { RabbitApi } from '../../../src/core/rabbitmq/connection';
import type { EngineTreeProvider } from '../../../src/views/treeProvider';
import type { UpkeepNode } from '../../../src/views/node';
import type { ReportPanel } from '../../../src/webviews/reportPanel';
import { eventually, label, report, services, upkeep } from './helpers';

const TAG = `ext-${process.pid}-${Date.now().toString(36)}`;
const VHOST = `shop "<img src=x onerror=alert(1)>" ünï ${TAG}`;
const QUEUE = 'orders <b>"1"</b>';

class ScriptedPrompter {
  readonly previews: OperationPreview[] = [];
  readonly notices: OutcomeNotice[] = [];
  answers: string[] = [];
  confirmOperation(p: OperationPreview): Promise<boolean> {
    this.previews.push(p);
    return Promise.resolve(true);
  }
  showOutcome(n: OutcomeNotice): Promise<string | undefined> {
    this.notices.push(n);
    return Promise.resolve(undefined);
  }
  pick<T>(q: PickQuestion<T>): Promise<T | undefined> {
    const want = this.answers.shift();
    return Promise.resolve(q.items.find((i) => i.label === want)?.value);
  }
  input(_q: InputQuestion): Promise<string | undefined> {
    return Promise.resolve(this.answers.shift());
  }
}

async function child(tree: EngineTreeProvider, parent: UpkeepNode, name: string): Promise<UpkeepNode> {
  const list = await tree.getChildren(parent);
  const found = list.find((c) => label(c) === name);
  if (!found) throw new Error(`no "${name}" under ${label(parent)}: ${list.map(label).join(', ')}`);
  return found;
}

describe('RabbitMQ view and operations in the editor', function () {
  this.timeout(120_000);
  const prompter = new ScriptedPrompter();
  const added: AddConnectionResult[] = [];
  let admin: RabbitApi;

  async function ready(queue: string): Promise<number> {
    return eventually(`counts of ${queue}`, async () => {
      const q = await admin.call<{ messages_ready?: number }>({ method: 'GET', path: ['queues', VHOST, queue] });
      return q.messages_ready;
    });
  }

  before(async () => {
    const s = services().rabbitmq;
    for (const [name, extra] of [['Ops RabbitMQ', {}], ['Ops RabbitMQ (read-only)', { readOnly: true }], ['Ops RabbitMQ (production)', { production: true }]] as const) {
      added.push(await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
        engine: 'rabbitmq', url: `http://${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}@${s.host}:${s.managementPort}`, name, ...extra,
      }));
    }
    const profile = added[0]!.profile;
    assert.equal(profile.engine, 'rabbitmq', 'an http:// URL added for RabbitMQ is a RabbitMQ connection');
    admin = new RabbitApi(profile, s.password);
    await admin.call({ method: 'PUT', path: ['vhosts', VHOST], body: {} });
    await admin.call({ method: 'PUT', path: ['permissions', VHOST, s.user], body: { configure: '.*', write: '.*', read: '.*' } });
    for (let i = 0; i < 25; i++) await admin.call({ method: 'PUT', path: ['queues', VHOST, `q-${String(i).padStart(2, '0')}`], body: { durable: true } });
    await admin.call({ method: 'PUT', path: ['queues', VHOST, QUEUE], body: { durable: true } });
    for (let i = 0; i < 3; i++) await admin.call({ method: 'POST', path: ['exchanges', VHOST, 'amq.default', 'publish'], body: { properties: {}, routing_key: QUEUE, payload: `order ${i}`, payload_encoding: 'string' } });
    await eventually('the published messages are counted', async () => (await ready(QUEUE)) === 3);
    await vscode.workspace.getConfiguration('upkeep.rabbitmq').update('pageSize', 10, vscode.ConfigurationTarget.Global);
    (await upkeep()).setPrompter(prompter);
  });

  after(async () => {
    const api = await upkeep();
    api.setPrompter(undefined);
    await vscode.workspace.getConfiguration('upkeep.rabbitmq').update('pageSize', undefined, vscode.ConfigurationTarget.Global);
    for (const r of added) await vscode.commands.executeCommand('upkeep.removeConnection', r.profile.id, { confirm: false });
    await admin.call({ method: 'DELETE', path: ['vhosts', VHOST] }).catch(() => undefined);
  });

  async function queueNode(connectionIndex: number, name: string): Promise<UpkeepNode> {
    const api = await upkeep();
    const tree = api.trees.rabbitmq;
    const id = added[connectionIndex]!.profile.id;
    const conn = await eventually('the RabbitMQ connection node', async () => (await tree.getChildren()).find((n) => n.id === `conn:${id}`));
    const vhosts = await child(tree, conn, 'Virtual hosts');
    const vhost = await child(tree, vhosts, VHOST);
    const queues = await child(tree, vhost, 'Queues');
    let list = await tree.getChildren(queues);
    // Pages of 10: "Load more…" until the queue shows.
    while (!list.some((n) => label(n) === name)) {
      const more = list.find((n) => n.nodeKind === 'rabbitmq-load-more');
      if (!more) throw new Error(`no ${name} and no Load more: ${list.map(label).join(', ')}`);
      await vscode.commands.executeCommand('upkeep.rabbitmq.loadMore', more);
      list = await tree.getChildren(queues);
    }
    return list.find((n) => label(n) === name)!;
  }

  it('shows the broker: its groups, the hostile vhost, queues paged with "Load more…", counts and flags', async () => {
    const api = await upkeep();
    const tree = api.trees.rabbitmq;
    const id = added[0]!.profile.id;
    const conn = await eventually('the RabbitMQ connection node', async () => (await tree.getChildren()).find((n) => n.id === `conn:${id}`));
    assert.deepEqual((await tree.getChildren(conn)).map(label), ['Overview', 'Nodes', 'Virtual hosts', 'Connections', 'Channels', 'Policies', 'Users']);
    const overview = await tree.getChildren(await child(tree, conn, 'Overview'));
    assert.match(String(overview[0]?.toTreeItem().description), /^3\.\d+\.\d+$/);
    const nodes = await tree.getChildren(await child(tree, conn, 'Nodes'));
    assert.match(String(nodes[0]?.toTreeItem().description), /^memory [\d.]+ \w+ of [\d.]+ \w+ \(\d+%\) · disk free/);
    const users = await tree.getChildren(await child(tree, conn, 'Users'));
    assert.ok(users.some((u) => label(u) === services().rabbitmq.user && u.toTreeItem().description === 'administrator'));

    const queues = await child(tree, await child(tree, await child(tree, conn, 'Virtual hosts'), VHOST), 'Queues');
    const first = await tree.getChildren(queues);
    assert.equal(first.length, 11, 'a page of 10 and Load more');
    const more = first[10]!;
    assert.equal(label(more), 'Load more…');
    assert.equal(more.toTreeItem().description, '10 of 26 queues');
    await vscode.commands.executeCommand('upkeep.rabbitmq.loadMore', more);
    assert.equal((await tree.getChildren(queues)).length, 21);

    const orders = await queueNode(0, QUEUE);
    const item = orders.toTreeItem();
    // Rates and idleness change by the second: only the counts and the flag are fixed.
    assert.match(String(item.description), /^classic · 3 ready · 0 unacked · 0 consumers · no consumers( · growing)?( · idle)?$/);
    assert.match(String(item.contextValue), /^upkeep\.rabbitmq\.queue classic hasMessages unconsumed$/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
    report(`RabbitMQ queue: ${label(orders)} — ${String(item.description)}`);
  });

  it('purge from the queue node: the preview shows the HTTP request and the ready count, then the queue is empty', async () => {
    const node = await queueNode(0, QUEUE);
    const result = await vscode.commands.executeCommand<BatchOutcome<RabbitOp> | undefined>('upkeep.rabbitmq.purge', node);
    const preview = prompter.previews.at(-1);
    assert.ok(preview);
    assert.equal(preview.ops[0]?.text, `DELETE /api/queues/${encodeURIComponent(VHOST).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}/orders%20%3Cb%3E%221%22%3C%2Fb%3E/contents`);
    assert.equal(preview.risk, 'destructive');
    assert.match(preview.sizeText, /^3 ready, 0 unacknowledged, 0 consumers, .* \(classic queue\)$/);
    assert.equal(preview.typeName, undefined);
    assert.equal(result?.outcomes[0]?.status, 'done');
    assert.equal(result.outcomes[0]?.summary, '3 ready messages purged');
    await eventually('the queue is empty', async () => (await ready(QUEUE)) === 0);
    const history = await (await upkeep()).history.read(added[0]!.profile.id);
    assert.equal(history[0]?.kind, 'purge');
    report(`purge preview: ${preview.ops[0]?.text ?? ''} · ${preview.sizeText}`);
  });

  it('peek opens the messages in a content-provider (read-only) document and leaves them in the queue', async () => {
    await admin.call({ method: 'POST', path: ['exchanges', VHOST, 'amq.default', 'publish'], body: { properties: {}, routing_key: QUEUE, payload: '<script>alert(1)</script> ✓', payload_encoding: 'string' } });
    await eventually('one message', async () => (await ready(QUEUE)) === 1);
    const node = await queueNode(0, QUEUE);
    const r = await vscode.commands.executeCommand<{ uri?: vscode.Uri; messages?: unknown[] }>('upkeep.rabbitmq.peek', node, { count: 5 });
    assert.equal(prompter.previews.at(-1)?.ops[0]?.kind, 'peek');
    assert.equal(r.messages?.length, 1);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === r.uri?.toString());
    assert.ok(doc, 'the peek document is open');
    assert.equal(doc.uri.scheme, 'upkeep-rabbitmq-peek');
    assert.match(doc.getText(), /## Message 1\n[\s\S]*payload as text\n\n<script>alert\(1\)<\/script> ✓/);
    // A content provider's document: the editor shows it read-only, and it is never saved anywhere.
    assert.equal(doc.isUntitled, false);
    await eventually('the message is still there', async () => (await ready(QUEUE)) === 1);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await admin.call({ method: 'DELETE', path: ['queues', VHOST, QUEUE, 'contents'] });
    await eventually('empty again', async () => (await ready(QUEUE)) === 0);
  });

  it('the health report opens in the shared report panel, with the queue nobody consumes and its fixes', async () => {
    await admin.call({ method: 'POST', path: ['exchanges', VHOST, 'amq.default', 'publish'], body: { properties: {}, routing_key: QUEUE, payload: 'waiting', payload_encoding: 'string' } });
    await eventually('one message', async () => (await ready(QUEUE)) === 1);
    const api = await upkeep();
    const conn = await eventually('the connection node', async () => (await api.trees.rabbitmq.getChildren()).find((n) => n.id === `conn:${added[0]!.profile.id}`));
    const panel = await vscode.commands.executeCommand<ReportPanel>('upkeep.rabbitmq.report.health', conn);
    const r = await eventually('report computed', () => panel.lastReport, 60_000);
    assert.equal(r.title, 'RabbitMQ health');
    const finding = r.findings.find((f) => f.object === `${QUEUE} (vhost ${VHOST})`);
    assert.ok(finding, r.findings.map((f) => f.object).join(', '));
    assert.deepEqual(finding.fixes.map((f) => f.kind), ['purge', 'delete-queue']);
    report(`RabbitMQ health: ${r.findings.length} findings, e.g. ${finding.message}`);
    panel.panel.dispose();
    await admin.call({ method: 'DELETE', path: ['queues', VHOST, QUEUE, 'contents'] });
    await eventually('empty again', async () => (await ready(QUEUE)) === 0);
  });

  it('a read-only connection refuses the purge before anything is sent; production asks for the queue name typed', async () => {
    await admin.call({ method: 'POST', path: ['exchanges', VHOST, 'amq.default', 'publish'], body: { properties: {}, routing_key: QUEUE, payload: 'keep', payload_encoding: 'string' } });
    await eventually('one message', async () => (await ready(QUEUE)) === 1);
    const count = prompter.previews.length;
    const readOnly = await queueNode(1, QUEUE);
    await vscode.commands.executeCommand('upkeep.rabbitmq.purge', readOnly);
    assert.equal(prompter.previews.length, count, 'no preview on a read-only connection');
    assert.equal(await ready(QUEUE), 1);
    assert.deepEqual(await (await upkeep()).history.read(added[1]!.profile.id), []);

    const production = await queueNode(2, QUEUE);
    await vscode.commands.executeCommand('upkeep.rabbitmq.purge', production);
    assert.equal(prompter.previews.at(-1)?.typeName, QUEUE);
  });
});
