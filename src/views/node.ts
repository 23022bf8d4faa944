import * as vscode from 'vscode';
import type { ConnectionProfile } from '../core/connections/profile';

/** A node of an Upkeep tree. The provider only maps these; each node knows its item and children. */
export abstract class UpkeepNode {
  constructor(
    /** Unique and stable across refreshes, so expansion state survives. */
    readonly id: string,
    readonly parent: UpkeepNode | undefined,
  ) {}

  /**
   * What the node stands for ('pg-table', 'pg-index'…): commands tell nodes
   * apart by this, not by class, so code in a lazily loaded chunk recognises
   * nodes made by the extension's main bundle.
   */
  readonly nodeKind: string = 'node';

  abstract toTreeItem(): vscode.TreeItem;

  getChildren(): Promise<UpkeepNode[]> {
    return Promise.resolve([]);
  }

  /** Forgets what the node has loaded, so the next render reads it again. */
  invalidate(): void {
    // Nothing cached by default.
  }
}

/** The node as the kind it says it is, or undefined. */
export function nodeOfKind<T extends UpkeepNode>(node: unknown, kind: string): T | undefined {
  return node instanceof Object && (node as { nodeKind?: unknown }).nodeKind === kind ? (node as T) : undefined;
}

/** What a node backs up, for the shared backup commands: its connection and the engine's "database" (a PostgreSQL database, a Docker volume). */
export interface BackupTargetRef {
  profile: ConnectionProfile;
  database: string;
}

/** The backup target a node carries (`backupTarget`), if any. */
export function backupTargetOf(node: unknown): BackupTargetRef | undefined {
  const t = node instanceof Object ? (node as { backupTarget?: unknown }).backupTarget : undefined;
  if (!(t instanceof Object)) return undefined;
  const { profile, database } = t as Partial<BackupTargetRef>;
  return profile && typeof profile.engine === 'string' && typeof database === 'string' ? { profile, database } : undefined;
}

/** The top of the tree a node hangs in (its connection node). */
export function rootOf(node: UpkeepNode): UpkeepNode {
  let root = node;
  while (root.parent) root = root.parent;
  return root;
}

/** A child id that stays unique whatever characters a database object's name holds. */
export function childId(parent: UpkeepNode, kind: string, name: string): string {
  return `${parent.id}/${kind}:${encodeURIComponent(name)}`;
}

/** A leaf that reports a problem where the children would have been. */
export class MessageNode extends UpkeepNode {
  constructor(
    parent: UpkeepNode,
    private readonly label: string,
    readonly kind: 'error' | 'info',
    private readonly detail?: string,
    private readonly command?: vscode.Command,
  ) {
    super(`${parent.id}/message:${kind}`, parent);
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = this.kind === 'error' ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('info');
    item.tooltip = this.detail ?? this.label;
    item.contextValue = `upkeep.message.${this.kind}`;
    if (this.command) item.command = this.command;
    return item;
  }
}
