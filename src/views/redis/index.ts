/** Redis's tree: connection (server facts) → logical databases → namespaces → keys, and the commands that act on it. */
import type { EngineViews } from '../registry';
import { RedisConnectionNode } from './nodes';

export const redisViews: EngineViews = {
  connectionNode: (profile, scope, ctx) => new RedisConnectionNode(profile, scope, { connections: ctx.connections, changed: ctx.changed }),
};

export { RedisTreeCommands, type RedisCommandDeps } from './commands';
