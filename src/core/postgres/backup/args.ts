/**
 * pg_dump and pg_restore command lines (pure). The connection goes through
 * the environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE, PGAPPNAME)
 * and the password only through a PGPASSFILE of mode 0600 that Upkeep writes
 * and deletes; the argument vector never holds a secret and no shell parses it.
 */
import type { ConnectionProfile, TlsMode } from '../../connections/profile';
import type { BackupOptions, RestoreOptions } from '../../backup/model';
import { DEFAULT_PORT } from '../port';

/** The profile's TLS mode as libpq's sslmode (the same meaning node-postgres gets in connection.ts). */
export function sslMode(tls: TlsMode): string {
  return tls === 'disable' ? 'disable' : tls === 'require' ? 'require' : 'verify-full';
}

/** An exact name as a pg_dump pattern: in double quotes, where pattern characters lose their meaning. */
export function exactPattern(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function dumpArgs(file: string, options: BackupOptions, snapshot: string | undefined): string[] {
  const args = [`--format=${options.format === 'pg-directory' ? 'directory' : 'custom'}`, '--file', file, '--verbose', '--no-password'];
  if (options.format === 'pg-directory' && options.jobs && options.jobs > 1) args.push(`--jobs=${options.jobs}`);
  if (options.content === 'schema') args.push('--schema-only');
  if (options.content === 'data') args.push('--data-only');
  for (const s of options.schemas ?? []) args.push(`--schema=${exactPattern(s)}`);
  for (const [s, t] of options.tables ?? []) args.push(`--table=${exactPattern(s)}.${exactPattern(t)}`);
  if (snapshot) args.push(`--snapshot=${snapshot}`);
  return args;
}

export function restoreArgs(file: string, options: RestoreOptions, forVerify: boolean): string[] {
  const args = ['--verbose', '--no-password'];
  // Verify compares objects and rows, not owners and grants (roles of the source may not exist or be ours).
  if (forVerify) args.push('--no-owner', '--no-privileges');
  if (options.clean) args.push('--clean', '--if-exists');
  if (options.singleTransaction) args.push('--single-transaction');
  else if (options.jobs && options.jobs > 1) args.push(`--jobs=${options.jobs}`);
  // The database comes from PGDATABASE; -d is still needed to make pg_restore restore into a database rather than print SQL.
  args.push('--dbname=');
  args.push(file);
  return args;
}

/** The child's connection environment (no password: that is the PGPASSFILE's job). */
export function connectionEnv(profile: ConnectionProfile, database: string, applicationName: string, passFile: string | undefined): Record<string, string | undefined> {
  return {
    PGHOST: profile.host,
    PGPORT: String(profile.port ?? DEFAULT_PORT),
    PGUSER: profile.user,
    PGDATABASE: database,
    PGSSLMODE: sslMode(profile.tls),
    PGAPPNAME: applicationName,
    PGCONNECT_TIMEOUT: String(Math.max(2, Math.ceil(profile.connectTimeoutMs / 1000))),
    PGPASSFILE: passFile,
  };
}

/** Inherited variables the child must not see: every PG* (PGPASSWORD, PGSERVICE, PGOPTIONS…) is replaced by ours. */
export function dropInheritedPg(name: string): boolean {
  return name.startsWith('PG');
}

/** One pgpass line for exactly this server and user (any database: the dump's and verify's), `:` and `\` escaped. */
export function pgpassLine(profile: ConnectionProfile, password: string): string {
  const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return `${esc(profile.host ?? 'localhost')}:${profile.port ?? DEFAULT_PORT}:*:${profile.user ? esc(profile.user) : '*'}:${esc(password)}\n`;
}
