import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import { listDatabases, listSchemas, listTables, type PgDatabase, type PgSchema, type PgTable } from '../../core/postgres/catalog';
import { formatAge, formatBytes, formatCount } from '../../core/format';
import { assessTable, flagIndexes, type HealthThresholds } from '../../core/postgres/health';
import { listExtensions, listIndexes, listRoles, listSessions } from '../../core/postgres/objects';
import { featuresFor, type PgFeatures } from '../../core/postgres/features';
import { PgExtensionNode, PgFolderNode, PgIndexNode, PgRoleNode, PgSessionNode } from './objectNodes';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileScope } from '../../connections/profileStore';
import { ConnectionNode } from '../connectionNode';
import { codeBlock, escapeMd } from '../markdown';
import { failureNode } from '../explain';
import { type BackupTargetRef, childId, MessageNode, rootOf, UpkeepNode } from '../node';

/** Everything a PostgreSQL node needs to load its children and report failures. */
export interface PgTreeContext {
  connections: ConnectionService;
  pageSize(): number;
  thresholds(): HealthThresholds;
  /** Asks the provider to re-render a node (after "Load more"). */
  changed(node: UpkeepNode): void;
}

export class PgConnectionNode extends ConnectionNode {
  override readonly nodeKind: string = 'pg-connection';
  private features: Promise<PgFeatures> | undefined;

  constructor(profile: ConnectionProfile, scope: ProfileScope, private readonly ctx: PgTreeContext) {
    super(profile, scope, ctx.connections, true);
  }

  /** What this server supports, read once per node (operations offer only these). */
  serverFeatures(): Promise<PgFeatures> {
    this.features ??= this.ctx.connections
      .postgres(this.profile)
      .then((c) => c.serverInfo())
      .then((i) => featuresFor(i.versionNum));
    this.features.catch(() => (this.features = undefined));
    return this.features;
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
  override readonly nodeKind: string = 'pg-database';
  constructor(readonly connection: PgConnectionNode, readonly database: PgDatabase, private readonly ctx: PgTreeContext) {
    super(childId(connection, 'db', database.name), connection);
  }

  /** The shared backup commands back up this database. */
  get backupTarget(): BackupTargetRef {
    return { profile: this.connection.profile, database: this.database.name };
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
      const db = this.database.name;
      const folder = (name: 'sessions' | 'roles' | 'extensions', load: (self: PgFolderNode) => Promise<UpkeepNode[]>): PgFolderNode =>
        new PgFolderNode(this, name, (self) => loadOrExplain(self, this.ctx, () => load(self)));
      return [
        ...schemas.map((s) => new PgSchemaNode(this, s, this.ctx)),
        folder('sessions', async (self) => (await listSessions(conn, db)).map((x) => new PgSessionNode(self, x, db))),
        folder('roles', async (self) => (await listRoles(conn, db)).map((x) => new PgRoleNode(self, x))),
        folder('extensions', async (self) => (await listExtensions(conn, db)).map((x) => new PgExtensionNode(self, x))),
      ];
    });
  }
}

