/**
 * pg_restore, for Verify (into a throwaway `upkeep_verify_…` database that
 * is always dropped afterwards) and for the user's own restore (into a new
 * or an existing database; the command asks first for the destructive forms).
 */
import { randomBytes } from 'node:crypto';
import type { BackupContext, BackupManifest, RestoreOptions, VerifyContext, VerifyResult } from '../../backup/model';
import { checkHashes } from '../../backup/files';
import { commandLine, runChild } from '../../backup/childProcess';
import { Cancelled, isCancelled, UserFacingError } from '../../errors';
import type { PostgresConnection } from '../connection';
import { restoreArgs } from './args';
import { compareInventory, readInventory, type PgInventory } from './inventory';
import { resolveTool } from './tools';
import { adminConnection, terminateBackends, toolEnv, uniqueAppName, verboseProgress, writePassFile } from './session';
import { toolErrors } from './dump';

function adminDatabase(ctx: BackupContext): string {
  return ctx.profile.database ?? 'postgres';
}

async function createDatabase(admin: PostgresConnection, at: string, name: string, likeDb: string | undefined): Promise<void> {
  const like = likeDb
    ? (await admin.query<{ enc: string; coll: string; ctype: string }>(at, 'SELECT pg_encoding_to_char(encoding) AS enc, datcollate AS coll, datctype AS ctype FROM pg_database WHERE datname = $1', [likeDb]))[0]
    : undefined;
  const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  const id = `"${name.replace(/"/g, '""')}"`;
  // template0: nothing of template1's additions; the source's encoding and collation, so every row fits again.
  const extra = like ? ` ENCODING ${lit(like.enc)} LC_COLLATE ${lit(like.coll)} LC_CTYPE ${lit(like.ctype)}` : '';
  await admin.query(at, `CREATE DATABASE ${id} TEMPLATE template0${extra}`);
}

/**
 * pg_dump --table writes the tables but not their schemas: a restore target
 * has them already. The throwaway database gets them empty, so Verify
 * restores what the user would.
 */
async function createTableSchemas(admin: PostgresConnection, db: string, tables: [string, string][] | undefined): Promise<void> {
  for (const schema of new Set((tables ?? []).map(([s]) => s))) await admin.query(db, `CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
}

/** Drops a database whatever is connected to it (WITH (FORCE) on 13+; terminating its sessions first on older servers). */
export async function dropDatabaseForce(admin: PostgresConnection, at: string, name: string): Promise<void> {
  const num = Number((await admin.query<{ n: string }>(at, "SELECT current_setting('server_version_num') AS n"))[0]?.n ?? 0);
  const id = `"${name.replace(/"/g, '""')}"`;
  if (num >= 130_000) {
    await admin.query(at, `DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
    return;
  }
  await admin.query(at, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  await admin.query(at, `DROP DATABASE IF EXISTS ${id}`);
}

async function runRestore(file: string, options: RestoreOptions, forVerify: boolean, ctx: BackupContext, admin: PostgresConnection, appName: string): Promise<{ ok: boolean; errors: string; commandText: string }> {
  const versionNum = Number((await admin.query<{ n: string }>(adminDatabase(ctx), "SELECT current_setting('server_version_num') AS n"))[0]?.n ?? 0);
  const tool = await resolveTool('pg_restore', versionNum, ctx.tools);
  const auth = await writePassFile(ctx);
  try {
    const args = restoreArgs(file, options, forVerify);
    const run = await runChild(tool.path, args, {
      env: toolEnv(ctx, options.database, appName, auth),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onStderrLine: verboseProgress('pg_restore', ctx),
      onAbort: async () => {
        await terminateBackends(admin, adminDatabase(ctx), appName);
      },
    });
    return { ok: run.code === 0, errors: run.code === 0 ? '' : toolErrors(run.stderr, 'pg_restore'), commandText: commandLine(tool.path, args) };
  } finally {
    await auth.dispose();
  }
}

/** Restores into a throwaway database and compares it with the inventory recorded at backup time. */
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

  const appName = uniqueAppName('verify');
  const admin = await adminConnection(ctx, appName);
  const at = adminDatabase(ctx);
  const verifyDb = `upkeep_verify_${randomBytes(6).toString('hex')}`;
  let created = false;
  try {
    const may = await admin.query<{ ok: boolean; usr: string }>(at, 'SELECT (rolsuper OR rolcreatedb) AS ok, current_user AS usr FROM pg_roles WHERE rolname = current_user');
    if (!may[0]?.ok) return result('not-verifiable', `User ${may[0]?.usr ?? '?'} may not CREATE DATABASE on this server, and Verify restores into a throwaway database. Verify with a user that has CREATEDB.`);
    ctx.onProgress?.({ phase: `creating ${verifyDb}` });
    await createDatabase(admin, at, verifyDb, manifest.database);
    created = true;
    await createTableSchemas(admin, verifyDb, manifest.options.tables);
    const restored = await runRestore(file, { database: verifyDb, create: false }, true, ctx, admin, appName);
    if (!restored.ok) return result('failed', `pg_restore failed: ${restored.errors}`, [`pg_restore: ${restored.errors}`], verifyDb);
    await ctx.afterRestore?.(verifyDb);
    ctx.onProgress?.({ phase: 'comparing tables, rows and objects' });
    const client = await admin.dedicatedClient(verifyDb, { lockTimeoutMs: 60_000, applicationName: appName });
    let actual: PgInventory;
    try {
      actual = await readInventory(client, { rows: manifest.options.content !== 'schema' });
    } finally {
      await client.end().catch(() => undefined);
    }
    const differences = compareInventory(expected, actual);
    const rows = Object.values(expected.tables).reduce<number>((a, n) => a + (n ?? 0), 0);
    const nTables = Object.keys(expected.tables).length;
    const what = `${nTables} table${nTables === 1 ? '' : 's'}${manifest.options.content === 'schema' ? '' : ` (${rows.toLocaleString('en-US')} rows)`} and ${expected.objects.length} objects`;
    if (differences.length) return result('failed', `${differences.length} difference${differences.length === 1 ? '' : 's'}: ${differences.slice(0, 3).join('; ')}${differences.length > 3 ? '; …' : ''}`, differences, verifyDb);
    return result('passed', `Restored into a throwaway database: ${what} equal to the backup.`, [], verifyDb);
  } catch (err) {
    if (ctx.signal?.aborted || isCancelled(err)) throw new Cancelled('Verify cancelled: pg_restore was stopped and the throwaway database dropped.');
    throw err;
  } finally {
    if (created) {
      ctx.onProgress?.({ phase: `dropping ${verifyDb}` });
      await dropDatabaseForce(admin, at, verifyDb).catch((err: unknown) => ctx.log.error(`Could not drop the verify database ${verifyDb}: ${(err as Error).message}. Drop it by hand.`));
    }
    await admin.dispose();
  }
}

/** The user's restore: into a new database (created first) or an existing one. */
export async function restorePgDump(file: string, options: RestoreOptions, ctx: BackupContext): Promise<{ commandText: string; notes: string[] }> {
  const appName = uniqueAppName('restore');
  const admin = await adminConnection(ctx, appName);
  try {
    if (options.create) await createDatabase(admin, adminDatabase(ctx), options.database, undefined);
    const run = await runRestore(file, options, false, ctx, admin, appName);
    if (!run.ok) throw new UserFacingError(`pg_restore into ${options.database} failed: ${run.errors}`);
    return { commandText: run.commandText, notes: [] };
  } finally {
    await admin.dispose();
  }
}
