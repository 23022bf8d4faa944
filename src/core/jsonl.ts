/**
 * Append-only JSON-lines files, one per connection: what the maintenance
 * history and the capacity snapshots are kept in. A line is written whole or
 * not at all in practice; a torn or hand-edited line is skipped on reading.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export class JsonLinesFiles {
  constructor(private readonly dir: string, private readonly suffix: string) {}

  file(id: string): string {
    // Ids are ours, but never let one name a path outside the folder.
    return path.join(this.dir, `${id.replace(/[^A-Za-z0-9_.-]/g, '_')}${this.suffix}`);
  }

  async append(id: string, value: unknown): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    await fs.promises.appendFile(this.file(id), `${JSON.stringify(value)}\n`, { encoding: 'utf8', flag: 'a' });
  }

  /** Every readable line's value, oldest first; no file means no lines. */
  async readAll(id: string): Promise<unknown[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file(id), 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return [];
      throw err;
    }
    const out: unknown[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // A torn line (a crash mid-append): skip it, keep the rest.
      }
    }
    return out;
  }
}
