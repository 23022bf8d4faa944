/** Cypher text as tokens for the risk rules: strings, comments and `backtick` names are read, never mistaken for keywords. */

export type TokenKind = 'word' | 'string' | 'ident' | 'param' | 'number' | 'punct';

export interface Token {
  kind: TokenKind;
  /** Words and punctuation as written; the unescaped content of strings and `identifiers`. */
  text: string;
}

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_]/u;

/** Cypher text → tokens, without comments and whitespace. */
export function lex(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && next === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const [content, end] = quoted(text, i);
      out.push({ kind: c === '`' ? 'ident' : 'string', text: content });
      i = end;
    } else if (c === '$') {
      let j = i + 1;
      if (text[j] === '`') {
        j = quoted(text, j)[1];
      } else {
        while (j < text.length && WORD_PART.test(text[j] as string)) j++;
      }
      out.push({ kind: 'param', text: text.slice(i, j) });
      i = j;
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD_PART.test(text[j] as string)) j++;
      out.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[0-9A-Za-z_]/.test(text[j] as string)) j++;
      out.push({ kind: 'number', text: text.slice(i, j) });
      i = j;
    } else {
      out.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return out;
}

/** The content of the string or identifier opening at `open` (escapes resolved), and the index after it. */
function quoted(text: string, open: number): [string, number] {
  const quote = text[open];
  let content = '';
  for (let j = open + 1; j < text.length; j++) {
    const ch = text[j] as string;
    if (quote !== '`' && ch === '\\') {
      const esc = text[j + 1] ?? '';
      content += esc === 'n' || esc === 't' || esc === 'r' ? ' ' : esc;
      j++;
    } else if (ch === quote) {
      if (quote === '`' && text[j + 1] === '`') {
        content += '`';
        j++;
      } else {
        return [content, j + 1];
      }
    } else {
      content += ch;
    }
  }
  return [content, text.length];
}

/** Upper-cased keyword at `i`, or '' when the token there is not a word in a keyword position. */
export function kw(tokens: Token[], i: number): string {
  const t = tokens[i];
  if (t?.kind !== 'word') return '';
  const prev = tokens[i - 1];
  if (prev?.kind === 'punct' && (prev.text === '.' || prev.text === ':')) return ''; // n.delete, :DELETE
  const next = tokens[i + 1];
  if (next?.kind === 'punct' && next.text === ':') return ''; // {delete: 1}
  return t.text.toUpperCase();
}

export function isPunct(t: Token | undefined, text: string): boolean {
  return t?.kind === 'punct' && t.text === text;
}

/** A name as the user wrote it: a word, a `quoted` name, a string or a $parameter. */
export function nameAt(tokens: Token[], i: number): string | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  if (t.kind === 'ident') return `\`${t.text}\``;
  if (t.kind === 'string') return `'${t.text}'`;
  if (t.kind === 'param') return t.text;
  if (t.kind !== 'word') return undefined;
  const up = t.text.toUpperCase();
  if (up === 'IF' || up === 'FOR' || up === 'ON' || up === 'OPTIONS') return undefined;
  let name = t.text;
  // composite.alias names
  for (let j = i + 1; isPunct(tokens[j], '.') && (tokens[j + 1]?.kind === 'word' || tokens[j + 1]?.kind === 'ident'); j += 2) {
    name += `.${tokens[j + 1]?.text ?? ''}`;
  }
  return name;
}

/** Index of the `)` closing the `(` at `open` (or the last token). */
export function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    if (isPunct(tokens[j], '(')) depth++;
    else if (isPunct(tokens[j], ')') && --depth === 0) return j;
  }
  return tokens.length - 1;
}
