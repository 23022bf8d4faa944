import { strict as assert } from 'node:assert';
import type * as Neo4j from 'neo4j-driver';
import { Neo4jSession, openNeo4jDriver } from '../../src/core/neo4j/connection';
import { buildDeleteOrphans, buildMergeDuplicates, scanDuplicates, scanOrphans } from '../../src/core/neo4j/cleanup';
import { neo4jExecutor } from '../../src/core/neo4j/executor';
import type { Neo4jOp } from '../../src/core/neo4j/operation';
import { labelCounts } from '../../src/core/neo4j/schema';
import type { OperationProgress } from '../../src/core/operations/operation';
import { neo4jProfile, services } from './services';

const P = `UpkC${process.pid}`;

async function run(driver: Neo4j.Driver, cypher: string, params: Record<string, unknown> = {}): Promise<Neo4j.Record[]> {
  const s = driver.session({ database: 'neo4j' });
  try {
    return (await s.run(cypher, params)).records;
  } finally {
    await s.close();
  }
}

async function count(driver: Neo4j.Driver, cypher: string): Promise<number> {
  const [row] = await run(driver, cypher);
  return (row?.get(0) as Neo4j.Integer).toNumber();
}

async function runOp(session: Neo4jSession, op: Neo4jOp, onProgress?: (p: OperationProgress, abort: () => void) => void) {
  const controller = new AbortController();
  const progress: OperationProgress[] = [];
  const result = await neo4jExecutor(session, { lockTimeoutMs: 10_000 }).run([op], {
    signal: controller.signal,
    onProgress: (p) => {
      progress.push(p);
      onProgress?.(p, () => controller.abort());
    },
  });
  const outcome = result.outcomes[0];
  assert.ok(outcome);
  return { outcome, progress };
}

