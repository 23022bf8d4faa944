/**
 * The data directory of a PostgreSQL server running on this machine, for the
 * backups report's same-disk check. `data_directory` is readable by
 * superusers and members of pg_read_all_settings only; a server in a
 * container or on another host reports a path that is not its own here, so
 * the directory counts only when its postmaster.pid (the running server's
 * lock file) names the same directory and the profile's port.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PostgresConnection } from './connection';
import { DEFAULT_PORT } from './port';

/** postmaster.pid: pid, data directory, start time, port, socket directory, … one per line. */
export function postmasterNames(pidFile: string, dataDirectory: string, port: number): boolean {
  const lines = pidFile.split('\n');
  return lines[1]?.trim() === dataDirectory && Number(lines[3]?.trim()) === port;
}

export async function localDataDirectory(session: PostgresConnection): Promise<string | undefined> {
  let dir: string | undefined;
  try {
    const rows = await session.query<{ dir: string }>(session.defaultDatabase, "SELECT current_setting('data_directory') AS dir");
    dir = rows[0]?.dir;
  } catch {
    return undefined;
  }
  if (!dir || !path.isAbsolute(dir)) return undefined;
  try {
    const pid = await fs.readFile(path.join(dir, 'postmaster.pid'), 'utf8');
    return postmasterNames(pid, dir, session.profile.port ?? DEFAULT_PORT) ? dir : undefined;
  } catch {
    return undefined;
  }
}
