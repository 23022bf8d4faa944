/** The URI scheme of a Redis value's read-only document (its own module: activation registers the provider without loading the tree). */
export const REDIS_VALUE_SCHEME = 'upkeep-redis-value';