describe('Neo4j clean-up: orphans and duplicates in batches (real server)', function () {
  this.timeout(300_000);
  let driver: Neo4j.Driver;
  let session: Neo4jSession;

  before(async () => {
    const profile = neo4jProfile();
    driver = await openNeo4jDriver(profile, services().neo4j.password);
    session = new Neo4jSession(driver, profile);
  });

  after(async () => {
    for (const label of (await labelCounts(driver, 'neo4j')).filter((l) => l.name.startsWith(P))) {
      await run(driver, `MATCH (n:\`${label.name}\`) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`);
    }
    await driver.close();
  });

  it('deletes exactly 100,000 orphans in batches, leaving connected nodes alone', async () => {
    const L = `${P}Orphan`;
    await run(driver, `UNWIND range(1, 100000) AS i CALL (i) { CREATE (:\`${L}\` {i: i}) } IN TRANSACTIONS OF 20000 ROWS`);
    await run(driver, `UNWIND range(1, 500) AS i CREATE (:\`${L}\` {linked: i})-[:\`${P}LINK\`]->(:\`${L}\` {linked: -i})`);
    const scan = await scanOrphans(driver, 'neo4j', L);
    assert.equal(scan.count, 100_000);
    assert.equal(scan.sample.length, 10);
    assert.deepEqual(scan.sample[0]?.labels, [L]);

    const op = buildDeleteOrphans('neo4j', scan, { label: L, batchSize: 1000 });
    assert.equal(op.text, `MATCH (n:\`${L}\`) WHERE NOT (n)--() CALL (n) { DELETE n RETURN 1 AS deleted } IN TRANSACTIONS OF 1000 ROWS RETURN deleted`);
    assert.match(op.impact, /deletes 100,000 nodes that have no relationship .* e\.g\. 4:/);
    const { outcome, progress } = await runOp(session, op);
    assert.equal(outcome.status, 'done', JSON.stringify(outcome));
    assert.match(outcome.notices.join(' '), /100,000 orphaned nodes deleted in batches of 1,000/);
    assert.equal(progress.length, 100, 'one progress report per batch');
    assert.equal(progress.at(-1)?.percent, 100);
    assert.equal(await count(driver, `MATCH (n:\`${L}\`) WHERE NOT (n)--() RETURN count(n)`), 0);
    assert.equal(await count(driver, `MATCH (n:\`${L}\`) RETURN count(n)`), 1000, 'the 1,000 connected nodes are untouched');
  });

  it('stops between batches on cancel and says how many were deleted', async () => {
    const L = `${P}Cancel`;
    await run(driver, `UNWIND range(1, 20000) AS i CREATE (:\`${L}\` {i: i})`);
    const scan = await scanOrphans(driver, 'neo4j', L);
    let reports = 0;
    const { outcome } = await runOp(session, buildDeleteOrphans('neo4j', scan, { label: L, batchSize: 500 }), (_p, abort) => {
      if (++reports === 2) abort();
    });
    const left = await count(driver, `MATCH (n:\`${L}\`) RETURN count(n)`);
    assert.equal(outcome.status, 'cancelled', JSON.stringify(outcome));
    assert.ok(left > 0 && left < 20_000, `left ${left}`);
    assert.equal((20_000 - left) % 500, 0, 'only whole batches were committed');
    assert.match(outcome.leftBehind ?? '', new RegExp(`Stopped between batches: ${(20_000 - left).toLocaleString('en-US')} orphaned nodes of 20,000 were deleted`));
    console.log(`      cancelled after the 2nd batch report: ${(20_000 - left).toLocaleString('en-US')} of 20,000 deleted`);
  });

  it('finds duplicates and merges them as previewed: oldest kept, relationships moved', async () => {
    const L = `${P}Person`;
    // Three groups by email (2, 3 and 4 nodes), one unique node, one node without the property.
    await run(driver, `UNWIND [['a@x', 2], ['b@x', 3], ['c@x', 4], ['solo@x', 1]] AS g UNWIND range(1, g[1]) AS i CREATE (:\`${L}\` {email: g[0], n: i})`);
    await run(driver, `CREATE (:\`${L}\` {n: 0})`);
    // The second 'b@x' node has a relationship out and one in: they must end on the oldest 'b@x'.
    await run(driver, `MATCH (p:\`${L}\` {email: 'b@x', n: 2}) CREATE (p)-[:\`${P}KNOWS\` {since: 2020}]->(:\`${P}Other\` {k: 1}), (:\`${P}Other\` {k: 2})-[:\`${P}LIKES\`]->(p)`);
    const scan = await scanDuplicates(driver, 'neo4j', L, ['email']);
    assert.equal(scan.groupCount, 3);
    assert.equal(scan.extraNodes, 1 + 2 + 3);
    assert.equal(scan.extraRelationships, 2);
    assert.deepEqual(scan.groups.map((g) => [g.values, g.count]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [[['a@x'], 2], [['b@x'], 3], [['c@x'], 4]]);
    const oldest = await run(driver, `MATCH (p:\`${L}\`) WHERE p.email IS NOT NULL WITH p ORDER BY id(p) WITH p.email AS e, collect(elementId(p))[0] AS keep RETURN e, keep`);
    const op = buildMergeDuplicates('neo4j', scan, { moveRelationships: true, batchSize: 2 });
    assert.match(op.impact, /3 groups .* deletes the other 6 nodes; their 2 relationships are moved to the kept node/);
    const { outcome } = await runOp(session, op);
    assert.equal(outcome.status, 'done', JSON.stringify(outcome));
    assert.equal((await scanDuplicates(driver, 'neo4j', L, ['email'])).groupCount, 0);
    for (const r of oldest) {
      assert.equal(await count(driver, `MATCH (p:\`${L}\`) WHERE elementId(p) = '${String(r.get('keep'))}' RETURN count(p)`), 1, `the oldest ${String(r.get('e'))} is kept`);
    }
    assert.equal(await count(driver, `MATCH (p:\`${L}\`) RETURN count(p)`), 5, 'three kept, the unique one and the one without email');
    assert.equal(await count(driver, `MATCH (p:\`${L}\` {email: 'b@x', n: 1})-[r:\`${P}KNOWS\` {since: 2020}]->(:\`${P}Other\` {k: 1}) RETURN count(r)`), 1);
    assert.equal(await count(driver, `MATCH (:\`${P}Other\` {k: 2})-[r:\`${P}LIKES\`]->(p:\`${L}\` {email: 'b@x', n: 1}) RETURN count(r)`), 1);
  });

  it('merges only the groups chosen, and leaves the others as they were (hostile values quoted)', async () => {
    const L = `${P}Chosen`;
    const odd = "o'dd \\ <b>x</b>";
    await run(driver, `UNWIND [[$odd, 3], ['plain', 2], ['keep-me', 2]] AS g UNWIND range(1, g[1]) AS i CREATE (:\`${L}\` {code: g[0], n: i})`, { odd });
    const scan = await scanDuplicates(driver, 'neo4j', L, ['code']);
    assert.equal(scan.groupCount, 3);
    const only = scan.groups.filter((g) => g.values[0] === odd || g.values[0] === 'plain');
    const op = buildMergeDuplicates('neo4j', scan, { moveRelationships: false, only });
    assert.match(op.title, /Merge 2 of 3 duplicate groups/);
    assert.match(op.impact, /deletes the other 3 nodes/);
    assert.ok(op.text.includes("['o\\'dd \\\\ <b>x</b>']"), op.text);
    assert.equal((await runOp(session, op)).outcome.status, 'done');
    const left = await scanDuplicates(driver, 'neo4j', L, ['code']);
    assert.deepEqual(left.groups.map((g) => [g.values, g.count]), [[['keep-me'], 2]], 'the group not chosen is untouched');
    assert.equal(await count(driver, `MATCH (p:\`${L}\`) RETURN count(p)`), 1 + 1 + 2);
  });

  it('merging without moving deletes the relationships with the duplicates, as the preview says', async () => {
    const L = `${P}Item`;
    await run(driver, `CREATE (:\`${L}\` {sku: 'k', n: 1}), (:\`${L}\` {sku: 'k', n: 2})-[:\`${P}IN\`]->(:\`${P}Box\`)`);
    const scan = await scanDuplicates(driver, 'neo4j', L, ['sku']);
    const op = buildMergeDuplicates('neo4j', scan, { moveRelationships: false });
    assert.match(op.impact, /their 1 relationships are deleted with them, not moved/);
    assert.equal((await runOp(session, op)).outcome.status, 'done');
    assert.equal(await count(driver, `MATCH (p:\`${L}\`) RETURN count(p)`), 1);
    assert.equal(await count(driver, `MATCH ()-[r:\`${P}IN\`]->() RETURN count(r)`), 0);
    assert.equal(await count(driver, `MATCH (b:\`${P}Box\`) RETURN count(b)`), 1, 'the other end stays');
  });
});
