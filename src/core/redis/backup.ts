/**
 * A Redis backup: an RDB snapshot through the replication protocol
 * (`redis-cli --rdb FILE`, the password in REDISCLI_AUTH, never argv),
 * checked with `redis-check-rdb` where it is installed (fed while the file
 * arrives, not in a second pass). Key counts and a
 * sample of values are read before and after the transfer for Verify
 * (backupSample.ts says how), which loads the file into a scratch
 * redis-server (backupVerify.ts).
 */
import type { BackupContext, BackupOptions, BackupSupport, BackupWritten } from '../backup/model';
import { commandLine, runChild } from '../backup/childProcess';
import { checkRdb, checkRdbStream, redisCliArgs, redisCliEnv, redisCliFailure, redisTool, type RdbCheck } from './backupTools';
import { followFile } from '../backup/follow';
import { Cancelled, UserFacingError } from '../errors';
import type { openRedis } from './connection';
import { digestKeys, keyspace, randomKeys, stableSample, type RedisSnapshotDetail, type SampledKey } from './backupSample';
import { verifyRdb } from './backupVerify';

/** Keys sampled per database. */
export const SAMPLE_PER_DB = 100;


async function sampleDigests(client: Awaited<ReturnType<typeof openRedis>>, byDb: Map<number, Buffer[]>): Promise<Map<string, { type: string; digest: string; pttl: number } | undefined>> {
  const out = new Map<string, { type: string; digest: string; pttl: number } | undefined>();
  for (const [db, keys] of byDb) {
    await client.select(db);
    const digests = await digestKeys(client, keys);
    keys.forEach((k, i) => out.set(`${db}:${k.toString('base64')}`, digests[i]));
  }
  return out;
}

/**
 * redis-cli --rdb FILE, with everything else alongside the transfer rather
 * than after it: the file is followed as redis-cli writes it (follow.ts) and
 * each byte goes once to the SHA-256 and to redis-check-rdb through a pipe
 * (the checker at the lowest CPU priority: on a two-core machine it would
 * otherwise slow the server's snapshot and redis-cli, and finish later anyway);
 * the second reading of the counts and the sample starts as soon as the first
 * bytes arrive (the server has forked its snapshot by then). The first
 * reading comes before the transfer starts, so the snapshot lies between them.
 */
