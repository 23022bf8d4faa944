/**
 * Verify of a Redis RDB: its SHA-256, redis-check-rdb, then a scratch
 * redis-server on a free local port (its own temporary folder holding the
 * file as dump.rdb, `save ""`, a random password in a 0600 config file)
 * loads it; key counts per database and the sampled values are compared with
 * what the manifest recorded at backup time. The scratch server is always
 * killed and its folder deleted, also on failure and cancel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type IORedis from 'ioredis';
import type { BackupManifest, VerifyContext, VerifyResult } from '../backup/model';
import { checkHashes } from '../backup/files';
import { childEnv } from '../backup/childProcess';
import { freeLocalPort } from '../backup/freePort';
import { Cancelled } from '../errors';
import { checkRdb, redisTool } from './backupTools';
import { countFits, digestKeys, keyspace, keyText, type RedisSnapshotDetail } from './backupSample';

interface Scratch {
  child: ChildProcess;
  port: number;
  password: string;
  dir: string;
  output: () => string;
}

async function startScratch(server: string, file: string, databases: number, dir: string): Promise<Scratch> {
  // A hard link costs nothing; a copy when the folder is on another file system.
  await fs.link(file, path.join(dir, 'dump.rdb')).catch(() => fs.copyFile(file, path.join(dir, 'dump.rdb')));
  const port = await freeLocalPort();
  const password = randomBytes(16).toString('hex');
  const conf = path.join(dir, 'redis.conf');
  const lines = [`port ${port}`, 'bind 127.0.0.1', `dir "${dir.replace(/["\\]/g, '\\$&')}"`, 'dbfilename dump.rdb', 'save ""', 'appendonly no', `requirepass ${password}`, 'protected-mode yes', 'daemonize no', `databases ${databases}`, 'logfile ""'];
  await fs.writeFile(conf, `${lines.join('\n')}\n`, { mode: 0o600 });
  const child = spawn(server, [conf], { shell: false, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(process.env, () => false, {}) });
  // If Upkeep's own process ends meanwhile (a crash, a watchdog), the scratch server goes with it.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let out = '';
  child.stdout?.on('data', (b: Buffer) => void (out = (out + b.toString()).slice(-16_384)));
  child.stderr?.on('data', (b: Buffer) => void (out = (out + b.toString()).slice(-16_384)));
  return { child, port, password, dir, output: () => out };
}

async function stopScratch(s: Scratch): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) {
    const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
    s.child.kill('SIGKILL');
    await exited;
  }
}

export async function verifyRdb(file: string, manifest: BackupManifest, ctx: VerifyContext): Promise<VerifyResult> {
  const started = Date.now();
  const result = (status: VerifyResult['status'], summary: string, differences: string[] = []): VerifyResult => ({
    status, at: new Date().toISOString(), durationMs: Date.now() - started, summary, differences, restoredInto: 'a scratch redis-server on 127.0.0.1',
  });
  ctx.onProgress?.({ phase: 'checking the SHA-256' });
  const changed = await checkHashes(file, manifest.shape, manifest.sha256);
  if (changed.length) return result('failed', 'The backup changed since it was written: SHA-256 differs from the manifest.', [`${path.basename(file)}: SHA-256 differs from the manifest`]);
  const detail = manifest.snapshot as RedisSnapshotDetail | undefined;
  if (!detail?.before) return result('not-verifiable', 'The manifest holds no key counts to compare with (a backup from outside Upkeep).');
  let expiredSince = 0;
  const checker = await redisTool('redis-check-rdb', ctx.tools);
  if (checker) {
    ctx.onProgress?.({ phase: 'redis-check-rdb' });
    const c = await checkRdb(checker, file, ctx.signal);
    if (!c.ok) return result('failed', `redis-check-rdb: ${c.message}`, [`redis-check-rdb: ${c.message}`]);
    expiredSince = c.alreadyExpired;
  }
  const server = await redisTool('redis-server', ctx.tools);
  if (!server) return result('not-verifiable', 'No redis-server on this machine to load the snapshot into (apt-get install redis-server, or set upkeep.backup.redisBinDir).');

  const dbs = [...new Set([...Object.keys(detail.before), ...Object.keys(detail.after)].map(Number))];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'upkeep-verify-redis-'));
  let scratch: Scratch | undefined;
  let client: IORedis | undefined;
  const onAbort = (): void => void (scratch && stopScratch(scratch));
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    ctx.onProgress?.({ phase: 'loading the snapshot into a scratch redis-server' });
    scratch = await startScratch(server, file, Math.max(16, ...dbs.map((d) => d + 1)), dir);
    const { openRedis } = await import('./connection');
    const profile = { ...ctx.profile, host: '127.0.0.1', port: scratch.port, user: undefined, tls: 'disable' as const, database: '0', connectTimeoutMs: 2_000 };
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (ctx.signal?.aborted) throw new Cancelled();
      if (scratch.child.exitCode !== null || scratch.child.signalCode !== null) {
        const out = scratch.output();
        const reason = /Can't handle RDB format version \d+|Short read|Wrong RDB checksum[^\n]*|Bad file format[^\n]*/.exec(out)?.[0];
        if (reason && /format version/.test(reason)) return result('not-verifiable', `The local redis-server cannot read this snapshot (${reason}): install a redis-server at least as new as the source.`);
        return result('failed', `The scratch redis-server could not load the snapshot: ${reason ?? out.split('\n').filter(Boolean).slice(-2).join(' · ')}`, [`load: ${reason ?? 'the server exited'}`]);
      }
      try {
        client = await openRedis(profile, scratch.password, 'upkeep-verify');
        const loading = /loading:(\d)/.exec(await client.info('persistence'))?.[1];
        if (loading === '0') break;
        client.disconnect();
        client = undefined;
      } catch {
        client = undefined;
      }
      if (Date.now() > deadline) return result('failed', 'The scratch redis-server did not finish loading within 2 minutes.');
      await new Promise((r) => setTimeout(r, 50));
    }
    await ctx.afterRestore?.(`127.0.0.1:${scratch.port}`);
    ctx.onProgress?.({ phase: 'comparing key counts and sampled values' });
    const restored = await keyspace(client);
    const differences: string[] = [];
    const fmt = (n: number): string => n.toLocaleString('en-US');
    let total = 0;
    for (const db of dbs) {
      const b = detail.before[db]?.keys ?? 0;
      const a = detail.after[db]?.keys ?? 0;
      const r = restored[db]?.keys ?? 0;
      total += r;
      if (!countFits(r, b, a, expiredSince)) differences.push(`database ${db}: ${b === a ? fmt(b) : `${fmt(b)}–${fmt(a)}`} keys at backup, ${fmt(r)} restored`);
    }
    for (const db of Object.keys(restored).map(Number)) if (!dbs.includes(db)) differences.push(`database ${db}: no keys at backup, ${fmt(restored[db]?.keys ?? 0)} restored`);
    let compared = 0;
    let expired = 0;
    const now = Date.now();
    for (const db of dbs) {
      const sample = detail.sample.filter((s) => s.db === db);
      if (!sample.length) continue;
      await client.select(db);
      const digests = await digestKeys(client, sample.map((s) => Buffer.from(s.key, 'base64')));
      sample.forEach((s, i) => {
        const d = digests[i];
        if (!d && s.expiresAt !== undefined && s.expiresAt <= now) {
          expired++;
          return;
        }
        compared++;
        if (!d) differences.push(`database ${db}: key ${keyText(s.key)} (${s.type}) is missing after the restore`);
        else if (d.digest !== s.digest) differences.push(`database ${db}: key ${keyText(s.key)} (${s.type}) differs from the server at backup time`);
      });
    }
    const notes = [detail.changedDuringBackup ? `${detail.changedDuringBackup} sampled keys changed during the backup and were not compared` : '', expired ? `${expired} sampled keys have expired since` : '', expiredSince ? `${expiredSince} keys had expired by the check` : ''].filter(Boolean);
    const tail = notes.length ? ` (${notes.join('; ')})` : '';
    if (differences.length) return result('failed', `${differences.length} difference${differences.length === 1 ? '' : 's'}: ${differences.slice(0, 3).join('; ')}${differences.length > 3 ? '; …' : ''}${tail}`, differences);
    return result('passed', `Loaded into a scratch redis-server: ${fmt(total)} keys in ${dbs.length} database${dbs.length === 1 ? '' : 's'} as at backup time, ${compared} sampled values equal${tail}.`);
  } catch (err) {
    if (ctx.signal?.aborted) throw new Cancelled('Verify cancelled: the scratch redis-server was stopped and its folder deleted.');
    throw err;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
    client?.disconnect();
    if (scratch) await stopScratch(scratch);
    await fs.rm(dir, { recursive: true, force: true });
  }
}
