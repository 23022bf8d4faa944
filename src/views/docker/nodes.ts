/**
 * Docker's tree: connection → Containers (by Compose project), Images,
 * Volumes, Networks, Disk usage. The connection node reads the four lists at
 * once (the first level's counts) and keeps them until the next refresh;
 * `system df`, which measures every volume and writable layer, is read only
 * when Volumes or Disk usage is expanded.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { DockerSession } from '../../core/docker/connection';
import { type DockerContainer, type DockerOverview, groupByProject, portsText, readOverview } from '../../core/docker/resources';
import { type DiskUsage, readDiskUsage } from '../../core/docker/diskUsage';
import { DATABASE_KINDS, type DatabaseKind, recogniseDatabase } from '../../core/docker/discovery';
import type Dockerode from 'dockerode';
import type { ProfileScope } from '../../connections/profileStore';
import type { ConnectionService } from '../../connections/connectionService';
import { ConnectionNode } from '../connectionNode';
import { escapeMd } from '../markdown';
import { childId, MessageNode, UpkeepNode } from '../node';
import type { TreeContext } from '../registry';
import { formatAge, formatCount } from '../../core/format';
import { watch, watchState } from './watch';
import { loadOrExplain } from './load';
import { DiskUsageNode, ImageNode, NetworkNode, VolumesLoader } from './resourceNodes';

/** What the connection node read at its last listing. */
export type DockerLists = DockerOverview;

export class DockerConnectionNode extends ConnectionNode {
  override readonly nodeKind: string = 'docker-connection';
  private lists: Promise<DockerLists> | undefined;
  private df: Promise<{ raw: unknown; usage: DiskUsage }> | undefined;

  constructor(profile: ConnectionProfile, scope: ProfileScope, readonly ctx: TreeContext) {
    super(profile, scope, ctx.connections, true);
  }

  get services(): ConnectionService {
    return this.ctx.connections;
  }

  async docker(): Promise<Dockerode> {
    return ((await this.ctx.connections.session(this.profile)) as DockerSession).docker;
  }

  /** The four lists, read together and kept until the next refresh. */
  readLists(): Promise<DockerLists> {
    this.lists ??= this.docker().then(readOverview);
    this.lists.catch(() => (this.lists = undefined));
    return this.lists;
  }

  /** `system df`, read at most once per refresh. */
  diskUsage(): Promise<{ raw: unknown; usage: DiskUsage }> {
    this.df ??= this.docker().then(readDiskUsage);
    this.df.catch(() => (this.df = undefined));
    return this.df;
  }

  override invalidate(): void {
    this.lists = undefined;
    this.df = undefined;
  }

  override toTreeItem(): vscode.TreeItem {
    const item = super.toTreeItem();
    const w = watchState(this.profile.id);
    if (w?.state === 'lost' && w.running) {
      item.description = `${typeof item.description === 'string' ? item.description : ''} · live updates lost`;
      if (item.tooltip instanceof vscode.MarkdownString) {
        item.tooltip.appendMarkdown(`\n\n$(warning) Live updates lost: ${escapeMd(w.error)}. Reconnecting in ${Math.round(w.retryInMs / 1000)} s (try ${w.attempt}).`);
      }
    } else if (w?.state === 'live' && item.tooltip instanceof vscode.MarkdownString) {
      item.tooltip.appendMarkdown('\n\n$(pulse) Live: the engine\'s events refresh this tree while it is visible.');
    }
    return item;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    watch({ profile: this.profile, reload: () => this.reload(), redraw: () => this.ctx.changed(this) }, this.ctx);
    return loadOrExplain(this, this, async () => {
      const lists = await this.readLists();
      this.ctx.connections.recordSuccess(this.profile, `${lists.containers.length} containers`);
      const w = watchState(this.profile.id);
      const lost = w?.state === 'lost' && w.running
        ? [new MessageNode(this, `Live updates lost: reconnecting in ${Math.round(w.retryInMs / 1000)} s`, 'error', `The engine's event stream ended (${w.error}). Upkeep reconnects with a growing delay; the tree shows what it read last.`)]
        : [];
      return [
        ...lost,
        new GroupNode(this, 'containers', lists),
        new GroupNode(this, 'images', lists),
        new GroupNode(this, 'volumes', lists),
        new GroupNode(this, 'networks', lists),
        new DiskUsageNode(this),
      ];
    });
  }

