/**
 * The RabbitMQ tree's lists and their items: queues and exchanges of a
 * virtual host, client connections, channels, policies and users. Node kinds
 * commands rely on: 'rabbitmq-queue' (`profile`, `vhost`, `name`, `queue`),
 * 'rabbitmq-client-connection' (`profile`, `name`, `connection`),
 * 'rabbitmq-policy' (`profile`, `policy`), 'rabbitmq-vhost' (`profile`, `vhost`).
 */
import * as vscode from 'vscode';
import type { RabbitApi } from '../../core/rabbitmq/connection';
import {
  exchangeLabel, type Page, type PageRequest, queueFlags, type RabbitChannel, type RabbitConnection, type RabbitExchange, type RabbitPolicy, type RabbitQueue,
  readChannels, readConnections, readExchanges, readQueues,
} from '../../core/rabbitmq/resources';
import { formatAge, formatBytes } from '../../core/format';
import { escapeMd } from '../markdown';
import { childId, UpkeepNode } from '../node';
import { PagedListNode, type RabbitContext } from './lists';

const n = (x: number): string => x.toLocaleString('en-US');

export class QueuesNode extends PagedListNode<RabbitQueue> {
  override readonly nodeKind: string = 'rabbitmq-queues';
  protected readonly noun = 'queues';
  protected override readonly emptyText = 'No queues';
  constructor(parent: UpkeepNode & { vhost: string }, rabbit: RabbitContext) {
    super(childId(parent, 'queues', ''), parent, rabbit);
    this.vhost = parent.vhost;
  }
  readonly vhost: string;
  protected readPage(api: RabbitApi, req: PageRequest): Promise<Page<RabbitQueue>> {
    return readQueues(api, this.vhost, req);
  }
  protected itemNode(q: RabbitQueue): UpkeepNode {
    return new QueueNode(this, q);
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Queues', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('inbox');
    item.contextValue = 'upkeep.rabbitmq.queues';
    return item;
  }
}

export class QueueNode extends UpkeepNode {
  override readonly nodeKind: string = 'rabbitmq-queue';
  readonly vhost: string;
  readonly name: string;
  constructor(readonly list: QueuesNode, readonly queue: RabbitQueue) {
    super(childId(list, 'queue', queue.name), list);
    this.vhost = queue.vhost;
    this.name = queue.name;
  }
  get profile(): RabbitContext['profile'] {
    return this.list.profile;
  }
  toTreeItem(): vscode.TreeItem {
    const q = this.queue;
    const flags = queueFlags(q);
    const item = new vscode.TreeItem(q.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const warn = flags.unconsumed;
    item.iconPath = new vscode.ThemeIcon(warn ? 'warning' : q.type === 'stream' ? 'pulse' : 'inbox', warn ? new vscode.ThemeColor('editorWarning.foreground') : undefined);
    const words = [
      q.type,
      `${n(q.ready)} ready`,
      `${n(q.unacked)} unacked`,
      `${n(q.consumers)} consumer${q.consumers === 1 ? '' : 's'}`,
      q.state && q.state !== 'running' ? q.state : '',
      flags.unconsumed ? 'no consumers' : '',
      flags.growing ? 'growing' : '',
      flags.idle && q.state !== 'idle' ? 'idle' : '',
    ].filter(Boolean);
    item.description = words.join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(q.name)}** — ${escapeMd(q.type)} queue in vhost ${escapeMd(q.vhost)}\n\n`);
    md.appendMarkdown(`Ready: ${n(q.ready)} · unacknowledged: ${n(q.unacked)} · consumers: ${n(q.consumers)}  \n`);
    md.appendMarkdown(`State: ${escapeMd(q.state || 'n/a')}${q.idleSince ? ` · idle since ${escapeMd(q.idleSince)}` : ''}${q.memory === null ? '' : ` · memory ${formatBytes(q.memory)}`}  \n`);
    md.appendMarkdown([q.durable ? 'durable' : 'transient', q.exclusive ? 'exclusive' : '', q.autoDelete ? 'auto-delete' : '', q.policy ? `policy ${escapeMd(q.policy)}` : ''].filter(Boolean).join(' · '));
    if (flags.unconsumed) md.appendMarkdown('\n\n$(warning) Messages and no consumer: nothing reads this queue.');
    if (q.depthRate !== null) md.appendMarkdown(`\n\nDepth changes by ${q.depthRate.toFixed(1)} msg/s.`);
    item.tooltip = md;
    item.contextValue = ['upkeep.rabbitmq.queue', q.type, q.ready ? 'hasMessages' : '', flags.unconsumed ? 'unconsumed' : ''].filter(Boolean).join(' ');
    return item;
  }
}

export class ExchangesNode extends PagedListNode<RabbitExchange> {
  override readonly nodeKind: string = 'rabbitmq-exchanges';
  protected readonly noun = 'exchanges';
  readonly vhost: string;
  constructor(parent: UpkeepNode & { vhost: string }, rabbit: RabbitContext) {
    super(childId(parent, 'exchanges', ''), parent, rabbit);
    this.vhost = parent.vhost;
  }
  protected readPage(api: RabbitApi, req: PageRequest): Promise<Page<RabbitExchange>> {
    return readExchanges(api, this.vhost, req);
  }
  protected itemNode(x: RabbitExchange): UpkeepNode {
    return new LeafNode(childId(this, 'exchange', x.name), this, exchangeLabel(x.name), 'arrow-swap',
      [x.type, x.durable ? '' : 'transient', x.internal ? 'internal' : '', x.publishInRate === null ? '' : `${x.publishInRate.toFixed(1)} msg/s in`].filter(Boolean).join(' · '), 'upkeep.rabbitmq.exchange');
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Exchanges', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('arrow-swap');
    return item;
  }
}

export class ConnectionsNode extends PagedListNode<RabbitConnection> {
  override readonly nodeKind: string = 'rabbitmq-connections';
  protected readonly noun = 'connections';
  protected override readonly emptyText = 'No client connections';
  constructor(parent: UpkeepNode, rabbit: RabbitContext) {
    super(childId(parent, 'group', 'connections'), parent, rabbit);
  }
  protected readPage(api: RabbitApi, req: PageRequest): Promise<Page<RabbitConnection>> {
    return readConnections(api, req);
  }
  protected itemNode(c: RabbitConnection): UpkeepNode {
    return new ClientConnectionNode(this, c);
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Connections', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('plug');
    return item;
  }
}

export class ClientConnectionNode extends UpkeepNode {
  override readonly nodeKind: string = 'rabbitmq-client-connection';
  readonly name: string;
  constructor(readonly list: ConnectionsNode, readonly connection: RabbitConnection) {
    super(childId(list, 'connection', connection.name), list);
    this.name = connection.name;
  }
  get profile(): RabbitContext['profile'] {
    return this.list.profile;
  }
  toTreeItem(): vscode.TreeItem {
    const c = this.connection;
    const item = new vscode.TreeItem(c.client || c.peer || c.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const silent = c.heartbeat === 0;
    item.iconPath = new vscode.ThemeIcon('plug', silent ? new vscode.ThemeColor('editorWarning.foreground') : undefined);
    const since = c.connectedAt === null ? '' : `since ${formatAge(new Date(c.connectedAt))}`;
    item.description = [c.user, `vhost ${c.vhost}`, `${n(c.channels)} channel${c.channels === 1 ? '' : 's'}`, since, c.state && c.state !== 'running' ? c.state : '', silent ? 'no heartbeat' : ''].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(c.name)}**\n\nUser ${escapeMd(c.user)} · vhost ${escapeMd(c.vhost)} · ${escapeMd(c.protocol)}${c.tls ? ' over TLS' : ''}  \n`);
    if (c.client) md.appendMarkdown(`Client: ${escapeMd(c.client)}  \n`);
    md.appendMarkdown(`Heartbeat: ${c.heartbeat === null ? 'n/a' : c.heartbeat === 0 ? 'off' : `${c.heartbeat} s`}${c.connectedAt === null ? '' : ` · connected ${escapeMd(new Date(c.connectedAt).toISOString())}`}`);
    item.tooltip = md;
    item.contextValue = 'upkeep.rabbitmq.connection';
    return item;
  }
}

