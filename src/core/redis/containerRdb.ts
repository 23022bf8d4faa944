/**
 * A Redis backup from the server's own container: BGSAVE, waited for through
 * INFO persistence until `rdb_last_bgsave_status` says how it went
 * (persistence.ts), then the file at CONFIG GET `dir`/`dbfilename` copied
 * out through the container engine's archive API. Used when the connection
 * was made from a container Upkeep knows and it runs, and redis-cli is
 * missing, or always with `upkeep.backup.redisInContainer: "prefer"`
 * ("never" turns it off). Unlike `redis-cli --rdb` it writes on the server:
 * the server's own dump file is replaced by this save, so a read-only
 * connection never takes this route.
 */
import * as path from 'node:path';
import type IORedis from 'ioredis';
import type { BackupContext } from '../backup/model';
import type { ContainerAccess } from '../backup/container';
import { toolSetting } from '../backup/model';
import { Cancelled, UserFacingError } from '../errors';
import { runBackground } from './persistence';

export type ContainerPreference = 'auto' | 'prefer' | 'never';

export function containerPreference(ctx: BackupContext): ContainerPreference {
  const v = toolSetting(ctx.tools, 'redisInContainer');
  return v === 'prefer' || v === 'never' ? v : 'auto';
}

/**
 * The container to copy the RDB from, when this backup should use it:
 * undefined means redis-cli --rdb. `haveCli`: whether redis-cli was found.
 */
export async function containerForRdb(ctx: BackupContext, haveCli: boolean): Promise<ContainerAccess | undefined> {
  const preference = containerPreference(ctx);
  if (preference === 'never' || !ctx.profile.container || !ctx.container || ctx.profile.readOnly) return undefined;
  if (preference === 'auto' && haveCli) return undefined;
  return ctx.container().catch(() => undefined);
}

/** Where the server writes its RDB: CONFIG GET dir and dbfilename. */
async function rdbPath(client: IORedis): Promise<string> {
  try {
    const [, dir] = (await client.config('GET', 'dir')) as string[];
    const [, file] = (await client.config('GET', 'dbfilename')) as string[];
    if (!dir || !file) throw new Error('empty answer');
    return path.posix.join(dir, file);
  } catch (err) {
    throw new UserFacingError(`The server does not say where it writes its snapshot (CONFIG GET dir / dbfilename: ${(err as Error).message}): set upkeep.backup.redisInContainer to "never" to back up through redis-cli --rdb instead.`);
  }
}

/** BGSAVE, then the RDB copied out of the container to `file`. Returns the command text and notes. */
export async function copyRdbFromContainer(client: IORedis, access: ContainerAccess, file: string, ctx: BackupContext): Promise<{ commandText: string; notes: string[] }> {
  const where = await rdbPath(client);
  const saved = await runBackground(client, 'bgsave', {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onProgress: (p) => ctx.onProgress?.({ phase: p.phase }),
  });
  if (saved.status === 'cancelled') throw new Cancelled(`Cancelled: ${saved.leftBehind ?? saved.summary ?? 'no save was started'}`);
  if (saved.status === 'failed') throw new UserFacingError(saved.failure ?? 'BGSAVE failed.');
  ctx.onProgress?.({ phase: `copying ${where} out of ${access.describe}` });
  await access.copyOut(where, file, ctx.signal);
  const notes = saved.notices.filter((n) => !/^Background saving started$/i.test(n));
  notes.push(`The snapshot was written by the server itself (BGSAVE, replacing its own ${where}) and copied out of ${access.describe} through the engine's archive API.`);
  return { commandText: `BGSAVE, then INFO persistence until rdb_last_bgsave_status\nGET /containers/{id}/archive?path=${where} → ${file} (${access.describe})`, notes };
}

/** The container route of a backup, or undefined for redis-cli --rdb (the entry point backup.ts imports at first use). */
export async function containerRoute(ctx: BackupContext, haveCli: boolean): Promise<{ describe: string; copy(client: IORedis, file: string): Promise<{ commandText: string; notes: string[] }> } | undefined> {
  const access = await containerForRdb(ctx, haveCli);
  return access ? { describe: access.describe, copy: (client, file) => copyRdbFromContainer(client, access, file, ctx) } : undefined;
}
