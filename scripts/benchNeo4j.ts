/**
 * Bench case (issue 13): a Neo4j graph of 1,000,000 nodes over 20 labels and
 * 2,000,000 relationships, on a Neo4j of its own (the test harness, with APOC).
 *
 * - The Labels node: what the tree runs to expand it (db.labels() and one
 *   count-store statement), against `MATCH (n:L) RETURN count(n)` run label by
 *   label (count store too) and a full scan that counts labels without the
 *   count store. Goal: < 200 ms.
 * - Orphan clean-up of 100,000 orphans: the executor (streamed batches with
 *   progress and cancel) against the bare batched Cypher run by the driver,
 *   `MATCH (n) WHERE NOT (n)--() CALL (n) { DELETE n } IN TRANSACTIONS OF 1000 ROWS`.
 *   The orphans are created again before each run, untimed. Goal: ≤ 2×.
 *
 * Runs alone with `node out/scripts/benchNeo4j.js`, or as a case of `npm run bench`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Neo4j from 'neo4j-driver';
import { Neo4jSession, openNeo4jDriver } from '../src/core/neo4j/connection';
import { buildDeleteOrphans, scanOrphans } from '../src/core/neo4j/cleanup';
import { neo4jExecutor } from '../src/core/neo4j/executor';
import { labelCounts } from '../src/core/neo4j/schema';
import type { ConnectionProfile } from '../src/core/connections/profile';
import { startNeo4j } from '../test/services/neo4j';
import type { BenchCase } from './bench';

const ROWS = 500_000; // two nodes and four relationships each
const LABELS = 20;
const ORPHANS = 100_000;
const BATCH = 1000;

async function run(driver: Neo4j.Driver, cypher: string): Promise<Neo4j.Record[]> {
  const s = driver.session({ database: 'neo4j' });
  try {
    return (await s.run(cypher)).records;
  } finally {
    await s.close();
  }
}

export function neo4jCase(): BenchCase {
  return {
    title: `Neo4j: ${(ROWS * 2).toLocaleString('en-US')} nodes over ${LABELS} labels, ${(ROWS * 4).toLocaleString('en-US')} relationships`,
    async setup() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-neo4j-'));
      const t0 = performance.now();
      const { info, service } = await startNeo4j(root);
      const profile: ConnectionProfile = { id: 'bench-neo4j', engine: 'neo4j', name: 'bench', host: info.host, port: info.port, user: info.user, scheme: 'bolt', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 10_000 };
      const driver = await openNeo4jDriver(profile, info.password);
      const started = performance.now();
      await run(driver, `UNWIND range(0, ${ROWS - 1}) AS i CALL (i) {
        CREATE (a:$('L' + toString(i % ${LABELS})) {id: i})-[:T1]->(b:$('L' + toString((i + 7) % ${LABELS})) {id: -i})
        CREATE (b)-[:T2]->(a), (a)-[:T3]->(b), (b)-[:T4]->(a) } IN TRANSACTIONS OF 20000 ROWS`);
      const [counts] = await run(driver, 'RETURN COUNT { () } AS n, COUNT { ()-[]->() } AS r');
      console.log(`  Neo4j ready in ${((started - t0) / 1000).toFixed(1)} s; loaded ${String(counts?.get('n'))} nodes and ${String(counts?.get('r'))} relationships in ${((performance.now() - started) / 1000).toFixed(1)} s (UNWIND in transactions of 20,000 rows)`);
      const labels = (await run(driver, 'CALL db.labels() YIELD label RETURN label')).map((r) => String(r.get('label')));
      const session = new Neo4jSession(driver, profile);
      const plantOrphans = (): Promise<Neo4j.Record[]> => run(driver, `UNWIND range(1, ${ORPHANS}) AS i CALL (i) { CREATE (:Orphan {i: i}) } IN TRANSACTIONS OF 50000 ROWS`);
      const timedDelete = (remove: () => Promise<void>) => async (): Promise<number> => {
        await plantOrphans();
        const start = performance.now();
        await remove();
        const ms = performance.now() - start;
        const [left] = await run(driver, 'MATCH (n:Orphan) RETURN count(n) AS c');
        if (Number(left?.get('c')) !== 0) throw new Error('bench: orphans were left');
        return ms;
      };
      return {
        dispose: async () => {
          await driver.close();
          await service.stop();
          fs.rmSync(root, { recursive: true, force: true });
        },
        timed: [
          { name: 'MATCH (n:L) RETURN count(n), label by label', role: 'reference', label: 'per-label count', inSummary: true, run: async () => {
            for (const l of labels) await run(driver, `MATCH (n:\`${l}\`) RETURN count(n)`);
          } },
          { name: 'labels counted by a full scan', role: 'reference', label: 'scan', run: async () => void (await run(driver, 'MATCH (n) UNWIND labels(n) AS l RETURN l, count(*)')) },
          { name: 'Labels node expands (db.labels + count store)', role: 'measure', label: 'Labels node', inSummary: true, run: async () => {
            const got = await labelCounts(driver, 'neo4j');
            if (got.length < LABELS) throw new Error(`bench: ${got.length} labels`);
          } },
          { name: `bare batched delete of ${ORPHANS.toLocaleString('en-US')} orphans (driver)`, role: 'reference', label: 'bare Cypher', inSummary: true,
            run: timedDelete(async () => void (await run(driver, `MATCH (n) WHERE NOT (n)--() CALL (n) { DELETE n } IN TRANSACTIONS OF ${BATCH} ROWS`))) },
          { name: `orphan clean-up, executor (${ORPHANS.toLocaleString('en-US')})`, role: 'measure', label: 'orphan clean-up', inSummary: true,
            run: timedDelete(async () => {
              const op = buildDeleteOrphans('neo4j', { count: ORPHANS, sample: [] }, { batchSize: BATCH });
              const out = await neo4jExecutor(session, { lockTimeoutMs: 10_000 }).run([op], {});
              if (out.outcomes[0]?.status !== 'done') throw new Error(`bench: clean-up ${out.outcomes[0]?.status ?? '?'}`);
            }) },
          { name: 'orphan scan (count + sample, the preview)', role: 'measure', label: 'orphan preview', run: async () => {
            await plantOrphans();
            const start = performance.now();
            const scan = await scanOrphans(driver, 'neo4j');
            const ms = performance.now() - start;
            await run(driver, `MATCH (n:Orphan) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS`);
            if (scan.count !== ORPHANS) throw new Error(`bench: scan found ${scan.count}`);
            return ms;
          } },
        ],
      };
    },
  };
}

if (require.main === module) {
  void (async () => {
    const { main } = await import('./bench');
    await main([neo4jCase()], { extensionHost: false });
  })().catch((err: unknown) => {
    console.error(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
