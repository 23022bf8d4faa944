/**
 * What the Neo4j tree and the schema report read: databases, server facts,
 * counts per label and relationship type (from the count store, so they are
 * instant on any graph size), indexes with their state and usage,
 * constraints and running transactions. Every read works without APOC.
 */
import type * as Neo4j from 'neo4j-driver';
import { cypherName, durationMs, toDate, toNumber } from './cypherNames';

export interface Neo4jDatabase {
  name: string;
  type: string;
  status: string;
  requestedStatus: string;
  statusMessage: string;
  isDefault: boolean;
  isHome: boolean;
  role: string;
  access: string;
}

export interface ServerFacts {
  version: string;
  edition: string;
  nodeCount: number;
  relationshipCount: number;
  /** The APOC version when its procedures can be called, null otherwise. */
  apoc: string | null;
  /** Whether db.checkpoint() exists (Enterprise). */
  checkpoint: boolean;
  /** Store size in bytes where the server tells it (JMX "Store sizes"), null where it does not. */
  storeBytes: number | null;
}

export interface NameCount {
  name: string;
  count: number;
}

export interface Neo4jIndex {
  name: string;
  type: string;
  /** NODE or RELATIONSHIP. */
  entityType: string;
  labelsOrTypes: string[];
  properties: string[];
  /** ONLINE, POPULATING or FAILED. */
  state: string;
  populationPercent: number;
  readCount: number | null;
  lastRead: Date | null;
  trackedSince: Date | null;
  owningConstraint: string | null;
  failureMessage: string;
  createStatement: string;
}

export interface Neo4jConstraint {
  name: string;
  type: string;
  entityType: string;
  labelsOrTypes: string[];
  properties: string[];
  ownedIndex: string | null;
  createStatement: string;
}

export interface Neo4jTransaction {
  id: string;
  database: string;
  query: string;
  elapsedMs: number;
  status: string;
  client: string;
  username: string;
}

type Params = Record<string, unknown>;

/** Runs one read in its own auto-commit transaction on `database` and returns the records as plain objects. */
export async function readRows(driver: Neo4j.Driver, database: string | undefined, cypher: string, params: Params = {}): Promise<Record<string, unknown>[]> {
  const session = driver.session({ defaultAccessMode: 'READ', ...(database ? { database } : {}) });
  try {
    const result = await session.run(cypher, params);
    return result.records.map((r) => r.toObject() as Record<string, unknown>);
  } finally {
    await session.close();
  }
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return v === null || v === undefined ? '' : JSON.stringify(v);
}
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);

export async function listDatabases(driver: Neo4j.Driver): Promise<Neo4jDatabase[]> {
  const rows = await readRows(driver, 'system', 'SHOW DATABASES YIELD name, type, currentStatus, requestedStatus, statusMessage, default, home, role, access RETURN *');
  return rows.map((r) => ({
    name: str(r.name), type: str(r.type), status: str(r.currentStatus), requestedStatus: str(r.requestedStatus), statusMessage: str(r.statusMessage),
    isDefault: r.default === true, isHome: r.home === true, role: str(r.role), access: str(r.access),
  }));
}

export async function serverFacts(driver: Neo4j.Driver, database: string | undefined): Promise<ServerFacts> {
  const [component] = await readRows(driver, database, 'CALL dbms.components() YIELD versions, edition RETURN versions[0] AS version, edition');
  const [counts] = await readRows(driver, database, 'RETURN COUNT { () } AS nodes, COUNT { ()-[]->() } AS rels');
  const [procs] = await readRows(driver, database,
    "SHOW PROCEDURES YIELD name WHERE name IN ['db.checkpoint', 'apoc.meta.stats', 'dbms.queryJmx'] RETURN collect(name) AS names");
  const names = strs(procs?.names);
  let apoc: string | null = null;
  if (names.includes('apoc.meta.stats')) {
    const [v] = await readRows(driver, database, 'RETURN apoc.version() AS v').catch(() => [] as Params[]);
    apoc = v ? str(v.v) : 'present';
  }
  let storeBytes: number | null = null;
  if (names.includes('dbms.queryJmx')) {
    // Enterprise exposes the store sizes as an MBean; Community has none of its MBeans.
    const jmx = await readRows(driver, database, "CALL dbms.queryJmx('org.neo4j:*') YIELD name, attributes WHERE name CONTAINS 'Store sizes' RETURN attributes.TotalStoreSize.value AS size").catch(() => [] as Params[]);
    if (jmx[0]?.size !== undefined && jmx[0]?.size !== null) storeBytes = toNumber(jmx[0].size);
  }
  return {
    version: str(component?.version), edition: str(component?.edition),
    nodeCount: toNumber(counts?.nodes), relationshipCount: toNumber(counts?.rels),
    apoc, checkpoint: names.includes('db.checkpoint'), storeBytes,
  };
}

/**
 * One statement that counts every given label (or relationship type) from the
 * count store: `COUNT { (:L) }` plans as NodeCountFromCountStore and
 * `COUNT { ()-[:T]->() }` as RelationshipCountFromCountStore, never a scan.
 */
