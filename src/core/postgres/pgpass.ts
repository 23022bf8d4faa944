/**
 * PostgreSQL's password file, read by libpq's rules (fe-connect.c,
 * passwordFromFile; "The Password File" in the libpq docs):
 *
 * - lines `hostname:port:database:username:password`; empty lines and lines
 *   starting with `#` are skipped; a trailing CR/LF is dropped;
 * - a field that is exactly `*` matches anything; `\:` and `\\` (any `\x`)
 *   stand for the character itself, so `\*` is a literal star;
 * - the password runs to the next unescaped `:` (anything after is ignored);
 * - the first matching line wins, and an empty password there counts as none;
 * - the host `localhost` is looked up for a connection without a host and for
 *   one through the default unix-socket directory;
 * - `PGPASSFILE` names the file, else `~/.pgpass` (`%APPDATA%\postgresql\pgpass.conf`
 *   on Windows); a file that is not a plain file, or that grants the group or
 *   others any access, is ignored with a warning (not on Windows).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { PasswordFileLookup } from '../engine';
import type { ConnectionProfile } from '../connections/profile';

/** One field of a line: its unescaped text, or the wildcard. */
export type PgpassField = { wildcard: true } | { wildcard: false; value: string };

export interface PgpassEntry {
  host: PgpassField;
  port: PgpassField;
  database: PgpassField;
  user: PgpassField;
  password: string;
  /** 1-based line number in the file, for messages. */
  line: number;
}

/** What a connection looks the file up by. */
export interface PgpassTarget {
  /** Host name, or a unix-socket directory (starts with `/`); undefined: the default. */
  host?: string;
  port?: number;
  database: string;
  user: string;
}

/** Default socket directories: libpq's compile-time DEFAULT_PGSOCKET_DIR upstream (/tmp) and in Debian builds. */
export const DEFAULT_SOCKET_DIRS: readonly string[] = ['/tmp', '/var/run/postgresql', '/run/postgresql'];

/** Splits a line into its fields at unescaped `:`; each field keeps whether it was written as a bare `*`. */
function splitFields(line: string): { raw: string; value: string }[] {
  const fields: { raw: string; value: string }[] = [];
  let raw = '';
  let value = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) {
      const next = line[i + 1] as string;
      raw += c + next;
      value += next;
      i++;
    } else if (c === ':') {
      fields.push({ raw, value });
      raw = '';
      value = '';
    } else {
      raw += c;
      value += c;
    }
  }
  fields.push({ raw, value });
  return fields;
}

/** The entries of a password file's text, in order. Lines with fewer than five fields can never match and are left out. */
export function parsePgpass(text: string): PgpassEntry[] {
  const entries: PgpassEntry[] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.replace(/\r+$/, '');
    if (line === '' || line.startsWith('#')) return;
    const fields = splitFields(line);
    if (fields.length < 5) return;
    const field = (i: number): PgpassField => {
      const f = fields[i] as { raw: string; value: string };
      return f.raw === '*' ? { wildcard: true } : { wildcard: false, value: f.value };
    };
    entries.push({ host: field(0), port: field(1), database: field(2), user: field(3), password: (fields[4] as { value: string }).value, line: index + 1 });
  });
  return entries;
}

/** The host name libpq looks up for a connection: `localhost` without a host or through the default socket directory. */
export function pgpassHost(host: string | undefined, defaultSocketDirs: readonly string[] = DEFAULT_SOCKET_DIRS): string {
  if (!host) return 'localhost';
  if (host.startsWith('/') && defaultSocketDirs.includes(host.replace(/\/+$/, '') || '/')) return 'localhost';
  return host;
}

function fieldMatches(field: PgpassField, token: string): boolean {
  return field.wildcard || field.value === token;
}

/** The first entry matching the target (libpq compares exactly, case included), or undefined. */
export function matchPgpass(entries: readonly PgpassEntry[], target: PgpassTarget): PgpassEntry | undefined {
  const host = pgpassHost(target.host);
  const port = String(target.port ?? 5432);
  return entries.find((e) => fieldMatches(e.host, host) && fieldMatches(e.port, port) && fieldMatches(e.database, target.database) && fieldMatches(e.user, target.user));
}

/** Where libpq reads the password file from. */
export function pgpassPath(env: Readonly<Record<string, string | undefined>>, home: string, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = env['PGPASSFILE'];
  if (fromEnv) return fromEnv;
  if (platform === 'win32') return path.join(env['APPDATA'] ?? home, 'postgresql', 'pgpass.conf');
  return path.join(home, '.pgpass');
}

/**
 * Reads the file when libpq would: a missing file is no file; a file that is
 * not plain, or that the group or others may access at all, is ignored with
 * libpq's warning.
 */
export async function readPgpass(file: string, platform: NodeJS.Platform = process.platform): Promise<{ entries: PgpassEntry[]; warning?: string }> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    return { entries: [] };
  }
  if (platform !== 'win32') {
    if (!stat.isFile()) return { entries: [], warning: `password file "${file}" is not a plain file` };
    if ((stat.mode & 0o077) !== 0) {
      return { entries: [], warning: `password file "${file}" has group or world access; permissions should be u=rw (0600) or less` };
    }
  }
  try {
    return { entries: parsePgpass(await fs.readFile(file, 'utf8')) };
  } catch (err) {
    return { entries: [], warning: `password file "${file}" could not be read: ${(err as { code?: string }).code ?? 'error'}` };
  }
}

/** The user a PostgreSQL profile connects as when it names none (node-postgres: PGUSER, then the OS user). */
export function effectiveUser(profile: ConnectionProfile, env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform): string {
  return profile.user ?? env['PGUSER'] ?? (platform === 'win32' ? env['USERNAME'] : env['USER']) ?? '';
}

/**
 * The password the file gives a profile. The database looked up is the
 * profile's (or `postgres`, which Upkeep connects to when it names none);
 * browsing other databases of the same server reuses that password.
 */
export async function lookupPgpass(profile: ConnectionProfile, env: Readonly<Record<string, string | undefined>>, home: string): Promise<PasswordFileLookup> {
  const file = pgpassPath(env, home);
  const target: PgpassTarget = { host: profile.host, port: profile.port, database: profile.database ?? 'postgres', user: effectiveUser(profile, env) };
  const searched = `${pgpassHost(target.host)}:${target.port ?? 5432}:${target.database}:${target.user}`;
  const { entries, warning } = await readPgpass(file);
  const entry = matchPgpass(entries, target);
  const result: PasswordFileLookup = { file, searched };
  if (warning) result.warning = warning;
  if (entry?.password) result.password = entry.password;
  return result;
}