export async function writeRdb(file: string, _options: BackupOptions, ctx: BackupContext): Promise<BackupWritten> {
  if (ctx.signal?.aborted) throw new Cancelled();
  const [cli, checker] = await Promise.all([redisTool('redis-cli', ctx.tools), redisTool('redis-check-rdb', ctx.tools)]);
  // The server's own container, when it should be used (containerRdb.ts says when): BGSAVE and a copy of its RDB.
  const fromContainer = ctx.profile.container && ctx.container ? await (await import('./containerRdb')).containerRoute(ctx, cli !== undefined) : undefined;
  if (!cli && !fromContainer) throw new UserFacingError('redis-cli was not found (upkeep.backup.redisBinDir, /usr/bin, PATH): install it (apt-get install redis-tools) to back up Redis.');
  ctx.onProgress?.({ phase: 'reading key counts and a sample of values' });
  // import(): connection.ts is a chunk of its own.
  const { openRedis: open, parseRedisInfo } = await import('./connection');
  const client = await open(ctx.profile, ctx.password, 'upkeep-backup');
  const versionRun = cli && !fromContainer ? runChild(cli, ['--version'], { env: redisCliEnv(undefined) }) : undefined;
  versionRun?.catch(() => undefined);
  // The checker waits on its pipe: made while the sample is read, it is ready when the transfer starts.
  const checkReady = cli && !fromContainer && checker ? checkRdbStream(checker, ctx.signal) : undefined;
  checkReady?.catch(() => undefined);
  let checkTaken = false;
  try {
    const server = parseRedisInfo(await client.info('server'));
    const before = await keyspace(client);
    const byDb = new Map<number, Buffer[]>();
    for (const db of Object.keys(before).map(Number)) byDb.set(db, await randomKeys(client, db, SAMPLE_PER_DB));
    const first = await sampleDigests(client, byDb);

    const args = [...redisCliArgs(ctx), '--rdb', file];
    let commandText = `REDISCLI_AUTH=… ${commandLine(cli ?? 'redis-cli', args)}`;
    const notes: string[] = [];
    const readAgain = async (): Promise<{ after: Awaited<ReturnType<typeof keyspace>>; second: Awaited<ReturnType<typeof sampleDigests>> }> => ({ after: await keyspace(client), second: await sampleDigests(client, byDb) });
    let again: Promise<Awaited<ReturnType<typeof readAgain>>>;
    let hashed: { sha256: string; bytes: number } | undefined;
    let checked: RdbCheck | undefined;
    if (fromContainer || !cli) {
      if (!fromContainer) throw new UserFacingError('redis-cli was not found: install it (apt-get install redis-tools) to back up Redis.');
      // BGSAVE in the container and a copy of its file: the second reading and the check come after the copy.
      const copied = await fromContainer.copy(client, file);
      commandText = copied.commandText;
      notes.push(...copied.notes);
      again = readAgain();
      if (checker) {
        ctx.onProgress?.({ phase: 'checking the RDB with redis-check-rdb' });
        checked = await checkRdb(checker, file, ctx.signal);
      }
    } else {
      ctx.onProgress?.({ phase: 'transferring the snapshot' });
      checkTaken = true;
      const check = checkReady ? await checkReady : undefined;
      // redis-cli cuts the 40-byte end marker of a diskless transfer off the file when it finishes.
      const following = followFile(file, { holdBack: 64, ...(check ? { sink: (chunk) => check.write(chunk) } : {}) });
      again = following.firstBytes.then(readAgain);
      again.catch(() => undefined);
      try {
        const run = await runChild(cli, args, { env: redisCliEnv(ctx.password), ...(ctx.signal ? { signal: ctx.signal } : {}) });
        const out = `${run.stdout}\n${run.stderr}`;
        if (run.code !== 0 || !/Transfer finished with success/.test(out)) throw new UserFacingError(`redis-cli --rdb failed (exit ${run.code ?? run.signal}): ${redisCliFailure(out)}`);
        hashed = await following.finish();
        checked = check ? await check.end() : checker ? await checkRdb(checker, file, ctx.signal) : undefined;
      } catch (err) {
        await following.stop();
        await check?.end().catch(() => undefined);
        throw err;
      }
    }
    if (checked && !checked.ok) throw new UserFacingError(`The snapshot does not check: redis-check-rdb says ${checked.message}`);
    const { after, second } = await again;
    const now = Date.now();
    const sampled: SampledKey[] = [];
    for (const [id, d] of first) {
      if (!d) continue;
      const [db, key] = [Number(id.slice(0, id.indexOf(':'))), id.slice(id.indexOf(':') + 1)];
      sampled.push({ db, key, type: d.type, digest: d.digest, ...(d.pttl > 0 ? { expiresAt: now + d.pttl } : {}) });
    }
    const { stable, changed } = stableSample(sampled, new Map([...second].map(([k, v]) => [k, v?.digest])));
    const keys = Object.values(after).reduce((a, c) => a + c.keys, 0);
    const detail: RedisSnapshotDetail = { before, after, sample: stable, changedDuringBackup: changed, checked: checked?.message ?? 'not installed' };
    const version = fromContainer || !versionRun ? server['redis_version'] ?? '?' : /redis-cli (\S+)/.exec((await versionRun).stdout)?.[1] ?? '?';
    if (!checker) notes.push('redis-check-rdb is not installed: the file was not checked (apt-get install redis-tools).');
    return {
      serverVersion: server['redis_version'] ?? '?',
      tool: fromContainer ? `BGSAVE in ${fromContainer.describe}` : cli ?? 'redis-cli',
      toolVersion: version,
      commandText,
      snapshot: { counts: { keys, databases: Object.keys(after).length }, detail },
      notes,
      ...(hashed ? { hashed } : {}),
    };
  } finally {
    client.disconnect();
    // Failed before the transfer: the waiting checker is told there is nothing to read, and its folder removed.
    if (checkReady && !checkTaken) await (await checkReady.catch(() => undefined))?.end().catch(() => undefined);
  }
}

export const redisBackup: BackupSupport = {
  engine: 'redis',
  formats: [{ id: 'redis-rdb', label: 'RDB snapshot (redis-cli --rdb, through replication)', extension: '.rdb', shape: 'file' }],
  defaultFormat: 'redis-rdb',
  verifyWritesToServer: false,
  toolSettingKeys: ['redisBinDir', 'redisInContainer'],
  describe: () =>
    'An RDB snapshot of the whole server (every database, every key with its TTL), taken through the replication protocol as a replica would, so nothing is written on the server\'s disk. Not captured: configuration, ACL users, Lua scripts loaded with SCRIPT LOAD. Verify loads it into a scratch redis-server and compares the key count of each database and a random sample of values with the server at backup time.',
  write: (file, options, _database, ctx) => writeRdb(file, options, ctx),
  verify: verifyRdb,
};
