/**
 * Bench case: the Redis memory analysis of a 10,000-key sample on a
 * 1,000,000-key database (a throwaway Redis, the test fixture), next to the
 * reference users have — redis-cli --memkeys — in the same run. --memkeys
 * always reads every key, so it runs on a 10,000-key database of the same
 * fixture (the same number of keys measured); Upkeep's full analysis of that
 * database is timed too. The slow log (threshold 10 ms) is read after
 * Upkeep's runs: issue 11 wants no command of Upkeep's over 10 ms on the server.
 * Goal (issue 11): the sample in < 2 s.
 *
 * Alone: `node out/scripts/benchRedisMemory.js` (after `node scripts/build.mjs --tests`).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { startRedis } from '../test/services/redis';
import { loadRedisFixture } from '../test/services/redisFixture';
import { buildMemoryReport } from '../src/core/redis/reports/memory';
import { DEFAULT_MEMORY_SETTINGS } from '../src/core/redis/reports/settings';
import type { BenchCase } from './bench';
import type * as BenchModule from './bench';

const KEYS = 1_000_000;
const SAMPLE = 10_000;
const BIG_DB = 0;
const SMALL_DB = 1;

function redisCli(port: number, password: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // The password in REDISCLI_AUTH, never in the process's arguments.
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { env: { ...process.env, REDISCLI_AUTH: password }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench: wrong result: ${what}`);
}

export function redisMemoryCase(): BenchCase {
  return {
    title: `Redis memory analysis: a ${SAMPLE.toLocaleString('en-US')}-key sample of ${KEYS.toLocaleString('en-US')} keys`,
    async setup() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-redis-'));
      const { info, service } = await startRedis(root);
      const admin = new IORedis({ host: info.host, port: info.port, password: info.password, lazyConnect: true });
      await admin.connect();
      await admin.client('SETNAME', 'upkeep-bench-admin');
      let smallTotal = 0;
      const client = new IORedis({ host: info.host, port: info.port, password: info.password, db: BIG_DB, lazyConnect: true, connectionName: 'upkeep-analysis' });
      const small = new IORedis({ host: info.host, port: info.port, password: info.password, db: SMALL_DB, lazyConnect: true, connectionName: 'upkeep-analysis' });
      try {
        const t0 = performance.now();
        const loaded = await loadRedisFixture(admin, { db: BIG_DB, keys: KEYS });
        smallTotal = (await loadRedisFixture(admin, { db: SMALL_DB, keys: SAMPLE, big: false })).total;
        console.log(`  (fixture: ${loaded.total.toLocaleString('en-US')} keys in db${BIG_DB}, ${SAMPLE.toLocaleString('en-US')} in db${SMALL_DB}, loaded in ${Math.round(performance.now() - t0)} ms)`);
        await Promise.all([client.connect(), small.connect()]);
        await admin.config('SET', 'slowlog-log-slower-than', '10000');
        await admin.call('SLOWLOG', 'RESET');
      } catch (err) {
        await service.stop();
        throw err;
      }
      const settings = { ...DEFAULT_MEMORY_SETTINGS, sampleSize: SAMPLE };
      const slowEntries: string[] = [];
      const slowCli: string[] = [];
      let upkeepCommands = 0;
      /**
       * The slow log is read and emptied after every run: Upkeep's entries
       * (its analysis connection) and, for comparison on the same loaded
       * machine, redis-cli's.
       */
      const noteSlowlog = async (into: string[]): Promise<void> => {
        const entries = (await admin.call('SLOWLOG', 'GET', '128')) as [number, number, number, string[], string, string][];
        for (const e of entries) if (e[5] !== 'upkeep-bench-admin') into.push(`${(e[2] / 1000).toFixed(1)} ms ${e[3].join(' ').slice(0, 60)}`);
        await admin.call('SLOWLOG', 'RESET');
      };
      const analyse = (on: IORedis, db: number, full: boolean, expected: string) => async (): Promise<number> => {
        const t0 = performance.now();
        const r = await buildMemoryReport({ client: on, db, connectionName: 'bench', settings, full });
        const elapsed = performance.now() - t0;
        const analysed = r.sections.find((s) => s.id === 'summary')?.rows.find((row) => row['_key'] === 'sampled')?.['value'];
        check(analysed === expected, `analysed ${String(analysed)}, expected ${expected}`);
        // SCAN calls, and four commands per key (TYPE, MEMORY USAGE, PTTL, a length).
        upkeepCommands += Number(String(analysed).replace(/[^\d]/g, '')) * 4;
        await noteSlowlog(slowEntries);
        return elapsed;
      };
      const memkeys = async (): Promise<void> => {
        const out = await redisCli(info.port, info.password, ['-n', String(SMALL_DB), '--memkeys']);
        check(out.includes(`Sampled ${smallTotal} keys`), 'memkeys read the whole small database');
        await noteSlowlog(slowCli);
      };
      return {
        dispose: async () => {
          console.log(`  slow log (> 10 ms) during Upkeep's runs (about ${upkeepCommands.toLocaleString('en-US')} commands): ${slowEntries.length}${slowEntries.length ? ` — ${slowEntries.slice(0, 5).join('; ')}` : ''}`);
          console.log(`  slow log (> 10 ms) during redis-cli --memkeys's runs, for comparison: ${slowCli.length}${slowCli.length ? ` — ${slowCli.slice(0, 5).join('; ')}` : ''}`);
          admin.disconnect();
          client.disconnect();
          small.disconnect();
          await service.stop();
          fs.rmSync(root, { recursive: true, force: true });
        },
        timed: [
          { name: `redis-cli --memkeys, ${SAMPLE.toLocaleString('en-US')}-key db (spawn→exit)`, role: 'reference', label: 'memkeys', inSummary: true, run: memkeys },
          { name: `sample of ${SAMPLE.toLocaleString('en-US')} on ${KEYS.toLocaleString('en-US')} keys`, role: 'measure', label: 'sample', inSummary: true, run: analyse(client, BIG_DB, false, `${SAMPLE.toLocaleString('en-US')} (sample)`) },
          { name: `every key of the ${SAMPLE.toLocaleString('en-US')}-key db`, role: 'measure', label: 'all of 10,000', inSummary: true, run: analyse(small, SMALL_DB, true, `${smallTotal.toLocaleString('en-US')} (all)`) },
        ],
      };
    },
  };
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, not at the top: bench.ts lists this case
  const bench = require('./bench') as typeof BenchModule;
  bench.main([redisMemoryCase()]).catch((err: unknown) => {
    console.error(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
