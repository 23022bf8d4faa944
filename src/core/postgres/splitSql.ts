/**
 * Splits a SQL file into statements with PostgreSQL's own scanner (libpg-query,
 * the server's lexer compiled to WebAssembly), so dollar-quoted bodies, E''
 * strings, quoted identifiers and nested comments are read exactly as the
 * server reads them. psql meta-commands and COPY … FROM STDIN data are found
 * first, flagged, and never sent.
 */
import type * as LibPgQuery from 'libpg-query';
import type { ScanToken } from 'libpg-query';

export type SqlStatementKind = 'sql' | 'psql-meta' | 'copy-from-stdin' | 'incomplete';

export interface SqlStatement {
  kind: SqlStatementKind;
  /** The statement as written (without its terminating ';'). */
  text: string;
  /** String offsets in the document: first token, and just past the ';' (or the last token). */
  start: number;
  end: number;
  /** Why a flagged statement is not sent. */
  note?: string;
}

type Scanner = (text: string) => { tokens: ScanToken[] };
let scanner: Scanner | undefined;

/** Loads the WebAssembly scanner once; splitSql needs it. */
export async function loadSqlScanner(): Promise<void> {
  if (scanner) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, like the drivers
  const lib = require('libpg-query') as typeof LibPgQuery;
  await lib.loadModule();
  scanner = (t) => lib.scanSync(t);
}

const META_NOTE = 'psql meta-command: not SQL, so it is not sent.';
const COPY_NOTE = 'COPY … FROM STDIN reads its rows from the client: run it with psql.';
const INCOMPLETE_NOTE = 'An unterminated string, quoted identifier or comment starts here.';

/** Replaces a range with spaces (keeping newlines), so offsets stay put and the scanner skips it. */
function mask(text: string, from: number, to: number): string {
  return text.slice(0, from) + text.slice(from, to).replace(/[^\n]/g, ' ') + text.slice(to);
}

/** Maps UTF-8 byte offsets (the scanner's) to string offsets. */
function byteToChar(text: string): (byte: number) => number {
  const map: number[] = [];
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) ?? 0;
    const len = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < len; k++) map[b + k] = i;
    b += len;
    if (code >= 0x10000) i++; // surrogate pair: one code point, two string units
  }
  map[b] = text.length;
  return (byte) => map[byte] ?? text.length;
}

interface Tok {
  start: number;
  end: number;
  text: string;
  name: string;
}

function tokens(text: string): Tok[] {
  if (!scanner) throw new Error('Call loadSqlScanner() first.');
  const toChar = byteToChar(text);
  return scanner(text).tokens.map((t) => ({ start: toChar(t.start), end: toChar(t.end), text: t.text, name: t.tokenName }));
}

const isComment = (t: Tok): boolean => t.name === 'SQL_COMMENT' || t.name === 'C_COMMENT';

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}

export function splitSql(input: string): SqlStatement[] {
  let text = input;
  const flagged: SqlStatement[] = [];
  // Each pass either finishes or masks one meta-command or COPY data block and looks again.
  for (let pass = 0; pass < 10_000; pass++) {
    let toks: Tok[];
    try {
      toks = tokens(text);
    } catch {
      return [...flagged, ...splitIncomplete(input, text)].sort((a, b) => a.start - b.start);
    }
    const found = findFlagged(input, text, toks);
    if (!found) return [...flagged, ...statementsOf(input, toks)].sort((a, b) => a.start - b.start);
    flagged.push(found.statement);
    text = mask(text, found.from, found.to);
    // Keep the length: the ';' stands where the backslash was.
    if (found.terminates) text = `${text.slice(0, found.from)};${text.slice(found.from + 1)}`;
  }
  throw new Error('The file has too many psql meta-commands to split.');
}

