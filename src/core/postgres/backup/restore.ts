/**
 * pg_restore, for Verify (verify.ts: into a throwaway `upkeep_verify_…`
 * database that is always dropped afterwards) and for the user's own restore
 * (into a new or an existing database; the command asks first for the
 * destructive forms).
 */
import type { BackupContext, RestoreOptions } from '../../backup/model';
import { commandLine, runChild } from '../../backup/childProcess';
import { UserFacingError } from '../../errors';
import type { PostgresConnection } from '../connection';
import { restoreArgs } from './args';
import { parseToolVersion, resolveTool } from './tools';
import { adminConnection, terminateBackends, toolEnv, uniqueAppName, verboseProgress, writePassFile } from './session';
import { toolErrors } from './dump';

export function adminDatabase(ctx: BackupContext): string {
  return ctx.profile.database ?? 'postgres';
}

/** A database's encoding and collation, to create another like it. */
export interface DatabaseLocale {
  encoding: string;
  collate: string;
  ctype: string;
}

export async function localeOf(admin: PostgresConnection, at: string, database: string): Promise<DatabaseLocale | undefined> {
  return (await admin.query<DatabaseLocale>(at, 'SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype FROM pg_database WHERE datname = $1', [database]))[0];
}

export async function createDatabase(admin: PostgresConnection, at: string, name: string, like: DatabaseLocale | undefined): Promise<void> {
  const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  const id = `"${name.replace(/"/g, '""')}"`;
  // template0: nothing of template1's additions; the source's encoding and collation, so every row fits again.
  const extra = like ? ` ENCODING ${lit(like.encoding)} LC_COLLATE ${lit(like.collate)} LC_CTYPE ${lit(like.ctype)}` : '';
  await admin.query(at, `CREATE DATABASE ${id} TEMPLATE template0${extra}`);
}

/**
 * pg_dump --table writes the tables but not their schemas: a restore target
 * has them already. The throwaway database gets them empty, so Verify
 * restores what the user would.
 */
export async function createTableSchemas(admin: PostgresConnection, db: string, tables: [string, string][] | undefined): Promise<void> {
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

/**
 * Runs pg_restore against `ctx.profile`'s server. The tool must be at least
 * that server's major version and at least the archive's pg_dump's
 * (`archiveToolVersion`, from the manifest): an older pg_restore cannot read
 * a newer archive.
 */
export async function runRestore(file: string, options: RestoreOptions, forVerify: boolean, ctx: BackupContext, admin: PostgresConnection, appName: string, archiveToolVersion?: string): Promise<{ ok: boolean; errors: string; commandText: string }> {
  const serverNum = Number((await admin.query<{ n: string }>(adminDatabase(ctx), "SELECT current_setting('server_version_num') AS n"))[0]?.n ?? 0);
  const archiveNum = archiveToolVersion ? (parseToolVersion(`(PostgreSQL) ${archiveToolVersion}`)?.majorNum ?? 0) : 0;
  const tool = await resolveTool('pg_restore', Math.max(serverNum, archiveNum), ctx.tools);
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
