/** The logical databases INFO keyspace lists (`db3:keys=1204,expires=342,avg_ttl=0`): only those holding keys appear. */

/** A logical database as INFO keyspace describes it. */
export interface RedisDatabase {
  db: number;
  keys: number;
  expires: number;
  avgTtlMs: number;
}

/** The `dbN` lines of an INFO map (parseRedisInfo), by database number. */
export function parseKeyspace(info: Record<string, string>): RedisDatabase[] {
  const out: RedisDatabase[] = [];
  for (const [name, value] of Object.entries(info)) {
    const m = /^db(\d+)$/.exec(name);
    if (!m) continue;
    const fields = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
    out.push({ db: Number(m[1]), keys: Number(fields['keys'] ?? 0), expires: Number(fields['expires'] ?? 0), avgTtlMs: Number(fields['avg_ttl'] ?? 0) });
  }
  return out.sort((a, b) => a.db - b.db);
}