export class PgSchemaNode extends UpkeepNode {
  override readonly nodeKind: string = 'pg-schema';
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
  override invalidate(): void {
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
      const thresholds = this.ctx.thresholds();
      const nodes: UpkeepNode[] = this.tables.map((t) => new PgTableNode(this, t, thresholds, this.ctx));
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
  override readonly nodeKind: string = 'pg-table';
  constructor(readonly schemaNode: PgSchemaNode, readonly table: PgTable, private readonly thresholds: HealthThresholds, private readonly ctx: PgTreeContext) {
    super(childId(schemaNode, 'table', table.name), schemaNode);
  }

  get database(): string {
    return this.schemaNode.databaseNode.database.name;
  }

  get profile(): ConnectionProfile {
    return this.schemaNode.databaseNode.connection.profile;
  }

  toTreeItem(): vscode.TreeItem {
    const t = this.table;
    const health = assessTable(t, this.thresholds);
    const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const warn = health.warnings.length > 0;
    item.iconPath = t.sizeEstimated
      ? new vscode.ThemeIcon('lock', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : warn
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
        : new vscode.ThemeIcon(t.kind === 'materialized view' ? 'eye' : 'table');
    const rows = t.estimatedRows === null ? '' : `~${formatCount(t.estimatedRows)} rows`;
    const dead = health.deadPercent === null ? '' : `${health.deadPercent.toFixed(health.deadPercent < 10 && health.deadPercent > 0 ? 1 : 0)}% dead`;
    item.description = [
      t.sizeEstimated ? lockedBy(t) : '',
      `${formatBytes(t.totalBytes)}${t.sizeEstimated ? ' (est.)' : ''}`, rows, dead, `vacuumed ${formatAge(health.lastVacuumAt)}`, `analyzed ${formatAge(health.lastAnalyzeAt)}`,
    ].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(t.schema)}.${escapeMd(t.name)}** (${t.kind})\n\n`);
    if (t.sizeEstimated) md.appendMarkdown(lockTooltip(t));
    md.appendMarkdown(`Total size (with indexes and TOAST): ${formatBytes(t.totalBytes)}${t.sizeEstimated ? ' (estimated from pg_class: not measured while locked)' : ''}  \nEstimated rows: ${t.estimatedRows === null ? 'unknown (never analyzed)' : t.estimatedRows.toLocaleString('en-US')}  \n`);
    md.appendMarkdown(`Live / dead tuples: ${t.liveTuples?.toLocaleString('en-US') ?? '—'} / ${t.deadTuples?.toLocaleString('en-US') ?? '—'}${health.deadPercent === null ? '' : ` (${health.deadPercent.toFixed(1)}% dead)`}  \n`);
    md.appendMarkdown(`Last vacuum: ${formatAge(t.lastVacuum)} · autovacuum: ${formatAge(t.lastAutovacuum)}  \nLast analyze: ${formatAge(t.lastAnalyze)} · autoanalyze: ${formatAge(t.lastAutoanalyze)}\n\n`);
    for (const w of health.warnings) md.appendMarkdown(`$(warning) ${escapeMd(w)}\n\n`);
    md.supportThemeIcons = true;
    item.tooltip = md;
    item.contextValue = ['upkeep.pg.table', `kind-${t.kind.replace(' ', '-')}`, warn ? 'warning' : '', health.neverAnalyzed ? 'never-analyzed' : '', t.sizeEstimated ? 'locked' : ''].filter(Boolean).join(' ');
    return item;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.ctx, async () => {
      const conn = await this.ctx.connections.postgres(this.profile);
      const indexes = await listIndexes(conn, this.database, this.table.schema, this.table.name);
      const flags = flagIndexes(indexes);
      return indexes.map((ix) => new PgIndexNode(this, ix, flags.get(ix.name) ?? { unused: false, invalid: false }));
    });
  }
}

/** "locked by 4242 (VACUUM FULL …) for 3 min": who holds the ACCESS EXCLUSIVE lock, for the description. */
function lockedBy(t: PgTable): string {
  const l = t.lock;
  if (!l) return 'locked (released since)';
  const who = l.pid === null ? 'a prepared transaction' : `pid ${l.pid}`;
  const what = l.query.replace(/\s+/g, ' ').trim();
  const age = l.since ? formatAge(l.since) : undefined;
  const since = age === undefined ? '' : age === 'just now' ? ' for under a minute' : ` for ${age.replace(' ago', '')}`;
  return `${l.granted ? 'locked by' : 'lock awaited by'} ${who}${what ? ` (${what.length > 40 ? `${what.slice(0, 39)}…` : what})` : ''}${since}`;
}

function lockTooltip(t: PgTable): string {
  const l = t.lock;
  if (!l) return '$(lock) **Locked** in ACCESS EXCLUSIVE mode while it was listed (released since): sizes are estimates. Refresh to read them.\n\n';
  const who = l.pid === null ? 'a prepared transaction' : `backend ${l.pid}${l.backendType && l.backendType !== 'client backend' ? ` (${escapeMd(l.backendType)})` : ''}`;
  const since = l.since ? ` since ${l.since.toISOString().replace('T', ' ').slice(0, 19)} UTC` : '';
  const head = `$(lock) **${l.granted ? 'Locked' : 'Lock requested'}**: ACCESS EXCLUSIVE on ${escapeMd(l.relation)} ${l.granted ? 'held' : 'awaited'} by ${who}${since}${l.state ? ` (${escapeMd(l.state)})` : ''}. ` +
    'Sizes here are estimates from pg_class, read without waiting; maintenance on it would wait for the lock.\n\n';
  return head + (l.query ? codeBlock(l.query.slice(0, 2000), 'sql') : '');
}

export class PgLoadMoreNode extends UpkeepNode {
  override readonly nodeKind: string = 'pg-load-more';
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
  const connection = rootOf(node) as PgConnectionNode;
  try {
    const children = await load();
    return children.length ? children : [new MessageNode(node, node.nodeKind === 'pg-table' ? 'No indexes' : 'Nothing here', 'info')];
  } catch (err) {
    return [await failureNode(node, ctx.connections, connection.profile, err, 'catalog')];
  }
}
