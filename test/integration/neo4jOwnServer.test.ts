import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Neo4j from 'neo4j-driver';
import { Neo4jSession, openNeo4jDriver } from '../../src/core/neo4j/connection';
import { buildDeleteOrphans, scanOrphans } from '../../src/core/neo4j/cleanup';
import { neo4jExecutor } from '../../src/core/neo4j/executor';
import { indexFlags, labelCounts, listConstraints, listDatabases, listIndexes, listTransactions, relationshipTypeCounts, serverFacts } from '../../src/core/neo4j/schema';
import { startNeo4j } from '../services/neo4j';
import type { RunningService, ServicesInfo } from '../services/types';
import { neo4jProfile } from './services';

/**
 * A Neo4j of this file's own, started without APOC: the tree's reads must work
 * without it, and stopping it mid-batch must not disturb the shared server.
 */
describe('Neo4j without APOC, stopped mid-batch (own server)', function () {
  this.timeout(300_000);
  let root: string;
  let info: ServicesInfo['neo4j'];
  let service: RunningService | undefined;
  let driver: Neo4j.Driver;

  before(async function () {
    this.timeout(240_000);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-neo4j-own-'));
    ({ info, service } = await startNeo4j(root, { apoc: false }));
    driver = await openNeo4jDriver(neo4jProfile({ host: info.host, port: info.port }), info.password);
  });

  after(async () => {
    await driver?.close().catch(() => undefined);
    await service?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('reads the whole tree without APOC and says APOC is absent', async () => {
    await driver.executeQuery('CREATE (:A)-[:T]->(:B), (:A)', {}, { database: 'neo4j' });
    await driver.executeQuery('CREATE INDEX a_x FOR (n:A) ON (n.x)', {}, { database: 'neo4j' });
    await driver.executeQuery('CREATE CONSTRAINT b_id FOR (n:B) REQUIRE n.id IS UNIQUE', {}, { database: 'neo4j' });
    const procs = await driver.executeQuery("SHOW PROCEDURES YIELD name WHERE name STARTS WITH 'apoc.' RETURN count(*) AS n", {}, { database: 'neo4j' });
    assert.equal((procs.records[0]?.get('n') as Neo4j.Integer).toNumber(), 0, 'no APOC procedure is callable');
    const facts = await serverFacts(driver, 'neo4j');
    assert.equal(facts.apoc, null);
    assert.equal(facts.nodeCount, 3);
    assert.equal(facts.relationshipCount, 1);
    assert.ok((await listDatabases(driver)).some((d) => d.name === 'neo4j'));
    assert.deepEqual(await labelCounts(driver, 'neo4j'), [{ name: 'A', count: 2 }, { name: 'B', count: 1 }]);
    assert.deepEqual(await relationshipTypeCounts(driver, 'neo4j'), [{ name: 'T', count: 1 }]);
    const ixs = await listIndexes(driver, 'neo4j');
    assert.ok(ixs.some((i) => i.name === 'a_x'));
    assert.ok(ixs.some((i) => i.name === 'b_id' && i.owningConstraint === 'b_id' && !indexFlags(i).unused));
    assert.equal((await listConstraints(driver, 'neo4j'))[0]?.ownedIndex, 'b_id');
    assert.ok(Array.isArray(await listTransactions(driver, 'neo4j')));
  });

  it('a server stopped mid-batch gives a clear message and the count of what was committed', async () => {
    await driver.executeQuery('UNWIND range(1, 100000) AS i CREATE (:Orphan {i: i})', {}, { database: 'neo4j' });
    const profile = neo4jProfile({ host: info.host, port: info.port });
    const session = new Neo4jSession(driver, profile);
    const scan = await scanOrphans(driver, 'neo4j', 'Orphan');
    let stopping: Promise<void> | undefined;
    const log: string[] = [];
    const logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m: string) => log.push(m), error: (m: string) => log.push(m) };
    const result = await neo4jExecutor(session, { lockTimeoutMs: 10_000, log: logger }).run([buildDeleteOrphans('neo4j', scan, { label: 'Orphan', batchSize: 200 })], {
      onProgress: () => {
        // Stop the server once a few batches are in.
        if (!stopping) {
          stopping = service?.stop();
          service = undefined;
        }
      },
    });
    await stopping;
    const o = result.outcomes[0];
    assert.equal(o?.status, 'failed', JSON.stringify(o));
    console.log(`      driver error: ${log.join(' | ')}`);
    assert.ok(o?.problem?.kind === 'connection-lost' || o?.problem?.kind === 'unreachable', JSON.stringify(o?.problem));
    assert.match(o?.problem?.message ?? '', /Neo4j at .*(lost|Nothing is listening).* [\d,]+ orphaned nodes of 100,000 had been deleted and committed before that\./);
    console.log(`      ${o?.problem?.message ?? ''}`);
  });
});
