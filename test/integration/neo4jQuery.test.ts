import { strict as assert } from 'node:assert';
import type * as Neo4j from 'neo4j-driver';
import { loadNeo4j } from '../../src/core/drivers';
import { neo4jUrl, openNeo4jDriver } from '../../src/core/neo4j/connection';
import { startCypher, terminateTagged, type CypherRunOptions, type Neo4jQuery } from '../../src/core/neo4j/neo4jQuery';
import type { CellValue, RichCell } from '../../src/core/query/types';
import { neo4jProfile, services, uniqueName } from './services';

const MB = 1024 * 1024;

function opts(overrides: Partial<CypherRunOptions> = {}): CypherRunOptions {
  return { statementTimeoutMs: 0, readOnly: false, tag: uniqueName('upkeep_q'), ...overrides };
}

async function readAll(q: Neo4jQuery, batch = 10_000): Promise<CellValue[][]> {
  const rows: CellValue[][] = [];
  while (!q.done) rows.push(...(await q.next(batch)));
  return rows;
}

/** Runs a statement to the end and returns its rows (the error of start or next() propagates). */
async function run(driver: Neo4j.Driver, text: string, o: Partial<CypherRunOptions> = {}): Promise<{ rows: CellValue[][]; q: Neo4jQuery }> {
  const q = await startCypher(driver, text, opts(o));
  try {
    return { rows: await readAll(q), q };
  } finally {
    await q.close();
  }
}

function rich(c: CellValue | undefined): RichCell {
  assert.ok(c !== null && c !== undefined && typeof c === 'object', `expected a rich cell, got ${JSON.stringify(c)}`);
  return c;
}

