import { strict as assert } from 'node:assert';
import { fixScript } from '../../src/core/reports/fixScript';
import { buildSchemaReport, type SchemaData } from '../../src/core/neo4j/reports/schema';
import { buildCreateIndex, buildDropIndex, buildRebuildIndex, createIndexStatement } from '../../src/core/neo4j/operation';
import { buildDeleteOrphans, mergeDuplicatesStatement, orphanDeleteStatement } from '../../src/core/neo4j/cleanup';
import { cypherName, cypherString } from '../../src/core/neo4j/cypherNames';
import type { Neo4jIndex } from '../../src/core/neo4j/schema';

const T0 = new Date('2026-11-01T00:00:00Z');

function ix(name: string, extra: Partial<Neo4jIndex> = {}): Neo4jIndex {
  return {
    name, type: 'RANGE', entityType: 'NODE', labelsOrTypes: ['Person'], properties: ['email'], state: 'ONLINE', populationPercent: 100,
    readCount: 10, lastRead: T0, trackedSince: T0, owningConstraint: null, failureMessage: '', createStatement: `CREATE RANGE INDEX ${cypherName(name)} FOR (n:\`Person\`) ON (n.\`email\`)`, ...extra,
  };
}

const DATA: SchemaData = {
  facts: { version: '5.26.30', edition: 'community', apoc: null },
  indexes: [
    ix('used'),
    ix('never read', { readCount: 0 }),
    ix('lookup', { type: 'LOOKUP', readCount: 0, labelsOrTypes: [], properties: [] }),
    ix('owned', { readCount: 0, owningConstraint: 'person_id' }),
    ix('broken', { state: 'FAILED', readCount: null, failureMessage: 'java.lang.IllegalArgumentException: Property value is too large to index, please see index documentation for limitations.\n\tat org.neo4j…' }),
    ix('filling', { state: 'POPULATING', populationPercent: 42.5, readCount: null }),
    ix('fresh', { readCount: null, trackedSince: null }),
  ],
  constraints: [
    { name: 'person_id', type: 'UNIQUENESS', entityType: 'NODE', labelsOrTypes: ['Person'], properties: ['id'], ownedIndex: 'owned', createStatement: 'CREATE CONSTRAINT `person_id` FOR (n:`Person`) REQUIRE (n.`id`) IS UNIQUE' },
    { name: 'order_no', type: 'UNIQUENESS', entityType: 'NODE', labelsOrTypes: ['Order'], properties: ['no'], ownedIndex: 'gone', createStatement: '' },
  ],
  labels: [{ name: 'Person', count: 5 }, { name: 'Order', count: 50 }],
  types: [{ name: 'PLACED', count: 50 }],
  orphans: { count: 1234, sample: [{ elementId: '4:abc:1', labels: ['Person'] }] },
};

describe('Neo4j schema report (planted data)', () => {
  const report = buildSchemaReport(DATA, { connectionName: 'Graph', database: 'neo4j', now: T0 });
  const ids = report.findings.map((f) => f.id);

  it('flags the index never read, and not LOOKUP, constraint-owned or not-yet-tracked ones', () => {
    const unused = report.sections.find((s) => s.id === 'unused');
    assert.deepEqual(unused?.rows.map((r) => r.name), ['never read']);
    const f = report.findings.find((x) => x.id === 'neo4j-schema:unused:never read');
    assert.equal(f?.severity, 'warning');
    assert.match(f?.message ?? '', /since tracking began \(2026-11-01T00:00:00\.000Z\)/);
    assert.equal(f?.fixes[0]?.text, 'DROP INDEX `never read`');
  });

  it('flags the FAILED index with its message and offers a rebuild first, then a drop', () => {
    const f = report.findings.find((x) => x.id === 'neo4j-schema:failed:broken');
    assert.equal(f?.severity, 'critical');
    assert.match(f?.message ?? '', /^FAILED: Property value is too large to index/);
    assert.deepEqual(f?.fixes.map((o) => o.kind), ['rebuild-index', 'drop-index']);
    assert.equal(f?.fixes[0]?.text, 'DROP INDEX `broken`;\nCREATE RANGE INDEX `broken` FOR (n:`Person`) ON (n.`email`)');
  });

  it('lists populating indexes with their percentage, constraints with their backing index state, counts with charts and the orphan count', () => {
    assert.match(report.findings.find((x) => x.id === 'neo4j-schema:populating:filling')?.message ?? '', /42\.5%/);
    const constraints = report.sections.find((s) => s.id === 'constraints');
    assert.deepEqual(constraints?.rows.map((r) => [r.name, r.indexState]), [['person_id', 'ONLINE'], ['order_no', 'missing']]);
    assert.ok(ids.includes('neo4j-schema:constraints:order_no'));
    assert.ok(!ids.includes('neo4j-schema:constraints:person_id'));
    const labels = report.sections.find((s) => s.id === 'labels');
    assert.deepEqual(labels?.rows.map((r) => r.name), ['Order', 'Person'], 'largest first');
    assert.equal(labels?.chart?.kind, 'bar');
    assert.equal(report.sections.find((s) => s.id === 'types')?.chart?.y[0], 'count');
    const orphan = report.findings.find((x) => x.sectionId === 'orphans');
    assert.equal(orphan?.fixes[0]?.kind, 'delete-orphans');
    assert.match(orphan?.fixes[0]?.title ?? '', /^Delete 1,234 orphaned nodes/);
    assert.equal(report.serverVersion, 'Neo4j 5.26.30 community');
  });

  it('renders its fixes as a Cypher fix script with // comments', () => {
    const script = fixScript(report.findings, 'Graph', 'neo4j', T0);
    assert.match(script, /^\/\/ Upkeep fix script\n/);
    assert.ok(script.includes('DROP INDEX `never read`;'));
    assert.ok(script.includes('DROP INDEX `broken`;\nCREATE RANGE INDEX `broken` FOR (n:`Person`) ON (n.`email`);'));
    assert.ok(script.includes(`${orphanDeleteStatement(undefined, 1000)};`));
    assert.ok(!/^--/m.test(script), 'no SQL comments');
  });
});

