import type { ConnectionProfile } from '../connections/profile';
import { PostgresConnection } from './connection';

/** Test connection: server version, database, user, and whether it is a standby. */
export async function probePostgres(profile: ConnectionProfile, password: string | undefined): Promise<string> {
  const conn = new PostgresConnection(profile, password);
  try {
    const info = await conn.serverInfo();
    return `PostgreSQL ${formatPgVersion(info.versionNum)}, database ${info.database} as ${info.user}${info.inRecovery ? ' (standby)' : ''}`;
  } finally {
    await conn.dispose();
  }
}

export function formatPgVersion(versionNum: number): string {
  // 150019 → 15.19; 90624 → 9.6.24
  if (versionNum >= 100000) return `${Math.floor(versionNum / 10000)}.${versionNum % 10000}`;
  return `${Math.floor(versionNum / 10000)}.${Math.floor(versionNum / 100) % 100}.${versionNum % 100}`;
}
