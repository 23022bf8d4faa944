/**
 * Verify of a pg_dump: restores it into a throwaway `upkeep_verify_…`
 * database — on the source server, or on a server the user names
 * (`ctx.target`, with its own credentials through its own PGPASSFILE) — reads
 * the same inventory there (tables, rows, row checksums, objects and their
 * definitions) and compares it with the one read in the dump's snapshot. The
 * throwaway database is dropped whatever happens: a difference, a failed
 * restore, an error, a cancel.
 */
import { randomBytes } from 'node:crypto';
import type { BackupContext, BackupManifest, VerifyContext, VerifyResult } from '../../backup/model';
import { checkHashes } from '../../backup/files';
import { Cancelled, isCancelled, UserFacingError } from '../../errors';
import type { PostgresConnection } from '../connection';
import { readInventory, type PgInventory } from './inventory';
import { compareInventories } from './inventoryCompare';
import { adminDatabase, createDatabase, createTableSchemas, dropDatabaseForce, localeOf, runRestore, type DatabaseLocale } from './restore';
import { adminConnection, uniqueAppName } from './session';

/** The context the restore runs with: the target server's profile and password when one is named, else the source's. */
export function verifyServer(ctx: VerifyContext): BackupContext {
  if (!ctx.target) return ctx;
  if (ctx.target.profile.engine !== 'postgres') throw new UserFacingError(`"${ctx.target.profile.name}" is not a PostgreSQL connection: a pg_dump can only be verified on a PostgreSQL server.`);
  return { ...ctx, profile: ctx.target.profile, password: ctx.target.password };
}

/** Creates the throwaway database like the source (encoding, collation); on a server without that locale, in the C locale of the same encoding. */
async function createLike(admin: PostgresConnection, at: string, name: string, like: DatabaseLocale | undefined, notes: string[]): Promise<void> {
  try {
    await createDatabase(admin, at, name, like);
  } catch (err) {
    if (!like || (like.collate === 'C' && like.ctype === 'C')) throw err;
    await createDatabase(admin, at, name, { encoding: like.encoding, collate: 'C', ctype: 'C' });
    notes.push(`restored in the C locale: this server has no ${like.collate} (${(err as Error).message})`);
  }
}

/** libpq's words for a connection that went away (server stopped or restarted, session terminated, link cut). */
const LINK_LOST = /server closed the connection unexpectedly|terminating connection due to|connection to server (was lost|.* failed)|no connection to the server|could not receive data from server/i;

export async function verifyPgDump(file: string, manifest: BackupManifest, ctx: VerifyContext): Promise<VerifyResult> {
  const started = Date.now();
  const result = (status: VerifyResult['status'], summary: string, differences: string[] = [], restoredInto?: string): VerifyResult => ({
    status, at: new Date().toISOString(), durationMs: Date.now() - started, summary, differences, ...(restoredInto ? { restoredInto } : {}),
  });
  if (manifest.options.content === 'data') return result('not-verifiable', 'A data-only dump needs its tables in the target first; Upkeep verifies full and schema-only dumps.');
  ctx.onProgress?.({ phase: 'checking the SHA-256' });
  const changed = await checkHashes(file, manifest.shape, manifest.sha256);
  if (changed.length) return result('failed', `The backup changed since it was written: SHA-256 differs (${changed.slice(0, 5).join(', ')}).`, changed.map((f) => `${f}: SHA-256 differs from the manifest`));
  const expected = (manifest.snapshot as { inventory?: PgInventory } | undefined)?.inventory;
  if (!expected) return result('not-verifiable', 'The manifest holds no inventory to compare with (a backup from outside Upkeep or an older manifest).');

  const server = verifyServer(ctx);
  const where = ctx.target ? `on "${server.profile.name}"` : 'on the same server';
  const appName = uniqueAppName('verify');
  const admin = await adminConnection(server, appName);
  const at = adminDatabase(server);
  const verifyDb = `upkeep_verify_${randomBytes(6).toString('hex')}`;
  const restoredInto = ctx.target ? `${verifyDb} on ${server.profile.name}` : verifyDb;
  const notes: string[] = [];
  let created = false;
  try {
    const may = await admin.query<{ ok: boolean; usr: string }>(at, 'SELECT (rolsuper OR rolcreatedb) AS ok, current_user AS usr FROM pg_roles WHERE rolname = current_user');
    if (!may[0]?.ok) return result('not-verifiable', `User ${may[0]?.usr ?? '?'} may not CREATE DATABASE ${ctx.target ? `on "${server.profile.name}"` : 'on this server'}, and Verify restores into a throwaway database. Verify with a user that has CREATEDB${ctx.target ? '' : ', or on another server'}.`);
    const like = expected.database ?? (!ctx.target && manifest.database !== undefined ? await localeOf(admin, at, manifest.database) : undefined);
    ctx.onProgress?.({ phase: `creating ${verifyDb} ${where}` });
    await createLike(admin, at, verifyDb, like, notes);
    created = true;
    await createTableSchemas(admin, verifyDb, manifest.options.tables);
    const restored = await runRestore(file, { database: verifyDb, create: false }, true, server, admin, appName, manifest.toolVersion);
    // A lost link says nothing about the backup: no verdict, and the manifest is left as it was.
    if (!restored.ok && LINK_LOST.test(restored.errors)) throw new UserFacingError(`Verify ${where} stopped: pg_restore lost its connection to the server (${restored.errors}). The backup was not judged; its manifest is unchanged.`);
    if (!restored.ok) return result('failed', `pg_restore failed: ${restored.errors}`, [`pg_restore: ${restored.errors}`], restoredInto);
    await ctx.afterRestore?.(verifyDb);
    if (ctx.signal?.aborted) throw new Cancelled();
    ctx.onProgress?.({ phase: 'comparing tables, rows, checksums and objects' });
    const client = await admin.dedicatedClient(verifyDb, { lockTimeoutMs: 60_000, applicationName: appName });
    let actual: PgInventory;
    try {
      actual = await readInventory(client, { rows: manifest.options.content !== 'schema', checksumTables: Object.keys(expected.checksums ?? {}) });
    } finally {
      await client.end().catch(() => undefined);
    }
    if (ctx.signal?.aborted) throw new Cancelled();
    const { differences, compared } = compareInventories(expected, actual);
    const note = notes.length ? ` (${notes.join('; ')})` : '';
    if (differences.length) return result('failed', `${differences.length} difference${differences.length === 1 ? '' : 's'}: ${differences.slice(0, 3).join('; ')}${differences.length > 3 ? '; …' : ''}`, differences, restoredInto);
    return result('passed', `Restored into a throwaway database ${where}${note}: ${compared} equal to the backup.`, [], restoredInto);
  } catch (err) {
    if (ctx.signal?.aborted || isCancelled(err)) throw new Cancelled('Verify cancelled: pg_restore was stopped and the throwaway database dropped.');
    throw err;
  } finally {
    if (created) {
      ctx.onProgress?.({ phase: `dropping ${verifyDb}` });
      // Once more on failure: a cancel terminates this connection's other sessions, and the pool may hand out one of them first.
      await dropDatabaseForce(admin, at, verifyDb)
        .catch(() => dropDatabaseForce(admin, at, verifyDb))
        .catch((err: unknown) => ctx.log.error(`Could not drop the verify database ${restoredInto}: ${(err as Error).message}. Drop it by hand.`));
    }
    await admin.dispose();
  }
}
