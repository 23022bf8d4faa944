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
 * `redis-cli --rdb`, nine runs after a warm-up (a transfer of about a second varies by a tenth from run to run here); beside it, where the time goes:
 * the same backup with redis-check-rdb taken as not installed, the SHA-256 and
 * redis-check-rdb of the finished file alone, and both as a second pass.
 * Goal (issue 14): backups within 1.1× of the tool alone.
 * UPKEEP_BENCH_PG_ROWS sets the PostgreSQL row count (a quicker look: 300000);
 * UPKEEP_BENCH_BACKUP=redis (or postgres) runs one engine's part only.
 *
 * Run alone: `node out/scripts/benchBackup.js` (after `node scripts/build.mjs --tests`).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'pg';
import { runBackup, verifyBackup } from '../src/core/backup/catalog';
import type { BackupContext, BackupManifest, BackupSupport } from '../src/core/backup/model';
import { postgresBackup } from '../src/core/postgres/backup/index';
import { resolveTool } from '../src/core/postgres/backup/tools';
import { redisBackup } from '../src/core/redis/backup';
import { openRedis } from '../src/core/redis/connection';
import type { ConnectionProfile } from '../src/core/connections/profile';
import { silentLogger } from '../src/core/log';
import { startRedis } from '../test/services/redis';
import { loadRedisFixture } from '../test/services/redisFixture';
import type * as Bench from './bench';
import type { BenchCase, BenchEnv, Timed } from './bench';

const ROWS = Number(process.env['UPKEEP_BENCH_PG_ROWS'] ?? 8_000_000);
const KEYS = 1_000_000;
const DB = 'bench_backup';
const ONLY = process.env['UPKEEP_BENCH_BACKUP'];
const WITH_PG = ONLY === undefined || ONLY === 'postgres';
const WITH_REDIS = ONLY === undefined || ONLY === 'redis';

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file, { highWaterMark: 1024 * 1024 }).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

function runTool(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, _out, stderr) => (err ? reject(new Error(`${path.basename(file)} failed: ${String(stderr).trim() || err.message}`)) : resolve()));
  });
}