export function countQuery(names: string[], of: 'label' | 'type'): string {
  const parts = names.map((n, i) => (of === 'label' ? `COUNT { (:${cypherName(n)}) } AS c${i}` : `COUNT { ()-[:${cypherName(n)}]->() } AS c${i}`));
  return `RETURN ${parts.join(', ')}`;
}

const COUNT_CHUNK = 200;

async function countEach(driver: Neo4j.Driver, database: string | undefined, names: string[], of: 'label' | 'type'): Promise<NameCount[]> {
  const out: NameCount[] = [];
  for (let i = 0; i < names.length; i += COUNT_CHUNK) {
    const chunk = names.slice(i, i + COUNT_CHUNK);
    const [row] = await readRows(driver, database, countQuery(chunk, of));
    chunk.forEach((name, j) => out.push({ name, count: toNumber(row?.[`c${j}`]) }));
  }
  return out;
}

/** Labels in use with their node counts (count store), by name. */
export async function labelCounts(driver: Neo4j.Driver, database: string | undefined): Promise<NameCount[]> {
  const rows = await readRows(driver, database, 'CALL db.labels() YIELD label RETURN label ORDER BY label');
  return countEach(driver, database, rows.map((r) => str(r.label)), 'label');
}

/** Relationship types in use with their counts (count store), by name. */
export async function relationshipTypeCounts(driver: Neo4j.Driver, database: string | undefined): Promise<NameCount[]> {
  const rows = await readRows(driver, database, 'CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType ORDER BY relationshipType');
  return countEach(driver, database, rows.map((r) => str(r.relationshipType)), 'type');
}

export async function listIndexes(driver: Neo4j.Driver, database: string | undefined, name?: string): Promise<Neo4jIndex[]> {
  const rows = await readRows(driver, database,
    `SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, state, populationPercent, readCount, lastRead, trackedSince, owningConstraint, failureMessage, createStatement${name === undefined ? '' : ' WHERE name = $name'} RETURN * ORDER BY name`,
    name === undefined ? {} : { name });
  return rows.map((r) => ({
    name: str(r.name), type: str(r.type), entityType: str(r.entityType), labelsOrTypes: strs(r.labelsOrTypes), properties: strs(r.properties),
    state: str(r.state), populationPercent: toNumber(r.populationPercent),
    readCount: r.readCount === null || r.readCount === undefined ? null : toNumber(r.readCount), lastRead: toDate(r.lastRead), trackedSince: toDate(r.trackedSince),
    owningConstraint: r.owningConstraint ? str(r.owningConstraint) : null, failureMessage: str(r.failureMessage), createStatement: str(r.createStatement),
  }));
}

export async function listConstraints(driver: Neo4j.Driver, database: string | undefined): Promise<Neo4jConstraint[]> {
  const rows = await readRows(driver, database, 'SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties, ownedIndex, createStatement RETURN * ORDER BY name');
  return rows.map((r) => ({
    name: str(r.name), type: str(r.type), entityType: str(r.entityType), labelsOrTypes: strs(r.labelsOrTypes), properties: strs(r.properties),
    ownedIndex: r.ownedIndex ? str(r.ownedIndex) : null, createStatement: str(r.createStatement),
  }));
}

/** Transactions on `database` (all databases when undefined), longest first; the listing's own transaction is left out. */
export async function listTransactions(driver: Neo4j.Driver, database: string | undefined): Promise<Neo4jTransaction[]> {
  const rows = await readRows(driver, database,
    "SHOW TRANSACTIONS YIELD transactionId, database, currentQuery, elapsedTime, status, clientAddress, username WHERE NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS YIELD transactionId, database' RETURN * ");
  return rows
    .map((r) => ({ id: str(r.transactionId), database: str(r.database), query: str(r.currentQuery), elapsedMs: durationMs(r.elapsedTime), status: str(r.status), client: str(r.clientAddress), username: str(r.username) }))
    .filter((t) => database === undefined || t.database === database)
    .sort((a, b) => b.elapsedMs - a.elapsedMs);
}

/** Index flags: never read since tracking began, failed, still populating. */
export interface IndexFlags {
  unused: boolean;
  failed: boolean;
  populating: boolean;
}

export function indexFlags(ix: Neo4jIndex): IndexFlags {
  // LOOKUP indexes serve label and type scans and are read by the planner in ways it counts inconsistently: never flag them unused.
  return { unused: ix.state === 'ONLINE' && ix.type !== 'LOOKUP' && ix.readCount === 0 && ix.owningConstraint === null, failed: ix.state === 'FAILED', populating: ix.state === 'POPULATING' };
}

/** The first line of a failure message (the rest is a Java stack trace). */
export function failureSummary(message: string): string {
  const line = message.split('\n')[0]?.trim() ?? '';
  return line.replace(/^java\.lang\.\w+(Exception|Error): /, '');
}
