/**
 * Keys in the Redis tree: a level (a database, or a namespace inside one)
 * reads its keys a SCAN page at a time and groups them by the delimiter;
 * namespaces are what the pages loaded so far show, and expanding one scans
 * again with MATCH on its escaped prefix.
 */
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import { formatBytes, formatCount } from '../../core/format';
import { KeyScan, NamespaceLevel, keyFacts, type KeyFacts } from '../../core/redis/keyspace';
import { displayBytes } from '../../core/redis/operation';
import { lengthUnit, ttlText } from '../../core/redis/valueText';
import type { ConnectionService } from '../../connections/connectionService';
import { codeBlock, escapeMd } from '../markdown';
import { UpkeepNode } from '../node';
import { dbClient } from './clients';
import { loadOrExplain } from './explain';
import { filterText, keyFilter, redisSettings } from './settings';

export interface RedisTreeContext {
  connections: ConnectionService;
  changed(node: UpkeepNode): void;
}

/** A part of a node id for any bytes: hex, or a digest for long names (a 10 KB key must not make a 20 KB id). */
export function bytesId(bytes: Buffer): string {
  return bytes.length <= 128 ? bytes.toString('hex') : `h${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A key or prefix as a one-line label: line breaks shown as \n, very long names cut. */
export function labelOf(bytes: Buffer, max = 120): string {
  const text = displayBytes(bytes).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A database or a namespace: keys in pages, grouped into the next level of namespaces. */
export abstract class KeyLevelNode extends UpkeepNode {
  private scan: KeyScan | undefined;
  private level: NamespaceLevel | undefined;
  private readonly facts = new Map<string, KeyFacts>();
  // Children keep their objects across renders: the view may ask twice while a page loads, and one id must stay one element.
  private readonly namespaceNodes = new Map<string, RedisNamespaceNode>();
  private readonly keyNodes = new Map<string, RedisKeyNode>();
  private loadMoreNode: RedisLoadMoreNode | undefined;
  private loading: Promise<void> | undefined;

  abstract readonly profile: ConnectionProfile;
  abstract readonly db: number;
  /** Keys of this level start with these bytes (empty for a database). */
  abstract readonly prefix: Buffer;
  protected abstract readonly ctx: RedisTreeContext;

  /** Whether the SCAN walk of this level has ended (namespace counts are then exact). */
  get complete(): boolean {
    return this.scan?.done ?? false;
  }

  /** Distinct keys read at this level so far. */
  get keysRead(): number {
    return this.scan?.found ?? 0;
  }

  override invalidate(): void {
    this.scan = undefined;
    this.level = undefined;
    this.facts.clear();
    this.namespaceNodes.clear();
    this.keyNodes.clear();
    this.loadMoreNode = undefined;
  }

  override getChildren(): Promise<UpkeepNode[]> {
    return loadOrExplain(this, this.ctx.connections, this.profile, async () => {
      if (!this.scan) await this.readPage(true);
      return this.childNodes();
    }, filterText() ? `No keys match ${filterText() ?? ''}` : 'No keys');
  }

  /** Reads the next page (the "Load more" node's command) and re-renders. */
  async loadMore(): Promise<void> {
    await this.readPage(false);
    this.ctx.changed(this);
  }

  private readPage(first: boolean): Promise<void> {
    this.loading ??= (async () => {
      const settings = redisSettings();
      const client = await dbClient(this.ctx.connections, this.profile, this.db);
      let scan = this.scan;
      let level = this.level;
      const fresh = first || !scan || !level;
      if (fresh || !scan || !level) {
        scan = new KeyScan(client, { prefix: this.prefix, filter: keyFilter(), count: settings.scanCount, pageSize: settings.pageSize, maxCalls: settings.maxScanCalls });
        level = new NamespaceLevel(this.prefix, Buffer.from(settings.delimiter, 'utf8'));
      }
      const before = level.keys.length;
      level.add(await scan.nextPage());
      const facts = await keyFacts(client, level.keys.slice(before), settings.memorySamples);
      // A first page that failed leaves nothing behind, so the next expansion tries again.
      if (fresh) {
        this.scan = scan;
        this.level = level;
        this.facts.clear();
        this.keyNodes.clear();
      }
      for (const f of facts) this.facts.set(f.key.toString('latin1'), f);
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private childNodes(): UpkeepNode[] {
    const level = this.level;
    const scan = this.scan;
    if (!level || !scan) return [];
    const nodes: UpkeepNode[] = level.namespaces().map(({ prefix, count }) => {
      const id = prefix.toString('latin1');
      let node = this.namespaceNodes.get(id);
      if (!node) {
        node = new RedisNamespaceNode(this, prefix, this.ctx);
        this.namespaceNodes.set(id, node);
      }
      node.seen = count;
      return node;
    });
    for (const key of level.keys) {
      const id = key.toString('latin1');
      let node = this.keyNodes.get(id);
      if (!node) {
        node = new RedisKeyNode(this, key, this.facts.get(id));
        this.keyNodes.set(id, node);
      }
      nodes.push(node);
    }
    if (!scan.done) {
      this.loadMoreNode ??= new RedisLoadMoreNode(this);
      this.loadMoreNode.found = scan.found;
      this.loadMoreNode.calls = scan.calls;
      nodes.push(this.loadMoreNode);
    }
    return nodes;
  }
}

export class RedisNamespaceNode extends KeyLevelNode {
  override readonly nodeKind: string = 'redis-namespace';
  readonly profile: ConnectionProfile;
  readonly db: number;
  /** Keys with this prefix in the parent's pages read so far. */
  seen = 0;

  constructor(readonly parentLevel: KeyLevelNode, readonly prefix: Buffer, protected readonly ctx: RedisTreeContext) {
    super(`${parentLevel.id}/ns:${bytesId(prefix)}`, parentLevel);
    this.profile = parentLevel.profile;
    this.db = parentLevel.db;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(labelOf(this.prefix.subarray(this.parentLevel.prefix.length)), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    const exact = this.parentLevel.complete;
    item.description = exact ? `${formatCount(this.seen)} ${this.seen === 1 ? 'key' : 'keys'}` : `${formatCount(this.seen)}+ keys so far`;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Namespace** ${escapeMd(labelOf(this.prefix, 300))} in db ${this.db}\n\n`);
    md.appendMarkdown(
      exact
        ? `${this.seen.toLocaleString('en-US')} keys (the whole ${this.parentLevel.prefix.length ? 'namespace above' : 'database'} was scanned).`
        : `${this.seen.toLocaleString('en-US')} keys in the SCAN pages read so far (${this.parentLevel.keysRead.toLocaleString('en-US')} keys read above): load more there to count further. Expanding this namespace scans with MATCH on its prefix.`,
    );
    item.tooltip = md;
    item.contextValue = 'upkeep.redis.namespace';
    return item;
  }
}

