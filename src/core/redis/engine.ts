/** Redis as an engine: identity, URL schemes, error replies, probe. */
import type { EngineModule, ErrorFacts, WordedProblem } from '../engine';
import { ConnectionUrlError } from '../connections/urlText';
import { DEFAULT_PORT } from './port';

function describeError({ message }: ErrorFacts): WordedProblem | undefined {
  const m = message.toLowerCase();
  if (m.includes('wrongpass') || m.includes('noauth')) return 'auth';
  if (m.includes('db index is out of range')) return 'unknown-database';
  if (m.includes('noperm')) return 'permission';
  return undefined;
}

export const redisEngine: EngineModule = {
  id: 'redis',
  label: 'Redis',
  defaultPort: DEFAULT_PORT,
  urlSchemes: { 'redis:': { tls: 'disable' }, 'rediss:': { tls: 'verify' } },
  urlExample: 'redis://:password@localhost:6379/0 or rediss://…',
  usesPassword: true,
  asksTls: true,
  fields: [
    { key: 'database', prompt: 'Database index', default: '0', validate: (v) => (/^\d*$/.test(v.trim()) ? undefined : 'A Redis database is a number.') },
    { key: 'user', prompt: 'User (empty for the default user)' },
  ],

  validate(p) {
    return p.database !== undefined && p.database !== '' && !/^\d+$/.test(p.database) ? [`Redis database must be a number (got "${p.database}").`] : [];
  },

  parseUrl(url, fields) {
    const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (path) {
      if (!/^\d+$/.test(path)) throw new ConnectionUrlError(`Redis database must be a number, not "${path}".`);
      fields.database = path;
    }
    return fields;
  },

  async probe(profile, password) {
    const { openRedis, redisServerInfo } = await import('./connection');
    const client = await openRedis(profile, password);
    try {
      const info = await redisServerInfo(client);
      return `Redis ${info.version} (${info.mode}), ${info.usedMemoryHuman} used`;
    } finally {
      client.disconnect();
    }
  },
  describeError,

  async openSession(profile, password) {
    const { openRedis, RedisSession } = await import('./connection');
    return new RedisSession(profile, password, await openRedis(profile, password));
  },
  async backup() {
    return (await import('./backup')).redisBackup;
  },
};
