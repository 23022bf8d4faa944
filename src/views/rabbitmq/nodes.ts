/**
 * RabbitMQ's tree: connection → Overview (versions, totals, message rates
 * where the server collects them) → Nodes (memory and disk against their
 * watermarks, file descriptors, alarms) → Virtual hosts (each: Queues,
 * Exchanges) → Connections, Channels, Policies, Users. The connection node
 * reads /api/overview once per refresh; each group reads its own list when
 * it is expanded.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { ProfileScope } from '../../connections/profileStore';
import type { RabbitApi, RabbitOverview, RabbitSession } from '../../core/rabbitmq/connection';
import { readOverview } from '../../core/rabbitmq/connection';
import { type RabbitNode, type RabbitPolicy, readNodes, readPolicies, readUsers, readVhosts } from '../../core/rabbitmq/resources';
import { formatBytes } from '../../core/format';
import { ConnectionNode } from '../connectionNode';
import { escapeMd } from '../markdown';
import { childId, MessageNode, UpkeepNode } from '../node';
import type { TreeContext } from '../registry';
import type { RabbitContext } from './lists';
import { ChannelsNode, ConnectionsNode, ExchangesNode, LeafNode, PolicyNode, QueuesNode } from './itemNodes';

const n = (x: number): string => x.toLocaleString('en-US');

export class RabbitConnectionNode extends ConnectionNode {
  override readonly nodeKind: string = 'rabbitmq-connection';
  private overview: Promise<RabbitOverview> | undefined;
  readonly rabbit: RabbitContext;

  constructor(profile: ConnectionProfile, scope: ProfileScope, readonly ctx: TreeContext) {
    super(profile, scope, ctx.connections, true);
    this.rabbit = {
      profile,
      api: async () => ((await ctx.connections.session(profile)) as RabbitSession).api,
      explain: async (parent, err) => {
        const problem = await ctx.connections.recordFailure(profile, err, 'catalog');
        return new MessageNode(parent, problem.message, 'error', problem.message);
      },
      changed: (node) => ctx.changed(node),
    };
  }

  readOverview(): Promise<RabbitOverview> {
    this.overview ??= this.rabbit.api().then((api: RabbitApi) => readOverview(api));
    this.overview.catch(() => (this.overview = undefined));
    return this.overview;
  }

  override invalidate(): void {
    this.overview = undefined;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    try {
      const o = await this.readOverview();
      this.ctx.connections.recordSuccess(this.profile, `RabbitMQ ${o.rabbitmqVersion} on Erlang ${o.erlangVersion}`);
      return [
        new OverviewNode(this, o),
        new NodesNode(this),
        new VhostsNode(this),
        new ConnectionsNode(this, this.rabbit),
        new ChannelsNode(this, this.rabbit),
        new PoliciesNode(this),
        new UsersNode(this),
      ];
    } catch (err) {
      return [await this.rabbit.explain(this, err)];
    }
  }
}

/** A group that reads one small list when expanded (nodes, vhosts, policies, users: not paged by the API). */
abstract class ListGroupNode<T> extends UpkeepNode {
  constructor(readonly connection: RabbitConnectionNode, group: string, private readonly label: string, private readonly icon: string) {
    super(childId(connection, 'group', group), connection);
  }
  get profile(): ConnectionProfile {
    return this.connection.profile;
  }
  protected abstract read(api: RabbitApi): Promise<T[]>;
  protected abstract node(item: T): UpkeepNode;
  protected readonly contextValue: string = 'upkeep.rabbitmq.group';
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.contextValue = this.contextValue;
    return item;
  }
  override async getChildren(): Promise<UpkeepNode[]> {
    try {
      const items = await this.read(await this.connection.rabbit.api());
      return items.length ? items.map((i) => this.node(i)) : [new MessageNode(this, 'None', 'info')];
    } catch (err) {
      return [await this.connection.rabbit.explain(this, err)];
    }
  }
}

class OverviewNode extends UpkeepNode {
  constructor(readonly connection: RabbitConnectionNode, private readonly o: RabbitOverview) {
    super(childId(connection, 'group', 'overview'), connection);
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Overview', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('dashboard');
    const t = this.o.raw.queue_totals;
    item.description = `RabbitMQ ${this.o.rabbitmqVersion}${t ? ` · ${n(t.messages ?? 0)} messages` : ''}`;
    return item;
  }
  override getChildren(): Promise<UpkeepNode[]> {
    const o = this.o;
    const fact = (key: string, label: string, value: string, icon = 'info'): UpkeepNode => new LeafNode(childId(this, 'fact', key), this, label, icon, value, 'upkeep.rabbitmq.fact');
    const t = o.raw.queue_totals ?? {};
    const ob = o.raw.object_totals ?? {};
    const facts = [
      fact('version', 'RabbitMQ', o.rabbitmqVersion, 'versions'),
      fact('erlang', 'Erlang', o.erlangVersion, 'versions'),
      fact('cluster', 'Cluster', o.clusterName || 'n/a', 'server-environment'),
      fact('messages', 'Messages', `${n(t.messages ?? 0)} (${n(t.messages_ready ?? 0)} ready, ${n(t.messages_unacknowledged ?? 0)} unacked)`, 'mail'),
      fact('objects', 'Objects', `${n(ob.queues ?? 0)} queues · ${n(ob.exchanges ?? 0)} exchanges · ${n(ob.connections ?? 0)} connections · ${n(ob.channels ?? 0)} channels · ${n(ob.consumers ?? 0)} consumers`, 'symbol-namespace'),
    ];
    if (!o.ratesCollected) {
      facts.push(new MessageNode(this, 'Message rates are not collected on this server', 'info',
        'The server has metrics collection turned off (management_agent.disable_metrics_collector = true, as in the official container images): the API gives counts but no rates. Prometheus (rabbitmq_prometheus) still has them.'));
      return Promise.resolve(facts);
    }
    const stats = o.raw.message_stats ?? {};
    const rate = (key: string): string => {
      const d = stats[`${key}_details`] as { rate?: number } | undefined;
      return d?.rate === undefined ? 'n/a' : `${d.rate.toFixed(1)}/s`;
    };
    facts.push(fact('rates', 'Message rates', `publish ${rate('publish')} · deliver ${rate('deliver_get')} · ack ${rate('ack')} · redeliver ${rate('redeliver')}`, 'pulse'));
    return Promise.resolve(facts);
  }
}

