/**
 * Bench case: the Redis tree on a database of 1,000,000 keys (the test
 * fixture, big keys included) on a throwaway redis-server. Measures the core
 * functions the tree's nodes call — the first page of a database, of a
 * namespace, of a sparse filter, a key's first value page, the server facts —
 * against a bare SCAN page (ioredis) and a redis-cli process in the same run.
 * Goal (issue 11): the first page < 50 ms, and no command over 10 ms on the
 * server: SLOWLOG with a 10 ms threshold is printed after the tree's work and
 * must be empty. Run alone: `node out/scripts/benchRedis.js`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type IORedis from 'ioredis';
import type { ConnectionProfile } from '../src/core/connections/profile';
import { openRedis, parseRedisInfo } from '../src/core/redis/connection';
import { KeyScan, keyFacts, NamespaceLevel, type KeyFilter } from '../src/core/redis/keyspace';
import { serverFacts } from '../src/core/redis/serverFacts';
import { ValueReader } from '../src/core/redis/values';
import { startRedis } from '../test/services/redis';
import { loadRedisFixture } from '../test/services/redisFixture';
import type { ServicesInfo } from '../test/services/types';
import type * as Bench from './bench';
import type { BenchCase, BenchRow, Timed } from './bench';

const KEYS = 1_000_000;
/** The tree's defaults (package.json): SCAN COUNT, keys per page, SCAN calls per page, MEMORY USAGE SAMPLES, value page. */
const TREE = { count: 1000, pageSize: 500, maxCalls: 100, samples: 5, valuePage: 500 };

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench: wrong result: ${what}`);
}

/** What the tree does when a level opens: one page of SCAN, grouped, and the facts of the keys shown at that level. */
export async function treeFirstPage(client: IORedis, prefix?: string, filter?: KeyFilter): Promise<{ keys: number; namespaces: number; shown: number }> {
  const p = prefix ? Buffer.from(prefix) : Buffer.alloc(0);
  const scan = new KeyScan(client, { prefix: p, filter, count: TREE.count, pageSize: TREE.pageSize, maxCalls: TREE.maxCalls });
  const level = new NamespaceLevel(p, Buffer.from(':'));
  const keys = await scan.nextPage();
  level.add(keys);
  const facts = await keyFacts(client, level.keys, TREE.samples);
  return { keys: keys.length, namespaces: level.namespaces().length, shown: facts.length };
}

function redisCli(info: ServicesInfo['redis'], args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // The password goes in REDISCLI_AUTH, never in argv.
    execFile('redis-cli', ['-h', info.host, '-p', String(info.port), ...args], { env: { ...process.env, REDISCLI_AUTH: info.password }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

export function redisTreeCase(): BenchCase {
  return {
    title: `Redis tree on ${KEYS.toLocaleString('en-US')} keys`,
    async setup() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-redis-'));
      const { info, service } = await startRedis(root);
      const profile: ConnectionProfile = { id: 'bench-redis', engine: 'redis', name: 'bench', host: info.host, port: info.port, tls: 'disable', readOnly: true, production: false, connectTimeoutMs: 10_000 };
      const admin = await openRedis(profile, info.password, 'bench-admin');
      const client = await openRedis(profile, info.password, 'upkeep-tree');
      const t0 = performance.now();
      const fixture = await loadRedisFixture(admin, { db: 0, keys: KEYS, big: true });
      console.log(`  fixture: ${fixture.total.toLocaleString('en-US')} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      await admin.call('SLOWLOG', 'RESET');
      await admin.call('CONFIG', 'RESETSTAT');
      const timed: Timed[] = [
        {
          name: 'bare SCAN 0 COUNT 1000 (open ioredis client)', role: 'reference', label: 'SCAN', inSummary: true,
          run: async () => check(((await client.call('SCAN', '0', 'COUNT', '1000')) as [string, string[]])[1].length > 500, 'SCAN page'),
        },
        {
          name: 'redis-cli process, SCAN 0 COUNT 1000 (spawn→exit)', role: 'reference', label: 'redis-cli', inSummary: true,
          run: async () => check((await redisCli(info, ['--no-auth-warning', 'SCAN', '0', 'COUNT', '1000'])).split('\n').length > 500, 'redis-cli page'),
        },
        {
          name: 'tree: first page of db0 (SCAN + namespaces + key facts)', role: 'measure', label: 'db first page', inSummary: true,
          run: async () => check((await treeFirstPage(client)).namespaces >= 5, 'db page namespaces'),
        },
        {
          name: 'tree: first page of namespace user: (MATCH + facts of 500+ keys)', role: 'measure', label: 'namespace first page', inSummary: true,
          run: async () => check((await treeFirstPage(client, 'user:')).shown >= TREE.pageSize, 'namespace page keys'),
        },
        {
          name: 'tree: sparse filter events:99* (≤ 100 SCAN calls)', role: 'measure', label: 'sparse filter page',
          run: async () => void (await treeFirstPage(client, undefined, { pattern: 'events:99*' })),
        },
        {
          name: 'tree: type filter stream (SCAN … TYPE stream)', role: 'measure', label: 'type filter page',
          run: async () => void (await treeFirstPage(client, undefined, { type: 'stream' })),
        },
        {
          name: 'value: first page of big:hash (HSCAN 500)', role: 'measure', label: 'hash page',
          run: async () => {
            const page = await new ValueReader(client, Buffer.from('big:hash'), 'hash', { pageSize: TREE.valuePage, stringBytes: 65_536 }).next();
            check(page.type === 'hash' && page.entries.length >= 400, 'hash page');
          },
        },
        {
          name: 'value: first page of big:stream (XINFO + XRANGE 500)', role: 'measure', label: 'stream page',
          run: async () => {
            const page = await new ValueReader(client, Buffer.from('big:stream'), 'stream', { pageSize: TREE.valuePage, stringBytes: 65_536 }).next();
            check(page.type === 'stream' && page.entries.length === TREE.valuePage, 'stream page');
          },
        },
        {
          name: 'connection facts (one INFO)', role: 'measure', label: 'INFO',
          run: async () => check(serverFacts(parseRedisInfo(await client.info()), 90).databases[0]?.keys === fixture.total, 'INFO keyspace'),
        },
      ];
      return {
        timed,
        dispose: async () => {
          try {
            const slow = (await admin.call('SLOWLOG', 'GET', '128')) as [number, number, number, string[]][];
            const lines = slow.map(([, , micros, args]) => `    ${(micros / 1000).toFixed(1)} ms  ${args.map((a) => a.slice(0, 40)).join(' ')}`);
            console.log(`  SLOWLOG (slower than 10 ms) after the tree's work: ${slow.length ? `${slow.length} entries\n${lines.join('\n')}` : 'empty'}`);
            // Server time per command over the whole run (INFO commandstats): what the slow log's outliers are measured against.
            const stats = parseRedisInfo(String(await admin.info('commandstats')));
            const per = Object.entries(stats)
              .filter(([k]) => !/slowlog|config|info$/.test(k))
              .map(([k, v]) => `${k.replace('cmdstat_', '')} ${/usec_per_call=([\d.]+)/.exec(v)?.[1] ?? '?'} µs × ${/calls=(\d+)/.exec(v)?.[1] ?? '?'}`);
            console.log(`  server time per call (commandstats, µs × calls): ${per.join(', ')}`);
            const load = os.loadavg()[0] ?? 0;
            console.log(`  load average ${load.toFixed(1)} on ${os.cpus().length} CPUs while measuring`);
            const ours = slow.filter(([, , , args]) => !/^(SLOWLOG|CONFIG)$/i.test(args[0] ?? ''));
            if (ours.length) console.log('  bench: SLOWLOG is not empty: some command took over 10 ms on the server (see above)');
          } finally {
            admin.disconnect();
            client.disconnect();
            await service.stop();
            fs.rmSync(root, { recursive: true, force: true });
          }
        },
      };
    },
  };
}

/** Just this case: `node out/scripts/benchRedis.js`. */
async function main(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- required here, not at load: bench.ts lists this case in its CASES
  const bench = require('./bench') as typeof Bench;
  const c = redisTreeCase();
  const { timed, dispose } = await c.setup({} as Parameters<BenchCase['setup']>[0]);
  try {
    const rows: BenchRow[] = await bench.timeAll(timed, Date.now() + 240_000);
    console.log(`\n${c.title}:\n${bench.formatTable(rows)}\n\n${bench.formatSummary(c.title, rows)}`);
  } finally {
    await dispose();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
