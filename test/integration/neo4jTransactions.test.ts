import { strict as assert } from 'node:assert';
import type * as Neo4j from 'neo4j-driver';
import { Neo4jSession, openNeo4jDriver } from '../../src/core/neo4j/connection';
import { neo4jExecutor } from '../../src/core/neo4j/executor';
import { buildTerminateTransaction } from '../../src/core/neo4j/operation';
import { listTransactions } from '../../src/core/neo4j/schema';
import { neo4jProfile, services } from './services';

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Neo4j transactions: listed and terminated (real server)', function () {
  this.timeout(60_000);
  let driver: Neo4j.Driver;
  let session: Neo4jSession;

  before(async () => {
    const profile = neo4jProfile();
    driver = await openNeo4jDriver(profile, services().neo4j.password);
    session = new Neo4jSession(driver, profile);
  });

  after(async () => {
    await driver.close();
  });

  it('lists a long transaction with its query, and TERMINATE TRANSACTIONS through the executor ends it (the client sees it terminated)', async () => {
    const marker = `upkeep-terminate-${process.pid}-${Date.now()}`;
    const other = driver.session({ database: 'neo4j' });
    // A transaction that would run for a minute, holding the node it created.
    // The marker is in the text (SHOW TRANSACTIONS shows the query as written, parameters unexpanded).
    const running = other.run(`CREATE (n:UpkeepTx {marker: '${marker}'}) WITH n CALL apoc.util.sleep(60000) RETURN n`).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    const tx = await waitFor('the transaction shows in SHOW TRANSACTIONS', async () => (await listTransactions(driver, 'neo4j')).find((t) => t.query.includes(marker)));
    assert.ok(tx.id.startsWith('neo4j-transaction-'), tx.id);
    assert.ok(tx.elapsedMs >= 0);

    const op = buildTerminateTransaction(tx);
    assert.equal(op.text, `TERMINATE TRANSACTIONS '${tx.id}'`);
    const started = Date.now();
    const { outcomes } = await neo4jExecutor(session, { lockTimeoutMs: 10_000 }).run([op], {});
    assert.equal(outcomes[0]?.status, 'done', outcomes[0]?.problem?.message);
    const clientSaw = await running;
    assert.match(clientSaw, /terminated/i, 'the client was told its transaction was terminated');
    assert.ok(Date.now() - started < 10_000, 'ended long before its minute');
    await waitFor('the transaction is gone', async () => ((await listTransactions(driver, 'neo4j')).some((t) => t.query.includes(marker)) ? undefined : true));
    // Terminated means rolled back: the node it created is not there.
    const s = driver.session({ database: 'neo4j' });
    try {
      const count = (await s.run('MATCH (n:UpkeepTx {marker: $marker}) RETURN count(n) AS c', { marker })).records[0]?.get('c') as { toNumber(): number };
      assert.equal(count.toNumber(), 0);
    } finally {
      await s.close();
      await other.close();
    }
  });
});
