/**
 * Capacity snapshots, one JSON line each, appended to a file per connection
 * (like the maintenance history): a crash loses at most the line being
 * written, and a torn or hand-edited line is skipped, not fatal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CapacitySnapshot {
  /** ISO 8601. */
  at: string;
  /** The database the tables were read in (databases are server-wide). */
  database?: string;
  databases: { name: string; bytes: number }[];
  /** The largest tables (20), keyed "schema.name". */
  tables: { key: string; bytes: number; schema?: string; name?: string }[];
}

function isSnapshot(v: unknown): v is CapacitySnapshot {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<Record<keyof CapacitySnapshot, unknown>>;
  return (
    typeof s.at === 'string' && !Number.isNaN(Date.parse(s.at)) &&
    Array.isArray(s.databases) && s.databases.every((d: unknown) => typeof (d as { name?: unknown }).name === 'string' && typeof (d as { bytes?: unknown }).bytes === 'number') &&
    Array.isArray(s.tables) && s.tables.every((t: unknown) => typeof (t as { key?: unknown }).key === 'string' && typeof (t as { bytes?: unknown }).bytes === 'number')
  );
}

export class CapacityStore {
  constructor(private readonly dir: string) {}

  private file(connectionId: string): string {
    // Never let an id name a path outside the folder.
    return path.join(this.dir, `${connectionId.replace(/[^A-Za-z0-9_.-]/g, '_')}.capacity.jsonl`);
  }

  async append(connectionId: string, snapshot: CapacitySnapshot): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    await fs.promises.appendFile(this.file(connectionId), `${JSON.stringify(snapshot)}\n`, { encoding: 'utf8', flag: 'a' });
  }

  /** Every stored snapshot, oldest first. */
  async read(connectionId: string): Promise<CapacitySnapshot[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file(connectionId), 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return [];
      throw err;
    }
    const out: CapacitySnapshot[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (isSnapshot(parsed)) out.push(parsed);
      } catch {
        // A torn line (a crash mid-append): skip it, keep the rest.
      }
    }
    return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }
}