  /** Forget the lists and re-render this connection's subtree. */
  reload(): void {
    this.invalidate();
    this.ctx.changed(this);
  }
}

export type GroupKind = 'containers' | 'images' | 'volumes' | 'networks';

const GROUP_LABELS: Record<GroupKind, { label: string; icon: string }> = {
  containers: { label: 'Containers', icon: 'package' },
  images: { label: 'Images', icon: 'file-binary' },
  volumes: { label: 'Volumes', icon: 'database' },
  networks: { label: 'Networks', icon: 'type-hierarchy' },
};

export class GroupNode extends UpkeepNode {
  override readonly nodeKind: string = 'docker-group';
  constructor(readonly connection: DockerConnectionNode, readonly group: GroupKind, private readonly lists: DockerLists) {
    super(childId(connection, 'group', group), connection);
  }

  get profile(): ConnectionProfile {
    return this.connection.profile;
  }

  toTreeItem(): vscode.TreeItem {
    const g = GROUP_LABELS[this.group];
    const item = new vscode.TreeItem(g.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(g.icon);
    const l = this.lists;
    const vols = (l.volumesRaw as { Volumes?: unknown[] } | undefined)?.Volumes?.length ?? 0;
    item.description = {
      containers: `${formatCount(l.containers.length)} (${formatCount(l.containers.filter((c) => c.state === 'running').length)} running)`,
      images: `${formatCount(l.images.length)}${l.images.some((i) => i.dangling) ? ` (${formatCount(l.images.filter((i) => i.dangling).length)} dangling)` : ''}`,
      volumes: formatCount(vols),
      networks: formatCount(l.networks.length),
    }[this.group];
    item.contextValue = `upkeep.docker.group ${this.group}`;
    return item;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.connection, async () => {
      const l = this.lists;
      switch (this.group) {
        case 'containers': {
          const { projects, loose } = groupByProject(l.containers);
          return [...projects.map((p) => new ProjectNode(this, p.project, p.containers)), ...loose.map((c) => new ContainerNode(this, c))];
        }
        case 'images':
          return [...l.images].sort((a, b) => (a.tags[0] ?? '\uffff').localeCompare(b.tags[0] ?? '\uffff')).map((i) => new ImageNode(this, i));
        case 'networks':
          return [...l.networks].sort((a, b) => a.name.localeCompare(b.name)).map((n) => new NetworkNode(this, n));
        case 'volumes':
          return new VolumesLoader(this).load(l);
      }
    });
  }
}

/** A Compose project: its containers, by the com.docker.compose.project label. */
export class ProjectNode extends UpkeepNode {
  override readonly nodeKind: string = 'docker-project';
  readonly profile: ConnectionProfile;
  readonly containers: { id: string; name: string; state: string }[];
  constructor(parent: GroupNode, readonly project: string, private readonly members: DockerContainer[]) {
    super(childId(parent, 'project', project), parent);
    this.profile = parent.profile;
    this.containers = members.map((c) => ({ id: c.id, name: c.name, state: c.state }));
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.project, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const running = this.members.filter((c) => c.state === 'running').length;
    item.iconPath = new vscode.ThemeIcon('layers', running ? undefined : new vscode.ThemeColor('disabledForeground'));
    item.description = `Compose · ${running} of ${this.members.length} running`;
    const md = new vscode.MarkdownString(`**${escapeMd(this.project)}** — Compose project\n\n`);
    md.appendMarkdown(this.members.map((c) => `- ${escapeMd(c.name)}: ${escapeMd(c.state)}`).join('\n'));
    item.tooltip = md;
    item.contextValue = 'upkeep.docker.project';
    return item;
  }

