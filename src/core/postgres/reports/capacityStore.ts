/**
 * Capacity snapshots, one JSON line each, appended to a file per connection
 * (like the maintenance history): a crash loses at most the line being
 * written, and a torn or hand-edited line is skipped, not fatal.
 */
import { JsonLinesFiles } from '../../jsonl';

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
  private readonly files: JsonLinesFiles;

  constructor(dir: string) {
    this.files = new JsonLinesFiles(dir, '.capacity.jsonl');
  }

  append(connectionId: string, snapshot: CapacitySnapshot): Promise<void> {
    return this.files.append(connectionId, snapshot);
  }

  /** Every stored snapshot, oldest first by time (lines that are not snapshots are skipped). */
  async read(connectionId: string): Promise<CapacitySnapshot[]> {
    return (await this.files.readAll(connectionId)).filter(isSnapshot).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }
}
