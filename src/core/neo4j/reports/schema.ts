/**
 * The Neo4j schema and usage report: indexes with their usage, the unused,
 * failed and populating ones, constraints with the state of the index that
 * backs them, counts per label and relationship type (charted), and the
 * orphaned-node count. Findings carry their fixes as Neo4jOps (drop an unused
 * index, rebuild a failed one, delete orphans in batches), so a fix runs
 * through the same flow as the tree and a fix script is plain Cypher.
 *
 * "Labels and properties queried often without an index" is left out: Neo4j
 * keeps no per-property query statistics that Cypher can read (db.stats
 * collects query texts only while a collection runs, and the query log is a
 * server file), so the report says so instead of guessing.
 */
import type * as Neo4j from 'neo4j-driver';
import type { CellValue, Column, Finding, Report, Section } from '../../reports/model';
import { buildDeleteOrphans, scanOrphans, type OrphanScan } from '../cleanup';
import { buildDropIndex, buildRebuildIndex, type Neo4jOp } from '../operation';
import {
  failureSummary, indexFlags, labelCounts, listConstraints, listIndexes, relationshipTypeCounts, serverFacts,
  type NameCount, type Neo4jConstraint, type Neo4jIndex, type ServerFacts,
} from '../schema';

export type Neo4jReport = Report<Neo4jOp>;
type Neo4jFinding = Finding<Neo4jOp>;

/** Everything the report is built from, read in one go (collectSchemaData) or planted by tests. */
export interface SchemaData {
  facts: Pick<ServerFacts, 'version' | 'edition' | 'apoc'>;
  indexes: Neo4jIndex[];
  constraints: Neo4jConstraint[];
  labels: NameCount[];
  types: NameCount[];
  orphans: OrphanScan;
}

export async function collectSchemaData(driver: Neo4j.Driver, database: string): Promise<SchemaData> {
  return {
    facts: await serverFacts(driver, database),
    indexes: await listIndexes(driver, database),
    constraints: await listConstraints(driver, database),
    labels: await labelCounts(driver, database),
    types: await relationshipTypeCounts(driver, database),
    orphans: await scanOrphans(driver, database),
  };
}

const col = (key: string, label: string, kind: Column['kind'] = 'text'): Column => ({ key, label, kind });
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function on(ix: Pick<Neo4jIndex, 'entityType' | 'labelsOrTypes' | 'properties'>): string {
  if (!ix.labelsOrTypes.length) return ix.entityType === 'NODE' ? 'all labels' : 'all types';
  const token = ix.entityType === 'NODE' ? `:${ix.labelsOrTypes.join('|')}` : `[:${ix.labelsOrTypes.join('|')}]`;
  return `${token}(${ix.properties.join(', ')})`;
}

function indexRow(ix: Neo4jIndex, extra: Record<string, CellValue> = {}): Record<string, CellValue> {
  return {
    _key: ix.name, name: ix.name, type: ix.type, on: on(ix), state: ix.state, populationPercent: ix.populationPercent,
    readCount: ix.readCount, lastRead: iso(ix.lastRead), trackedSince: iso(ix.trackedSince), constraint: ix.owningConstraint, ...extra,
  };
}

const INDEX_COLUMNS = [
  col('name', 'Index'), col('type', 'Type'), col('on', 'On'), col('state', 'State'), col('populationPercent', 'Populated', 'percent'),
  col('readCount', 'Reads', 'number'), col('lastRead', 'Last read', 'date'), col('trackedSince', 'Tracked since', 'date'), col('constraint', 'Constraint'),
];

