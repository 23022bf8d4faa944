/** Redis as an engine: identity, URL schemes, error replies, probe. */
import type { EngineModule, ErrorFacts, WordedProblem } from '../engine';
import type { ConnectionProblem, ErrorDuring } from '../connections/errors';
import type { ConnectionProfile } from '../connections/profile';
import { ConnectionUrlError } from '../connections/urlText';
import { DEFAULT_PORT } from './port';
import { redisReports } from './reports/hook';
import type { RedisSession as RedisSessionType } from './connection';

/** The command a refusal names (`'flushdb'`, `` `FLUSHDB` `` in Redis 6), upper-cased and clipped. */
function namedCommand(message: string, after: RegExp): string | undefined {
  const m = new RegExp(`${after.source}\\s*[\`']([^\`']{1,60})[\`']`, 'i').exec(message);
  return m?.[1]?.toUpperCase();
}

/**
 * Redis's replies as one line. A command renamed away (`rename-command FLUSHDB ""`
 * in production configs) reads as unknown; an ACL user without the right gets
 * NOPERM: both name the command, never a stack trace.
 */
function describeError({ message }: ErrorFacts, ctx: { profile: ConnectionProfile; during?: ErrorDuring }): ConnectionProblem | WordedProblem | undefined {
  const m = message.toLowerCase();
  // ioredis's words for a socket that closed under a running command (the connection itself had opened).
  if (ctx.during === 'maintenance' && m.startsWith('connection is closed')) return 'connection-lost';
  if (m.includes('wrongpass') || m.includes('noauth')) return 'auth';
  if (m.includes('db index is out of range')) return 'unknown-database';
  const user = ctx.profile.user || 'default';
  if (m.includes('noperm')) {
    const command = namedCommand(message, /to run the/);
    if (command) return { kind: 'permission', message: `The ACL user "${user}" may not run ${command} (+${command.toLowerCase()}).` };
    if (m.includes('access one of the keys')) return { kind: 'permission', message: `The ACL user "${user}" may not access this key: its key patterns (~…) do not cover it.` };
    if (m.includes('channel')) return { kind: 'permission', message: `The ACL user "${user}" may not use this channel (&…).` };
    return 'permission';
  }
  if (m.startsWith('err unknown command')) {
    const command = namedCommand(message, /unknown command/);
    return { kind: 'other', message: `${command ?? 'This command'} is renamed or disabled on this server (rename-command).` };
  }
  if (m.startsWith('err unknown subcommand')) {
    const sub = namedCommand(message, /unknown subcommand/);
    return { kind: 'other', message: `This server does not know the subcommand ${sub ?? ''} (an older Redis, or renamed).` };
  }
  if (m.startsWith('err no such key')) return { kind: 'other', message: 'The key no longer exists.' };
  if (m.startsWith('misconf')) return { kind: 'other', message: 'Redis refuses writes because its last background save failed (MISCONF): fix the save (disk, permissions) or set stop-writes-on-bgsave-error no.' };
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

  reports: redisReports,
  async executor(session, settings) {
    const { redisExecutor } = await import('./executor');
    return redisExecutor(session as RedisSessionType, settings);
  },

  async openSession(profile, password) {
    const { openRedis, RedisSession } = await import('./connection');
    return new RedisSession(profile, password, await openRedis(profile, password));
  },
  async backup() {
    return (await import('./backup')).redisBackup;
  },
  async health() {
    return (await import('./healthCheck')).redisHealth;
  },
};
