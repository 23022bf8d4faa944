/** Images, volumes, networks and the disk-usage summary of a Docker connection. */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import { type DockerImage, type DockerNetwork, type DockerVolume, mapVolumes, shortId, volumeUnused } from '../../core/docker/resources';
import { type DiskUsage, type UsageLine } from '../../core/docker/diskUsage';
import { formatAge, formatBytes, formatCount } from '../../core/format';
import { escapeMd } from '../markdown';
import { type BackupTargetRef, childId, UpkeepNode } from '../node';
import type { DockerConnectionNode, DockerLists, GroupNode } from './nodes';
import { loadOrExplain } from './load';

export class ImageNode extends UpkeepNode {
  override readonly nodeKind: string = 'docker-image';
  readonly profile: ConnectionProfile;
  constructor(parent: GroupNode, readonly image: DockerImage) {
    super(childId(parent, 'image', image.id), parent);
    this.profile = parent.profile;
  }

  toTreeItem(): vscode.TreeItem {
    const i = this.image;
    const label = i.tags[0] ?? `<none> ${shortId(i.id)}`;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const unused = i.usedBy.length === 0;
    item.iconPath = new vscode.ThemeIcon(i.dangling ? 'warning' : 'file-binary', unused ? new vscode.ThemeColor('disabledForeground') : undefined);
    const more = i.tags.length > 1 ? `+${i.tags.length - 1} tags` : '';
    item.description = [
      i.dangling ? 'dangling' : '',
      more,
      formatBytes(i.size),
      `created ${formatAge(new Date(i.created * 1000))}`,
      unused ? 'unused' : `used by ${i.usedBy.length === 1 ? i.usedBy[0] ?? '' : `${i.usedBy.length} containers`}`,
    ].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(label)}** · ${escapeMd(shortId(i.id))}\n\n`);
    if (i.tags.length > 1) md.appendMarkdown(`Tags: ${i.tags.map(escapeMd).join(', ')}\n\n`);
    if (i.dangling) md.appendMarkdown('$(warning) Dangling: no tag points at it. `docker image prune` removes it when no container uses it.\n\n');
    md.appendMarkdown(`Size ${formatBytes(i.size)}${i.sharedSize ? ` (${formatBytes(i.sharedSize)} shared with other images)` : ''} · created ${escapeMd(new Date(i.created * 1000).toISOString())}\n\n`);
    md.appendMarkdown(unused ? 'No container uses it.' : `Used by ${i.usedBy.map(escapeMd).join(', ')}`);
    item.tooltip = md;
    item.contextValue = `upkeep.docker.image${i.dangling ? ' dangling' : ''}${unused ? ' unused' : ''}`;
    return item;
  }
}

/** Volumes need `system df` for sizes and reference counts: read when the group is expanded. */
export class VolumesLoader {
  constructor(private readonly group: GroupNode) {}

  async load(lists: DockerLists): Promise<UpkeepNode[]> {
    const { raw } = await this.group.connection.diskUsage();
    const volumes = mapVolumes(lists.volumesRaw, raw, lists.containers);
    return volumes.sort((a, b) => a.name.localeCompare(b.name)).map((v) => new VolumeNode(this.group, v));
  }
}

export class VolumeNode extends UpkeepNode {
  override readonly nodeKind: string = 'docker-volume';
  readonly profile: ConnectionProfile;
  readonly name: string;
  readonly inUse: boolean;
  constructor(parent: GroupNode, readonly volume: DockerVolume) {
    super(childId(parent, 'volume', volume.name), parent);
    this.profile = parent.profile;
    this.name = volume.name;
    this.inUse = !volumeUnused(volume);
  }

  /** The shared backup commands back up this volume (the Docker engine's "database"). */
  get backupTarget(): BackupTargetRef {
    return { profile: this.profile, database: this.name };
  }

  toTreeItem(): vscode.TreeItem {
    const v = this.volume;
    const label = v.anonymous ? shortId(v.name) : v.name;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('database', this.inUse ? undefined : new vscode.ThemeColor('disabledForeground'));
    item.description = [
      v.anonymous ? 'anonymous' : '',
      v.size !== undefined ? formatBytes(v.size) : 'size unknown',
      this.inUse ? `${v.refCount ?? v.usedBy.length} ref${(v.refCount ?? v.usedBy.length) === 1 ? '' : 's'}${v.usedBy.length ? `: ${v.usedBy.slice(0, 3).join(', ')}${v.usedBy.length > 3 ? '…' : ''}` : ''}` : 'unused',
      v.driver !== 'local' ? v.driver : '',
    ].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(v.name)}**${v.anonymous ? ' (anonymous)' : ''} — driver ${escapeMd(v.driver)}\n\n`);
    md.appendMarkdown(`Size ${v.size !== undefined ? formatBytes(v.size) : 'not measured by the engine'} · ${this.inUse ? `referenced by ${v.refCount ?? v.usedBy.length}` : 'unused: a volume prune can remove it'}\n\n`);
    if (v.usedBy.length) md.appendMarkdown(`Mounted by ${v.usedBy.map(escapeMd).join(', ')}\n\n`);
    const labels = Object.entries(v.labels);
    if (labels.length) md.appendMarkdown(`Labels:\n\n${labels.slice(0, 20).map(([k, x]) => `- ${escapeMd(k)} = ${escapeMd(x)}`).join('\n')}`);
    item.tooltip = md;
    item.contextValue = `upkeep.docker.volume${this.inUse ? ' inuse' : ' unused'}${v.anonymous ? ' anonymous' : ''}`;
    return item;
  }
}

