/**
 * Graph clean-up as batched operations: orphaned nodes (no relationship at
 * all) and duplicate nodes (same label and values of a property set). Both
 * count first, so the preview says how many and shows a sample, then delete
 * with `CALL (…) { … RETURN 1 AS deleted } IN TRANSACTIONS OF n ROWS` — each
 * batch its own committed transaction, so a big graph never holds one huge
 * transaction. The subquery returns a row per deleted node, which the
 * executor streams for progress; rows come as batches commit and the server
 * waits while they are unread, so a cancel stops it between batches. (With
 * REPORT STATUS, or a unit subquery, the plan gains an Eager and every batch
 * runs before the first row comes back.) This runs in an implicit (auto-commit)
 * transaction, the only kind IN TRANSACTIONS accepts, and needs no APOC.
 */
import type * as Neo4j from 'neo4j-driver';
import { cypherName, cypherString, toNumber } from './cypherNames';
import type { Neo4jOp } from './operation';
import { readRows } from './schema';

export const DEFAULT_BATCH_SIZE = 1000;

export interface OrphanScan {
  count: number;
  /** Up to 10: element id and labels. */
  sample: { elementId: string; labels: string[] }[];
}

function orphanMatch(label: string | undefined): string {
  return `MATCH (n${label ? `:${cypherName(label)}` : ''}) WHERE NOT (n)--()`;
}

export async function scanOrphans(driver: Neo4j.Driver, database: string, label?: string): Promise<OrphanScan> {
  const [row] = await readRows(driver, database,
    `${orphanMatch(label)} WITH n ORDER BY id(n) WITH count(n) AS total, collect(n)[..10] AS sample RETURN total, [x IN sample | {id: elementId(x), labels: labels(x)}] AS sample`);
  const sample = Array.isArray(row?.sample) ? (row.sample as { id: unknown; labels: unknown }[]) : [];
  return { count: toNumber(row?.total), sample: sample.map((s) => ({ elementId: String(s.id), labels: Array.isArray(s.labels) ? s.labels.map(String) : [] })) };
}

/** The bare batched delete of orphans: the statement the operation sends, and the bench's reference. */
export function orphanDeleteStatement(label: string | undefined, batchSize: number): string {
  return `${orphanMatch(label)} CALL (n) { DELETE n RETURN 1 AS deleted } IN TRANSACTIONS OF ${Math.max(1, Math.floor(batchSize))} ROWS RETURN deleted`;
}

export function buildDeleteOrphans(database: string, scan: OrphanScan, opts: { label?: string; batchSize?: number } = {}): Neo4jOp {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const where = opts.label ? `with label ${opts.label}` : 'of any label';
  const sample = scan.sample.slice(0, 5).map((s) => `${s.elementId}${s.labels.length ? ` (${s.labels.join(', ')})` : ''}`).join('; ');
  return {
    engine: 'neo4j', language: 'cypher', kind: 'delete-orphans',
    target: { kind: opts.label ? 'label' : 'graph', database, name: opts.label ?? '' },
    title: `Delete ${scan.count.toLocaleString('en-US')} orphaned nodes ${where}`,
    statements: [orphanDeleteStatement(opts.label, batchSize)],
    text: orphanDeleteStatement(opts.label, batchSize),
    impact: `deletes ${scan.count.toLocaleString('en-US')} nodes that have no relationship (counted just now${sample ? `; e.g. ${sample}` : ''}) in batches of ${batchSize.toLocaleString('en-US')}, each committed on its own: a cancel stops between batches and keeps what was deleted`,
    risk: 'destructive', confirmName: opts.label ?? database,
    batched: { expected: scan.count, batchSize, noun: 'orphaned nodes', remaining: `${orphanMatch(opts.label)} RETURN count(n) AS c` },
  };
}

export interface DuplicateGroup {
  values: unknown[];
  count: number;
  /** Element ids, oldest (lowest internal id) first, up to 5. */
  sample: string[];
}

export interface DuplicateScan {
  label: string;
  properties: string[];
  groups: DuplicateGroup[];
  /** Groups in all (groups holds the first 100). */
  groupCount: number;
  /** Nodes the merge deletes: every node of a group but its oldest. */
  extraNodes: number;
  /** Relationships those nodes have. */
  extraRelationships: number;
}

function duplicateGroupsCypher(label: string, properties: string[]): string {
  const keys = properties.map((p, i) => `n.${cypherName(p)} AS k${i}`);
  const notNull = properties.map((p) => `n.${cypherName(p)} IS NOT NULL`).join(' AND ');
  return `MATCH (n:${cypherName(label)}) WHERE ${notNull} WITH n ORDER BY id(n) WITH ${keys.join(', ')}, collect(n) AS nodes WHERE size(nodes) > 1`;
}

