/**
 * Maintenance history: one JSON line per operation, appended to a file per
 * connection. Append-only — entries are never rewritten — so a crash loses at
 * most the line being written, and a damaged line is skipped, not fatal.
 */
import { JsonLinesFiles } from '../jsonl';
import { isEngine, type Engine } from '../connections/profile';

/**
 * One operation of any engine. Lines written before engines were told apart
 * have `sql` and no `engine`/`text`: read() fills those in (PostgreSQL).
 */
export interface HistoryEntry {
  at: string;
  connectionId: string;
  connectionName: string;
  engine: Engine;
  /** PostgreSQL and Neo4j: the database it ran in. */
  database?: string;
  kind: string;
  title: string;
  /** The exact text that was sent. */
  text: string;
  /** What it did to others, in words. */
  impact?: string;
  /** PostgreSQL: the lock level. */
  lock?: string;
  risk: string;
  status: 'done' | 'cancelled' | 'failed' | 'not run';
  durationMs: number;
  before?: { sizeBytes: number | null; deadTuples?: number | null; liveTuples?: number | null };
  after?: { sizeBytes: number | null; deadTuples?: number | null; liveTuples?: number | null };
  message?: string;
}

export class HistoryStore {
  private readonly files: JsonLinesFiles;

  constructor(dir: string) {
    this.files = new JsonLinesFiles(dir, '.jsonl');
  }

  append(entry: HistoryEntry): Promise<void> {
    return this.files.append(entry.connectionId, entry);
  }

  /** Newest first; at most `limit` entries. */
  async read(connectionId: string, limit = 500): Promise<HistoryEntry[]> {
    const all = (await this.files.readAll(connectionId)) as (HistoryEntry & { sql?: string })[];
    return all.reverse().slice(0, limit).map(upgrade);
  }
}

/** An entry as written by any version: older lines had `sql` and no engine. */
function upgrade(e: HistoryEntry & { sql?: string }): HistoryEntry {
  const { sql, ...rest } = e;
  return { ...rest, engine: isEngine(e.engine) ? e.engine : 'postgres', text: typeof e.text === 'string' ? e.text : sql ?? '' };
}

/** A readable Markdown page of a connection's history, newest first. */
export function historyToMarkdown(connectionName: string, entries: HistoryEntry[], formatBytes: (n: number | null | undefined) => string): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`# Maintenance history — ${cell(connectionName)}`, '', `${entries.length} operation${entries.length === 1 ? '' : 's'}, newest first.`, ''];
  if (!entries.length) return `${lines.join('\n')}\nNothing has run on this connection yet.\n`;
  lines.push('| when | database | operation | status | took | size before → after | dead tuples before → after |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const e of entries) {
    const size = e.before || e.after ? `${formatBytes(e.before?.sizeBytes)} → ${formatBytes(e.after?.sizeBytes)}` : '';
    const dead = e.before?.deadTuples != null || e.after?.deadTuples != null ? `${e.before?.deadTuples ?? '—'} → ${e.after?.deadTuples ?? '—'}` : '';
    lines.push(`| ${e.at.replace('T', ' ').slice(0, 19)} | ${cell(e.database ?? '')} | \`${cell(e.text)}\` | ${e.status}${e.message ? `: ${cell(e.message)}` : ''} | ${(e.durationMs / 1000).toFixed(1)} s | ${size} | ${dead} |`);
  }
  return `${lines.join('\n')}\n`;
}
