/**
 * The Redis view's own commands: the key filter (title bar), "Load more"
 * (tree pages and value documents), and opening a key's value. They live in
 * the redis-views chunk with the nodes, so they share its filter.
 */
import * as vscode from 'vscode';
import type { KeyFilter } from '../../core/redis/keyspace';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { nodeOfKind, type UpkeepNode } from '../node';
import type { RedisKeyNode, RedisLoadMoreNode } from './keyNodes';
import { REDIS_VALUE_SCHEME } from './scheme';
import { filterText, keyFilter, setKeyFilter } from './settings';
import { ValueDocuments, valueUri } from './valueDocuments';

export const KEY_TYPES = ['string', 'hash', 'list', 'set', 'zset', 'stream'] as const;

export interface RedisCommandDeps {
  connections: ConnectionService;
  profiles: ProfileStore;
  view: vscode.TreeView<UpkeepNode>;
  /** Re-reads the whole Redis view. */
  refresh(): void;
  /** Fired when a value document's text grows (the content provider's onDidChange). */
  valueChanged: vscode.EventEmitter<vscode.Uri>;
}

export class RedisTreeCommands implements vscode.Disposable {
  readonly values: ValueDocuments;

  constructor(private readonly deps: RedisCommandDeps) {
    this.values = new ValueDocuments({ connections: deps.connections, profiles: deps.profiles, changed: deps.valueChanged });
  }

  /**
   * Sets the view's filter. With `args` (tests, keybindings) nothing is asked;
   * otherwise a pattern (glob, as SCAN's MATCH takes it) and then a type.
   * Returns the filter in force, or undefined when the user cancelled.
   */
  async filter(args?: KeyFilter): Promise<KeyFilter | undefined> {
    let next: KeyFilter;
    if (args) {
      next = args;
    } else {
      const pattern = await vscode.window.showInputBox({
        title: 'Filter Redis keys (1/2): pattern',
        prompt: 'A glob as SCAN MATCH takes it: * any run, ? one character, [abc] a set; a backslash makes * ? [ ] \\ literal. Empty for all keys.',
        value: keyFilter().pattern ?? '',
        placeHolder: 'user:*',
      });
      if (pattern === undefined) return undefined;
      const picked = await vscode.window.showQuickPick([{ label: 'Any type', type: undefined }, ...KEY_TYPES.map((t) => ({ label: t, type: t }))], {
        title: 'Filter Redis keys (2/2): type',
        placeHolder: 'SCAN … TYPE',
      });
      if (!picked) return undefined;
      next = { pattern, type: picked.type };
    }
    if (next.type && !(KEY_TYPES as readonly string[]).includes(next.type)) throw new Error(`Unknown Redis type "${next.type}": one of ${KEY_TYPES.join(', ')}.`);
    setKeyFilter(next);
    await this.applyFilter();
    return keyFilter();
  }

  async clearFilter(): Promise<void> {
    setKeyFilter({});
    await this.applyFilter();
  }

  private async applyFilter(): Promise<void> {
    const text = filterText();
    this.deps.view.description = text;
    this.deps.view.message = text ? `Keys filtered: ${text}. Clear it from the view's title bar.` : undefined;
    await vscode.commands.executeCommand('setContext', 'upkeep.redis.filtered', Boolean(text));
    this.deps.refresh();
  }

  /** The next page of a tree level ("Load more…" node) or of the value document given (or the active one). */
  async loadMore(target?: unknown): Promise<void> {
    const node = nodeOfKind<RedisLoadMoreNode>(target, 'redis-load-more');
    if (node) return node.level.loadMore();
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (uri?.scheme !== REDIS_VALUE_SCHEME) {
      void vscode.window.showInformationMessage('Load More works on a "Load more…" node of the Redis view or on an open Redis value.');
      return;
    }
    const more = await this.values.loadMore(uri);
    if (!more) void vscode.window.setStatusBarMessage('Upkeep: the whole value is shown.', 3000);
  }

  /** Opens a key's value read-only in an editor tab; returns the document. */
  async openKey(target?: unknown): Promise<vscode.TextDocument | undefined> {
    const node = nodeOfKind<RedisKeyNode>(target, 'redis-key') ?? nodeOfKind<RedisKeyNode>(this.deps.view.selection[0], 'redis-key');
    if (!node) {
      void vscode.window.showInformationMessage('Choose a key in the Redis view to open its value.');
      return undefined;
    }
    const uri = valueUri(node.profile, node.db, node.key);
    const { json } = await this.values.prepare(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (json && doc.languageId !== 'jsonc') doc = await vscode.languages.setTextDocumentLanguage(doc, 'jsonc');
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  }

  dispose(): void {
    this.values.dispose();
  }
}
