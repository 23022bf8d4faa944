import type IORedis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { loadRedis } from '../drivers';
import { type ConnectionProfile, DEFAULT_PORTS } from '../connections/profile';

export function redisOptions(profile: ConnectionProfile, password: string | undefined): RedisOptions {
  const options: RedisOptions = {
    host: profile.host,
    port: profile.port ?? DEFAULT_PORTS.redis,
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
  if (profile.tls !== 'disable') options.tls = { rejectUnauthorized: profile.tls === 'verify', servername: profile.host };
  return options;
}

/** Connects (and authenticates, and selects the database) or throws. */
export async function openRedis(profile: ConnectionProfile, password: string | undefined): Promise<IORedis> {
  const Redis = await loadRedis();
  const client = new Redis(redisOptions(profile, password));
  // Errors surface through connect()'s rejection; this keeps ioredis from printing them unhandled.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw err;
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
