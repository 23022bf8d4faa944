/**
 * Bench case: Upkeep's backups next to the same tool run directly, in the
 * same run. PostgreSQL: a database of about 1 GB (8,000,000 rows of about
 * 110 bytes and their primary key, made with generate_series in setup and
 * dropped afterwards) backed up with pg_dump's custom format — Upkeep's
 * backup (pg_dump in an exported snapshot, exact row counts read in that
 * snapshot meanwhile, SHA-256, manifest, rename) against the same pg_dump
 * command alone, each twice without a warm-up (one dump takes tens of
 * seconds: the warm-up would double the case's time and the cache is warm
 * from the setup anyway); Verify (pg_restore into a throwaway database,
 * counts and definitions compared, drop) once beside it. Redis: an RDB of
 * 1,000,000 keys, Upkeep's backup (sample before and during, SHA-256 and
 * redis-check-rdb while the file arrives, manifest) against
 * `redis-cli --rdb`, five runs after a warm-up.
 * Goal (issue 14): backups within 1.1× of the tool alone.
 * UPKEEP_BENCH_PG_ROWS sets the PostgreSQL row count (a quicker look: 300000).
 *
 * Run alone: `node out/scripts/benchBackup.js` (after `node scripts/build.mjs --tests`).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import { runBackup, verifyBackup } from '../src/core/backup/catalog';
import type { BackupContext, BackupManifest } from '../src/core/backup/model';
import { postgresBackup } from '../src/core/postgres/backup/index';
import { resolveTool } from '../src/core/postgres/backup/tools';
import { redisBackup } from '../src/core/redis/backup';
import { openRedis } from '../src/core/redis/connection';
import type { ConnectionProfile } from '../src/core/connections/profile';
import { silentLogger } from '../src/core/log';
import { startRedis } from '../test/services/redis';
import { loadRedisFixture } from '../test/services/redisFixture';
import type * as Bench from './bench';
import type { BenchCase, BenchEnv } from './bench';

const ROWS = Number(process.env['UPKEEP_BENCH_PG_ROWS'] ?? 8_000_000);
const KEYS = 1_000_000;
const DB = 'bench_backup';

function runTool(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, _out, stderr) => (err ? reject(new Error(`${path.basename(file)} failed: ${String(stderr).trim() || err.message}`)) : resolve()));
  });
}

export function backupCase(helpers: { pgClient(env: BenchEnv, database: string): Promise<Client>; profileFor(env: BenchEnv, database: string): ConnectionProfile }): BenchCase {
  return {
    title: `backups: PostgreSQL ${ROWS.toLocaleString('en-US')} rows (about ${Math.round(ROWS / 8_000_000 * 1024).toLocaleString('en-US')} MB), Redis ${KEYS.toLocaleString('en-US')} keys`,
    async setup(env) {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-backup-'));
      const admin = await helpers.pgClient(env, 'postgres');
      await admin.query(`CREATE DATABASE ${DB}`).finally(() => admin.end());
      const c = await helpers.pgClient(env, DB);
      const t0 = Date.now();
      await c.query(`CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS a, md5((g * 3)::text) AS b, now() - g * interval '1 second' AS at FROM generate_series(1, ${ROWS}) g`);
      await c.query('ALTER TABLE orders ADD PRIMARY KEY (id); ANALYZE orders');
      // Small tables beside it: the ones Verify checksums.
      await c.query(`CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 20000) g; ALTER TABLE customers ADD PRIMARY KEY (id)`);
      const size = Number((await c.query<{ s: string }>('SELECT pg_database_size(current_database()) AS s')).rows[0]?.s ?? 0);
      console.log(`  PostgreSQL database ${DB}: ${(size / 1024 / 1024).toFixed(0)} MB (${ROWS.toLocaleString('en-US')} rows) made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

      const redis = await startRedis(root);
      const rc = await openRedis({ id: 'bench-redis', engine: 'redis', name: 'bench', host: redis.info.host, port: redis.info.port, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 10_000 }, redis.info.password);
      // Redis waits 5 s for more replicas before a diskless transfer by default: the same wait for both sides, so left out of both.
      await rc.config('SET', 'repl-diskless-sync-delay', '0');
      await loadRedisFixture(rc, { db: 0, keys: KEYS, big: false, hostile: false });
      console.log(`  Redis: ${await rc.dbsize()} keys`);

      const pgProfile = { ...helpers.profileFor(env, DB), readOnly: false };
      const redisProfile: ConnectionProfile = { id: 'bench-redis', engine: 'redis', name: 'bench redis', host: redis.info.host, port: redis.info.port, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 10_000 };
      const pgCtx: BackupContext = { profile: pgProfile, password: env.pg.password, log: silentLogger, tools: {} };
      const redisCtx: BackupContext = { profile: redisProfile, password: redis.info.password, log: silentLogger, tools: {} };
      const out = path.join(root, 'out');
      fs.mkdirSync(out);
      const clean = (): void => {
        for (const f of fs.readdirSync(out)) fs.rmSync(path.join(out, f), { recursive: true, force: true });
      };

      const pgDump = await resolveTool('pg_dump', env.pg.versionNum ?? 150_000, {});
      const pgEnv = { ...process.env, PGHOST: env.pg.host, PGPORT: String(env.pg.port), PGUSER: env.pg.user, PGDATABASE: DB, PGPASSWORD: env.pg.password, PGSSLMODE: 'disable' };
      const redisEnv = { ...process.env, REDISCLI_AUTH: redis.info.password };
      const kept = path.join(root, 'kept');
      // The last timed Upkeep backup is the one Verify restores (a backup of 1 GB in setup would cost as much as a timed one).
      let pgKept: { path: string; manifest: BackupManifest } | undefined;
      const redisKept = await runBackup(redisBackup, kept, { format: 'redis-rdb' }, undefined, redisCtx);
      const verified = async (manifest: BackupManifest, p: string, ctx: BackupContext, support = postgresBackup): Promise<void> => {
        const v = await verifyBackup(support, p, manifest, ctx);
        if (v.status !== 'passed') throw new Error(`bench: verify did not pass: ${v.summary}`);
      };
      console.log(`  pg_dump ${pgDump.version.text}; RDB ${(redisKept.manifest.sizeBytes / 1024 / 1024).toFixed(1)} MB`);
      return {
        dispose: async () => {
          rc.disconnect();
          await Promise.allSettled([c.end(), redis.service.stop()]);
          fs.rmSync(root, { recursive: true, force: true });
          const drop = await helpers.pgClient(env, 'postgres');
          await drop.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).finally(() => drop.end());
        },
        timed: [
          { name: 'pg_dump -Fc, run directly', role: 'reference', label: 'pg_dump', inSummary: true, runs: 2, warmUp: false, run: async () => {
            await runTool(pgDump.path, ['--format=custom', '--file', path.join(out, 'direct.dump'), '--verbose', '--no-password'], pgEnv);
            clean();
          } },
          { name: 'Upkeep PostgreSQL backup (snapshot, counts, checksums, SHA-256, manifest)', role: 'measure', label: 'pg backup', inSummary: true, runs: 2, warmUp: false, run: async () => {
            if (pgKept) for (const f of [pgKept.path, `${pgKept.path}.upkeep.json`]) fs.rmSync(f, { force: true });
            pgKept = await runBackup(postgresBackup, kept, { format: 'pg-custom' }, DB, pgCtx);
          } },
          { name: 'Upkeep PostgreSQL verify (restore, compare, drop)', role: 'measure', label: 'pg verify', inSummary: true, runs: 1, warmUp: false, run: async () => {
            if (!pgKept) throw new Error('bench: no PostgreSQL backup to verify');
            console.log(`  custom-format backup ${(pgKept.manifest.sizeBytes / 1024 / 1024).toFixed(1)} MB, ${JSON.stringify(pgKept.manifest.counts)}`);
            const t0 = Date.now();
            await verified(pgKept.manifest, pgKept.path, pgCtx);
            return Date.now() - t0;
          } },
          { name: 'redis-cli --rdb, run directly', role: 'reference', label: 'redis-cli', inSummary: true, run: async () => {
            await runTool('/usr/bin/redis-cli', ['-h', redis.info.host, '-p', String(redis.info.port), '--rdb', path.join(out, 'direct.rdb')], redisEnv);
            clean();
          } },
          { name: 'Upkeep Redis backup (sample, SHA-256 and redis-check-rdb while it arrives, manifest)', role: 'measure', label: 'redis backup', inSummary: true, run: async () => {
            await runBackup(redisBackup, out, { format: 'redis-rdb' }, undefined, redisCtx);
            clean();
          } },
          { name: 'Upkeep Redis verify (scratch server, compare)', role: 'measure', label: 'redis verify', inSummary: true, run: () => verified(redisKept.manifest, redisKept.path, redisCtx, redisBackup) },
        ],
      };
    },
  };
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- bench.ts imports this module; required here so running it alone has no import cycle at load
  const bench = require('./bench') as typeof Bench;
  bench.main([bench.CASES.find((x) => x.title.startsWith('backups'))!], { extensionHost: false }).catch((err: unknown) => {
    console.error(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