export async function scanDuplicates(driver: Neo4j.Driver, database: string, label: string, properties: string[]): Promise<DuplicateScan> {
  const keys = properties.map((_, i) => `k${i}`);
  const rows = await readRows(driver, database,
    `${duplicateGroupsCypher(label, properties)} WITH [${keys.join(', ')}] AS vals, nodes
     WITH collect({vals: vals, count: size(nodes), sample: [x IN nodes[..5] | elementId(x)]})[..100] AS groups, count(*) AS groupCount,
          sum(size(nodes) - 1) AS extra, sum(reduce(r = 0, x IN tail(nodes) | r + COUNT { (x)--() })) AS rels
     RETURN groups, groupCount, extra, rels`);
  const row = rows[0];
  const groups = Array.isArray(row?.groups) ? (row.groups as { vals: unknown[]; count: unknown; sample: unknown[] }[]) : [];
  return {
    label, properties,
    groups: groups.map((g) => ({ values: g.vals, count: toNumber(g.count), sample: g.sample.map(String) })),
    groupCount: toNumber(row?.groupCount), extraNodes: toNumber(row?.extra), extraRelationships: toNumber(row?.rels),
  };
}

/**
 * Keeps the oldest node of each group (the lowest internal id — creation order
 * unless ids were reused after deletes) and deletes the rest in batches.
 * `moveRelationships`: each relationship of a deleted node is created again
 * on the kept node (same type, direction and properties; relationships between
 * two nodes of the group are dropped) before it goes; otherwise they are
 * deleted with it. The kept node's properties stay as they are: properties
 * only the deleted nodes had are lost.
 */
export function mergeDuplicatesStatement(label: string, properties: string[], moveRelationships: boolean, batchSize: number, only?: readonly DuplicateGroup[]): string {
  const move = moveRelationships
    ? ' CALL (keep, dup) { MATCH (dup)-[r]->(o) WHERE o <> dup AND o <> keep CREATE (keep)-[c:$(type(r))]->(o) SET c = properties(r) }' +
      ' CALL (keep, dup) { MATCH (o)-[r]->(dup) WHERE o <> dup AND o <> keep CREATE (o)-[c:$(type(r))]->(keep) SET c = properties(r) }'
    : '';
  return `${duplicateGroupsCypher(label, properties)}${groupFilter(properties, only)} WITH head(nodes) AS keep, tail(nodes) AS dups UNWIND dups AS dup` +
    ` CALL (keep, dup) {${move} DETACH DELETE dup RETURN 1 AS deleted } IN TRANSACTIONS OF ${Math.max(1, Math.floor(batchSize))} ROWS RETURN deleted`;
}

/** A property value from a duplicate scan as a Cypher literal (strings, numbers, booleans, and lists of them). */
export function cypherLiteral(v: unknown): string {
  if (typeof v === 'string') return cypherString(v);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(cypherLiteral).join(', ')}]`;
  throw new Error(`A value of this kind (${typeof v}) cannot be written into Cypher: merge all groups instead.`);
}

/** Restricts the groups to those chosen (by their values), or nothing when all groups are meant. */
function groupFilter(properties: string[], only: readonly DuplicateGroup[] | undefined): string {
  if (!only) return '';
  const keys = properties.map((_, i) => `k${i}`).join(', ');
  return ` AND [${keys}] IN [${only.map((g) => cypherLiteral(g.values)).join(', ')}]`;
}

export function buildMergeDuplicates(database: string, scan: DuplicateScan, opts: { moveRelationships: boolean; batchSize?: number; only?: readonly DuplicateGroup[] }): Neo4jOp {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const only = opts.only?.length ? opts.only : undefined;
  const text = mergeDuplicatesStatement(scan.label, scan.properties, opts.moveRelationships, batchSize, only);
  const groupCount = only ? only.length : scan.groupCount;
  const extraNodes = only ? only.reduce((n, g) => n + g.count - 1, 0) : scan.extraNodes;
  const relWords = only ? 'their relationships' : `their ${scan.extraRelationships.toLocaleString('en-US')} relationships`;
  const shown = (only ?? scan.groups).slice(0, 3).map((g) => `${JSON.stringify(g.values)} ×${g.count} (${g.sample.slice(0, 3).join(', ')})`).join('; ');
  const groupsWord = only ? `${groupCount.toLocaleString('en-US')} of ${scan.groupCount.toLocaleString('en-US')} duplicate groups` : `${groupCount.toLocaleString('en-US')} duplicate groups`;
  return {
    engine: 'neo4j', language: 'cypher', kind: 'merge-duplicates',
    target: { kind: 'label', database, name: scan.label },
    title: `Merge ${groupsWord} of :${scan.label}(${scan.properties.join(', ')})`,
    statements: [text], text,
    impact: `${groupCount.toLocaleString('en-US')} group${groupCount === 1 ? '' : 's'} (${only ? '' : 'e.g. '}${shown}${only && only.length > 3 ? '; …' : ''}): keeps the oldest node of each group (lowest internal id) and deletes the other ${extraNodes.toLocaleString('en-US')} nodes; ` +
      (opts.moveRelationships
        ? `${relWords} are moved to the kept node (same type, direction and properties; relationships inside a group are dropped)`
        : `${relWords} are deleted with them, not moved`) +
      `; properties only the deleted nodes had are lost. Batches of ${batchSize.toLocaleString('en-US')}, each committed on its own: a cancel stops between batches`,
    risk: 'destructive', confirmName: scan.label,
    batched: { expected: extraNodes, batchSize, noun: 'duplicate nodes', remaining: `${duplicateGroupsCypher(scan.label, scan.properties)}${groupFilter(scan.properties, only)} RETURN coalesce(sum(size(nodes) - 1), 0) AS c` },
  };
}