describe('Cypher builders escape hostile names', () => {
  const hostile = 'a`b c <img src=x> ü\n`;DROP';
  it('doubles backticks in every identifier and never lets a name end its quotes', () => {
    assert.equal(cypherName(hostile), '`a``b c <img src=x> ü\n``;DROP`');
    assert.equal(createIndexStatement({ type: 'RANGE', entity: 'relationship', token: 'T`', properties: ['p`', 'q'], name: 'ix`' }), 'CREATE RANGE INDEX `ix``` FOR ()-[r:`T```]-() ON (r.`p```, r.`q`)');
    assert.equal(createIndexStatement({ type: 'FULLTEXT', entity: 'node', token: 'Doc', properties: ['title', 'body'], name: 'ft' }), 'CREATE FULLTEXT INDEX `ft` FOR (n:`Doc`) ON EACH [n.`title`, n.`body`]');
    assert.equal(buildDropIndex('neo4j', { name: hostile }).text, `DROP INDEX ${cypherName(hostile)}`);
    assert.equal(buildCreateIndex('neo4j', { type: 'TEXT', entity: 'node', token: hostile, properties: [hostile], name: 'x' }).text.split('`').length % 2, 1, 'backticks stay balanced');
    assert.equal(orphanDeleteStatement('L`x', 0), 'MATCH (n:`L``x`) WHERE NOT (n)--() CALL (n) { DELETE n RETURN 1 AS deleted } IN TRANSACTIONS OF 1 ROWS RETURN deleted');
    assert.ok(mergeDuplicatesStatement('P`', ['e`'], true, 10).startsWith('MATCH (n:`P```) WHERE n.`e``` IS NOT NULL'));
  });

  it('writes string literals with quotes and backslashes escaped', () => {
    assert.equal(cypherString("neo4j-transaction-1' OR 1=1 \\"), "'neo4j-transaction-1\\' OR 1=1 \\\\'");
  });

  it('rebuilds an index a constraint owns by dropping and creating the constraint', () => {
    const op = buildRebuildIndex('neo4j', ix('owned', { owningConstraint: 'person_id', state: 'FAILED' }), 'CREATE CONSTRAINT `person_id` FOR (n:`Person`) REQUIRE (n.`id`) IS UNIQUE');
    assert.equal(op.text, 'DROP CONSTRAINT `person_id`;\nCREATE CONSTRAINT `person_id` FOR (n:`Person`) REQUIRE (n.`id`) IS UNIQUE');
    assert.equal(op.awaitIndex, 'owned');
  });

  it('previews orphan deletes with the count and a sample', () => {
    const op = buildDeleteOrphans('neo4j', { count: 3, sample: [{ elementId: '4:x:1', labels: ['A', 'B'] }] }, { label: 'A', batchSize: 2 });
    assert.equal(op.title, 'Delete 3 orphaned nodes with label A');
    assert.match(op.impact, /e\.g\. 4:x:1 \(A, B\)\) in batches of 2/);
    assert.equal(op.risk, 'destructive');
  });
});
