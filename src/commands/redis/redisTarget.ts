/**
 * What a Redis command acts on: from the tree node it was invoked on (made by
 * the Redis tree, recognised by `nodeKind`), or asked step by step —
 * connection, then database, then key or pattern.
 */
import type { ConnectionProfile } from '../../core/connections/profile';
import type { RedisSession } from '../../core/redis/connection';
import { parseRedisInfo } from '../../core/redis/connection';
import { parseKeyspace } from '../../core/redis/keyspaceCounts';
import { keyLabel, parseTypedKey, redisFeatures, type RedisFeatures } from '../../core/redis/operations';
import { prefixPattern } from '../../core/redis/glob';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { askInput, askPick } from '../../app/questions';
import type { Prompter } from '../../app/prompter';
import { nodeOfKind, type UpkeepNode } from '../../views/node';
import { UserFacingError } from '../../core/errors';

/** The fields the Redis tree's nodes carry (REDIS-CONTRACTS.md). */
interface WithProfile extends UpkeepNode { profile: ConnectionProfile }
interface DbNode extends WithProfile { db: number }
interface NamespaceNode extends DbNode { prefix: Buffer }
interface KeyNode extends DbNode { key: Buffer; type: string }

export interface RedisAsk {
  profiles: ProfileStore;
  connections: ConnectionService;
  prompter(): Prompter;
}

export async function sessionOf(connections: ConnectionService, profile: ConnectionProfile): Promise<RedisSession> {
  return (await connections.session(profile)) as RedisSession;
}

export async function featuresOf(session: RedisSession): Promise<RedisFeatures> {
  const info = parseRedisInfo(String(await session.client.info('server')));
  return redisFeatures(info['redis_version'] ?? '0');
}

/** The connection: from any Redis node, or picked among the Redis profiles. */
export async function resolveProfile(node: unknown, ask: RedisAsk): Promise<ConnectionProfile> {
  for (const kind of ['redis-connection', 'redis-db', 'redis-namespace', 'redis-key']) {
    const n = nodeOfKind<WithProfile>(node, kind);
    if (n) return n.profile;
  }
  if (node !== undefined && node !== null && typeof node === 'object' && 'nodeKind' in node) throw new UserFacingError('This action works on a Redis connection, database, namespace or key.');
  const profiles = ask.profiles.byEngine('redis').map((s) => s.profile);
  return askPick(ask.prompter(), {
    placeHolder: 'Which Redis connection?',
    items: profiles.map((p) => ({ label: p.name, description: p.readOnly ? 'read-only' : p.production ? 'production' : '', value: p })),
  });
}

/** The databases to offer: those holding keys (INFO keyspace) and the rest up to `databases` where CONFIG may be read. */
async function askDb(session: RedisSession, prompter: Prompter): Promise<number> {
  const space = parseKeyspace(parseRedisInfo(String(await session.client.info('keyspace'))));
  let count = 16;
  try {
    const [, n] = (await session.client.config('GET', 'databases')) as string[];
    if (n && Number(n) > 0) count = Number(n);
  } catch {
    count = Math.max(session.defaultDb + 1, ...space.map((d) => d.db + 1)); // CONFIG refused (ACL, managed services): what we can see
  }
  const items = Array.from({ length: count }, (_, db) => {
    const s = space.find((d) => d.db === db);
    return { label: `db${db}`, description: s ? `${s.keys.toLocaleString('en-US')} keys, ${s.expires.toLocaleString('en-US')} expiring` : 'empty', value: db };
  });
  return askPick(prompter, { placeHolder: 'Which database?', items });
}

export interface DbTarget { profile: ConnectionProfile; db: number }

export async function resolveDb(node: unknown, ask: RedisAsk): Promise<DbTarget> {
  const n = nodeOfKind<DbNode>(node, 'redis-db') ?? nodeOfKind<DbNode>(node, 'redis-namespace') ?? nodeOfKind<DbNode>(node, 'redis-key');
  if (n) return { profile: n.profile, db: n.db };
  const profile = await resolveProfile(node, ask);
  return { profile, db: await askDb(await sessionOf(ask.connections, profile), ask.prompter()) };
}

export interface KeyTarget extends DbTarget { key: Buffer }

/** A key from its node, or typed (plain text, or redis-cli's quoted form for bytes: "bin\xff"). */
export async function resolveKey(node: unknown, ask: RedisAsk): Promise<KeyTarget> {
  const n = nodeOfKind<KeyNode>(node, 'redis-key');
  if (n) return { profile: n.profile, db: n.db, key: n.key };
  const { profile, db } = await resolveDb(node, ask);
  const text = await askInput(ask.prompter(), {
    prompt: `Key in db${db} (plain text, or in double quotes with \\xHH for bytes, as redis-cli prints it)`,
    validate: (v) => (v.length ? undefined : 'Type a key name.'),
  });
  return { profile, db, key: parseTypedKey(text) };
}

export interface PatternTarget extends DbTarget {
  pattern: Buffer;
  type?: string;
  /** How it reads in titles: "namespace user:" for a namespace. */
  describe?: string;
}

const TYPES = ['string', 'hash', 'list', 'set', 'zset', 'stream'];

/**
 * A namespace node gives its prefix, escaped so glob characters in it match
 * themselves; a database (node or picked) asks for a glob, which is the
 * user's own, and a type filter.
 */
export async function resolvePattern(node: unknown, ask: RedisAsk, given: { pattern?: string; type?: string } = {}): Promise<PatternTarget> {
  const ns = nodeOfKind<NamespaceNode>(node, 'redis-namespace');
  if (ns) return { profile: ns.profile, db: ns.db, pattern: prefixPattern(ns.prefix), describe: `keys of namespace ${keyLabel(ns.prefix)}` };
  const { profile, db } = await resolveDb(node, ask);
  const pattern = given.pattern ?? (await askInput(ask.prompter(), {
    prompt: `Delete the keys of db${db} matching which pattern? (a Redis glob: * ? [abc]; \\ makes the next character literal)`,
    placeHolder: 'session:*',
    validate: (v) => (v.length ? undefined : 'Type a pattern: * alone would delete every key (use FLUSHDB for that).'),
  }));
  const type = given.type ?? (await askPick(ask.prompter(), {
    placeHolder: 'Only keys of one type?',
    items: [{ label: 'Any type', value: '' }, ...TYPES.map((t) => ({ label: t, value: t }))],
  }));
  return { profile, db, pattern: Buffer.from(pattern, 'utf8'), ...(type ? { type } : {}) };
}
