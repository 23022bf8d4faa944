import { strict as assert } from 'node:assert';
import type * as Neo4j from 'neo4j-driver';
import { Neo4jSession, openNeo4jDriver } from '../../src/core/neo4j/connection';
import { neo4jExecutor } from '../../src/core/neo4j/executor';
import { buildCreateIndex, buildDropIndex, buildRebuildIndex, type Neo4jOp } from '../../src/core/neo4j/operation';
import { countQuery, failureSummary, indexFlags, labelCounts, listConstraints, listDatabases, listIndexes, relationshipTypeCounts, serverFacts } from '../../src/core/neo4j/schema';
import type { OperationProgress } from '../../src/core/operations/operation';
import { neo4jProfile, services } from './services';

/** Everything this file creates carries this label prefix (Community has one user database), and is deleted after. */
const P = `UpkS${process.pid}`;
const HOSTILE = `${P} we\`ird <b>lbl</b> ünï`;

/** An auto-commit statement (CALL { … } IN TRANSACTIONS refuses managed transactions). */
async function run(driver: Neo4j.Driver, cypher: string, params: Record<string, unknown> = {}): Promise<Neo4j.Record[]> {
  const s = driver.session({ database: 'neo4j' });
  try {
    return (await s.run(cypher, params)).records;
  } finally {
    await s.close();
  }
}

function planOperators(plan: Neo4j.ResultSummary['plan']): string[] {
  if (!plan) return [];
  return [plan.operatorType.replace(/@.*$/, ''), ...plan.children.flatMap((c) => planOperators(c))];
}

async function runOps(session: Neo4jSession, ops: Neo4jOp[], signal?: AbortSignal): Promise<{ outcome: Awaited<ReturnType<ReturnType<typeof neo4jExecutor>['run']>>; progress: OperationProgress[] }> {
  const progress: OperationProgress[] = [];
  const outcome = await neo4jExecutor(session, { lockTimeoutMs: 10_000 }).run(ops, { ...(signal ? { signal } : {}), onProgress: (p) => progress.push(p) });
  return { outcome, progress };
}

