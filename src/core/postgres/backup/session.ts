/**
 * What pg_dump and pg_restore runs share: the server's version (to pick the
 * tool), a temporary 0600 PGPASSFILE for the password (deleted afterwards),
 * the child's environment, and the server-side stop of a cancelled child
 * (its backends are found by the unique application_name it was given).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Pg from 'pg';
import type { BackupContext } from '../../backup/model';
import { childEnv } from '../../backup/childProcess';
import type { PostgresConnection } from '../connection';
import { connectionEnv, dropInheritedPg, pgpassLine } from './args';

export interface ChildAuth {
  /** The PGPASSFILE to give the child, when there is a password. */
  passFile: string | undefined;
  dispose(): Promise<void>;
}

/** Writes the password to a fresh 0600 file in a fresh 0700 folder; dispose deletes both. */
export async function writePassFile(ctx: BackupContext): Promise<ChildAuth> {
  if (ctx.password === undefined) return { passFile: undefined, dispose: () => Promise.resolve() };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'upkeep-pgpass-'));
  const file = path.join(dir, 'pgpass');
  await fs.writeFile(file, pgpassLine(ctx.profile, ctx.password), { mode: 0o600, flag: 'wx' });
  return { passFile: file, dispose: () => fs.rm(dir, { recursive: true, force: true }) };
}

export function uniqueAppName(what: string): string {
  return `Upkeep ${what} ${randomBytes(5).toString('hex')}`;
}

export function toolEnv(ctx: BackupContext, database: string, applicationName: string, auth: ChildAuth): NodeJS.ProcessEnv {
  return childEnv(process.env, dropInheritedPg, connectionEnv(ctx.profile, database, applicationName, auth.passFile));
}

/** A connection of Upkeep's own to the profile's server (its password in memory, as every connection). */
export async function adminConnection(ctx: BackupContext, applicationName: string): Promise<PostgresConnection> {
  // import(): connection.ts is a chunk of its own, shared rather than copied into this one.
  const { PostgresConnection: Connection } = await import('../connection');
  return new Connection(ctx.profile, ctx.password, { lockTimeoutMs: 10_000, statementTimeoutMs: 60_000 }, ctx.log, applicationName);
}

/** Stops the server side of a cancelled tool: terminates every backend with its application_name. */
export async function terminateBackends(admin: PostgresConnection, database: string, applicationName: string): Promise<number> {
  const rows = await admin.query<{ n: number }>(
    database,
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
    [applicationName],
  );
  return rows[0]?.n ?? 0;
}

export async function serverVersionNum(client: Pg.ClientBase): Promise<{ num: number; text: string }> {
  const r = await client.query<{ num: string; text: string }>(`SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text`);
  return { num: Number(r.rows[0]?.num ?? 0), text: r.rows[0]?.text ?? '?' };
}

/** pg_dump's and pg_restore's --verbose lines as progress: each line an object, the last one the phase. */
export function verboseProgress(tool: 'pg_dump' | 'pg_restore', ctx: BackupContext): (line: string) => void {
  const prefix = `${tool}: `;
  let objects = 0;
  return (line) => {
    if (!line.startsWith(prefix)) return;
    objects++;
    ctx.onProgress?.({ phase: line.slice(prefix.length, prefix.length + 120), objects });
  };
}
