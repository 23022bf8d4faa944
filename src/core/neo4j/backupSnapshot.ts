/**
 * What a Neo4j backup records at backup time and Verify compares a restore
 * with: node counts per label and relationship counts per type (from the
 * count store, read just before and just after the export, since writes may
 * land meanwhile), the indexes and constraints with their definitions, and
 * the server. The comparison is pure, so unit tests cover it.
 */
import type * as Neo4j from 'neo4j-driver';
import { labelCounts, listConstraints, listIndexes, readRows, relationshipTypeCounts, type Neo4jConstraint, type Neo4jIndex } from './schema';
import { toNumber } from './cypherNames';
import { IMPORT_CONSTRAINT, IMPORT_LABEL } from './backupScript';

/** An index or constraint as recorded: its name, what it covers, and the server's own CREATE statement. */
export interface SchemaObject {
  name: string;
  type: string;
  entityType: string;
  labelsOrTypes: string[];
  properties: string[];
  definition: string;
}

/** Counts read at one moment. */
export interface GraphCounts {
  nodes: number;
  relationships: number;
  labels: Record<string, number>;
  types: Record<string, number>;
}

export interface Neo4jSnapshotDetail {
  database: string;
  edition: string;
  apocVersion: string;
  before: GraphCounts;
  after: GraphCounts;
  /** Indexes other than the token lookups every database has, and other than those a constraint owns. */
  indexes: SchemaObject[];
  constraints: SchemaObject[];
  /** What APOC's export reported writing. */
  exported: { nodes: number; relationships: number };
}

export async function readCounts(driver: Neo4j.Driver, database: string | undefined): Promise<GraphCounts> {
  const [totals] = await readRows(driver, database, 'RETURN COUNT { () } AS nodes, COUNT { ()-[]->() } AS rels');
  const labels: Record<string, number> = {};
  for (const l of await labelCounts(driver, database)) labels[l.name] = l.count;
  const types: Record<string, number> = {};
  for (const t of await relationshipTypeCounts(driver, database)) types[t.name] = t.count;
  return { nodes: toNumber(totals?.nodes), relationships: toNumber(totals?.rels), labels, types };
}

const asObject = (x: Neo4jIndex | Neo4jConstraint): SchemaObject => ({
  name: x.name, type: x.type, entityType: x.entityType, labelsOrTypes: x.labelsOrTypes, properties: x.properties, definition: x.createStatement,
});

/** The indexes and constraints a backup restores: not the token lookup indexes, not the indexes behind constraints. */
export async function readSchema(driver: Neo4j.Driver, database: string | undefined): Promise<{ indexes: SchemaObject[]; constraints: SchemaObject[]; all: { indexes: string[]; constraints: string[] } }> {
  const indexes = await listIndexes(driver, database);
  const constraints = await listConstraints(driver, database);
  return {
    indexes: indexes.filter((i) => i.type !== 'LOOKUP' && i.owningConstraint === null).map(asObject),
    constraints: constraints.map(asObject),
    all: { indexes: indexes.map((i) => i.name), constraints: constraints.map((c) => c.name) },
  };
}

/** Summary counts for the manifest and the list. */
export function snapshotCounts(d: Neo4jSnapshotDetail): Record<string, number> {
  return {
    nodes: d.after.nodes, relationships: d.after.relationships,
    labels: Object.keys(d.after.labels).length, relationshipTypes: Object.keys(d.after.types).length,
    indexes: d.indexes.length, constraints: d.constraints.length,
  };
}

/** A name as messages show it: quoted, with its escapes, so spaces and quotes are unambiguous. */
export const shownName = (name: string): string => JSON.stringify(name);

/** What covers: `NODE :"Person"("name", "born")`. */
function coverage(o: SchemaObject): string {
  return `${o.entityType === 'RELATIONSHIP' ? 'relationship' : 'node'} ${o.labelsOrTypes.map((l) => `:${shownName(l)}`).join('|')}(${o.properties.map(shownName).join(', ')})`;
}

/** An index or constraint by what it does, not its name (APOC's export does not keep the names of indexes). */
export function schemaKey(o: SchemaObject): string {
  return `${o.type} ${coverage(o)}`;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function compareCounts(what: 'label' | 'relationship type', unit: string, before: Record<string, number>, after: Record<string, number>, restored: Record<string, number>): string[] {
  const out: string[] = [];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(restored)])].filter((n) => !(what === 'label' && n === IMPORT_LABEL)).sort();
  for (const name of names) {
    const b = before[name] ?? 0;
    const a = after[name] ?? 0;
    const r = restored[name] ?? 0;
    if (r >= Math.min(a, b) && r <= Math.max(a, b)) continue;
    const at = a === b ? fmt(b) : `${fmt(Math.min(a, b))}–${fmt(Math.max(a, b))}`;
    out.push(`${what} ${shownName(name)}: ${at} ${unit} at backup, ${fmt(r)} restored`);
  }
  return out;
}

