/**
 * Neo4jOp: Neo4j's kind of Operation. Its `text` is the exact Cypher sent
 * (statements joined by `;` and a new line), every name in it written with
 * backticks (doubled inside), every value as a literal: what the preview shows
 * is what runs. The executor (executor.ts) runs `statements` in order in the
 * target database, waits for `awaitIndex` to come ONLINE, and streams
 * `batched` deletes batch by batch.
 */
import type { Operation, OperationTarget } from '../operations/operation';
import { cypherName, cypherString } from './cypherNames';
import type { Neo4jConstraint, Neo4jIndex, Neo4jTransaction } from './schema';

export interface Neo4jTarget extends OperationTarget {
  kind: 'index' | 'constraint' | 'label' | 'graph' | 'transaction' | 'server';
  database: string;
  /** The index, constraint, label or transaction id; empty for the whole graph. */
  name: string;
}

export interface Neo4jOp extends Operation {
  engine: 'neo4j';
  language: 'cypher';
  target: Neo4jTarget;
  statements: string[];
  /** After the statements: wait for this index to be ONLINE, with populationPercent as progress. */
  awaitIndex?: string;
  /**
   * The last statement is `CALL { … RETURN 1 AS deleted } IN TRANSACTIONS OF n ROWS RETURN deleted`:
   * one row per deleted node as its batch commits, so progress counts them and a cancel stops between batches.
   */
  batched?: {
    expected: number;
    batchSize: number;
    noun: string;
    /** Counts what is left to delete (one row, column `c`): after a cancel, the exact number deleted is expected minus this. */
    remaining: string;
  };
}

function op(fields: Omit<Neo4jOp, 'engine' | 'language' | 'text'>): Neo4jOp {
  return { engine: 'neo4j', language: 'cypher', text: fields.statements.join(';\n'), ...fields };
}

export const INDEX_TYPES = ['RANGE', 'TEXT', 'POINT', 'FULLTEXT'] as const;
export type IndexType = (typeof INDEX_TYPES)[number];

export interface IndexSpec {
  type: IndexType;
  entity: 'node' | 'relationship';
  /** The label (nodes) or relationship type. */
  token: string;
  properties: string[];
  name: string;
}

/** A name for a new index: `ix_<token>_<properties>`, readable and valid once quoted. */
export function defaultIndexName(spec: Pick<IndexSpec, 'token' | 'properties'>): string {
  return `ix_${spec.token}_${spec.properties.join('_')}`.slice(0, 120);
}

export function createIndexStatement(spec: IndexSpec): string {
  const v = spec.entity === 'node' ? 'n' : 'r';
  const pattern = spec.entity === 'node' ? `(n:${cypherName(spec.token)})` : `()-[r:${cypherName(spec.token)}]-()`;
  const props = spec.properties.map((p) => `${v}.${cypherName(p)}`);
  if (spec.type === 'FULLTEXT') {
    return `CREATE FULLTEXT INDEX ${cypherName(spec.name)} FOR ${pattern} ON EACH [${props.join(', ')}]`;
  }
  return `CREATE ${spec.type} INDEX ${cypherName(spec.name)} FOR ${pattern} ON (${props.join(', ')})`;
}

export function buildCreateIndex(database: string, spec: IndexSpec): Neo4jOp {
  return op({
    kind: 'create-index', target: { kind: 'index', database, name: spec.name },
    title: `Create ${spec.type} index ${spec.name}`,
    statements: [createIndexStatement(spec)], awaitIndex: spec.name,
    impact: 'reads and writes go on; the index is populated in the background (it reads every node or relationship it covers), and queries use it once ONLINE',
    risk: 'heavy', confirmName: spec.name, progress: 'populationPercent',
  });
}

export function buildDropIndex(database: string, index: Pick<Neo4jIndex, 'name'>): Neo4jOp {
  return op({
    kind: 'drop-index', target: { kind: 'index', database, name: index.name },
    title: `Drop index ${index.name}`, statements: [`DROP INDEX ${cypherName(index.name)}`],
    impact: 'queries that use it fall back to label or type scans until it is created again',
    risk: 'destructive', confirmName: index.name,
  });
}

export function buildDropConstraint(database: string, constraint: Pick<Neo4jConstraint, 'name' | 'ownedIndex'>): Neo4jOp {
  return op({
    kind: 'drop-constraint', target: { kind: 'constraint', database, name: constraint.name },
    title: `Drop constraint ${constraint.name}`, statements: [`DROP CONSTRAINT ${cypherName(constraint.name)}`],
    impact: `the data is no longer checked against it${constraint.ownedIndex ? `, and the index it owns (${constraint.ownedIndex}) is dropped with it` : ''}`,
    risk: 'destructive', confirmName: constraint.name,
  });
}

/**
 * DROP + CREATE with the server's own createStatement (type, properties and
 * options unchanged). An index owned by a constraint is rebuilt by dropping
 * and creating the constraint (its createStatement given here).
 */
export function buildRebuildIndex(database: string, index: Pick<Neo4jIndex, 'name' | 'createStatement' | 'owningConstraint' | 'state'>, constraintCreate?: string): Neo4jOp {
  const owned = index.owningConstraint !== null && constraintCreate !== undefined;
  const statements = owned
    ? [`DROP CONSTRAINT ${cypherName(index.owningConstraint ?? '')}`, constraintCreate]
    : [`DROP INDEX ${cypherName(index.name)}`, index.createStatement];
  return op({
    kind: 'rebuild-index', target: { kind: 'index', database, name: index.name },
    title: `Rebuild index ${index.name}`, statements, awaitIndex: index.name,
    impact: `the index is dropped and created again with the same definition${owned ? ` (with its constraint ${index.owningConstraint ?? ''}: unchecked until it is back)` : ''}; queries that use it scan until it is ONLINE again`,
    risk: index.state === 'FAILED' ? 'heavy' : 'blocking', confirmName: index.name, progress: 'populationPercent',
  });
}

export function buildCreateUniqueConstraint(database: string, label: string, properties: string[], name: string): Neo4jOp {
  const props = properties.map((p) => `n.${cypherName(p)}`);
  return op({
    kind: 'create-constraint', target: { kind: 'constraint', database, name },
    title: `Create uniqueness constraint ${name}`,
    statements: [`CREATE CONSTRAINT ${cypherName(name)} FOR (n:${cypherName(label)}) REQUIRE ${props.length === 1 ? props[0] ?? '' : `(${props.join(', ')})`} IS UNIQUE`],
    awaitIndex: name,
    impact: 'checks every existing node first (it fails if any duplicates are left) and then refuses new duplicates; it owns a RANGE index',
    risk: 'heavy', confirmName: name, progress: 'populationPercent',
  });
}

export function buildTerminateTransaction(tx: Pick<Neo4jTransaction, 'id' | 'database' | 'query'>): Neo4jOp {
  return op({
    kind: 'terminate-transaction', target: { kind: 'transaction', database: tx.database, name: tx.id },
    title: `Terminate transaction ${tx.id}`, statements: [`TERMINATE TRANSACTIONS ${cypherString(tx.id)}`],
    impact: 'its work is rolled back and its client gets an error',
    risk: 'destructive', confirmName: tx.id,
  });
}

export function buildCheckpoint(database: string): Neo4jOp {
  return op({
    kind: 'checkpoint', target: { kind: 'server', database, name: database },
    title: `Checkpoint ${database}`, statements: ['CALL db.checkpoint()'],
    impact: 'reads and writes go on; every dirty page is flushed to disk (heavy I/O while it runs)',
    risk: 'heavy', confirmName: database,
  });
}