export class ChannelsNode extends PagedListNode<RabbitChannel> {
  override readonly nodeKind: string = 'rabbitmq-channels';
  protected readonly noun = 'channels';
  protected override readonly emptyText = 'No channels';
  constructor(parent: UpkeepNode, rabbit: RabbitContext) {
    super(childId(parent, 'group', 'channels'), parent, rabbit);
  }
  protected readPage(api: RabbitApi, req: PageRequest): Promise<Page<RabbitChannel>> {
    return readChannels(api, req);
  }
  protected itemNode(c: RabbitChannel): UpkeepNode {
    return new LeafNode(childId(this, 'channel', c.name), this, c.name, 'symbol-event',
      [c.user, `vhost ${c.vhost}`, `${n(c.consumers)} consumers`, `${n(c.unacked)} unacked`, `prefetch ${c.prefetch === 0 ? 'unlimited' : n(c.prefetch)}`].join(' · '), 'upkeep.rabbitmq.channel');
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Channels', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('symbol-event');
    return item;
  }
}

export class PolicyNode extends UpkeepNode {
  override readonly nodeKind: string = 'rabbitmq-policy';
  constructor(parent: UpkeepNode & { profile: RabbitContext['profile'] }, readonly policy: RabbitPolicy) {
    super(childId(parent, 'policy', `${policy.vhost}\u0000${policy.name}`), parent);
    this.profile = parent.profile;
  }
  readonly profile: RabbitContext['profile'];
  toTreeItem(): vscode.TreeItem {
    const p = this.policy;
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('law');
    item.description = `vhost ${p.vhost} · /${p.pattern}/ → ${p.applyTo} · priority ${p.priority}`;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(p.name)}** in vhost ${escapeMd(p.vhost)}\n\nPattern /${escapeMd(p.pattern)}/, applies to ${escapeMd(p.applyTo)}, priority ${p.priority}\n\n`);
    md.appendCodeblock(JSON.stringify(p.definition, null, 2), 'json');
    item.tooltip = md;
    item.contextValue = 'upkeep.rabbitmq.policy';
    return item;
  }
}

/** A leaf with a label, an icon and a description (exchanges, channels, users, facts). */
export class LeafNode extends UpkeepNode {
  constructor(id: string, parent: UpkeepNode, private readonly label: string, private readonly icon: string, private readonly description: string, private readonly contextValue: string, private readonly tooltip?: string | vscode.MarkdownString, private readonly colour?: string) {
    super(id, parent);
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.icon, this.colour ? new vscode.ThemeColor(this.colour) : undefined);
    item.description = this.description;
    item.tooltip = this.tooltip ?? `${this.label}${this.description ? ` — ${this.description}` : ''}`;
    item.contextValue = this.contextValue;
    return item;
  }
}
