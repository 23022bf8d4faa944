/**
 * Splits a Cypher file into statements. Cypher has no scanner on npm worth
 * depending on, so this one is small and explicit: it knows '…' and "…"
 * strings with backslash escapes, `…` identifiers (a doubled backtick escapes),
 * // and /* … *\/ comments, and Neo4j Browser / cypher-shell console commands
 * (:param, :use, :begin…), which are flagged and never sent as Cypher.
 */
export type CypherStatementKind = 'cypher' | 'console' | 'incomplete';

export interface CypherStatement {
  kind: CypherStatementKind;
  text: string;
  start: number;
  end: number;
  note?: string;
}

const CONSOLE_NOTE = 'A console command of Neo4j Browser or cypher-shell: not Cypher, so it is not sent.';
const INCOMPLETE_NOTE = 'An unterminated string, identifier or comment starts here.';

export function splitCypher(text: string): CypherStatement[] {
  const out: CypherStatement[] = [];
  let i = 0;
  let first = -1; // first character of the statement being read (not a comment or space)
  let last = -1; // just past its last such character
  const push = (end: number, kind: CypherStatementKind = 'cypher', note?: string): void => {
    if (first >= 0) out.push({ kind, text: text.slice(first, last), start: first, end, ...(note ? { note } : {}) });
    first = -1;
    last = -1;
  };
  const mark = (from: number, to: number): void => {
    if (first < 0) first = from;
    last = to;
  };
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return incompleteFrom(out, text, first >= 0 ? first : i);
      i = close + 2;
      continue;
    }
    if (c === ':' && first < 0 && /[A-Za-z]/.test(next ?? '')) {
      // A console command runs to the end of its line.
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? text.length : nl;
      first = i;
      last = i + text.slice(i, end).trimEnd().length;
      push(end, 'console', CONSOLE_NOTE);
      i = end;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const end = closing(text, i, c);
      if (end < 0) return incompleteFrom(out, text, first >= 0 ? first : i);
      mark(i, end);
      i = end;
      continue;
    }
    if (c === ';') {
      push(i + 1);
      i++;
      continue;
    }
    if (!/\s/.test(c)) mark(i, i + 1);
    i++;
  }
  push(last);
  return out;
}

/** Index just past the quote that closes the one at `open`, or -1. */
function closing(text: string, open: number, quote: string): number {
  for (let j = open + 1; j < text.length; j++) {
    const ch = text[j];
    if (quote !== '`' && ch === '\\') {
      j++;
      continue;
    }
    if (ch === quote) {
      if (quote === '`' && text[j + 1] === '`') {
        j++;
        continue;
      }
      return j + 1;
    }
  }
  return -1;
}

function incompleteFrom(done: CypherStatement[], text: string, start: number): CypherStatement[] {
  return [...done, { kind: 'incomplete', text: text.slice(start).trimEnd(), start, end: text.length, note: INCOMPLETE_NOTE }];
}