/** The first psql meta-command or COPY … FROM STDIN data block at a statement start, if any. */
function findFlagged(input: string, text: string, toks: Tok[]): { statement: SqlStatement; from: number; to: number; terminates?: boolean } | undefined {
  let stmt: Tok[] = [];
  for (const t of toks) {
    if (isComment(t)) continue;
    if (t.text === '\\') {
      // psql reads a backslash outside quotes as a meta-command up to the end of the line.
      // \g, \gx, \gset… also send the query buffer: they end the statement like ';'.
      const end = lineEnd(text, t.start);
      const meta = input.slice(t.start, end).trimEnd();
      return { statement: { kind: 'psql-meta', text: meta, start: t.start, end, note: META_NOTE }, from: t.start, to: end, terminates: stmt.length > 0 && /^\\g/.test(meta) };
    }
    stmt.push(t);
    if (t.text === ';') {
      if (isCopyFromStdin(stmt)) {
        const first = stmt[0] as Tok;
        const dataStart = lineEnd(text, t.end) + 1;
        const terminator = /^\\\.[ \t]*$/m;
        const rest = text.slice(Math.min(dataStart, text.length));
        const m = terminator.exec(rest);
        const dataEnd = m ? dataStart + m.index + m[0].length : text.length;
        return {
          statement: { kind: 'copy-from-stdin', text: input.slice(first.start, t.start), start: first.start, end: dataEnd, note: COPY_NOTE },
          from: first.start,
          to: dataEnd,
        };
      }
      stmt = [];
    }
  }
  return undefined;
}

function isCopyFromStdin(stmt: Tok[]): boolean {
  if (stmt[0]?.text.toUpperCase() !== 'COPY') return false;
  return stmt.some((t, i) => t.text.toUpperCase() === 'FROM' && stmt[i + 1]?.text.toUpperCase() === 'STDIN');
}

/**
 * Statement ends are top-level ';' tokens: not inside parentheses, and not
 * inside a BEGIN ATOMIC … END body (SQL-standard function bodies, PostgreSQL 14+).
 */
function statementsOf(input: string, toks: Tok[]): SqlStatement[] {
  const out: SqlStatement[] = [];
  let first: Tok | undefined;
  let last: Tok | undefined;
  let parens = 0;
  let atomic = 0;
  let prev: Tok | undefined;
  const close = (end: number): void => {
    if (first && last) out.push({ kind: 'sql', text: input.slice(first.start, last.end), start: first.start, end });
    first = undefined;
    last = undefined;
  };
  for (const t of toks) {
    if (isComment(t)) continue;
    const word = t.text.toUpperCase();
    if (t.text === ';' && parens === 0 && atomic === 0) {
      close(t.end);
      prev = t;
      continue;
    }
    if (t.text === '(') parens++;
    else if (t.text === ')') parens = Math.max(0, parens - 1);
    else if (word === 'ATOMIC' && prev?.text.toUpperCase() === 'BEGIN') atomic++;
    else if (atomic > 0 && word === 'CASE') atomic++;
    else if (atomic > 0 && word === 'END') atomic--;
    first ??= t;
    last = t;
    prev = t;
  }
  if (last) close(last.end);
  return out;
}

/**
 * The scanner stops at an unterminated string or comment. Keep the longest
 * prefix that scans and ends at a ';', split that, and flag the rest.
 */
function splitIncomplete(input: string, text: string): SqlStatement[] {
  for (let i = text.lastIndexOf(';'); i >= 0; i = text.lastIndexOf(';', i - 1)) {
    let toks: Tok[];
    try {
      toks = tokens(text.slice(0, i + 1));
    } catch {
      continue;
    }
    const lastTok = toks[toks.length - 1];
    if (lastTok?.text !== ';' || lastTok.end !== i + 1) continue;
    const done = statementsOf(input, toks);
    const restStart = i + 1 + (text.slice(i + 1).length - text.slice(i + 1).trimStart().length);
    return [...done, ...(restStart < text.length ? [incomplete(input, restStart, text.length)] : [])];
  }
  const start = text.length - text.trimStart().length;
  return start < text.length ? [incomplete(input, start, text.length)] : [];
}

function incomplete(input: string, start: number, end: number): SqlStatement {
  return { kind: 'incomplete', text: input.slice(start, end).trimEnd(), start, end, note: INCOMPLETE_NOTE };
}