export class NetworkNode extends UpkeepNode {
  override readonly nodeKind: string = 'docker-network';
  readonly profile: ConnectionProfile;
  constructor(parent: GroupNode, readonly network: DockerNetwork) {
    super(childId(parent, 'network', network.id || network.name), parent);
    this.profile = parent.profile;
  }

  toTreeItem(): vscode.TreeItem {
    const n = this.network;
    const item = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('type-hierarchy', n.containers.length || n.predefined ? undefined : new vscode.ThemeColor('disabledForeground'));
    item.description = [n.driver, n.scope !== 'local' ? n.scope : '', n.predefined ? 'built-in' : '', n.containers.length ? `${n.containers.length} container${n.containers.length === 1 ? '' : 's'}` : 'no containers']
      .filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(n.name)}** — ${escapeMd(n.driver)}, ${escapeMd(n.scope)} scope${n.internal ? ', internal' : ''}\n\n`);
    md.appendMarkdown(n.containers.length ? `Containers: ${n.containers.map((c) => `${escapeMd(c)}${n.running.includes(c) ? '' : ' (stopped)'}`).join(', ')}` : 'No container is attached.');
    item.tooltip = md;
    item.contextValue = `upkeep.docker.network${n.predefined ? ' predefined' : ''}`;
    return item;
  }
}

const USAGE_KINDS = [
  { key: 'images', label: 'Images', icon: 'file-binary' },
  { key: 'containers', label: 'Containers', icon: 'package' },
  { key: 'volumes', label: 'Local volumes', icon: 'database' },
  { key: 'buildCache', label: 'Build cache', icon: 'archive' },
] as const;

/** `docker system df`: measured when expanded (it walks every volume and writable layer), then summarised on the node. */
export class DiskUsageNode extends UpkeepNode {
  override readonly nodeKind: string = 'docker-disk-usage';
  readonly profile: ConnectionProfile;
  private usage: DiskUsage | undefined;
  constructor(readonly connection: DockerConnectionNode) {
    super(childId(connection, 'disk', 'usage'), connection);
    this.profile = connection.profile;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Disk usage', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('pie-chart');
    const u = this.usage;
    item.description = u ? `${formatBytes(u.total)} · ${formatBytes(u.reclaimable)} reclaimable` : 'system df (expand to measure)';
    item.tooltip = u ? usageTooltip(u) : 'Expand to measure: the engine adds up every image, writable layer, volume and build cache record.';
    item.contextValue = 'upkeep.docker.diskUsage';
    return item;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.connection, async () => {
      const first = this.usage === undefined;
      const { usage } = await this.connection.diskUsage();
      this.usage = usage;
      // The node's own line (total, reclaimable) is known only now.
      if (first) this.connection.ctx.changed(this);
      return USAGE_KINDS.map((k) => new UsageLineNode(this, k.key, k.label, k.icon, usage[k.key]));
    });
  }
}

function percent(part: number, whole: number): string {
  return whole > 0 ? ` (${Math.round((100 * part) / whole)}%)` : '';
}

function usageTooltip(u: DiskUsage): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**Disk usage** — ${formatBytes(u.total)}, ${formatBytes(u.reclaimable)} reclaimable\n\n`);
  md.appendMarkdown('| | count | active | size | reclaimable |\n|---|---:|---:|---:|---:|\n');
  for (const k of USAGE_KINDS) {
    const l = u[k.key];
    md.appendMarkdown(`| ${k.label} | ${formatCount(l.count)} | ${formatCount(l.active)} | ${formatBytes(l.size)} | ${formatBytes(l.reclaimable)}${percent(l.reclaimable, l.size)} |\n`);
  }
  return md;
}

export class UsageLineNode extends UpkeepNode {
  override readonly nodeKind: string = 'docker-usage-line';
  constructor(parent: DiskUsageNode, readonly kind: string, private readonly label: string, private readonly icon: string, readonly line: UsageLine) {
    super(childId(parent, 'usage', kind), parent);
  }

  toTreeItem(): vscode.TreeItem {
    const l = this.line;
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.description = `${formatBytes(l.size)} · ${formatBytes(l.reclaimable)} reclaimable${percent(l.reclaimable, l.size)} · ${formatCount(l.count)} (${formatCount(l.active)} active)`;
    item.tooltip = `${this.label}: ${formatCount(l.count)}, ${formatCount(l.active)} active; ${formatBytes(l.size)} in total, ${formatBytes(l.reclaimable)} reclaimable.`;
    item.contextValue = `upkeep.docker.usage ${this.kind}`;
    return item;
  }
}
