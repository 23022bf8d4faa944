/** The Redis maintenance commands (`upkeep.redis.<name>`), each a method of RedisOpsCommands: a list the activation can hold without loading them. */
export const REDIS_OPS_COMMANDS = [
  'deleteKey', 'deleteMatching', 'expire', 'persist', 'renameKey', 'flushDb', 'flushAll', 'bgsave', 'bgrewriteaof', 'clients', 'killClient',
] as const;

export type RedisOpsCommand = (typeof REDIS_OPS_COMMANDS)[number];