export class RedisKeyNode extends UpkeepNode {
  override readonly nodeKind: string = 'redis-key';
  readonly profile: ConnectionProfile;
  readonly db: number;
  readonly type: string;

  constructor(readonly level: KeyLevelNode, readonly key: Buffer, readonly facts: KeyFacts | undefined) {
    super(`${level.id}/key:${bytesId(key)}`, level);
    this.profile = level.profile;
    this.db = level.db;
    this.type = facts?.type ?? 'none';
  }

  toTreeItem(): vscode.TreeItem {
    const f = this.facts;
    const item = new vscode.TreeItem(labelOf(this.key), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(TYPE_ICON[this.type] ?? 'key');
    item.description = f ? [f.type, f.ttlMs === null ? '' : `TTL ${ttlText(f.ttlMs)}`, f.bytes === null ? '' : formatBytes(f.bytes)].filter(Boolean).join(' · ') : '';
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(this.type)}** in db ${this.db}\n\n`);
    md.appendMarkdown(codeBlock(labelOf(this.key, 1000)));
    if (f) {
      md.appendMarkdown(`\n${f.length === null ? '' : `Length: ${f.length.toLocaleString('en-US')} ${lengthUnit(f.type)}  \n`}TTL: ${ttlText(f.ttlMs)}  \n`);
      md.appendMarkdown(`Memory: ${f.bytes === null ? 'unknown (MEMORY USAGE refused)' : `${formatBytes(f.bytes)} (MEMORY USAGE, sampled)`}  \n`);
      md.appendMarkdown(`Name: ${this.key.length.toLocaleString('en-US')} bytes`);
    }
    item.tooltip = md;
    item.command = { command: 'upkeep.redis.openKey', title: 'Open Value', arguments: [this] };
    item.contextValue = 'upkeep.redis.key';
    return item;
  }
}

const TYPE_ICON: Record<string, string> = { string: 'symbol-string', hash: 'symbol-object', list: 'list-ordered', set: 'symbol-array', zset: 'list-ordered', stream: 'pulse' };

export class RedisLoadMoreNode extends UpkeepNode {
  override readonly nodeKind: string = 'redis-load-more';
  found = 0;
  calls = 0;

  constructor(readonly level: KeyLevelNode) {
    super(`${level.id}/load-more`, level);
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.description = `${formatCount(this.found)} keys read (${formatCount(this.calls)} SCAN ${this.calls === 1 ? 'call' : 'calls'})`;
    item.tooltip = 'Reads the next SCAN pages of this level. Namespaces above count only the keys read so far.';
    item.command = { command: 'upkeep.redis.loadMore', title: 'Load more', arguments: [this] };
    item.contextValue = 'upkeep.redis.loadMore';
    return item;
  }
}
