import { isIP } from 'node:net';
import type IORedis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { loadRedis } from '../drivers';
import type { ConnectionProfile } from '../connections/profile';

import { DEFAULT_PORT } from './port';

export { DEFAULT_PORT };

export function redisOptions(profile: ConnectionProfile, password: string | undefined): RedisOptions {
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
    connectionName: 'upkeep',
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
export async function openRedis(profile: ConnectionProfile, password: string | undefined): Promise<IORedis> {
  const Redis = await loadRedis();
  const client = new Redis(redisOptions(profile, password));
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
