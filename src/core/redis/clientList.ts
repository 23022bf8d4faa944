/** CLIENT LIST as records: one line per client, `field=value` pairs separated by spaces. */
export interface RedisClientInfo {
  id: string;
  addr: string;
  name: string;
  /** Seconds connected. */
  age: number;
  /** Seconds since its last command. */
  idle: number;
  db: number;
  /** The last (or current) command. */
  cmd: string;
  /** Memory it uses: tot-mem (Redis 6.2+), else its query and output buffers. */
  memoryBytes: number | null;
  flags: string;
  user: string;
}

export function parseClientList(text: string): RedisClientInfo[] {
  const out: RedisClientInfo[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const f: Record<string, string> = {};
    // Values hold no spaces (names cannot), except a possibly empty one: split on ' ' and keep the first '='.
    for (const part of line.split(' ')) {
      const i = part.indexOf('=');
      if (i > 0) f[part.slice(0, i)] = part.slice(i + 1);
    }
    if (!f['id']) continue;
    const totMem = f['tot-mem'];
    const buffers = ['qbuf', 'omem'].map((k) => Number(f[k] ?? NaN)).filter(Number.isFinite);
    out.push({
      id: f['id'],
      addr: f['addr'] ?? '',
      name: f['name'] ?? '',
      age: Number(f['age'] ?? 0),
      idle: Number(f['idle'] ?? 0),
      db: Number(f['db'] ?? 0),
      cmd: f['cmd'] ?? '',
      memoryBytes: totMem !== undefined ? Number(totMem) : buffers.length ? buffers.reduce((a, b) => a + b, 0) : null,
      flags: f['flags'] ?? '',
      user: f['user'] ?? '',
    });
  }
  return out;
}

/** "127.0.0.1:50412 (worker)". */
export function clientLabel(c: RedisClientInfo): string {
  return `${c.addr}${c.name ? ` (${c.name})` : ''}`;
}
