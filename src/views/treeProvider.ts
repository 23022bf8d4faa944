import * as vscode from 'vscode';
import type { Engine } from '../core/connections/profile';
import type { ConnectionService } from '../connections/connectionService';
import type { ProfileStore } from '../connections/profileStore';
import type { ConnectionNode } from './connectionNode';
import { engineViews } from './registry';
import { MessageNode, type UpkeepNode } from './node';

/**
 * One engine's view. It maps nodes to items and nothing more; nodes load
 * their own children. Status changes re-render only the affected connection:
 * its children, once loaded without an error, are handed back as they were
 * (the workbench asks for them again whenever it redraws an expanded node,
 * and new child objects would drop what a context menu or a selection holds
 * while the status flips from checking to connected). A refresh — the
 * Refresh button, a profile change, a node's own change — loads them anew.
 *
 * A redraw of a node is held back while the workbench is loading that node's
 * children: the extension host registers each child by its id when a load
 * ends, and a second load started by the redraw that ends after the first
 * fails with "Element with id … is already registered" — the workbench then
 * shows the node expanded and empty, and expanding it again does not ask.
 */
export class EngineTreeProvider implements vscode.TreeDataProvider<UpkeepNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<UpkeepNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: ConnectionNode[] = [];
  private readonly visibility = new vscode.EventEmitter<boolean>();
  private shown = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** Each node's children as last loaded (or loading): a second ask while one is in flight shares it. */
  private readonly loaded = new WeakMap<UpkeepNode, Promise<UpkeepNode[]>>();
  /** This engine's profiles as the roots were last built from them. */
  private rootsKey: string | undefined;
  /** Connections whose next redraw is for a status change only. */
  private readonly statusOnly = new WeakSet<UpkeepNode>();
  /** Nodes whose children the workbench is loading now (how many loads), and those with a redraw held back until they end. */
  private readonly loading = new Map<UpkeepNode, number>();
  private readonly heldBack = new Set<UpkeepNode>();

  constructor(
    readonly engine: Engine,
    private readonly profiles: ProfileStore,
    private readonly connections: ConnectionService,
  ) {
    this.disposables.push(
      // A settings change that leaves this engine's connections as they were does not redraw the view:
      // a root redraw cancels the children the workbench is loading, and an expansion in flight then stays empty.
      profiles.onDidChange(() => {
        if (this.rootsKey === undefined || this.rootsKey !== this.profilesKey()) this.refresh();
      }),
      connections.onDidChangeStatus((id) => {
        const node = this.roots.find((r) => r.profile.id === id);
        if (!node) return;
        // Unknown and error mean the session was dropped or failed: load the children again then.
        const state = connections.status(id).state;
        if (state === 'connected' || state === 'checking') this.statusOnly.add(node);
        this.redraw(node);
      }),
    );
  }

  getTreeItem(element: UpkeepNode): vscode.TreeItem {
    return element.toTreeItem();
  }

  getParent(element: UpkeepNode): UpkeepNode | undefined {
    return element.parent;
  }

  async getChildren(element?: UpkeepNode): Promise<UpkeepNode[]> {
    if (element) return this.childrenOf(element);
    const views = await engineViews(this.engine);
    const ctx = {
      connections: this.connections,
      changed: (node: UpkeepNode) => this.refresh(node),
      visible: () => this.shown,
      onDidChangeVisibility: this.visibility.event,
    };
    this.rootsKey = this.profilesKey();
    this.roots = this.profiles.byEngine(this.engine).map(({ profile, scope }) => views.connectionNode(profile, scope, ctx));
    this.roots.sort((a, b) => a.profile.name.localeCompare(b.profile.name));
    views.retain?.(this.roots.map((r) => r.profile.id));
    return this.roots;
  }

  private profilesKey(): string {
    return JSON.stringify(this.profiles.byEngine(this.engine).map(({ profile, scope }) => [scope, profile]));
  }

  private async childrenOf(element: UpkeepNode): Promise<UpkeepNode[]> {
    this.loading.set(element, (this.loading.get(element) ?? 0) + 1);
    try {
      return await this.loadChildren(element);
    } finally {
      const left = (this.loading.get(element) ?? 1) - 1;
      if (left > 0) this.loading.set(element, left);
      else {
        this.loading.delete(element);
        // The extension host registers the children after this answer (in its own continuations): redraw after that.
        if (this.heldBack.delete(element)) setTimeout(() => this.redraw(element), 0);
      }
    }
  }

  /** Fires a node's change now, or once the load of its children in flight has ended. */
  private redraw(node: UpkeepNode): void {
    if (this.loading.has(node)) this.heldBack.add(node);
    else this.changed.fire(node);
  }

  private async loadChildren(element: UpkeepNode): Promise<UpkeepNode[]> {
    const last = this.loaded.get(element);
    if (last && this.statusOnly.has(element)) {
      this.statusOnly.delete(element);
      const kept = await last.catch(() => undefined);
      if (kept && !kept.some((n) => n instanceof MessageNode && n.kind === 'error')) return kept;
    }
    this.statusOnly.delete(element);
    const loading = element.getChildren();
    this.loaded.set(element, loading);
    return loading;
  }

  /** Connection nodes as last listed (for commands and tests). */
  connectionNodes(): readonly ConnectionNode[] {
    return this.roots;
  }

  /** The view was shown or hidden (its TreeView says): trees that watch their server start or stop. */
  setVisible(visible: boolean): void {
    if (visible === this.shown) return;
    this.shown = visible;
    this.visibility.fire(visible);
  }

  get visible(): boolean {
    return this.shown;
  }

  refresh(node?: UpkeepNode): void {
    if (!node) {
      this.heldBack.clear();
      this.changed.fire(undefined);
      return;
    }
    this.statusOnly.delete(node);
    this.redraw(node);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.setVisible(false);
    this.visibility.dispose();
  }
}
