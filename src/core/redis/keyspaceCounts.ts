/** The databases INFO keyspace lists (`db3:keys=1204,expires=342,avg_ttl=0`): only those holding keys appear. */
export interface KeyspaceDb {
  db: number;
  keys: number;
  expires: number;
}

export function keyspaceOf(info: Record<string, string>): KeyspaceDb[] {
  const out: KeyspaceDb[] = [];
  for (const [name, value] of Object.entries(info)) {
    const m = /^db(\d+)$/.exec(name);
    if (!m) continue;
    const fields = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
    out.push({ db: Number(m[1]), keys: Number(fields['keys'] ?? 0), expires: Number(fields['expires'] ?? 0) });
  }
  return out.sort((a, b) => a.db - b.db);
}
