import * as vscode from 'vscode';
import type { Engine } from '../core/connections/profile';
import type { ConnectionService } from '../connections/connectionService';
import type { ProfileStore } from '../connections/profileStore';
import type { ConnectionNode } from './connectionNode';
import { engineViews } from './registry';
import type { UpkeepNode } from './node';

/**
 * One engine's view. It maps nodes to items and nothing more; nodes load
 * their own children. Status changes re-render only the affected connection.
 */
export class EngineTreeProvider implements vscode.TreeDataProvider<UpkeepNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<UpkeepNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: ConnectionNode[] = [];
  private readonly visibility = new vscode.EventEmitter<boolean>();
  private shown = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly engine: Engine,
    private readonly profiles: ProfileStore,
    private readonly connections: ConnectionService,
  ) {
    this.disposables.push(
      profiles.onDidChange(() => this.refresh()),
      connections.onDidChangeStatus((id) => {
        const node = this.roots.find((r) => r.profile.id === id);
        if (node) this.changed.fire(node);
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
    if (element) return element.getChildren();
    const views = await engineViews(this.engine);
    const ctx = {
      connections: this.connections,
      changed: (node: UpkeepNode) => this.changed.fire(node),
      visible: () => this.shown,
      onDidChangeVisibility: this.visibility.event,
    };
    this.roots = this.profiles.byEngine(this.engine).map(({ profile, scope }) => views.connectionNode(profile, scope, ctx));
    this.roots.sort((a, b) => a.profile.name.localeCompare(b.profile.name));
    views.retain?.(this.roots.map((r) => r.profile.id));
    return this.roots;
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
    this.changed.fire(node);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.setVisible(false);
    this.visibility.dispose();
  }
}