function compareObjects(what: 'index' | 'constraint', recorded: SchemaObject[], restored: SchemaObject[]): string[] {
  const out: string[] = [];
  const left = new Map<string, SchemaObject[]>();
  for (const o of restored) left.set(schemaKey(o), [...(left.get(schemaKey(o)) ?? []), o]);
  for (const o of recorded) {
    const same = left.get(schemaKey(o));
    if (same?.length) same.shift();
    else out.push(`${what} ${shownName(o.name)} (${schemaKey(o)}) is missing after the restore`);
  }
  for (const rest of left.values()) for (const o of rest) out.push(`${what} ${shownName(o.name)} (${schemaKey(o)}) was restored but not in the backup`);
  return out;
}

export interface RestoredState {
  counts: GraphCounts;
  indexes: SchemaObject[];
  constraints: SchemaObject[];
}

/** Every difference between the backup's snapshot and what the restore holds, each named. */
export function compareSnapshot(d: Neo4jSnapshotDetail, restored: RestoredState): string[] {
  return [
    ...compareCounts('label', 'nodes', d.before.labels, d.after.labels, restored.counts.labels),
    ...compareCounts('relationship type', 'relationships', d.before.types, d.after.types, restored.counts.types),
    ...compareObjects('index', d.indexes, restored.indexes),
    ...compareObjects('constraint', d.constraints, restored.constraints.filter((c) => c.name !== IMPORT_CONSTRAINT)),
  ];
}

/** The database as restored (counts, indexes, constraints) and every difference from the backup's snapshot. */
export async function compareRestored(driver: Neo4j.Driver, database: string | undefined, d: Neo4jSnapshotDetail): Promise<{ restored: RestoredState; differences: string[] }> {
  const restored = { counts: await readCounts(driver, database), ...(await readSchema(driver, database)) };
  return { restored, differences: compareSnapshot(d, restored) };
}

const plural = (n: number, one: string, many: string): string => `${fmt(n)} ${n === 1 ? one : many}`;

/** "2 differences{after}: the first three; …" — the start of a failed comparison's summary. */
export function differencesText(differences: readonly string[], after = ''): string {
  return `${plural(differences.length, 'difference', 'differences')}${after}: ${differences.slice(0, 3).join('; ')}${differences.length > 3 ? '; …' : ''}`;
}

/** What a restore that compared equal holds, in words: nodes in labels, relationships of types, indexes and constraints "as at backup time". */
export function equalCountsText(d: Neo4jSnapshotDetail, restored: RestoredState): string {
  const labels = Object.keys(d.after.labels).length;
  const types = Object.keys(d.after.types).length;
  return `${fmt(restored.counts.nodes)} nodes in ${plural(labels, 'label', 'labels')}, ${fmt(restored.counts.relationships)} relationships of ${plural(types, 'type', 'types')}, ${plural(d.indexes.length, 'index', 'indexes')} and ${plural(d.constraints.length, 'constraint', 'constraints')} as at backup time`;
}

/** Why a server is not an empty target, in words; empty when it is empty (the token lookup indexes every database has do not count). */
export function notEmptyReasons(counts: Pick<GraphCounts, 'nodes'>, schema: { indexes: SchemaObject[]; constraints: SchemaObject[] }): string[] {
  const out: string[] = [];
  if (counts.nodes > 0) out.push(`${fmt(counts.nodes)} node${counts.nodes === 1 ? '' : 's'}`);
  if (schema.indexes.length) out.push(`${schema.indexes.length} index${schema.indexes.length === 1 ? '' : 'es'} (${schema.indexes.slice(0, 3).map((i) => shownName(i.name)).join(', ')}${schema.indexes.length > 3 ? ', …' : ''})`);
  if (schema.constraints.length) out.push(`${schema.constraints.length} constraint${schema.constraints.length === 1 ? '' : 's'} (${schema.constraints.slice(0, 3).map((c) => shownName(c.name)).join(', ')}${schema.constraints.length > 3 ? ', …' : ''})`);
  return out;
}
