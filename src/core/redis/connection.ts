import { isIP } from 'node:net';
import type IORedis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { loadRedis } from '../drivers';
import type { ConnectionProfile } from '../connections/profile';
import type { EngineSession } from '../engine';

import { DEFAULT_PORT } from './port';

export { DEFAULT_PORT };

export function redisOptions(profile: ConnectionProfile, password: string | undefined, connectionName = 'upkeep'): RedisOptions {
  const options: RedisOptions = {
    host: profile.host,
    port: profile.port ?? DEFAULT_PORT,
    db: profile.database ? Number(profile.database) : 0,
    connectTimeout: profile.connectTimeoutMs,
    lazyConnect: true,
    // Fail fast and let the user retry: ioredis would otherwise reconnect forever
    // and queue commands behind a dead socket.
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectionName,
  };
  if (profile.user) options.username = profile.user;
  if (password) options.password = password;
  if (profile.tls !== 'disable') {
    // SNI carries host names only (RFC 6066); Node warns when given an address.
    options.tls = { rejectUnauthorized: profile.tls === 'verify', ...(profile.host && !isIP(profile.host) ? { servername: profile.host } : {}) };
  }
  return options;
}

/**
 * Connects, authenticates and selects the database, or throws the server's
 * own reason. (ioredis rejects connect() with a bare "Connection is closed"
 * and reports the cause — WRONGPASS, NOAUTH, a socket error — as an event, and
 * it only logs a failed SELECT; both are made errors here.)
 */
export async function openRedis(profile: ConnectionProfile, password: string | undefined, connectionName = 'upkeep'): Promise<IORedis> {
  const Redis = await loadRedis();
  const client = new Redis(redisOptions(profile, password, connectionName));
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await client.connect();
    if (profile.database) await client.select(Number(profile.database));
  } catch (err) {
    client.disconnect();
    throw lastError ?? err;
  }
  return client;
}

export interface RedisServerInfo {
  version: string;
  mode: string;
  usedMemoryHuman: string;
}

export async function redisServerInfo(client: IORedis): Promise<RedisServerInfo> {
  const info = parseRedisInfo(await client.info());
  return { version: info['redis_version'] ?? '?', mode: info['redis_mode'] ?? '?', usedMemoryHuman: info['used_memory_human'] ?? '?' };
}

/** `INFO` text → key/value map (section headers and blank lines dropped). */
export function parseRedisInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/**
 * What the editor keeps open per Redis connection: one client for the tree's
 * reads (SCAN pages, INFO, TYPE/TTL/MEMORY USAGE), and the means to open a
 * connection of its own for work that must be cancellable apart from it (a
 * pattern delete, a memory analysis): closing that one never disturbs the tree.
 */
export class RedisSession implements EngineSession {
  constructor(
    readonly profile: ConnectionProfile,
    private readonly password: string | undefined,
    /** The tree's client, selected on the profile's database. Commands that change the selected database must not run on it. */
    readonly client: IORedis,
  ) {}

  /** The profile's own database index (0 when it names none). */
  get defaultDb(): number {
    return this.profile.database ? Number(this.profile.database) : 0;
  }

  /**
   * A new connection on database `db` (client name `name`, visible in CLIENT
   * LIST). The caller disconnects it.
   */
  dedicated(db: number, name = 'upkeep'): Promise<IORedis> {
    return openRedis({ ...this.profile, database: String(db) }, this.password, name);
  }

  dispose(): Promise<void> {
    this.client.disconnect();
    return Promise.resolve();
  }
}