export function buildSchemaReport(data: SchemaData, meta: { connectionName: string; database: string; startedAt?: number; now?: Date }): Neo4jReport {
  const { database } = meta;
  const now = meta.now ?? new Date();
  const findings: Neo4jFinding[] = [];
  const finding = (f: Omit<Neo4jFinding, 'id'>): void => {
    findings.push({ id: `neo4j-schema:${f.sectionId}:${f.rowKey ?? ''}`, ...f });
  };
  const flagged = data.indexes.map((ix) => ({ ix, f: indexFlags(ix) }));
  const unused = flagged.filter((x) => x.f.unused).map((x) => x.ix);
  const failed = flagged.filter((x) => x.f.failed).map((x) => x.ix);
  const populating = flagged.filter((x) => x.f.populating).map((x) => x.ix);

  for (const ix of unused) {
    finding({
      severity: 'warning', sectionId: 'unused', rowKey: ix.name, object: `index ${ix.name}`,
      message: `Never read since tracking began (${iso(ix.trackedSince) ?? 'unknown'}); every write to ${on(ix)} still keeps it up to date.`,
      evidence: { readCount: ix.readCount, trackedSince: iso(ix.trackedSince) }, fixes: [buildDropIndex(database, ix)],
    });
  }
  for (const ix of failed) {
    finding({
      severity: 'critical', sectionId: 'failed', rowKey: ix.name, object: `index ${ix.name}`,
      message: `FAILED: ${failureSummary(ix.failureMessage)} Queries cannot use it. Fix the data, then rebuild it (drop and create with the same definition).`,
      evidence: { state: ix.state, failure: failureSummary(ix.failureMessage) }, fixes: [buildRebuildIndex(database, ix), buildDropIndex(database, ix)],
    });
  }
  for (const ix of populating) {
    finding({
      severity: 'info', sectionId: 'populating', rowKey: ix.name, object: `index ${ix.name}`,
      message: `Still populating (${ix.populationPercent.toFixed(1)}%): queries use it once it is ONLINE.`,
      evidence: { populationPercent: ix.populationPercent }, fixes: [],
    });
  }
  const byName = new Map(data.indexes.map((ix) => [ix.name, ix]));
  const constraintRows = data.constraints.map((c) => {
    const backing = c.ownedIndex ? byName.get(c.ownedIndex) : undefined;
    const state = c.ownedIndex ? backing?.state ?? 'missing' : null;
    if (c.ownedIndex && state !== 'ONLINE') {
      finding({
        severity: state === 'FAILED' || state === 'missing' ? 'critical' : 'warning', sectionId: 'constraints', rowKey: c.name, object: `constraint ${c.name}`,
        message: `Its backing index ${c.ownedIndex} is ${state}: the constraint is not fully enforced until it is ONLINE.`,
        evidence: { ownedIndex: c.ownedIndex, state }, fixes: backing && state === 'FAILED' ? [buildRebuildIndex(database, backing, c.createStatement)] : [],
      });
    }
    return { _key: c.name, name: c.name, type: c.type, on: on(c), ownedIndex: c.ownedIndex, indexState: state };
  });
  if (data.orphans.count > 0) {
    finding({
      severity: 'warning', sectionId: 'orphans', rowKey: 'all', object: `${data.orphans.count.toLocaleString('en-US')} orphaned nodes`,
      message: 'Nodes with no relationship at all: often left by deletes of their neighbours. Delete them in batches (check the sample first: some graphs keep lone nodes on purpose).',
      evidence: { count: data.orphans.count, sample: data.orphans.sample.slice(0, 5).map((s) => s.elementId).join(', ') },
      fixes: [buildDeleteOrphans(database, data.orphans)],
    });
  }

  const sections: Section[] = [
    { id: 'indexes', title: 'Indexes and their usage', columns: INDEX_COLUMNS, rows: data.indexes.map((ix) => indexRow(ix)), empty: 'No indexes.',
      note: 'Read counts come from SHOW INDEXES (since "Tracked since"); the server publishes them every few seconds.' },
    { id: 'unused', title: 'Unused indexes', columns: INDEX_COLUMNS, rows: unused.map((ix) => indexRow(ix)), empty: 'Every index has been read since tracking began (LOOKUP indexes and indexes a constraint owns are never listed here).' },
    { id: 'failed', title: 'Failed indexes', columns: [...INDEX_COLUMNS.slice(0, 4), col('failure', 'Failure')], rows: failed.map((ix) => indexRow(ix, { failure: failureSummary(ix.failureMessage) })), empty: 'No index has FAILED.' },
    { id: 'populating', title: 'Populating indexes', columns: INDEX_COLUMNS.slice(0, 5), rows: populating.map((ix) => indexRow(ix)), empty: 'No index is populating.' },
    { id: 'constraints', title: 'Constraints and their backing index', columns: [col('name', 'Constraint'), col('type', 'Type'), col('on', 'On'), col('ownedIndex', 'Index'), col('indexState', 'Index state')], rows: constraintRows, empty: 'No constraints.' },
    { id: 'labels', title: 'Nodes per label', columns: [col('name', 'Label'), col('count', 'Nodes', 'number')],
      rows: [...data.labels].sort((a, b) => b.count - a.count).map((l) => ({ _key: l.name, name: l.name, count: l.count })),
      chart: { kind: 'bar', title: 'Nodes per label', x: 'name', y: ['count'], limit: 20 }, empty: 'No labels in use.', note: 'From the count store.' },
    { id: 'types', title: 'Relationships per type', columns: [col('name', 'Type'), col('count', 'Relationships', 'number')],
      rows: [...data.types].sort((a, b) => b.count - a.count).map((t) => ({ _key: t.name, name: t.name, count: t.count })),
      chart: { kind: 'bar', title: 'Relationships per type', x: 'name', y: ['count'], limit: 20 }, empty: 'No relationship types in use.', note: 'From the count store.' },
    { id: 'orphans', title: 'Orphaned nodes', columns: [col('count', 'Nodes without relationships', 'number'), col('sample', 'Sample (element ids)')],
      rows: [{ _key: 'all', count: data.orphans.count, sample: data.orphans.sample.slice(0, 5).map((s) => `${s.elementId}${s.labels.length ? ` (${s.labels.join(', ')})` : ''}`).join('; ') }] },
    { id: 'missing', title: 'Properties queried without an index', columns: [], rows: [],
      empty: 'Not reported: Neo4j keeps no per-property query statistics that Cypher can read (the query log is a file on the server).' },
  ];
  return {
    kind: 'neo4j-schema', title: 'Neo4j schema and usage', connectionName: meta.connectionName, database,
    serverVersion: `Neo4j ${data.facts.version} ${data.facts.edition}${data.facts.apoc ? ` (APOC ${data.facts.apoc})` : ''}`,
    generatedAt: now.toISOString(), durationMs: meta.startedAt === undefined ? 0 : now.getTime() - meta.startedAt, sections, findings,
  };
}

/** Reads the database and builds the report. */
export async function neo4jSchemaReport(driver: Neo4j.Driver, database: string, connectionName: string): Promise<Neo4jReport> {
  const startedAt = Date.now();
  const data = await collectSchemaData(driver, database);
  return buildSchemaReport(data, { connectionName, database, startedAt });
}