const since = (t0: number): number => Date.now() - t0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Cypher statements streamed from a real Neo4j', function () {
  this.timeout(60_000);
  let driver: Neo4j.Driver;
  const label = uniqueName('UpkeepQ');

  before(async () => {
    driver = await openNeo4jDriver(neo4jProfile(), services().neo4j.password);
  });

  after(async () => {
    await driver.executeQuery(`MATCH (n:${label}) DETACH DELETE n`);
    await driver.close();
  });

  /** Transactions the server is running under a startCypher tag. */
  async function tagged(tag: string): Promise<string[]> {
    const res = await driver.executeQuery('SHOW TRANSACTIONS YIELD transactionId, metaData WHERE metaData.upkeepTag = $tag RETURN transactionId', { tag });
    return res.records.map((r) => String(r.get('transactionId')));
  }

  async function waitUntil(what: string, cond: () => Promise<boolean>, ms = 5_000): Promise<void> {
    const t0 = Date.now();
    while (!(await cond())) {
      if (since(t0) > ms) assert.fail(`timed out waiting until ${what}`);
      await sleep(25);
    }
  }

  it('streams columns, then rows in batches, then a summary', async () => {
    const q = await startCypher(driver, 'UNWIND range(1, 5) AS i RETURN i, i * 2 AS double, toString(i) AS s', opts());
    assert.deepEqual(q.columns, [{ name: 'i', type: '' }, { name: 'double', type: '' }, { name: 's', type: '' }]);
    assert.deepEqual(await q.next(3), [['1', '2', '1'], ['2', '4', '2'], ['3', '6', '3']]);
    assert.equal(q.done, false);
    assert.deepEqual(await q.next(10), [['4', '8', '4'], ['5', '10', '5']]);
    assert.equal(q.done, true);
    assert.deepEqual(await q.next(10), []);
    assert.deepEqual(q.summary(), { command: 'r', notices: [] });
    await q.close();
    await q.close(); // idempotent
  });

  it('knows its columns before a slow statement sends its first row', async () => {
    const t0 = Date.now();
    const q = await startCypher(driver, 'CALL apoc.util.sleep(3000) RETURN 1 AS late', opts());
    assert.ok(since(t0) < 2_000, `startCypher took ${since(t0)} ms`);
    assert.deepEqual(q.columns, [{ name: 'late', type: '' }]);
    await q.cancel();
  });

  it('backpressure: the first 500 of a million rows come quickly, and no more are pulled until asked for', async () => {
    const text = 'UNWIND range(1, 1000000) AS i RETURN i';
    const tag = uniqueName('upkeep_bp');
    (global as { gc?: () => void }).gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    const q = await startCypher(driver, text, opts({ tag, batchSize: 500 }));
    const first = await q.next(500);
    const firstMs = since(t0);
    assert.equal(first.length, 500);
    assert.deepEqual(first[499], ['500']);
    await sleep(500); // time in which an unbounded reader would keep pulling
    const heapGrowth = process.memoryUsage().heapUsed - heap0;
    assert.deepEqual((await tagged(tag)).length, 1, 'the statement is still open on the server: its rows were not all pulled');
    const t1 = Date.now();
    await q.close();
    const closeMs = since(t1);
    await waitUntil('the closed statement is gone', async () => (await tagged(tag)).length === 0, 2_000);

    const t2 = Date.now();
    const all = await startCypher(driver, text, opts({ batchSize: 500 }));
    let count = 0;
    while (!all.done) count += (await all.next(10_000)).length;
    const allMs = since(t2);
    assert.equal(count, 1_000_000);
    console.log(`      first 500 rows in ${firstMs} ms, close in ${closeMs} ms, heap ${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / MB).toFixed(1)} MB; all 1,000,000 rows in ${allMs} ms`);
    assert.ok(firstMs + closeMs < allMs / 5, `first batch + close (${firstMs + closeMs} ms) vs all rows (${allMs} ms)`);
    assert.ok(heapGrowth < 16 * MB, `heap grew ${(heapGrowth / MB).toFixed(1)} MB after the first batch`);
  });

  it('pauses pulling: a result the driver could fetch in a blink stays open on the server after the first batch', async () => {
    const text = 'UNWIND range(1, 20000) AS i RETURN i';
    const t0 = Date.now();
    const eager = await driver.executeQuery(text); // the whole result, pulled without pause
    const eagerMs = since(t0);
    assert.equal(eager.records.length, 20_000);
    const tag = uniqueName('upkeep_pause');
    const q = await startCypher(driver, text, opts({ tag, batchSize: 500 }));
    assert.equal((await q.next(500)).length, 500);
    await sleep(Math.max(500, 5 * eagerMs));
    assert.equal((await tagged(tag)).length, 1, `still open ${Math.max(500, 5 * eagerMs)} ms later (all rows take ${eagerMs} ms)`);
    assert.equal((await q.next(20_000)).length, 19_500);
    assert.equal(q.done, true);
    assert.equal((await tagged(tag)).length, 0);
  });

  /** A driver with one pooled connection: what a statement leaves on it, the next one meets. */
  async function singleConnectionDriver(): Promise<Neo4j.Driver> {
    const neo4j = await loadNeo4j();
    const profile = neo4jProfile();
    return neo4j.driver(neo4jUrl(profile), neo4j.auth.basic(profile.user ?? 'neo4j', services().neo4j.password), {
      maxConnectionPoolSize: 1,
      logging: { level: 'error', logger: () => undefined },
    });
  }

  it('closing mid-stream leaves the pooled connection usable', async () => {
    const single = await singleConnectionDriver();
    try {
      for (let i = 0; i < 3; i++) {
        const q = await startCypher(single, 'UNWIND range(1, 100000) AS i RETURN i', opts({ batchSize: 100 }));
        assert.equal((await q.next(150)).length, 150);
        await q.close();
        const after = await run(single, 'RETURN 42 AS answer');
        assert.deepEqual(after.rows, [['42']]);
      }
    } finally {
      await single.close();
    }
  });

  it('close() after the first rows of a write statement discards the rest, and the statement still commits', async () => {
    const marker = uniqueName('w');
    const q = await startCypher(driver, `UNWIND range(1, 2000) AS i CREATE (n:${label} {marker: $marker, i: i}) RETURN i`, opts({ batchSize: 100, params: { marker } }));
    assert.equal((await q.next(100)).length, 100);
    await q.close();
    assert.deepEqual(q.summary().notices.slice(0, 1), ['2000 nodes created']);
    const { rows } = await run(driver, `MATCH (n:${label} {marker: $marker}) RETURN count(n)`, { params: { marker } });
    assert.deepEqual(rows, [['2000']]);
  });

  it('close() while the server is still producing rows interrupts the statement', async () => {
    const tag = uniqueName('upkeep_close');
    const q = await startCypher(driver, 'CALL apoc.util.sleep(60000) RETURN 1 AS x', opts({ tag }));
    const reading = q.next(10);
    await waitUntil('the statement runs', async () => (await tagged(tag)).length === 1);
    const t0 = Date.now();
    await q.close();
    const closeMs = since(t0);
    await waitUntil('the transaction is gone', async () => (await tagged(tag)).length === 0, 2_000);
    console.log(`      close() returned in ${closeMs} ms; transaction gone after ${since(t0)} ms`);
    assert.ok((await reading).length <= 1);
    assert.equal(q.done, true);
    assert.deepEqual((await run(driver, 'RETURN 2 AS two')).rows, [['2']]);
  });

  it('turns real nodes, relationships and paths into rich cells', async () => {
    await driver.executeQuery(`CREATE (:${label} {name: 'Ann', big: 9007199254740993})-[:KNOWS {since: 2001}]->(:${label} {name: 'Bob'})`);
    const { rows } = await run(
      driver,
      `MATCH p = (b:${label} {name: 'Bob'})<-[r:KNOWS]-(a:${label}) ` +
        "RETURN a, r, p, [a.name, b.name] AS names, {big: a.big} AS m, null AS nothing, date('2020-01-02') AS d, a.big AS big, elementId(a) AS aid, elementId(r) AS rid",
    );
    assert.equal(rows.length, 1);
    const [a, r, p, names, m, nothing, d, big, aid, rid] = rows[0] ?? [];
    const node = rich(a);
    assert.equal(node.kind, 'node');
    assert.match(node.text, new RegExp(`^\\(:${label} \\{(name: "Ann", big: 9007199254740993|big: 9007199254740993, name: "Ann")\\}\\)$`));
    assert.deepEqual(JSON.parse(node.json), { elementId: aid, labels: [label], properties: { name: 'Ann', big: '9007199254740993' } });
    const relCell = rich(r);
    assert.equal(relCell.kind, 'relationship');
    assert.equal(relCell.text, '[:KNOWS {since: 2001}]');
    assert.equal((JSON.parse(relCell.json) as { elementId: string; startNodeElementId: string }).startNodeElementId, aid);
    assert.equal((JSON.parse(relCell.json) as { elementId: string }).elementId, rid);
    const path = rich(p);
    assert.equal(path.kind, 'path');
    assert.match(path.text, new RegExp(`^\\(:${label} \\{name: "Bob"\\}\\)<-\\[:KNOWS \\{since: 2001\\}\\]-\\(:${label} \\{.*name: "Ann".*\\}\\)$`));
    assert.deepEqual((JSON.parse(path.json) as { elementId: string }[]).map((e) => e.elementId).slice(1), [rid, aid]);
    assert.deepEqual(rich(names), { kind: 'list', text: '["Ann", "Bob"]', json: JSON.stringify(['Ann', 'Bob'], null, 2) });
    assert.deepEqual(rich(m), { kind: 'map', text: '{big: 9007199254740993}', json: JSON.stringify({ big: '9007199254740993' }, null, 2) });
    assert.equal(nothing, null);
    assert.equal(d, '2020-01-02');
    assert.equal(big, '9007199254740993');
  });

  it('summarises writes as counters, and passes the server’s notifications on', async () => {
    const created = await run(driver, `UNWIND range(1, 3) AS i CREATE (:${label} {counted: i})`);
    assert.deepEqual(created.rows, []);
    assert.deepEqual(created.q.columns, []);
    assert.equal(created.q.summary().command, 'w');
    assert.deepEqual(created.q.summary().notices, ['3 nodes created', '3 properties set', '3 labels added']);
    const deleted = await run(driver, `MATCH (n:${label}) WHERE n.counted IS NOT NULL DETACH DELETE n`);
    assert.deepEqual(deleted.q.summary().notices, ['3 nodes deleted']);
    const cartesian = await run(driver, `MATCH (a:${label}), (b:${label}) RETURN count(*) AS c`);
    assert.ok(cartesian.q.summary().notices.some((n) => /cartesian product/i.test(n)), cartesian.q.summary().notices.join('\n'));
  });

  it('runs CALL { … } IN TRANSACTIONS and index commands (auto-commit)', async () => {
    const batched = await run(driver, `UNWIND range(1, 10) AS i CALL (i) { CREATE (:${label} {batch: i}) } IN TRANSACTIONS OF 3 ROWS`);
    assert.ok(batched.q.summary().notices.includes('10 nodes created'), batched.q.summary().notices.join('\n'));
    const index = uniqueName('upkeep_idx');
    const created = await run(driver, `CREATE INDEX ${index} IF NOT EXISTS FOR (n:${label}) ON (n.batch)`);
    assert.deepEqual(created.q.summary(), { command: 's', notices: ['1 index added'] });
    const dropped = await run(driver, `DROP INDEX ${index}`);
    assert.deepEqual(dropped.q.summary(), { command: 's', notices: ['1 index removed'] });
  });

  it('read-only: the server refuses writes', async () => {
    const marker = uniqueName('ro');
    await assert.rejects(run(driver, `CREATE (n:${label} {marker: $marker}) RETURN n`, { readOnly: true, params: { marker } }), /read access mode/i);
    const left = await run(driver, `MATCH (n:${label} {marker: $marker}) RETURN count(n)`, { readOnly: true, params: { marker } });
    assert.deepEqual(left.rows, [['0']]);
  });

  it('parameters and a named database', async () => {
    const { rows } = await run(driver, 'RETURN $x + 1 AS y, $s AS s', { params: { x: 41, s: 'hi' }, database: 'neo4j' });
    assert.deepEqual(rows, [['42', 'hi']]);
    await assert.rejects(run(driver, 'RETURN 1', { database: 'nosuchdb' }), /nosuchdb/i);
  });

  it('server errors come with the server’s message', async () => {
    await assert.rejects(startCypher(driver, 'MATCH (n RETURN n', opts()), /Invalid input/);
    const q = await startCypher(driver, 'UNWIND [1, 0] AS x RETURN 10 / x AS y', opts());
    await assert.rejects(readAll(q, 10), /by zero/);
    assert.equal(q.done, true);
    await q.close();
  });

  for (const [what, text] of [
    ['apoc.util.sleep(60000)', 'CALL apoc.util.sleep(60000) RETURN 1 AS x'],
    ['a pure Cypher scan of 10^8 rows', 'UNWIND range(1, 100000000) AS x WITH x WHERE x < 0 RETURN count(*) AS c'],
  ] as const) {
    it(`cancel() stops ${what} on the server within 2 s`, async () => {
      const tag = uniqueName('upkeep_cancel');
      const q = await startCypher(driver, text, opts({ tag }));
      const reading = q.next(10);
      await waitUntil('the statement runs', async () => (await tagged(tag)).length === 1);
      const t0 = Date.now();
      await q.cancel();
      const cancelMs = since(t0);
      await waitUntil('the transaction is gone', async () => (await tagged(tag)).length === 0, 2_000);
      const goneMs = since(t0);
      console.log(`      cancel() returned in ${cancelMs} ms; transaction gone after ${goneMs} ms`);
      assert.ok(goneMs < 2_000, `${goneMs} ms`);
      // It ends without an error (apoc.util.sleep stops early and may still return its row).
      assert.ok((await reading).length <= 1);
      assert.equal(q.done, true);
      assert.deepEqual(await q.next(10), []);
    });
  }

  it('cancel() of a paused stream ends its transaction too', async () => {
    const tag = uniqueName('upkeep_paused');
    const q = await startCypher(driver, 'UNWIND range(1, 1000000) AS i RETURN i', opts({ tag, batchSize: 200 }));
    assert.equal((await q.next(200)).length, 200);
    assert.equal((await tagged(tag)).length, 1);
    await q.cancel();
    await waitUntil('the transaction is gone', async () => (await tagged(tag)).length === 0, 2_000);
    assert.deepEqual((await run(driver, 'RETURN 1 AS one')).rows, [['1']]);
  });

  it('cancel() of a paused write statement rolls it back', async () => {
    const marker = uniqueName('rollback');
    const q = await startCypher(driver, `UNWIND range(1, 2000) AS i CREATE (n:${label} {marker: $marker, i: i}) RETURN i`, opts({ batchSize: 100, params: { marker } }));
    assert.equal((await q.next(100)).length, 100);
    await q.cancel();
    const { rows } = await run(driver, `MATCH (n:${label} {marker: $marker}) RETURN count(n)`, { params: { marker } });
    assert.deepEqual(rows, [['0']]);
  });

  it('cancel() with no connection free for TERMINATE falls back to resetting the connection', async () => {
    const single = await singleConnectionDriver();
    const tag = uniqueName('upkeep_pool');
    try {
      const q = await startCypher(single, 'CALL apoc.util.sleep(60000) RETURN 1 AS x', opts({ tag }));
      const reading = q.next(10);
      await waitUntil('the statement runs', async () => (await tagged(tag)).length === 1);
      const t0 = Date.now();
      await q.cancel();
      await waitUntil('the transaction is gone', async () => (await tagged(tag)).length === 0, 2_000);
      const ms = since(t0);
      console.log(`      gone after ${ms} ms (TERMINATE gave up waiting for a connection)`);
      assert.ok(ms < 5_000, `${ms} ms`);
      assert.ok((await reading).length <= 1);
      assert.deepEqual((await run(single, 'RETURN 3 AS three')).rows, [['3']]);
    } finally {
      await single.close();
    }
  });

  it('TERMINATE TRANSACTIONS works on this server (Community 5.26)', async () => {
    const tag = uniqueName('upkeep_term');
    const session = driver.session();
    const running = session.run('CALL apoc.util.sleep(30000)', {}, { metadata: { upkeepTag: tag } }).then(
      () => 'finished',
      (err: Error) => err.message,
    );
    try {
      await waitUntil('the statement runs', async () => (await tagged(tag)).length === 1);
      assert.equal(await terminateTagged(driver, tag), 1);
      assert.match(await running, /terminated/i);
    } finally {
      await session.close();
    }
    assert.equal(await terminateTagged(driver, tag), 0);
  });

  it('a statement timeout ends a slow statement quickly', async () => {
    const t0 = Date.now();
    await assert.rejects(run(driver, 'CALL apoc.util.sleep(20000) RETURN 1 AS x', { statementTimeoutMs: 500 }), /timeout/i);
    const ms = since(t0);
    console.log(`      timed out after ${ms} ms`);
    assert.ok(ms < 3_000, `${ms} ms`);
  });
});
