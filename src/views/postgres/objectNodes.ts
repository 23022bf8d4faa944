/** PostgreSQL nodes under a table and a database: indexes, sessions, roles, extensions. */
import * as vscode from 'vscode';
import { formatAge, formatBytes, formatCount } from '../../core/format';
import type { PgIndex, PgRole, PgSession, PgExtension } from '../../core/postgres/objects';
import type { IndexFlags } from '../../core/postgres/health';
import { codeBlock, escapeMd } from '../markdown';
import { childId, UpkeepNode } from '../node';

export class PgIndexNode extends UpkeepNode {
  override readonly nodeKind: string = 'pg-index';
  constructor(parent: UpkeepNode, readonly index: PgIndex, readonly flags: IndexFlags) {
    super(childId(parent, 'index', index.name), parent);
  }

  toTreeItem(): vscode.TreeItem {
    const ix = this.index;
    const item = new vscode.TreeItem(ix.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const tags = [ix.primary ? 'primary key' : ix.unique ? 'unique' : '', this.flags.invalid ? 'INVALID' : '', this.flags.unused ? 'unused' : '', this.flags.duplicateOf ? `duplicate of ${this.flags.duplicateOf}` : ''].filter(Boolean);
    item.description = [`${formatBytes(ix.sizeBytes)}${ix.locked ? ' (est.)' : ''}`, `${formatCount(ix.scans)} scans`, ...tags, ix.locked ? 'locked' : ''].filter(Boolean).join(' · ');
    const problem = this.flags.invalid || this.flags.unused || this.flags.duplicateOf !== undefined;
    item.iconPath = this.flags.invalid
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
      : problem
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
        : new vscode.ThemeIcon(ix.primary ? 'key' : 'list-tree');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(ix.definition ? codeBlock(ix.definition, 'sql') : `${escapeMd(ix.name)}: definition not read while the table is locked\n\n`);
    md.appendMarkdown(`\n${formatBytes(ix.sizeBytes)}${ix.locked ? ' (estimate: locked)' : ''} · ${ix.scans.toLocaleString('en-US')} scans · ${ix.tuplesRead.toLocaleString('en-US')} tuples read · ${ix.tuplesFetched.toLocaleString('en-US')} fetched\n\n`);
    if (this.flags.invalid) md.appendMarkdown('**Invalid**: left by a failed or cancelled `CREATE INDEX CONCURRENTLY`. It costs writes and serves no reads: drop it or rebuild it.\n\n');
    if (this.flags.unused) md.appendMarkdown('**Unused**: no scans since statistics were last reset, and it enforces nothing.\n\n');
    if (this.flags.duplicateOf) md.appendMarkdown(`**Duplicate**: ${escapeMd(this.flags.duplicateOf)} has the same leading keys (operator classes, collations, order) and enforces as much: it serves the same lookups.\n\n`);
    item.tooltip = md;
    item.contextValue = ['upkeep.pg.index', this.flags.invalid ? 'invalid' : '', this.flags.unused ? 'unused' : '', this.flags.duplicateOf ? 'duplicate' : '', ix.primary || ix.unique ? 'enforcing' : ''].filter(Boolean).join(' ');
    return item;
  }
}

/** A folder node ("Sessions", "Roles", "Extensions") whose children load on expand. */
export class PgFolderNode extends UpkeepNode {
  override readonly nodeKind: string = 'pg-folder';
  constructor(
    parent: UpkeepNode,
    readonly folder: 'sessions' | 'roles' | 'extensions',
    private readonly loadChildren: (self: PgFolderNode) => Promise<UpkeepNode[]>,
  ) {
    super(`${parent.id}/folder:${folder}`, parent);
  }

  toTreeItem(): vscode.TreeItem {
    const labels = { sessions: ['Sessions', 'pulse'], roles: ['Roles', 'person'], extensions: ['Extensions', 'extensions'] } as const;
    const [label, icon] = labels[this.folder];
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(icon);
    item.contextValue = `upkeep.pg.folder folder-${this.folder}`;
    return item;
  }