  override getChildren(): Promise<UpkeepNode[]> {
    return Promise.resolve(this.members.map((c) => new ContainerNode(this, c)));
  }
}

/** running / paused / stopped: the word menus match on. */
export function stateWord(state: string): 'running' | 'paused' | 'stopped' {
  return state === 'running' || state === 'restarting' ? 'running' : state === 'paused' ? 'paused' : 'stopped';
}

/**
 * A container. Its `id` is the container's id (what commands act on, the
 * contract other Docker commands rely on); the tree item's id is
 * `treeId`, unique across connections.
 */
export class ContainerNode extends UpkeepNode {
  override readonly nodeKind: string = 'docker-container';
  readonly profile: ConnectionProfile;
  readonly treeId: string;
  readonly name: string;
  readonly state: string;
  readonly project?: string;
  readonly database?: DatabaseKind;
  constructor(parent: GroupNode | ProjectNode, readonly container: DockerContainer) {
    super(container.id, parent);
    this.treeId = childId(parent, 'container', container.id);
    this.profile = parent.profile;
    this.name = container.name;
    this.state = container.state;
    if (container.project) this.project = container.project;
    const db = recogniseDatabase([container.image], container.labels);
    if (db) this.database = db;
  }

  toTreeItem(): vscode.TreeItem {
    const c = this.container;
    const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.treeId;
    const word = stateWord(c.state);
    const health = c.health === 'unhealthy' ? new vscode.ThemeColor('errorForeground') : c.health === 'starting' ? new vscode.ThemeColor('editorWarning.foreground') : undefined;
    const colour = word === 'stopped' ? new vscode.ThemeColor('disabledForeground') : health ?? (word === 'running' ? new vscode.ThemeColor('testing.iconPassed') : undefined);
    item.iconPath = new vscode.ThemeIcon(this.database ? 'database' : word === 'paused' ? 'debug-pause' : word === 'running' ? 'vm-running' : 'vm', colour);
    const badge = this.database ? DATABASE_KINDS[this.database].label : '';
    item.description = [badge, c.health ? `${c.state} (${c.health})` : c.state, c.image, portsText(c.ports), uptime(c)].filter(Boolean).join(' · ');
    item.tooltip = containerTooltip(c, badge);
    item.contextValue = ['upkeep.docker.container', word, this.database ? 'database' : '', this.database && DATABASE_KINDS[this.database].engine ? 'connectable' : ''].filter(Boolean).join(' ');
    return item;
  }
}

function uptime(c: DockerContainer): string {
  // The engine's own words: "Up 3 hours", "Exited (0) 2 minutes ago".
  return c.status.replace(/\s*\((healthy|unhealthy|health: starting)\)/, '');
}

function containerTooltip(c: DockerContainer, badge: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escapeMd(c.name)}**${badge ? ` — ${escapeMd(badge)}` : ''}\n\n`);
  md.appendMarkdown(`${escapeMd(c.status || c.state)} · image ${escapeMd(c.image)} · created ${escapeMd(formatAge(new Date(c.created * 1000)))}\n\n`);
  if (c.ports.length) md.appendMarkdown(`Ports: ${escapeMd(portsText(c.ports))}\n\n`);
  if (c.project) md.appendMarkdown(`Compose project ${escapeMd(c.project)}${c.service ? `, service ${escapeMd(c.service)}` : ''}\n\n`);
  const labels = Object.entries(c.labels).filter(([k]) => !k.startsWith('com.docker.compose.'));
  if (labels.length) md.appendMarkdown(`Labels:\n\n${labels.slice(0, 20).map(([k, v]) => `- ${escapeMd(k)} = ${escapeMd(v)}`).join('\n')}\n\n`);
  if (badge && !c.labels['upkeep.database']) md.appendMarkdown(`$(database) ${escapeMd(badge)} container${badge === 'RabbitMQ' ? ' (RabbitMQ is not an Upkeep engine yet: badge only)' : ': Create Connection… makes a connection from its ports and environment'}.`);
  return md;
}
