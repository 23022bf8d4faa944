/** Neo4j nodes under a database: labels and relationship types with counts, indexes, constraints, transactions. */
import * as vscode from 'vscode';
import { formatAge, formatCount, formatDuration } from '../../core/format';
import { failureSummary, type IndexFlags, type NameCount, type Neo4jConstraint, type Neo4jIndex, type Neo4jTransaction } from '../../core/neo4j/schema';
import { codeBlock, escapeMd } from '../markdown';
import { childId, UpkeepNode } from '../node';

export class Neo4jCountNode extends UpkeepNode {
  override readonly nodeKind: string;
  constructor(parent: UpkeepNode, readonly of: 'label' | 'type', readonly entry: NameCount) {
    super(childId(parent, of, entry.name), parent);
    this.nodeKind = of === 'label' ? 'neo4j-label' : 'neo4j-type';
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.entry.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.of === 'label' ? 'tag' : 'arrow-right');
    const noun = this.of === 'label' ? 'node' : 'relationship';
    item.description = `${formatCount(this.entry.count)} ${this.entry.count === 1 ? noun : `${noun}s`}`;
    item.tooltip = new vscode.MarkdownString(`${this.of === 'label' ? 'Label' : 'Relationship type'} **${escapeMd(this.entry.name)}**: ${this.entry.count.toLocaleString('en-US')} ${this.of === 'label' ? 'nodes' : 'relationships'} (count store)`);
    item.contextValue = this.of === 'label' ? 'upkeep.neo4j.label' : 'upkeep.neo4j.relType';
    return item;
  }
}

export class Neo4jIndexNode extends UpkeepNode {
  override readonly nodeKind: string = 'neo4j-index';
  constructor(parent: UpkeepNode, readonly index: Neo4jIndex, readonly flags: IndexFlags) {
    super(childId(parent, 'index', index.name), parent);
  }

  toTreeItem(): vscode.TreeItem {
    const ix = this.index;
    const f = this.flags;
    const item = new vscode.TreeItem(ix.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const on = ix.labelsOrTypes.length ? `${ix.entityType === 'NODE' ? ':' : '[:'}${ix.labelsOrTypes.join('|')}${ix.entityType === 'NODE' ? '' : ']'}(${ix.properties.join(', ')})` : ix.entityType === 'NODE' ? 'all labels' : 'all types';
    const state = f.failed ? 'FAILED' : f.populating ? `POPULATING ${ix.populationPercent.toFixed(0)}%` : '';
    const reads = ix.readCount === null ? '' : `${formatCount(ix.readCount)} reads`;
    item.description = [ix.type, on, state, f.unused ? 'unused' : reads, ix.owningConstraint ? 'constraint' : ''].filter(Boolean).join(' · ');
    item.iconPath = f.failed
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
      : f.populating
        ? new vscode.ThemeIcon('loading~spin')
        : f.unused
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
          : new vscode.ThemeIcon(ix.owningConstraint ? 'shield' : 'list-tree');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(codeBlock(ix.createStatement, 'cypher'));
    md.appendMarkdown(`\n${escapeMd(ix.type)} index on ${escapeMd(on)} · state ${escapeMd(ix.state)}${f.populating ? ` (${ix.populationPercent.toFixed(1)}%)` : ''}\n\n`);
    if (ix.readCount !== null) {
      md.appendMarkdown(`${ix.readCount.toLocaleString('en-US')} reads · last read ${formatAge(ix.lastRead)} · tracked since ${ix.trackedSince ? ix.trackedSince.toISOString().replace('T', ' ').slice(0, 19) : '—'} UTC\n\n`);
    } else {
      md.appendMarkdown('No usage statistics yet: the server publishes them every few seconds after an index comes online.\n\n');
    }
    if (f.failed) md.appendMarkdown(`**FAILED**: ${escapeMd(failureSummary(ix.failureMessage))}\n\nFix the data, then **Rebuild** it (drop and create with the same definition).\n\n`);
    if (f.unused) md.appendMarkdown(`**Unused**: never read since tracking began (${formatAge(ix.trackedSince)}). Writes still keep it up to date.\n\n`);
    if (ix.owningConstraint) md.appendMarkdown(`Owned by constraint ${escapeMd(ix.owningConstraint)}: dropping the constraint drops it.\n\n`);
    item.tooltip = md;
    item.contextValue = f.failed ? 'upkeep.neo4j.index.failed' : ix.owningConstraint ? 'upkeep.neo4j.index.owned' : ix.type === 'LOOKUP' ? 'upkeep.neo4j.index.lookup' : 'upkeep.neo4j.index';
    return item;
  }
}

export class Neo4jConstraintNode extends UpkeepNode {
  override readonly nodeKind: string = 'neo4j-constraint';
  constructor(parent: UpkeepNode, readonly constraint: Neo4jConstraint) {
    super(childId(parent, 'constraint', constraint.name), parent);
  }

  toTreeItem(): vscode.TreeItem {
    const c = this.constraint;
    const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('shield');
    item.description = [c.type, `${c.entityType === 'NODE' ? ':' : '[:'}${c.labelsOrTypes.join('|')}${c.entityType === 'NODE' ? '' : ']'}(${c.properties.join(', ')})`, c.ownedIndex ? `index ${c.ownedIndex}` : ''].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(codeBlock(c.createStatement, 'cypher'));
    md.appendMarkdown(`\n${c.ownedIndex ? `Backed by index ${escapeMd(c.ownedIndex)} (see Indexes for its state).` : 'No backing index.'}`);
    item.tooltip = md;
    item.contextValue = 'upkeep.neo4j.constraint';
    return item;
  }
}

export class Neo4jTransactionNode extends UpkeepNode {
  override readonly nodeKind: string = 'neo4j-transaction';
  constructor(parent: UpkeepNode, readonly tx: Neo4jTransaction, private readonly longSeconds: number) {
    super(childId(parent, 'tx', tx.id), parent);
  }

  get long(): boolean {
    return this.tx.elapsedMs >= this.longSeconds * 1000;
  }

  toTreeItem(): vscode.TreeItem {
    const t = this.tx;
    const query = t.query.replace(/\s+/g, ' ').trim();
    const item = new vscode.TreeItem(query ? (query.length > 60 ? `${query.slice(0, 59)}…` : query) : `(idle) ${t.id}`, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = this.long ? new vscode.ThemeIcon('watch', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon('pulse');
    item.description = [formatDuration(t.elapsedMs), t.status, t.username, t.client, this.long ? 'long' : ''].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(t.id)}** · ${escapeMd(t.status)} for ${formatDuration(t.elapsedMs)} · ${escapeMd(t.username)} from ${escapeMd(t.client)}\n\n`);
    if (this.long) md.appendMarkdown(`Running longer than ${this.longSeconds} s (upkeep.neo4j.longTransactionSeconds).\n\n`);
    md.appendMarkdown(codeBlock(t.query.slice(0, 2000), 'cypher'));
    item.tooltip = md;
    item.contextValue = ['upkeep.neo4j.transaction', this.long ? 'long' : ''].filter(Boolean).join(' ');
    return item;
  }
}
