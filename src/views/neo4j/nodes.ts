/** Neo4j's tree: connection → server facts and databases → labels, relationship types, indexes, constraints, transactions. */
import * as vscode from 'vscode';
import type * as Neo4j from 'neo4j-driver';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { Neo4jSession } from '../../core/neo4j/connection';
import { formatBytes, formatCount } from '../../core/format';
import {
  indexFlags, labelCounts, listConstraints, listDatabases, listIndexes, listTransactions, relationshipTypeCounts, serverFacts, type Neo4jDatabase, type ServerFacts,
} from '../../core/neo4j/schema';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileScope } from '../../connections/profileStore';
import { ConnectionNode } from '../connectionNode';
import { escapeMd } from '../markdown';
import { childId, MessageNode, rootOf, UpkeepNode } from '../node';
import { Neo4jConstraintNode, Neo4jCountNode, Neo4jIndexNode, Neo4jTransactionNode } from './objectNodes';

export interface Neo4jTreeContext {
  connections: ConnectionService;
  changed(node: UpkeepNode): void;
  showSystemDatabase(): boolean;
  longTransactionSeconds(): number;
}

export class Neo4jConnectionNode extends ConnectionNode {
  override readonly nodeKind: string = 'neo4j-connection';
  facts: ServerFacts | undefined;

  constructor(profile: ConnectionProfile, scope: ProfileScope, readonly ctx: Neo4jTreeContext) {
    super(profile, scope, ctx.connections, true);
  }

  async driver(): Promise<Neo4j.Driver> {
    return ((await this.ctx.connections.session(this.profile)) as Neo4jSession).driver;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.ctx, async () => {
      const driver = await this.driver();
      const databases = await listDatabases(driver);
      const home = databases.find((d) => d.isHome)?.name;
      this.facts = await serverFacts(driver, this.profile.database || home);
      this.ctx.connections.recordSuccess(this.profile, `Neo4j ${this.facts.version} ${this.facts.edition}`);
      const shown = databases.filter((d) => d.type !== 'system' || this.ctx.showSystemDatabase());
      return [new Neo4jServerNode(this, this.facts), ...shown.map((db) => new Neo4jDatabaseNode(this, db, this.ctx))];
    });
  }
}

/** The server's facts as the connection's first child: version and edition, counts, store size, APOC. */
export class Neo4jServerNode extends UpkeepNode {
  override readonly nodeKind: string = 'neo4j-server';
  constructor(readonly connection: Neo4jConnectionNode, readonly facts: ServerFacts) {
    super(`${connection.id}/server`, connection);
  }

