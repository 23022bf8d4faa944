import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';
import { listDatabases, listSchemas, listTables, type PgDatabase, type PgSchema, type PgTable } from '../core/postgres/catalog';
import { formatBytes, formatCount } from '../core/format';
import type { ConnectionService } from '../connections/connectionService';
import type { ProfileScope } from '../connections/profileStore';
import { ConnectionNode } from './connectionNode';
import { childId, MessageNode, UpkeepNode } from './node';

/** Everything a PostgreSQL node needs to load its children and report failures. */
export interface PgTreeContext {
  connections: ConnectionService;
  pageSize(): number;
  /** Asks the provider to re-render a node (after "Load more"). */
  changed(node: UpkeepNode): void;
}

export class PgConnectionNode extends ConnectionNode {
  constructor(profile: ConnectionProfile, scope: ProfileScope, private readonly ctx: PgTreeContext) {
    super(profile, scope, ctx.connections, true);
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.ctx, async () => {
      const conn = await this.ctx.connections.postgres(this.profile);
      const databases = await listDatabases(conn);
      this.ctx.connections.recordSuccess(this.profile, `${databases.length} databases`);
      return databases.map((db) => new PgDatabaseNode(this, db, this.ctx));
    });
  }
}

export class PgDatabaseNode extends UpkeepNode {
  constructor(readonly connection: PgConnectionNode, readonly database: PgDatabase, private readonly ctx: PgTreeContext) {
    super(childId(connection, 'db', database.name), connection);
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.database.name, this.database.allowConnections ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('database');
    item.description = this.database.allowConnections ? formatBytes(this.database.sizeBytes) : 'connections not allowed';
    item.tooltip = `Database ${this.database.name}\nSize: ${formatBytes(this.database.sizeBytes)}`;
    item.contextValue = 'upkeep.pg.database';
    return item;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.ctx, async () => {
      const conn = await this.ctx.connections.postgres(this.connection.profile);
      const schemas = await listSchemas(conn, this.database.name);
      return schemas.map((s) => new PgSchemaNode(this, s, this.ctx));
    });
  }
}

export class PgSchemaNode extends UpkeepNode {
  private tables: PgTable[] = [];
  private next: string | undefined;
  private loaded = false;

  constructor(readonly databaseNode: PgDatabaseNode, readonly schema: PgSchema, private readonly ctx: PgTreeContext) {
    super(childId(databaseNode, 'schema', schema.name), databaseNode);
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.schema.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    item.description = `${formatCount(this.schema.tableCount)} ${this.schema.tableCount === 1 ? 'table' : 'tables'}`;
    item.contextValue = 'upkeep.pg.schema';
    return item;
  }

  /** Drops loaded pages so the next expansion reads from the first page again. */
  invalidate(): void {
    this.loaded = false;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.ctx, async () => {
      if (!this.loaded) {
        const page = await listTables(await this.conn(), this.databaseNode.database.name, this.schema.name, { limit: this.ctx.pageSize() });
        this.tables = page.items;
        this.next = page.next;
        this.loaded = true;
      }
      const nodes: UpkeepNode[] = this.tables.map((t) => new PgTableNode(this, t));
      if (this.next) nodes.push(new PgLoadMoreNode(this, this.tables.length, this.schema.tableCount));
      return nodes;
    });
  }

  /** Appends the next page of tables (the "Load more" node's command). */
  async loadMore(): Promise<void> {
    if (!this.next) return;
    const page = await listTables(await this.conn(), this.databaseNode.database.name, this.schema.name, { limit: this.ctx.pageSize(), after: this.next });
    this.tables = [...this.tables, ...page.items];
    this.next = page.next;
    this.ctx.changed(this);
  }

  private conn(): ReturnType<ConnectionService['postgres']> {
    return this.ctx.connections.postgres(this.databaseNode.connection.profile);
  }
}

export class PgTableNode extends UpkeepNode {
  constructor(readonly schemaNode: PgSchemaNode, readonly table: PgTable) {
    super(childId(schemaNode, 'table', table.name), schemaNode);
  }

  toTreeItem(): vscode.TreeItem {
    const t = this.table;
    const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(t.kind === 'materialized view' ? 'eye' : 'table');
    const rows = t.estimatedRows === null ? 'never analyzed' : `~${formatCount(t.estimatedRows)} rows`;
    item.description = `${rows} · ${formatBytes(t.totalBytes)}`;
    item.tooltip = `${t.kind} ${t.schema}.${t.name}\nEstimated rows: ${t.estimatedRows === null ? 'unknown (never analyzed)' : t.estimatedRows.toLocaleString('en-US')}\nTotal size (with indexes and TOAST): ${formatBytes(t.totalBytes)}`;
    item.contextValue = `upkeep.pg.table kind-${t.kind.replace(' ', '-')}`;
    return item;
  }
}

export class PgLoadMoreNode extends UpkeepNode {
  constructor(readonly schemaNode: PgSchemaNode, private readonly shown: number, private readonly total: number) {
    super(`${schemaNode.id}/load-more`, schemaNode);
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.description = `${formatCount(this.shown)} of ${formatCount(this.total)} shown`;
    item.command = { command: 'upkeep.loadMore', title: 'Load more', arguments: [this] };
    item.contextValue = 'upkeep.loadMore';
    return item;
  }
}

/** Runs a child query; a failure becomes one error child (and the connection's status) instead of a broken view. */
async function loadOrExplain(node: UpkeepNode, ctx: PgTreeContext, load: () => Promise<UpkeepNode[]>): Promise<UpkeepNode[]> {
  let root: UpkeepNode = node;
  while (root.parent) root = root.parent;
  const connection = root as PgConnectionNode;
  try {
    const children = await load();
    return children.length ? children : [new MessageNode(node, 'Nothing here', 'info')];
  } catch (err) {
    const problem = await ctx.connections.recordFailure(connection.profile, err);
    const fix: vscode.Command | undefined = problem.kind === 'auth'
      ? { command: 'upkeep.setPassword', title: 'Enter password', arguments: [connection] }
      : undefined;
    return [new MessageNode(node, problem.kind === 'auth' ? `${problem.message} Click to enter the password.` : problem.message, 'error', problem.message, fix)];
  }
}