const pct = (used: number | null, total: number | null): string => (used !== null && total ? `${((100 * used) / total).toFixed(0)}%` : 'n/a');

class NodesNode extends ListGroupNode<RabbitNode> {
  constructor(connection: RabbitConnectionNode) {
    super(connection, 'nodes', 'Nodes', 'server');
  }
  protected read(api: RabbitApi): Promise<RabbitNode[]> {
    return readNodes(api);
  }
  protected node(x: RabbitNode): UpkeepNode {
    const alarms = [x.memAlarm ? 'MEMORY ALARM' : '', x.diskAlarm ? 'DISK ALARM' : '', x.running ? '' : 'NOT RUNNING'].filter(Boolean);
    const description = [
      ...alarms,
      `memory ${formatBytes(x.memUsed)} of ${formatBytes(x.memLimit)} (${pct(x.memUsed, x.memLimit)})`,
      `disk free ${formatBytes(x.diskFree)} (limit ${formatBytes(x.diskFreeLimit)})`,
      x.fdUsed === null ? '' : `fds ${n(x.fdUsed)}/${n(x.fdTotal ?? 0)}`,
    ].filter(Boolean).join(' · ');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**${escapeMd(x.name)}** (${escapeMd(x.type || 'disc')} node)\n\n${escapeMd(description)}\n\n`);
    tooltip.appendMarkdown('Publishers are blocked when memory reaches the high watermark or free disk falls below its limit (an alarm).');
    return new LeafNode(childId(this, 'node', x.name), this, x.name, alarms.length ? 'error' : 'server', description, `upkeep.rabbitmq.node${alarms.length ? ' alarm' : ''}`, tooltip, alarms.length ? 'errorForeground' : undefined);
  }
}

/** A virtual host: its queues and exchanges. */
export class VhostNode extends UpkeepNode {
  override readonly nodeKind: string = 'rabbitmq-vhost';
  readonly profile: ConnectionProfile;
  constructor(parent: VhostsNode, readonly vhost: string, private readonly messages: number, private readonly rabbit: RabbitContext) {
    super(childId(parent, 'vhost', vhost), parent);
    this.profile = rabbit.profile;
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.vhost, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('folder-library');
    item.description = `${n(this.messages)} messages`;
    item.contextValue = 'upkeep.rabbitmq.vhost';
    return item;
  }
  override getChildren(): Promise<UpkeepNode[]> {
    return Promise.resolve([new QueuesNode(this, this.rabbit), new ExchangesNode(this, this.rabbit)]);
  }
}

class VhostsNode extends ListGroupNode<{ name: string; messages: number }> {
  constructor(connection: RabbitConnectionNode) {
    super(connection, 'vhosts', 'Virtual hosts', 'folder-library');
  }
  protected read(api: RabbitApi): Promise<{ name: string; messages: number }[]> {
    return readVhosts(api);
  }
  protected node(v: { name: string; messages: number }): UpkeepNode {
    return new VhostNode(this, v.name, v.messages, this.connection.rabbit);
  }
}

class PoliciesNode extends ListGroupNode<RabbitPolicy> {
  override readonly nodeKind: string = 'rabbitmq-policies';
  protected override readonly contextValue = 'upkeep.rabbitmq.policies';
  constructor(connection: RabbitConnectionNode) {
    super(connection, 'policies', 'Policies', 'law');
  }
  protected read(api: RabbitApi): Promise<RabbitPolicy[]> {
    return readPolicies(api);
  }
  protected node(p: RabbitPolicy): UpkeepNode {
    return new PolicyNode(this, p);
  }
}

class UsersNode extends ListGroupNode<{ name: string; tags: string[] }> {
  constructor(connection: RabbitConnectionNode) {
    super(connection, 'users', 'Users', 'account');
  }
  protected read(api: RabbitApi): Promise<{ name: string; tags: string[] }[]> {
    return readUsers(api);
  }
  protected node(u: { name: string; tags: string[] }): UpkeepNode {
    const admin = u.tags.includes('administrator');
    return new LeafNode(childId(this, 'user', u.name), this, u.name, admin ? 'shield' : 'account', u.tags.length ? u.tags.join(', ') : 'no tags (cannot use the management API)', 'upkeep.rabbitmq.user');
  }
}