  toTreeItem(): vscode.TreeItem {
    const f = this.facts;
    const item = new vscode.TreeItem(`Neo4j ${f.version} ${f.edition}`, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('info');
    item.description = [`${formatCount(f.nodeCount)} nodes`, `${formatCount(f.relationshipCount)} relationships`, f.storeBytes === null ? '' : formatBytes(f.storeBytes), f.apoc ? `APOC ${f.apoc}` : 'no APOC'].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Neo4j ${escapeMd(f.version)}** (${escapeMd(f.edition)} edition)\n\n`);
    md.appendMarkdown(`${f.nodeCount.toLocaleString('en-US')} nodes · ${f.relationshipCount.toLocaleString('en-US')} relationships (from the count store)\n\n`);
    md.appendMarkdown(`Store size: ${f.storeBytes === null ? 'not readable on this server (its JMX store sizes are Enterprise-only)' : formatBytes(f.storeBytes)}\n\n`);
    md.appendMarkdown(f.apoc
      ? `APOC ${escapeMd(f.apoc)} is present: Upkeep reads everything with Cypher and db.* procedures and does not need it; batched clean-ups use CALL … IN TRANSACTIONS either way.\n\n`
      : 'APOC is not present: nothing here needs it (counts, schema and clean-ups use Cypher and db.* procedures).\n\n');
    md.appendMarkdown(f.checkpoint ? 'Checkpoint (`db.checkpoint()`) is available.' : 'Checkpoint is not offered: `db.checkpoint()` is Enterprise-only.');
    item.tooltip = md;
    item.contextValue = ['upkeep.neo4j.server', f.checkpoint ? 'checkpoint' : ''].filter(Boolean).join(' ');
    return item;
  }
}

export class Neo4jDatabaseNode extends UpkeepNode {
  override readonly nodeKind: string = 'neo4j-database';
  constructor(readonly connection: Neo4jConnectionNode, readonly database: Neo4jDatabase, private readonly ctx: Neo4jTreeContext) {
    super(childId(connection, 'db', database.name), connection);
  }

  get profile(): ConnectionProfile {
    return this.connection.profile;
  }

  toTreeItem(): vscode.TreeItem {
    const db = this.database;
    const online = db.status === 'online';
    const item = new vscode.TreeItem(db.name, online ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = online ? new vscode.ThemeIcon('database') : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.description = [db.status, db.isDefault ? 'default' : '', db.isHome && !db.isDefault ? 'home' : '', db.role, db.access === 'read-only' ? 'read-only' : ''].filter(Boolean).join(' · ');
    item.tooltip = new vscode.MarkdownString(
      `**${escapeMd(db.name)}** (${escapeMd(db.type)})\n\nStatus: ${escapeMd(db.status)} (requested ${escapeMd(db.requestedStatus)})${db.statusMessage ? ` — ${escapeMd(db.statusMessage)}` : ''}\n\n` +
      `Role: ${escapeMd(db.role)} · access: ${escapeMd(db.access)}${db.isDefault ? ' · default database' : ''}${db.isHome ? ' · your home database' : ''}`,
    );
    item.contextValue = ['upkeep.neo4j.database', online ? 'online' : 'offline', this.connection.facts?.checkpoint ? 'checkpoint' : ''].filter(Boolean).join(' ');
    return item;
  }

  override getChildren(): Promise<UpkeepNode[]> {
    const db = this.database.name;
    const driver = (): Promise<Neo4j.Driver> => this.connection.driver();
    const folder = (kind: FolderKind, load: (self: Neo4jFolderNode) => Promise<UpkeepNode[]>): Neo4jFolderNode =>
      new Neo4jFolderNode(this, kind, (self) => loadOrExplain(self, this.ctx, () => load(self)));
    return Promise.resolve([
      folder('labels', async (self) => (await labelCounts(await driver(), db)).map((l) => new Neo4jCountNode(self, 'label', l))),
      folder('types', async (self) => (await relationshipTypeCounts(await driver(), db)).map((t) => new Neo4jCountNode(self, 'type', t))),
      folder('indexes', async (self) => (await listIndexes(await driver(), db)).map((ix) => new Neo4jIndexNode(self, ix, indexFlags(ix)))),
      folder('constraints', async (self) => (await listConstraints(await driver(), db)).map((c) => new Neo4jConstraintNode(self, c))),
      folder('transactions', async (self) => (await listTransactions(await driver(), db)).map((t) => new Neo4jTransactionNode(self, t, this.ctx.longTransactionSeconds()))),
    ]);
  }
}

export type FolderKind = 'labels' | 'types' | 'indexes' | 'constraints' | 'transactions';

const FOLDERS: Record<FolderKind, [string, string]> = {
  labels: ['Labels', 'tag'],
  types: ['Relationship types', 'arrow-both'],
  indexes: ['Indexes', 'list-tree'],
  constraints: ['Constraints', 'shield'],
  transactions: ['Transactions', 'pulse'],
};

export class Neo4jFolderNode extends UpkeepNode {
  override readonly nodeKind: string = 'neo4j-folder';
  constructor(readonly databaseNode: Neo4jDatabaseNode, readonly folder: FolderKind, private readonly loadChildren: (self: Neo4jFolderNode) => Promise<UpkeepNode[]>) {
    super(`${databaseNode.id}/folder:${folder}`, databaseNode);
  }

  toTreeItem(): vscode.TreeItem {
    const [label, icon] = FOLDERS[this.folder];
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(icon);
    item.contextValue = `upkeep.neo4j.folder folder-${this.folder}`;
    if (this.folder === 'labels' || this.folder === 'types') item.tooltip = 'Counts come from the count store (instant on any graph size).';
    return item;
  }

  override getChildren(): Promise<UpkeepNode[]> {
    return this.loadChildren(this);
  }
}

/** Runs a child query; a failure becomes one error child (and the connection's status) instead of a broken view. */
async function loadOrExplain(node: UpkeepNode, ctx: Neo4jTreeContext, load: () => Promise<UpkeepNode[]>): Promise<UpkeepNode[]> {
  const connection = rootOf(node) as Neo4jConnectionNode;
  try {
    const children = await load();
    return children.length ? children : [new MessageNode(node, 'Nothing here', 'info')];
  } catch (err) {
    const problem = await ctx.connections.recordFailure(connection.profile, err, 'catalog');
    const fix: vscode.Command | undefined = problem.kind === 'auth'
      ? { command: 'upkeep.setPassword', title: 'Enter password', arguments: [connection] }
      : problem.kind === 'password-elsewhere'
        ? { command: 'upkeep.confirmPasswordTarget', title: 'Send Password to This Server…', arguments: [connection] }
        : undefined;
    return [new MessageNode(node, problem.kind === 'auth' ? `${problem.message} Click to enter the password.` : problem.message, 'error', problem.message, fix)];
  }
}
