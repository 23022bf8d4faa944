import * as vscode from 'vscode';

/** A node of an Upkeep tree. The provider only maps these; each node knows its item and children. */
export abstract class UpkeepNode {
  constructor(
    /** Unique and stable across refreshes, so expansion state survives. */
    readonly id: string,
    readonly parent: UpkeepNode | undefined,
  ) {}

  abstract toTreeItem(): vscode.TreeItem;

  getChildren(): Promise<UpkeepNode[]> {
    return Promise.resolve([]);
  }
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
    private readonly kind: 'error' | 'info',
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
