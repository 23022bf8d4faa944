/**
 * Neo4j's commands: each resolves its tree node, builds Neo4jOps and hands
 * them to the shared flow (read-only refusal, preview with the exact Cypher,
 * confirmation, typed name on production, progress with cancel, history).
 * The extension requires this module the first time an `upkeep.neo4j.*`
 * command runs.
 */
import * as vscode from 'vscode';
import type * as Neo4j from 'neo4j-driver';
import { runOperationFlow, type FlowDeps } from '../../app/operationFlow';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { BatchOutcome } from '../../core/operations/operation';
import { Cancelled, UserFacingError } from '../../core/errors';
import type { Neo4jSession } from '../../core/neo4j/connection';
import { buildDeleteOrphans, buildMergeDuplicates, scanDuplicates, scanOrphans, type DuplicateGroup, type DuplicateScan } from '../../core/neo4j/cleanup';
import {
  buildCheckpoint, buildCreateIndex, buildCreateUniqueConstraint, buildDropConstraint, buildDropIndex, buildRebuildIndex, buildTerminateTransaction,
  defaultIndexName, INDEX_TYPES, type IndexType, type Neo4jOp,
} from '../../core/neo4j/operation';
import { listConstraints, listIndexes } from '../../core/neo4j/schema';
import { nodeOfKind, type UpkeepNode } from '../../views/node';
import type { Neo4jDatabaseNode } from '../../views/neo4j/nodes';
import type { Neo4jConstraintNode, Neo4jCountNode, Neo4jIndexNode, Neo4jTransactionNode } from '../../views/neo4j/objectNodes';

export interface CreateIndexArgs { type?: IndexType; properties?: string[]; name?: string }
export interface OrphanArgs { batchSize?: number }
export interface DuplicateArgs {
  properties?: string[];
  moveRelationships?: boolean;
  batchSize?: number;
  createConstraint?: boolean;
  /** Merge only the groups with these values (each the property values of one group, in `properties` order); all groups when absent. */
  groups?: unknown[][];
}

interface Where {
  profile: ConnectionProfile;
  database: string;
  databaseNode: Neo4jDatabaseNode;
}

export class Neo4jCommands {
  constructor(private readonly flow: FlowDeps) {}

  private where(node: unknown): Where {
    let n = node as UpkeepNode | undefined;
    while (n && !nodeOfKind<Neo4jDatabaseNode>(n, 'neo4j-database')) n = n.parent;
    const db = nodeOfKind<Neo4jDatabaseNode>(n, 'neo4j-database');
    if (!db) throw new UserFacingError('Run this from a Neo4j database, label, index, constraint or transaction in the Neo4j view.');
    return { profile: db.profile, database: db.database.name, databaseNode: db };
  }

  private async driver(profile: ConnectionProfile): Promise<Neo4j.Driver> {
    return ((await this.flow.connections.session(profile)) as Neo4jSession).driver;
  }

  private run(profile: ConnectionProfile, ops: Neo4jOp[], title?: string): Promise<BatchOutcome | undefined> {
    return runOperationFlow(this.flow, { profile, ops, ...(title ? { title } : {}) });
  }

  /** Create an index on a label or relationship type (from its node), then wait for it to come ONLINE. */
  async createIndex(node?: unknown, args: CreateIndexArgs = {}): Promise<BatchOutcome | undefined> {
    const w = this.where(node);
    const count = nodeOfKind<Neo4jCountNode>(node, 'neo4j-label') ?? nodeOfKind<Neo4jCountNode>(node, 'neo4j-type');
    if (!count) throw new UserFacingError('Create an index from a label or relationship type in the Neo4j view.');
    const type = args.type ?? (await pick(INDEX_TYPES.map((t) => ({ label: t })), `Index type for ${count.entry.name}`)).label;
    const properties = args.properties ?? splitList(await ask('Properties to index (comma-separated)', ''));
    if (!properties.length) throw new Cancelled();
    const token = count.entry.name;
    const name = args.name ?? (await ask('Index name', defaultIndexName({ token, properties })));
    return this.run(w.profile, [buildCreateIndex(w.database, { type, entity: count.of === 'label' ? 'node' : 'relationship', token, properties, name })]);
  }

  async dropIndex(node?: unknown): Promise<BatchOutcome | undefined> {
    const ix = this.indexNode(node);
    return this.run(this.where(node).profile, [buildDropIndex(this.where(node).database, ix.index)]);
  }

  /** DROP + CREATE from the server's createStatement; an index a constraint owns is rebuilt with its constraint. */
  async rebuildIndex(node?: unknown): Promise<BatchOutcome | undefined> {
    const w = this.where(node);
    const ix = this.indexNode(node).index;
    const [fresh] = await listIndexes(await this.driver(w.profile), w.database, ix.name);
    if (!fresh) throw new UserFacingError(`Index ${ix.name} is gone: refresh the view.`);
    let constraintCreate: string | undefined;
    if (fresh.owningConstraint) {
      constraintCreate = (await listConstraints(await this.driver(w.profile), w.database)).find((c) => c.name === fresh.owningConstraint)?.createStatement;
    }
    return this.run(w.profile, [buildRebuildIndex(w.database, fresh, constraintCreate)]);
  }

  async dropConstraint(node?: unknown): Promise<BatchOutcome | undefined> {
    const c = nodeOfKind<Neo4jConstraintNode>(node, 'neo4j-constraint');
    if (!c) throw new UserFacingError('Drop a constraint from its node in the Neo4j view.');
    const w = this.where(node);
    return this.run(w.profile, [buildDropConstraint(w.database, c.constraint)]);
  }

