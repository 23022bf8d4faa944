/**
 * A PostgreSQL backup: pg_dump (custom or directory format) of one database,
 * run inside a snapshot Upkeep exports, so the inventory Verify compares with
 * (tables, exact row counts, objects) is read in the very snapshot the dump
 * writes. Progress: the catalog polls bytes written; objects come from
 * pg_dump's --verbose lines. Cancel kills pg_dump and terminates its backends.
 */
import type { BackupContext, BackupOptions, BackupWritten } from '../../backup/model';
import { commandLine, runChild, stderrTail } from '../../backup/childProcess';
import { Cancelled, isCancelled, UserFacingError } from '../../errors';
import { dumpArgs } from './args';
import { readInventory, scopeOf, type PgInventory } from './inventory';
import { inventoryCounts } from './inventoryCompare';
import { chooseDumpRoute } from './containerDump';
import { adminConnection, serverVersionNum, terminateBackends, toolEnv, uniqueAppName, verboseProgress, writePassFile } from './session';

export interface PgSnapshotDetail {
  inventory: PgInventory;
  /** Whether the inventory was read in the dump's own snapshot (false: just before it, on a server that could not export one). */
  sameSnapshot: boolean;
}

export async function writePgDump(file: string, options: BackupOptions, database: string, ctx: BackupContext): Promise<BackupWritten> {
  if (ctx.signal?.aborted) throw new Cancelled();
  const appName = uniqueAppName('backup');
  const admin = await adminConnection(ctx, appName);
  const auth = await writePassFile(ctx);
  const notes: string[] = [];
  try {
    ctx.onProgress?.({ phase: 'connecting' });
    const client = await admin.dedicatedClient(database, { lockTimeoutMs: 60_000, applicationName: appName });
    try {
      const version = await serverVersionNum(client);
      // The local pg_dump, or the one in the server's own container (containerDump.ts).
      const route = await chooseDumpRoute(ctx, version.num, options);
      const tool = route.tool;
      if (route.container) notes.push(`pg_dump ran in ${route.container.access.describe}: ${route.container.why}.`);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let snapshot: string | undefined;
      try {
        snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]?.s;
      } catch (err) {
        // A standby before PostgreSQL 10 cannot export one: the counts are then read just before the dump.
        await client.query('ROLLBACK');
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        notes.push(`Row counts were read just before the dump, not in its snapshot (${(err as Error).message}).`);
      }
      const args = dumpArgs(file, options, snapshot);
      const env = toolEnv(ctx, database, appName, auth);
      const inventory = readInventory(client, scopeOf(options, ctx.checksumMaxBytes));
      const stopBackends = async (): Promise<void> => {
        await terminateBackends(admin, database, appName);
      };
      const run = route.container
        ? route.container.run(file, args, { database, applicationName: appName, ctx, onAbort: stopBackends })
        : runChild(tool.path, args, { env, ...(ctx.signal ? { signal: ctx.signal } : {}), onStderrLine: verboseProgress('pg_dump', ctx), onAbort: stopBackends });
      inventory.catch(() => undefined);
      const dumped = await run.then((r) => r, (err: unknown) => err as Error);
      if (dumped instanceof Error || dumped.code !== 0) {
        // The counting session must not run on for a dump that is gone.
        await terminateBackends(admin, database, appName).catch(() => undefined);
        await inventory.catch(() => undefined);
        if (dumped instanceof Error) throw dumped;
        throw new UserFacingError(`pg_dump failed (exit ${dumped.code ?? dumped.signal}): ${toolErrors(dumped.stderr, 'pg_dump')}`);
      }
      const inv = { value: await inventory };
      await client.query('COMMIT');
      const detail: PgSnapshotDetail = { inventory: inv.value, sameSnapshot: snapshot !== undefined };
      return {
        serverVersion: version.text,
        tool: tool.path,
        toolVersion: tool.version.text,
        commandText: route.container ? route.container.commandText(args, file) : commandLine(tool.path, args),
        snapshot: { counts: inventoryCounts(inv.value), detail },
        notes,
      };
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (err) {
    if (ctx.signal?.aborted && !isCancelled(err)) throw new Cancelled('Cancelled: pg_dump was stopped and its server sessions ended.');
    throw err;
  } finally {
    await auth.dispose();
    await admin.dispose();
  }
}

/**
 * A tool's error as one line: its `error:` lines and what the server said
 * ("Error message from server: …", libpq's "server closed the connection
 * unexpectedly"), without its --verbose chatter, libpq's boilerplate or the
 * statement it was running; else the last lines it wrote.
 */
export function toolErrors(stderr: string, tool: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const prefix = `${tool}: `;
  const telling = lines
    .filter((l) => (l.startsWith(prefix) ? /^\S+: (error|fatal):|Error message from server:/i.test(l) : /^(server closed the connection|FATAL:|ERROR:|could not)/i.test(l)))
    .map((l) => (l.startsWith(prefix) ? l.slice(prefix.length) : l).replace(/^(error|detail): /i, '').replace(/\s{2,}/g, ' '));
  if (telling.length) return [...new Set(telling)].slice(0, 3).join(' · ');
  const errors = lines.filter((l) => !l.startsWith(prefix) || /^\S+: (error|warning|fatal|detail|hint):/i.test(l));
  return stderrTail(errors.join('\n')) || stderrTail(stderr);
}
