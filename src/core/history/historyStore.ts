/**
 * Maintenance history: one JSON line per operation, appended to a file per
 * connection. Append-only — entries are never rewritten — so a crash loses at
 * most the line being written, and a damaged line is skipped, not fatal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface HistoryEntry {
  at: string;
  connectionId: string;
  connectionName: string;
  database: string;
  kind: string;
  title: string;
  sql: string;
  lock: string;
  risk: string;
  status: 'done' | 'cancelled' | 'failed' | 'not run';
  durationMs: number;
  before?: { sizeBytes: number | null; deadTuples?: number | null; liveTuples?: number | null };
  after?: { sizeBytes: number | null; deadTuples?: number | null; liveTuples?: number | null };
  message?: string;
}

export class HistoryStore {
  constructor(private readonly dir: string) {}

  private file(connectionId: string): string {
    // Profile ids are ours, but never let one name a path outside the folder.
    return path.join(this.dir, `${connectionId.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`);
  }

  async append(entry: HistoryEntry): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    await fs.promises.appendFile(this.file(entry.connectionId), `${JSON.stringify(entry)}\n`, { encoding: 'utf8', flag: 'a' });
  }

  /** Newest first; at most `limit` entries. */
  async read(connectionId: string, limit = 500): Promise<HistoryEntry[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file(connectionId), 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return [];
      throw err;
    }
    const out: HistoryEntry[] = [];
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = lines[i]?.trim();
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as HistoryEntry);
      } catch {
        // A torn or hand-edited line: skip it, keep the rest.
      }
    }
    return out;
  }
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
    lines.push(`| ${e.at.replace('T', ' ').slice(0, 19)} | ${cell(e.database)} | \`${cell(e.sql)}\` | ${e.status}${e.message ? `: ${cell(e.message)}` : ''} | ${(e.durationMs / 1000).toFixed(1)} s | ${size} | ${dead} |`);
  }
  return `${lines.join('\n')}\n`;
}