describe('Neo4j schema: counts, indexes, states and usage (real server)', function () {
  this.timeout(180_000);
  let driver: Neo4j.Driver;
  let session: Neo4jSession;

  before(async () => {
    const profile = neo4jProfile();
    driver = await openNeo4jDriver(profile, services().neo4j.password);
    session = new Neo4jSession(driver, profile);
  });

  after(async () => {
    for (const ix of await listIndexes(driver, 'neo4j')) if (ix.name.startsWith(P) || ix.labelsOrTypes.some((l) => l.startsWith(P))) await run(driver, `DROP INDEX \`${ix.name.replace(/`/g, '``')}\``);
    for (const label of (await labelCounts(driver, 'neo4j')).filter((l) => l.name.startsWith(P))) {
      await run(driver, `MATCH (n:\`${label.name.replace(/`/g, '``')}\`) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`);
    }
    await driver.close();
  });

  it('lists the databases with status, default and role', async () => {
    const dbs = await listDatabases(driver);
    const neo = dbs.find((d) => d.name === 'neo4j');
    assert.ok(neo, JSON.stringify(dbs));
    assert.equal(neo.status, 'online');
    assert.equal(neo.isDefault, true);
    assert.equal(neo.role, 'primary');
    assert.ok(dbs.some((d) => d.name === 'system' && d.type === 'system'));
  });

  it('reads server facts: version, edition, counts and APOC', async () => {
    const facts = await serverFacts(driver, 'neo4j');
    assert.match(facts.version, /^5\.\d+/);
    assert.equal(facts.edition, 'community');
    assert.ok(facts.apoc, 'the shared harness runs with APOC');
    assert.equal(facts.checkpoint, false, 'db.checkpoint is Enterprise-only');
    const [row] = await run(driver, 'MATCH (n) RETURN count(n) AS n');
    assert.equal(facts.nodeCount, (row?.get('n') as Neo4j.Integer).toNumber());
  });

  it('counts labels and relationship types from the count store, matching MATCH … count()', async () => {
    await run(driver, `UNWIND range(1, 7) AS i CREATE (:\`${P}A\` {i: i})`);
    await run(driver, `UNWIND range(1, 3) AS i CREATE (a:\`${P}B\`)-[:\`${P}REL\`]->(:\`${HOSTILE.replace(/`/g, '``')}\`)`);
    const labels = await labelCounts(driver, 'neo4j');
    for (const name of [`${P}A`, `${P}B`, HOSTILE]) {
      const [row] = await run(driver, `MATCH (n:\`${name.replace(/`/g, '``')}\`) RETURN count(n) AS c`);
      assert.equal(labels.find((l) => l.name === name)?.count, (row?.get('c') as Neo4j.Integer).toNumber(), name);
    }
    const types = await relationshipTypeCounts(driver, 'neo4j');
    assert.equal(types.find((t) => t.name === `${P}REL`)?.count, 3);
    // The statement the tree sends plans as count-store reads only: no scan, whatever the graph size.
    for (const [names, of] of [[labels.map((l) => l.name), 'label'], [types.map((t) => t.name), 'type']] as const) {
      const summary = (await driver.executeQuery(`EXPLAIN ${countQuery([...names], of)}`, {}, { database: 'neo4j' })).summary;
      const ops = planOperators(summary.plan);
      assert.ok(ops.every((o) => /^(ProduceResults|Apply|Projection|CartesianProduct|NodeCountFromCountStore|RelationshipCountFromCountStore)$/.test(o)), ops.join(', '));
      assert.ok(ops.includes(of === 'label' ? 'NodeCountFromCountStore' : 'RelationshipCountFromCountStore'), ops.join(', '));
    }
  });

  it('creates an index and waits for it: POPULATING with a percentage, then ONLINE', async () => {
    // Enough data that population takes a moment: 300,000 nodes with a string property.
    await run(driver, `UNWIND range(1, 300000) AS i CALL (i) { CREATE (:\`${P}Big\` {s: 'value-' + toString(i) + '-padding-to-make-the-key-longer'}) } IN TRANSACTIONS OF 50000 ROWS`);
    const { outcome, progress } = await runOps(session, [buildCreateIndex('neo4j', { type: 'RANGE', entity: 'node', token: `${P}Big`, properties: ['s'], name: `${P}_big_s` })]);
    assert.equal(outcome.outcomes[0]?.status, 'done', JSON.stringify(outcome.outcomes[0]));
    const phases = progress.map((p) => `${p.phase} ${String(p.percent)}`);
    assert.equal(progress.at(-1)?.phase, 'online', phases.join('; '));
    assert.ok(progress.some((p) => p.phase === 'populating'), `POPULATING never seen: ${phases.join('; ')}`);
    console.log(`      index states seen: ${[...new Set(phases)].join(' → ')}`);
  });

  it('flags a FAILED index with its message and rebuilds it once the data is fixed', async () => {
    // A RANGE index key is limited to about 8 kB: a 50 kB string makes population fail on 5.26.
    await run(driver, `CREATE (:\`${P}Doc\` {body: reduce(s = '', i IN range(1, 5000) | s + 'abcdefghij')})`);
    await run(driver, `CREATE (:\`${P}Doc\` {body: 'short'})`);
    const name = `${P}_doc_body`;
    const { outcome } = await runOps(session, [buildCreateIndex('neo4j', { type: 'RANGE', entity: 'node', token: `${P}Doc`, properties: ['body'], name })]);
    const o = outcome.outcomes[0];
    assert.equal(o?.status, 'failed');
    assert.match(o?.problem?.message ?? '', /FAILED: Property value is too large to index/);
    assert.equal(o?.followUps?.[0]?.op.text, `DROP INDEX \`${name}\``);
    const [ix] = await listIndexes(driver, 'neo4j', name);
    assert.ok(ix);
    assert.deepEqual(indexFlags(ix), { unused: false, failed: true, populating: false });
    assert.match(failureSummary(ix.failureMessage), /^Property value is too large to index/);

    await run(driver, `MATCH (n:\`${P}Doc\`) SET n.body = left(n.body, 100)`);
    const rebuild = buildRebuildIndex('neo4j', ix);
    assert.equal(rebuild.text, `DROP INDEX \`${name}\`;\nCREATE RANGE INDEX \`${name}\` FOR (n:\`${P}Doc\`) ON (n.\`body\`)`);
    const again = await runOps(session, [rebuild]);
    assert.equal(again.outcome.outcomes[0]?.status, 'done', JSON.stringify(again.outcome.outcomes[0]));
    assert.equal((await listIndexes(driver, 'neo4j', name))[0]?.state, 'ONLINE');
  });

  it('shows the read count of an index a query used and flags one never read as unused', async () => {
    await run(driver, `UNWIND range(1, 50) AS i CREATE (:\`${P}Read\` {k: i, other: i})`);
    const read = `${P}_read_k`;
    const unread = `${P}_read_other`;
    await runOps(session, [
      buildCreateIndex('neo4j', { type: 'RANGE', entity: 'node', token: `${P}Read`, properties: ['k'], name: read }),
      buildCreateIndex('neo4j', { type: 'RANGE', entity: 'node', token: `${P}Read`, properties: ['other'], name: unread }),
    ]);
    // The hint makes the planner read the index (on 50 nodes it may otherwise scan the label).
    for (let i = 0; i < 3; i++) await run(driver, `MATCH (n:\`${P}Read\`) USING INDEX n:\`${P}Read\`(k) WHERE n.k = $k RETURN n`, { k: i + 1 });
    // The server publishes usage statistics every few seconds: until then a new index has no read count (and is not called unused).
    let ixs = await listIndexes(driver, 'neo4j');
    assert.equal(indexFlags(ixs.find((x) => x.name === unread) ?? ixs[0]!).unused, ixs.find((x) => x.name === unread)?.readCount === 0);
    const deadline = Date.now() + 90_000;
    const published = (): boolean => (ixs.find((x) => x.name === read)?.readCount ?? 0) >= 3 && ixs.find((x) => x.name === unread)?.readCount !== null;
    while (!published() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      ixs = await listIndexes(driver, 'neo4j');
    }
    const r = ixs.find((x) => x.name === read);
    const u = ixs.find((x) => x.name === unread);
    assert.ok(r && u);
    assert.ok((r.readCount ?? 0) >= 3, `read count ${String(r.readCount)}`);
    assert.ok(r.lastRead instanceof Date);
    assert.equal(indexFlags(r).unused, false);
    assert.equal(u.readCount, 0);
    assert.equal(indexFlags(u).unused, true);
    assert.ok(u.trackedSince instanceof Date);
  });

  it('hostile names: an index on a label and property with backticks, spaces, unicode and HTML is created and dropped alone', async () => {
    const prop = 'p `x` <i>é</i>';
    await run(driver, `CREATE (:\`${HOSTILE.replace(/`/g, '``')}\` {\`${prop.replace(/`/g, '``')}\`: 1})`);
    const name = `${P} ix \`odd\` <script>ü`;
    const sibling = `${P} ix`;
    const create = buildCreateIndex('neo4j', { type: 'RANGE', entity: 'node', token: HOSTILE, properties: [prop], name });
    assert.equal(create.text, `CREATE RANGE INDEX \`${P} ix \`\`odd\`\` <script>ü\` FOR (n:\`${P} we\`\`ird <b>lbl</b> ünï\`) ON (n.\`p \`\`x\`\` <i>é</i>\`)`);
    const sib = buildCreateIndex('neo4j', { type: 'TEXT', entity: 'node', token: HOSTILE, properties: [prop], name: sibling });
    assert.equal((await runOps(session, [create, sib])).outcome.outcomes.map((o) => o.status).join(), 'done,done');
    const [ix] = await listIndexes(driver, 'neo4j', name);
    assert.deepEqual([ix?.labelsOrTypes, ix?.properties], [[HOSTILE], [prop]]);
    assert.equal((await runOps(session, [buildDropIndex('neo4j', { name })])).outcome.outcomes[0]?.status, 'done');
    assert.equal((await listIndexes(driver, 'neo4j', name)).length, 0);
    assert.equal((await listIndexes(driver, 'neo4j', sibling)).length, 1, 'the other index on the same label stays');
  });

  it('lists constraints with their owned index', async () => {
    const name = `${P}_uniq`;
    await run(driver, `CREATE CONSTRAINT \`${name}\` FOR (n:\`${P}A\`) REQUIRE n.i IS UNIQUE`);
    try {
      const c = (await listConstraints(driver, 'neo4j')).find((x) => x.name === name);
      assert.deepEqual([c?.type, c?.entityType, c?.labelsOrTypes, c?.properties, c?.ownedIndex], ['UNIQUENESS', 'NODE', [`${P}A`], ['i'], name]);
      const [owned] = await listIndexes(driver, 'neo4j', name);
      assert.equal(owned?.owningConstraint, name);
      assert.equal(indexFlags(owned).unused, false, 'an index a constraint owns is not offered for dropping');
    } finally {
      await run(driver, `DROP CONSTRAINT \`${name}\``);
    }
  });
});
