/**
 * A list read a page at a time through the API's own paging (`page`,
 * `page_size`, `sort`), with a "Load more…" node while the server has more:
 * a vhost with 10,000 queues opens with its first page at once.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { RabbitApi } from '../../core/rabbitmq/connection';
import type { Page, PageRequest } from '../../core/rabbitmq/resources';
import { formatCount } from '../../core/format';
import { MessageNode, UpkeepNode } from '../node';

/** What every RabbitMQ node can reach: its connection's profile, API and failure reporting. */
export interface RabbitContext {
  profile: ConnectionProfile;
  api(): Promise<RabbitApi>;
  /** Records the failure on the connection and returns the child that explains it. */
  explain(parent: UpkeepNode, err: unknown): Promise<UpkeepNode>;
  changed(node: UpkeepNode): void;
}

export function pageSize(): number {
  return vscode.workspace.getConfiguration('upkeep.rabbitmq').get<number>('pageSize', 100);
}

/** A node whose children are pages of one API list. */
export abstract class PagedListNode<T> extends UpkeepNode {
  private items: T[] = [];
  private nodes: UpkeepNode[] = [];
  private next = 1;
  private pageCount = 0;
  private total = 0;
  private loaded = false;
  private more: RabbitLoadMoreNode | undefined;

  constructor(id: string, parent: UpkeepNode, readonly rabbit: RabbitContext) {
    super(id, parent);
  }

  get profile(): ConnectionProfile {
    return this.rabbit.profile;
  }

  protected abstract readPage(api: RabbitApi, req: PageRequest): Promise<Page<T>>;
  protected abstract itemNode(item: T): UpkeepNode;
  /** "queues": what the Load more node counts. */
  protected abstract readonly noun: string;
  protected readonly emptyText: string = 'None';

  /** How many the server has, once the first page is read. */
  get totalCount(): number {
    return this.total;
  }

  override invalidate(): void {
    this.items = [];
    this.nodes = [];
    this.next = 1;
    this.loaded = false;
    this.more = undefined;
  }

  private async readNext(): Promise<void> {
    const page = await this.readPage(await this.rabbit.api(), { page: this.next, pageSize: pageSize() });
    this.items.push(...page.items);
    this.nodes.push(...page.items.map((i) => this.itemNode(i)));
    this.pageCount = page.pageCount;
    this.total = page.filteredCount || page.totalCount;
    this.next = page.page + 1;
    this.loaded = true;
  }

  override async getChildren(): Promise<UpkeepNode[]> {
    try {
      if (!this.loaded) await this.readNext();
    } catch (err) {
      return [await this.rabbit.explain(this, err)];
    }
    if (!this.nodes.length) return [new MessageNode(this, this.emptyText, 'info')];
    if (this.next > this.pageCount) return [...this.nodes];
    this.more ??= new RabbitLoadMoreNode(this);
    this.more.shown = this.items.length;
    this.more.total = this.total;
    return [...this.nodes, this.more];
  }

  /** Reads the next page and re-renders the list. */
  async loadMore(): Promise<void> {
    await this.readNext();
    this.rabbit.changed(this);
  }

  describeCount(): string {
    return this.noun;
  }
}

export class RabbitLoadMoreNode extends UpkeepNode {
  override readonly nodeKind: string = 'rabbitmq-load-more';
  shown = 0;
  total = 0;

  constructor(readonly list: PagedListNode<unknown>) {
    super(`${list.id}/load-more`, list);
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.description = `${formatCount(this.shown)} of ${formatCount(this.total)} ${this.list.describeCount()}`;
    item.tooltip = `Reads the next page (${pageSize()} at a time, setting upkeep.rabbitmq.pageSize), in the server's order.`;
    item.command = { command: 'upkeep.rabbitmq.loadMore', title: 'Load more', arguments: [this] };
    item.contextValue = 'upkeep.rabbitmq.loadMore';
    return item;
  }
}
