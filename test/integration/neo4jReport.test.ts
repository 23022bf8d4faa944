import { strict as assert } from 'node:assert';
import type * as Neo4j from 'neo4j-driver';
import { openNeo4jDriver } from '../../src/core/neo4j/connection';
import { neo4jSchemaReport } from '../../src/core/neo4j/reports/schema';
import { fixScript } from '../../src/core/reports/fixScript';
import { neo4jProfile, services } from './services';

const P = `UpkR${process.pid}`;

describe('Neo4j schema report (real server)', function () {
  this.timeout(120_000);
  let driver: Neo4j.Driver;

  async function run(cypher: string): Promise<void> {
    const s = driver.session({ database: 'neo4j' });
    try {
      await s.run(cypher);
    } finally {
      await s.close();
    }
  }

  before(async () => {
    driver = await openNeo4jDriver(neo4jProfile(), services().neo4j.password);
    await run(`UNWIND range(1, 30) AS i CREATE (:\`${P}Person\` {id: i, email: 'p' + i})-[:\`${P}KNOWS\`]->(:\`${P}Person\` {id: 100 + i})`);
    await run(`UNWIND range(1, 7) AS i CREATE (:\`${P}Lonely\` {i: i})`);
    await run(`CREATE (:\`${P}Doc\` {body: reduce(s = '', i IN range(1, 5000) | s + 'abcdefghij')})`);
    await run(`CREATE INDEX \`${P}_used\` FOR (n:\`${P}Person\`) ON (n.id)`);
    await run(`CREATE INDEX \`${P}_unused\` FOR (n:\`${P}Person\`) ON (n.email)`);
    await run(`CREATE INDEX \`${P}_failed\` FOR (n:\`${P}Doc\`) ON (n.body)`);
    await run('CALL db.awaitIndexes(20)').catch(() => undefined);
    await run(`MATCH (n:\`${P}Person\`) WHERE n.id = 3 RETURN n`);
  });

  after(async () => {
    for (const name of ['used', 'unused', 'failed']) await run(`DROP INDEX \`${P}_${name}\` IF EXISTS`);
    for (const l of ['Person', 'Lonely', 'Doc']) await run(`MATCH (n:\`${l === 'Person' ? `${P}Person` : `${P}${l}`}\`) DETACH DELETE n`);
    await driver.close();
  });

  it('reports unused and failed indexes, counts per label and type, and orphans, with Cypher fixes', async () => {
    // Usage statistics are published every few seconds: wait until both new indexes have a read count.
    let report = await neo4jSchemaReport(driver, 'neo4j', 'Test');
    const deadline = Date.now() + 90_000;
    while (!report.findings.some((f) => f.id === `neo4j-schema:unused:${P}_unused`) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      report = await neo4jSchemaReport(driver, 'neo4j', 'Test');
    }
    const ids = report.findings.map((f) => f.id);
    assert.ok(ids.includes(`neo4j-schema:unused:${P}_unused`), ids.join('\n'));
    assert.ok(!ids.includes(`neo4j-schema:unused:${P}_used`), 'the index a query read is not unused');
    const failed = report.findings.find((f) => f.id === `neo4j-schema:failed:${P}_failed`);
    assert.match(failed?.message ?? '', /Property value is too large to index/);
    assert.equal(failed?.fixes[0]?.kind, 'rebuild-index');
    const labels = report.sections.find((s) => s.id === 'labels');
    assert.equal(labels?.rows.find((r) => r.name === `${P}Person`)?.count, 60);
    assert.equal(report.sections.find((s) => s.id === 'types')?.rows.find((r) => r.name === `${P}KNOWS`)?.count, 30);
    const orphans = report.sections.find((s) => s.id === 'orphans')?.rows[0];
    assert.ok(Number(orphans?.count) >= 8, 'the 7 lonely nodes and the document at least');
    assert.ok(report.findings.some((f) => f.sectionId === 'orphans' && f.fixes[0]?.kind === 'delete-orphans'));
    const script = fixScript(report.findings.filter((f) => f.id.includes(P)), 'Test', 'neo4j');
    assert.ok(script.includes(`DROP INDEX \`${P}_unused\`;`));
    assert.ok(script.includes(`DROP INDEX \`${P}_failed\`;\nCREATE RANGE INDEX \`${P}_failed\``));
  });
});
