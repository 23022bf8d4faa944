/** The top of the Redis tree: the connection (with the server's facts from one INFO) and its logical databases. */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import { parseRedisInfo } from '../../core/redis/connection';
import { configuredDatabases, databasesToShow } from '../../core/redis/keyspace';
import type { RedisDatabase } from '../../core/redis/keyspaceCounts';
import { memoryText, roleText, serverFacts, unsupportedMode, type RedisServerFacts } from '../../core/redis/serverFacts';
import { formatCount } from '../../core/format';
import type { ProfileScope } from '../../connections/profileStore';
import { ConnectionNode } from '../connectionNode';
import { escapeMd } from '../markdown';
import { MessageNode, type UpkeepNode } from '../node';
import { redisSession } from './clients';
import { loadOrExplain } from './explain';
import { KeyLevelNode, type RedisTreeContext } from './keyNodes';
import { filterText, redisSettings } from './settings';

export class RedisConnectionNode extends ConnectionNode {
  override readonly nodeKind: string = 'redis-connection';
  /** The server's facts from the last INFO, once read. */
  facts: RedisServerFacts | undefined;
  private factsLoading: Promise<RedisServerFacts> | undefined;
  private factsFailed = false;
  private configured: number | undefined | null = null;
  private readonly dbNodes = new Map<number, RedisDbNode>();

  constructor(profile: ConnectionProfile, scope: ProfileScope, readonly ctx: RedisTreeContext) {
    super(profile, scope, ctx.connections, true);
  }

  override toTreeItem(): vscode.TreeItem {
    const item = super.toTreeItem();
    const connected = this.ctx.connections.status(this.profile.id).state === 'connected';
    // A connected node reads its facts once (one INFO), without waiting for an expansion.
    if (connected && !this.facts && !this.factsLoading && !this.factsFailed) {
      void this.readFacts().then(
        () => this.ctx.changed(this),
        () => (this.factsFailed = true),
      );
    }
    const f = this.facts;
    if (!f) return item;
    item.description = `${String(item.description)} · Redis ${f.version} · ${roleText(f)} · ${memoryText(f)} · ${formatCount(f.connectedClients)} clients`;
    const md = item.tooltip instanceof vscode.MarkdownString ? item.tooltip : new vscode.MarkdownString();
    md.supportThemeIcons = true;
    md.appendMarkdown(`\n\n---\n\nRedis ${escapeMd(f.version)} (${escapeMd(f.mode)}) · role ${escapeMd(roleText(f))}${f.masterHost ? ` of ${escapeMd(f.masterHost)}` : ''}  \n`);
    md.appendMarkdown(`Memory: ${escapeMd(memoryText(f))} · eviction policy ${escapeMd(f.evictionPolicy)}  \n`);
    md.appendMarkdown(`Clients: ${f.connectedClients.toLocaleString('en-US')} connected, ${f.blockedClients.toLocaleString('en-US')} blocked · last BGSAVE: ${escapeMd(f.lastBgsaveStatus)}\n\n`);
    for (const w of f.warnings) md.appendMarkdown(`$(warning) ${escapeMd(w)}\n\n`);
    item.tooltip = md;
    if (connected && f.warnings.length) item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    return item;
  }

  /** One INFO (default sections): the facts above and the databases below. */
  readFacts(): Promise<RedisServerFacts> {
    this.factsLoading ??= (async () => {
      const { client } = await redisSession(this.ctx.connections, this.profile);
      const facts = serverFacts(parseRedisInfo(await client.info()), redisSettings().memoryWarnPercent);
      const first = !this.facts;
      this.facts = facts;
      this.factsFailed = false;
      if (this.configured === null && !unsupportedMode(facts)) this.configured = await configuredDatabases(client);
      if (first) this.ctx.connections.recordSuccess(this.profile, `Redis ${facts.version}`);
      return facts;
    })().finally(() => (this.factsLoading = undefined));
    return this.factsLoading;
  }

  override invalidate(): void {
    this.facts = undefined;
    this.factsFailed = false;
    this.configured = null;
    this.dbNodes.clear();
  }

  override getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.ctx.connections, this.profile, async () => {
      const hadFacts = this.facts !== undefined;
      const facts = await this.readFacts();
      // The description gains the facts: re-render once this listing is done, not while the view waits for it.
      if (!hadFacts) setTimeout(() => this.ctx.changed(this), 0);
      const unsupported = unsupportedMode(facts);
      if (unsupported) return [new MessageNode(this, unsupported, 'info', `${unsupported} (INFO says redis_mode:${facts.mode}, cluster_enabled:${facts.clusterEnabled ? 1 : 0}.)`)];
      const own = this.profile.database ? Number(this.profile.database) : 0;
      const shown = databasesToShow(facts.databases, this.configured ?? undefined, own, redisSettings().showEmptyDatabases);
      return shown.map((d) => {
        const node = this.dbNodes.get(d.db) ?? new RedisDbNode(this, d, this.ctx);
        node.info = d;
        this.dbNodes.set(d.db, node);
        return node;
      });
    }, 'No databases');
  }
}

export class RedisDbNode extends KeyLevelNode {
  override readonly nodeKind: string = 'redis-db';
  readonly prefix = Buffer.alloc(0);
  readonly db: number;

  constructor(readonly connection: RedisConnectionNode, public info: RedisDatabase, protected readonly ctx: RedisTreeContext) {
    super(`${connection.id}/db:${info.db}`, connection);
    this.db = info.db;
  }

  get profile(): ConnectionProfile {
    return this.connection.profile;
  }

  toTreeItem(): vscode.TreeItem {
    const d = this.info;
    const item = new vscode.TreeItem(`db${d.db}`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('database');
    const own = (this.profile.database ? Number(this.profile.database) : 0) === d.db;
    const filter = filterText();
    item.description = [
      `${d.keys.toLocaleString('en-US')} ${d.keys === 1 ? 'key' : 'keys'}`,
      d.expires ? `${d.expires.toLocaleString('en-US')} expiring` : '',
      own ? "profile's database" : '',
      filter ? `filter: ${filter}` : '',
    ].filter(Boolean).join(' · ');
    item.tooltip = `Database ${d.db}: ${d.keys.toLocaleString('en-US')} keys, ${d.expires.toLocaleString('en-US')} with a TTL${d.avgTtlMs ? ` (average TTL ${Math.round(d.avgTtlMs / 1000)} s)` : ''}.\nKeys are read with SCAN, a page at a time.`;
    item.contextValue = 'upkeep.redis.db';
    return item;
  }
}