  override getChildren(): Promise<UpkeepNode[]> {
    return this.loadChildren(this);
  }
}

export class PgSessionNode extends UpkeepNode {
  override readonly nodeKind: string = 'pg-session';
  constructor(parent: UpkeepNode, readonly session: PgSession, readonly database: string) {
    super(childId(parent, 'session', String(session.pid)), parent);
  }

  toTreeItem(): vscode.TreeItem {
    const s = this.session;
    const since = s.state === 'active' ? s.queryStart : s.stateChange;
    const item = new vscode.TreeItem(`${s.pid} ${s.user ?? ''}`.trim(), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const duration = since ? formatAge(since).replace(' ago', '') : '';
    item.description = [s.state ?? 'unknown', duration, s.application || s.client || '', s.waitEvent ? `waiting on ${s.waitEvent}` : ''].filter(Boolean).join(' · ');
    const stuck = s.state === 'idle in transaction' || s.state === 'idle in transaction (aborted)';
    item.iconPath = new vscode.ThemeIcon(
      s.state === 'active' ? 'play-circle' : stuck ? 'warning' : 'circle-outline',
      stuck ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined,
    );
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`Backend ${s.pid}${s.isUpkeep ? ' (Upkeep)' : ''} · ${escapeMd(s.user ?? '?')} · ${s.application ? escapeMd(s.application) : 'no application name'} · ${escapeMd(s.client ?? 'local socket')}\n\n`);
    md.appendMarkdown(`State: ${escapeMd(s.state ?? '?')}${since ? ` since ${since.toISOString()}` : ''}${s.xactStart ? ` · transaction open since ${s.xactStart.toISOString()}` : ''}${s.waitEvent ? ` · waiting on ${escapeMd(s.waitEvent)}` : ''}\n\n`);
    md.appendMarkdown(codeBlock(s.query.slice(0, 4000), 'sql'));
    item.tooltip = md;
    item.contextValue = ['upkeep.pg.session', s.isUpkeep ? 'own' : '', s.state === 'active' ? 'active' : ''].filter(Boolean).join(' ');
    return item;
  }
}

export class PgRoleNode extends UpkeepNode {
  override readonly nodeKind: string = 'pg-role';
  constructor(parent: UpkeepNode, readonly role: PgRole) {
    super(childId(parent, 'role', role.name), parent);
  }

  toTreeItem(): vscode.TreeItem {
    const r = this.role;
    const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const expired = r.validUntil !== null && r.validUntil.getTime() < Date.now();
    item.description = [r.superuser ? 'superuser' : '', r.canLogin ? 'login' : 'no login', r.replication ? 'replication' : '', r.validUntil ? `${expired ? 'expired' : 'valid until'} ${r.validUntil.toISOString().slice(0, 10)}` : '', r.memberOf.length ? `in ${r.memberOf.join(', ')}` : '']
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon(r.superuser ? 'shield' : 'person', expired ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
    item.tooltip = `${r.name}${r.superuser ? ' (superuser)' : ''}\nLogin: ${r.canLogin ? 'yes' : 'no'} · create role: ${r.createRole ? 'yes' : 'no'} · create database: ${r.createDb ? 'yes' : 'no'}\nPassword valid until: ${r.validUntil ? r.validUntil.toISOString() : 'no expiry'}\nPostgreSQL does not record when a password was last changed.`;
    item.contextValue = 'upkeep.pg.role';
    return item;
  }
}

export class PgExtensionNode extends UpkeepNode {
  override readonly nodeKind: string = 'pg-extension';
  constructor(parent: UpkeepNode, readonly extension: PgExtension) {
    super(childId(parent, 'extension', extension.name), parent);
  }

  toTreeItem(): vscode.TreeItem {
    const e = this.extension;
    const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = `${e.version} · ${e.schema}${e.updateTo ? ` · update to ${e.updateTo} available` : ''}`;
    item.iconPath = new vscode.ThemeIcon('extensions', e.updateTo ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
    item.contextValue = 'upkeep.pg.extension';
    return item;
  }
}
