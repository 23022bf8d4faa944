import * as vscode from 'vscode';
import { type ConnectionProfile, describeTarget, engineLabel } from '../core/connections/profile';
import type { ConnectionService, ConnectionStatus } from '../connections/connectionService';
import type { ProfileScope } from '../connections/profileStore';
import { escapeMd } from './markdown';
import { UpkeepNode } from './node';

export const CONNECTION_URI_SCHEME = 'upkeep-connection';

/**
 * A connection at the top of an engine's view. Its icon is its live status;
 * production and read-only show as a coloured label and a badge (see
 * ConnectionDecorations), so they stay visible whatever the status.
 */
export class ConnectionNode extends UpkeepNode {
  override readonly nodeKind: string = 'connection';
  constructor(
    readonly profile: ConnectionProfile,
    readonly scope: ProfileScope,
    protected readonly connections: ConnectionService,
    private readonly expandable: boolean,
  ) {
    super(`conn:${profile.id}`, undefined);
  }

  toTreeItem(): vscode.TreeItem {
    const status = this.connections.status(this.profile.id);
    // Drawing a node checks it, within the workspace-trust and password-binding rules (never a prompt).
    if (status.state === 'unknown') this.connections.autoCheck(this.profile, this.scope);
    const item = new vscode.TreeItem(this.profile.name, this.expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.resourceUri = vscode.Uri.from({ scheme: CONNECTION_URI_SCHEME, path: `/${this.profile.id}` });
    item.iconPath = statusIcon(status);
    const flags = [this.profile.production ? 'production' : '', this.profile.readOnly ? 'read-only' : ''].filter(Boolean);
    item.description = [describeTarget(this.profile), ...flags].join(' · ');
    item.tooltip = connectionTooltip(this.profile, this.scope, status);
    item.contextValue = [
      'upkeep.connection',
      `engine-${this.profile.engine}`,
      this.profile.production ? 'production' : '',
      this.profile.readOnly ? 'readonly' : '',
      status.state === 'error' ? 'error' : '',
      status.state === 'error' && status.problem.kind === 'password-elsewhere' ? 'password-elsewhere' : '',
      status.state === 'held' ? 'held' : '',
    ].filter(Boolean).join(' ');
    return item;
  }
}

export function statusIcon(status: ConnectionStatus): vscode.ThemeIcon {
  switch (status.state) {
    case 'connected':
      return new vscode.ThemeIcon('server', new vscode.ThemeColor('testing.iconPassed'));
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'checking':
      return new vscode.ThemeIcon('loading~spin');
    case 'held':
      return new vscode.ThemeIcon('workspace-untrusted');
    case 'unknown':
      return new vscode.ThemeIcon('circle-outline');
  }
}

function connectionTooltip(profile: ConnectionProfile, scope: ProfileScope, status: ConnectionStatus): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(profile.name)}** — ${engineLabel(profile.engine)}\n\n`);
  md.appendMarkdown(`${escapeMd(describeTarget(profile))} · TLS ${profile.tls} · saved in ${scope} settings\n\n`);
  if (profile.production) md.appendMarkdown('$(flame) **Production**: blocking and destructive actions need the name typed.\n\n');
  if (profile.readOnly) md.appendMarkdown('$(lock) **Read-only**: maintenance actions are refused.\n\n');
  if (profile.container) md.appendMarkdown(`$(package) Runs in container **${escapeMd(profile.container.name)}**: when it is not running, the status says so.\n\n`);
  switch (status.state) {
    case 'connected':
      md.appendMarkdown(`$(pass) Connected: ${escapeMd(status.summary)}`);
      break;
    case 'error':
      md.appendMarkdown(`$(error) ${escapeMd(status.problem.message)}`);
      break;
    case 'checking':
      md.appendMarkdown('Checking…');
      break;
    case 'held':
      md.appendMarkdown(`$(workspace-untrusted) ${escapeMd(status.reason)}`);
      break;
    case 'unknown':
      md.appendMarkdown('Not checked yet.');
  }
  return md;
}

/** Markdown text from server or user data: no links, no HTML, no emphasis (views/markdown.ts). */
export { escapeMd };

/** Colours production connections and badges read-only ones, by the node's resource URI. */
export class ConnectionDecorations implements vscode.FileDecorationProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;

  constructor(private readonly lookup: (id: string) => ConnectionProfile | undefined) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== CONNECTION_URI_SCHEME) return undefined;
    const profile = this.lookup(uri.path.slice(1));
    if (!profile) return undefined;
    if (profile.production) {
      return new vscode.FileDecoration('P', profile.readOnly ? 'Production, read-only' : 'Production', new vscode.ThemeColor('upkeep.productionConnection'));
    }
    if (profile.readOnly) return new vscode.FileDecoration('RO', 'Read-only');
    return undefined;
  }
}
