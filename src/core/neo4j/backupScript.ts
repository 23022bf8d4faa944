/**
 * Reading a Neo4j backup file (APOC's `cypher-shell` export format) piece by
 * piece as it streams from disk, so a file of any size is replayed with
 * bounded memory. The format is Cypher statements ended by `;`, grouped by
 * the console commands `:begin` / `:commit` (one transaction each; schema
 * statements and data never share one), with `CALL db.awaitIndexes(…)`
 * between them in auto-commit.
 *
 * The reader knows '…' and "…" strings with backslash escapes, `…` names (a
 * doubled backtick escapes; names may span lines), // and /* *\/ comments,
 * and a console command: a line starting with `:` where a statement would
 * start. It keeps its state between chunks, so a chunk may end anywhere.
 */

export type ScriptItem =
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  /** A console command other than the three above (`:param`, `:use`): never sent. */
  | { kind: 'console'; text: string }
  | { kind: 'statement'; text: string };

type State = 'code' | 'single' | 'double' | 'name' | 'line-comment' | 'block-comment' | 'console';

/**
 * Per state, a run of characters that only append to the text (or, in
 * comments, are dropped). Code excludes ':' so a console command is still
 * seen where a statement starts.
 */
const PLAIN: Record<State, RegExp | undefined> = {
  code: /[^'"`/;:]*/y,
  single: /[^'\\]*/y,
  double: /[^"\\]*/y,
  name: /[^`]*/y,
  'line-comment': /[^\n]*/y,
  'block-comment': /[^*]*/y,
  console: /[^\n]*/y,
};

export class CypherScriptReader {
  private state: State = 'code';
  /** The statement (or console line) read so far. */
  private text = '';
  /** Whether `text` is only white space so far (kept, not computed: the text may be long). */
  private blank = true;
  /** A backslash in a string, or a backtick in a name, whose meaning depends on the next character. */
  private pending: 'escape' | 'backtick' | 'slash' | 'star' | undefined;

  /** The items completed by this chunk. */
  push(chunk: string): ScriptItem[] {
    const out: ScriptItem[] = [];
    let i = 0;
    while (i < chunk.length) {
      // Runs of characters that change nothing are copied in one slice (a file is mostly such runs).
      if (!this.pending) {
        const plain = PLAIN[this.state];
        if (plain) {
          plain.lastIndex = i;
          const m = plain.exec(chunk);
          if (m && m[0].length) {
            if (this.state !== 'line-comment' && this.state !== 'block-comment') {
              this.text += m[0];
              if (this.blank && /\S/.test(m[0])) this.blank = false;
            }
            i += m[0].length;
            if (i >= chunk.length) break;
          }
        }
      }
      this.step(chunk[i] as string, out);
      i++;
    }
    return out;
  }

  /** The end of the file: the last statement may lack its `;`. Throws when a string, name or comment is left open. */
  end(): ScriptItem[] {
    const out: ScriptItem[] = [];
    if (this.pending === 'backtick' && this.state === 'name') {
      this.pending = undefined;
      this.state = 'code';
    }
    if (this.pending === 'slash') {
      this.pending = undefined;
      this.text += '/';
    }
    if (this.state === 'console') this.finishConsole(out);
    else if (this.state === 'line-comment') this.state = 'code';
    if (this.state !== 'code') throw new Error(`The backup file ends inside ${this.state === 'name' ? 'a `name`' : this.state === 'block-comment' ? 'a /* comment */' : 'a string'}: it is truncated.`);
    this.finishStatement(out);
    return out;
  }

  private step(c: string, out: ScriptItem[]): void {
    switch (this.state) {
      case 'single':
      case 'double':
        this.text += c;
        if (this.pending === 'escape') this.pending = undefined;
        else if (c === '\\') this.pending = 'escape';
        else if (c === (this.state === 'single' ? "'" : '"')) this.state = 'code';
        return;
      case 'name':
        if (this.pending === 'backtick') {
          this.pending = undefined;
          if (c === '`') {
            this.text += c;
            return;
          }
          this.state = 'code';
          this.step(c, out);
          return;
        }
        this.text += c;
        if (c === '`') this.pending = 'backtick';
        return;
      case 'line-comment':
        if (c === '\n') {
          this.state = 'code';
          if (this.text) this.text += '\n';
        }
        return;
      case 'block-comment':
        if (this.pending === 'star' && c === '/') {
          this.pending = undefined;
          this.state = 'code';
          if (this.text) this.text += ' ';
          return;
        }
        this.pending = c === '*' ? 'star' : undefined;
        return;
      case 'console':
        if (c === '\n') this.finishConsole(out);
        else this.text += c;
        return;
      case 'code':
        this.code(c, out);
    }
  }

  private code(c: string, out: ScriptItem[]): void {
    if (this.pending === 'slash') {
      this.pending = undefined;
      if (c === '/') {
        this.state = 'line-comment';
        return;
      }
      if (c === '*') {
        this.state = 'block-comment';
        return;
      }
      this.text += '/';
    }
    if (c === '/') {
      this.pending = 'slash';
      return;
    }
    if (c === ':' && this.blank) {
      this.text = '';
      this.state = 'console';
      return;
    }
    if (c === ';') {
      this.finishStatement(out);
      return;
    }
    this.text += c;
    if (this.blank && c.trim()) this.blank = false;
    if (c === "'") this.state = 'single';
    else if (c === '"') this.state = 'double';
    else if (c === '`') this.state = 'name';
  }

  private finishStatement(out: ScriptItem[]): void {
    const text = this.text.trim();
    this.text = '';
    this.blank = true;
    if (text) out.push({ kind: 'statement', text });
  }

  private finishConsole(out: ScriptItem[]): void {
    const text = this.text.trim();
    this.text = '';
    this.blank = true;
    this.state = 'code';
    const command = text.split(/\s+/)[0]?.toLowerCase();
    if (command === 'begin' || command === 'commit' || command === 'rollback') out.push({ kind: command });
    else out.push({ kind: 'console', text: `:${text}` });
  }
}

/** Every item of a whole text (tests, small files). */
export function readScript(text: string): ScriptItem[] {
  const r = new CypherScriptReader();
  return [...r.push(text), ...r.end()];
}

/** The label and key APOC's export marks imported nodes with, to join relationships to them. */
export const IMPORT_LABEL = 'UNIQUE IMPORT LABEL';
export const IMPORT_KEY = 'UNIQUE IMPORT ID';
export const IMPORT_CONSTRAINT = 'UNIQUE_IMPORT_NAME';

/**
 * APOC's clean-up statements at the end of an export: they take the import
 * marker off the nodes and drop its constraint. Verify skips them, so every
 * imported node keeps the marker and its own clean-up deletes exactly those.
 */
export function isImportCleanup(statement: string): boolean {
  const s = statement.replace(/\s+/g, ' ').trim();
  if (s === `DROP CONSTRAINT ${IMPORT_CONSTRAINT}` || s === `DROP CONSTRAINT \`${IMPORT_CONSTRAINT}\``) return true;
  return s.startsWith(`MATCH (n:\`${IMPORT_LABEL}\`)`) && s.includes(`REMOVE n:\`${IMPORT_LABEL}\``) && !/\b(DELETE|CREATE|MERGE|SET|CALL)\b/i.test(s);
}