  async terminateTransaction(node?: unknown): Promise<BatchOutcome | undefined> {
    const t = nodeOfKind<Neo4jTransactionNode>(node, 'neo4j-transaction');
    if (!t) throw new UserFacingError('Terminate a transaction from its node in the Neo4j view.');
    return this.run(this.where(node).profile, [buildTerminateTransaction(t.tx)]);
  }

  async checkpoint(node?: unknown): Promise<BatchOutcome | undefined> {
    const w = this.where(node);
    if (!w.databaseNode.connection.facts?.checkpoint) throw new UserFacingError('This Neo4j edition has no db.checkpoint(): nothing was sent.');
    return this.run(w.profile, [buildCheckpoint(w.database)]);
  }

  /** Counts orphaned nodes (of the label, from a label node), previews how many with a sample, deletes them in batches. */
  async deleteOrphans(node?: unknown, args: OrphanArgs = {}): Promise<BatchOutcome | undefined> {
    const w = this.where(node);
    const label = nodeOfKind<Neo4jCountNode>(node, 'neo4j-label')?.entry.name;
    const scan = await scanOrphans(await this.driver(w.profile), w.database, label);
    if (scan.count === 0) {
      void vscode.window.showInformationMessage(`No orphaned nodes${label ? ` with label ${label}` : ''} in ${w.database}: nothing to delete.`);
      return undefined;
    }
    return this.run(w.profile, [buildDeleteOrphans(w.database, scan, { ...(label ? { label } : {}), ...(args.batchSize ? { batchSize: args.batchSize } : {}) })]);
  }

  /** Finds nodes of a label sharing values of a property set; merges them (oldest kept) or, once clean, creates a uniqueness constraint. */
  async findDuplicates(node?: unknown, args: DuplicateArgs = {}): Promise<BatchOutcome | undefined> {
    const w = this.where(node);
    const labelNode = nodeOfKind<Neo4jCountNode>(node, 'neo4j-label');
    if (!labelNode) throw new UserFacingError('Find duplicates from a label in the Neo4j view.');
    const label = labelNode.entry.name;
    const properties = args.properties ?? splitList(await ask(`Properties that identify a :${label} node (comma-separated)`, ''));
    if (!properties.length) throw new Cancelled();
    const scan = await scanDuplicates(await this.driver(w.profile), w.database, label, properties);
    const constraintName = `uniq_${label}_${properties.join('_')}`.slice(0, 120);
    if (scan.groupCount === 0) {
      const create = args.createConstraint ?? (await vscode.window.showInformationMessage(`No duplicates of :${label}(${properties.join(', ')}): a uniqueness constraint can keep it that way.`, 'Create Uniqueness Constraint')) !== undefined;
      return create ? this.run(w.profile, [buildCreateUniqueConstraint(w.database, label, properties, constraintName)]) : undefined;
    }
    let move = args.moveRelationships;
    if (move === undefined) {
      const choice = await pick([
        { label: 'Keep the oldest, delete the rest', description: `their ${scan.extraRelationships.toLocaleString('en-US')} relationships are deleted with them`, move: false },
        { label: 'Keep the oldest, move relationships to it, delete the rest', description: 'same type, direction and properties on the kept node', move: true },
      ], `${scan.groupCount.toLocaleString('en-US')} groups, ${scan.extraNodes.toLocaleString('en-US')} extra nodes`);
      move = choice.move;
    }
    const only = args.groups ? scan.groups.filter((g) => args.groups?.some((v) => JSON.stringify(v) === JSON.stringify(g.values))) : await this.chooseGroups(scan);
    if (args.groups && !only?.length) throw new UserFacingError('None of the groups named are duplicates any more: nothing was deleted.');
    return this.run(w.profile, [buildMergeDuplicates(w.database, scan, { moveRelationships: move, ...(only ? { only } : {}), ...(args.batchSize ? { batchSize: args.batchSize } : {}) })]);
  }

  /** All groups, or the ones picked (from the first 100 the scan lists); undefined means all. */
  private async chooseGroups(scan: DuplicateScan): Promise<DuplicateGroup[] | undefined> {
    if (scan.groupCount < 2) return undefined;
    const which = await pick([
      { label: `All ${scan.groupCount.toLocaleString('en-US')} groups`, description: `${scan.extraNodes.toLocaleString('en-US')} extra nodes`, all: true },
      { label: 'Choose groups…', description: scan.groupCount > scan.groups.length ? `from the first ${scan.groups.length}` : '', all: false },
    ], 'Merge which duplicate groups?');
    if (which.all) return undefined;
    const chosen = await vscode.window.showQuickPick(
      scan.groups.map((g) => ({ label: g.values.map((v) => JSON.stringify(v)).join(', '), description: `${g.count} nodes`, detail: g.sample.join(', '), group: g })),
      { canPickMany: true, placeHolder: 'The groups to merge (the oldest node of each is kept)', ignoreFocusOut: true },
    );
    if (!chosen?.length) throw new Cancelled();
    return chosen.map((c) => c.group);
  }

  private indexNode(node: unknown): Neo4jIndexNode {
    const ix = nodeOfKind<Neo4jIndexNode>(node, 'neo4j-index');
    if (!ix) throw new UserFacingError('Pick an index in the Neo4j view.');
    return ix;
  }
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

async function ask(prompt: string, value: string): Promise<string> {
  const answer = await vscode.window.showInputBox({ prompt, value, ignoreFocusOut: true });
  if (answer === undefined) throw new Cancelled();
  return answer.trim();
}

async function pick<T extends vscode.QuickPickItem>(items: T[], placeHolder: string): Promise<T> {
  const choice = await vscode.window.showQuickPick(items, { placeHolder, ignoreFocusOut: true });
  if (!choice) throw new Cancelled();
  return choice;
}