export function backupCase(helpers: { pgClient(env: BenchEnv, database: string): Promise<Client>; profileFor(env: BenchEnv, database: string): ConnectionProfile }): BenchCase {
  const parts = [WITH_PG ? `PostgreSQL ${ROWS.toLocaleString('en-US')} rows (about ${Math.round(ROWS / 8_000_000 * 1024).toLocaleString('en-US')} MB)` : '', WITH_REDIS ? `Redis ${KEYS.toLocaleString('en-US')} keys` : ''].filter(Boolean);
  return {
    title: `backups: ${parts.join(', ')}`,
    // The Redis rows take seconds each and the machine is shared: each round runs the reference and the measurements back to back.
    interleaved: true,
    async setup(env) {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-backup-'));
      const out = path.join(root, 'out');
      fs.mkdirSync(out);
      const clean = (): void => {
        for (const f of fs.readdirSync(out)) fs.rmSync(path.join(out, f), { recursive: true, force: true });
      };
      const kept = path.join(root, 'kept');
      const timed: Timed[] = [];
      const disposers: (() => Promise<void>)[] = [() => fs.promises.rm(root, { recursive: true, force: true })];

      if (WITH_PG) {
        const admin = await helpers.pgClient(env, 'postgres');
        await admin.query(`CREATE DATABASE ${DB}`).finally(() => admin.end());
        disposers.unshift(async () => {
          const drop = await helpers.pgClient(env, 'postgres');
          await drop.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).finally(() => drop.end());
        });
        const c = await helpers.pgClient(env, DB);
        disposers.unshift(() => c.end());
        const t0 = Date.now();
        await c.query(`CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS a, md5((g * 3)::text) AS b, now() - g * interval '1 second' AS at FROM generate_series(1, ${ROWS}) g`);
        await c.query('ALTER TABLE orders ADD PRIMARY KEY (id); ANALYZE orders');
        // Small tables beside it: the ones Verify checksums.
        await c.query(`CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 20000) g; ALTER TABLE customers ADD PRIMARY KEY (id)`);
        const size = Number((await c.query<{ s: string }>('SELECT pg_database_size(current_database()) AS s')).rows[0]?.s ?? 0);
        console.log(`  PostgreSQL database ${DB}: ${(size / 1024 / 1024).toFixed(0)} MB (${ROWS.toLocaleString('en-US')} rows) made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        const pgProfile = { ...helpers.profileFor(env, DB), readOnly: false };
        const pgCtx: BackupContext = { profile: pgProfile, password: env.pg.password, log: silentLogger, tools: {} };
        const pgDump = await resolveTool('pg_dump', env.pg.versionNum ?? 150_000, {});
        const pgEnv = { ...process.env, PGHOST: env.pg.host, PGPORT: String(env.pg.port), PGUSER: env.pg.user, PGDATABASE: DB, PGPASSWORD: env.pg.password, PGSSLMODE: 'disable' };
        console.log(`  pg_dump ${pgDump.version.text}`);
        // The last timed Upkeep backup is the one Verify restores (a backup of 1 GB in setup would cost as much as a timed one).
        let pgKept: { path: string; manifest: BackupManifest } | undefined;
        timed.push(
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
            await verified(pgKept.manifest, pgKept.path, pgCtx, postgresBackup);
            return Date.now() - t0;
          } },
        );
      }

      if (WITH_REDIS) {
        const redis = await startRedis(root);
        disposers.unshift(() => redis.service.stop());
        const redisProfile: ConnectionProfile = { id: 'bench-redis', engine: 'redis', name: 'bench redis', host: redis.info.host, port: redis.info.port, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 10_000 };
        const rc = await openRedis(redisProfile, redis.info.password);
        disposers.unshift(() => Promise.resolve(rc.disconnect()));
        // Redis waits 5 s for more replicas before a diskless transfer by default: the same wait for both sides, so left out of both.
        await rc.config('SET', 'repl-diskless-sync-delay', '0');
        await loadRedisFixture(rc, { db: 0, keys: KEYS, big: false, hostile: false });
        console.log(`  Redis: ${await rc.dbsize()} keys`);
        const redisCtx: BackupContext = { profile: redisProfile, password: redis.info.password, log: silentLogger, tools: {} };
        // The same method on a machine without redis-check-rdb: what the check costs.
        const uncheckedCtx: BackupContext = { ...redisCtx, tools: { absentTools: ['redis-check-rdb'] } };
        const redisEnv = { ...process.env, REDISCLI_AUTH: redis.info.password };
        const redisKept = await runBackup(redisBackup, kept, { format: 'redis-rdb' }, undefined, redisCtx);
        console.log(`  RDB ${(redisKept.manifest.sizeBytes / 1024 / 1024).toFixed(1)} MB`);
        const checkAlone = (): Promise<void> => runTool('/usr/bin/redis-check-rdb', [redisKept.path], process.env);
        timed.push(
          { name: 'redis-cli --rdb, run directly', role: 'reference', label: 'redis-cli', inSummary: true, runs: 9, run: async () => {
            await runTool('/usr/bin/redis-cli', ['-h', redis.info.host, '-p', String(redis.info.port), '--rdb', path.join(out, 'direct.rdb')], redisEnv);
            clean();
          } },
          { name: 'Upkeep Redis backup (sample, SHA-256 and redis-check-rdb while it arrives, manifest)', role: 'measure', label: 'redis backup', inSummary: true, runs: 9, run: async () => {
            await runBackup(redisBackup, out, { format: 'redis-rdb' }, undefined, redisCtx);
            clean();
          } },
          { name: 'the same without redis-check-rdb (taken as not installed)', role: 'measure', label: 'redis backup without the check', inSummary: true, runs: 9, run: async () => {
            await runBackup(redisBackup, out, { format: 'redis-rdb' }, undefined, uncheckedCtx);
            clean();
          } },
          { name: 'step: SHA-256 of the finished RDB alone (Node, page cache)', role: 'measure', label: 'sha256', run: () => sha256File(redisKept.path).then(() => undefined) },
          { name: 'step: redis-check-rdb of the finished RDB alone', role: 'measure', label: 'redis-check-rdb', run: checkAlone },
          { name: 'step: redis-cli --rdb, then SHA-256 and redis-check-rdb side by side (a second pass)', role: 'measure', label: 'second pass', run: async () => {
            const f = path.join(out, 'second.rdb');
            await runTool('/usr/bin/redis-cli', ['-h', redis.info.host, '-p', String(redis.info.port), '--rdb', f], redisEnv);
            await Promise.all([sha256File(f), runTool('/usr/bin/redis-check-rdb', [f], process.env)]);
            clean();
          } },
          { name: 'Upkeep Redis verify (scratch server, compare)', role: 'measure', label: 'redis verify', inSummary: true, run: () => verified(redisKept.manifest, redisKept.path, redisCtx, redisBackup) },
        );
      }
      return {
        dispose: async () => {
          for (const d of disposers) await d().catch(() => undefined);
        },
        timed,
      };
    },
  };
}

async function verified(manifest: BackupManifest, p: string, ctx: BackupContext, support: BackupSupport): Promise<void> {
  const v = await verifyBackup(support, p, manifest, ctx);
  if (v.status !== 'passed') throw new Error(`bench: verify did not pass: ${v.summary}`);
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- bench.ts imports this module; required here so running it alone has no import cycle at load
  const bench = require('./bench') as typeof Bench;
  bench.main([bench.CASES.find((x) => x.title.startsWith('backups'))!], { extensionHost: false }).catch((err: unknown) => {
    console.error(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
