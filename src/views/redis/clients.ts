/**
 * The clients the tree reads with: the session's own for the profile's
 * database, and one connection per other database it browses (SELECT on the
 * shared client would move every other reader with it). They live as long as
 * the session's client does.
 */
import type IORedis from 'ioredis';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { RedisSession } from '../../core/redis/connection';
import type { ConnectionService } from '../../connections/connectionService';

const perSession = new WeakMap<RedisSession, Map<number, Promise<IORedis>>>();

/** The profile's session; one whose client has closed (a server restart) is dropped and opened again. */
export async function redisSession(connections: ConnectionService, profile: ConnectionProfile): Promise<RedisSession> {
  const session = (await connections.session(profile)) as RedisSession;
  if (session.client.status !== 'end') return session;
  await connections.forget(profile.id);
  return (await connections.session(profile)) as RedisSession;
}

/** A client selected on `db`. */
export async function dbClient(connections: ConnectionService, profile: ConnectionProfile, db: number): Promise<IORedis> {
  const session = await redisSession(connections, profile);
  if (db === session.defaultDb) return session.client;
  let clients = perSession.get(session);
  if (!clients) {
    const made = new Map<number, Promise<IORedis>>();
    clients = made;
    perSession.set(session, made);
    session.client.once('end', () => {
      for (const c of made.values()) void c.then((x) => x.disconnect()).catch(() => undefined);
      made.clear();
    });
  }
  const existing = clients.get(db);
  if (existing) {
    const client = await existing.catch(() => undefined);
    if (client && client.status !== 'end') return client;
  }
  const opened = session.dedicated(db, 'upkeep-tree');
  clients.set(db, opened);
  opened.catch(() => clients.delete(db));
  return opened;
}
