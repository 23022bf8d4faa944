import type * as Neo4j from 'neo4j-driver';
import { loadNeo4j } from '../drivers';
import type { ConnectionProfile } from '../connections/profile';

import { DEFAULT_PORT } from './port';

export { DEFAULT_PORT };

/** The bolt URL for a profile: scheme from the profile, TLS as the `+s` / `+ssc` suffix. */
export function neo4jUrl(profile: ConnectionProfile): string {
  const suffix = profile.tls === 'verify' ? '+s' : profile.tls === 'require' ? '+ssc' : '';
  const host = profile.host?.includes(':') ? `[${profile.host}]` : profile.host ?? 'localhost';
  return `${profile.scheme ?? 'neo4j'}${suffix}://${host}:${profile.port ?? DEFAULT_PORT}`;
}

export async function openNeo4jDriver(profile: ConnectionProfile, password: string | undefined): Promise<Neo4j.Driver> {
  const neo4j = await loadNeo4j();
  return neo4j.driver(neo4jUrl(profile), neo4j.auth.basic(profile.user ?? 'neo4j', password ?? ''), {
    connectionTimeout: profile.connectTimeoutMs,
    connectionAcquisitionTimeout: profile.connectTimeoutMs,
    maxConnectionPoolSize: 4,
    // The driver logs to console by default in some versions; we keep our own log.
    logging: { level: 'error', logger: () => undefined },
  });
}

export interface Neo4jServerInfo {
  version: string;
  edition: string;
  database: string;
}

export async function neo4jServerInfo(driver: Neo4j.Driver, database?: string): Promise<Neo4jServerInfo> {
  const session = driver.session(database ? { database, defaultAccessMode: 'READ' } : { defaultAccessMode: 'READ' });
  try {
    const result = await session.run('CALL dbms.components() YIELD versions, edition RETURN versions[0] AS version, edition');
    const rec = result.records[0];
    const db = await session.run('CALL db.info() YIELD name RETURN name');
    return {
      version: String(rec?.get('version') ?? '?'),
      edition: String(rec?.get('edition') ?? '?'),
      database: String(db.records[0]?.get('name') ?? database ?? ''),
    };
  } finally {
    await session.close();
  }
}

/** The editor's open handle on a Neo4j connection: its driver (a small pool), closed when the profile changes. */
export class Neo4jSession {
  constructor(
    readonly driver: Neo4j.Driver,
    /** The profile it was opened for: its database, and the words of error messages. */
    readonly profile: ConnectionProfile,
  ) {}

  dispose(): Promise<void> {
    return this.driver.close();
  }
}
