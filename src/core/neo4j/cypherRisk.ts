/**
 * How risky a Cypher statement is, before it is sent: the run command asks
 * for confirmation with these reasons. Keywords count only outside strings,
 * comments and `backtick` names, and only where they can be keywords (not
 * `n.delete`, `:DELETE` labels or `{delete: 1}` map keys). The check is
 * deliberately simple and errs towards asking: a DELETE with no LIMIT before
 * it is destructive even when its MATCH happens to select one node.
 */
import type { Risk } from '../postgres/maintenance';
import type { StatementRisk } from '../query/risk';

export type { StatementRisk } from '../query/risk';

type TokenKind = 'word' | 'string' | 'ident' | 'param' | 'number' | 'punct';

interface Token {
  kind: TokenKind;
  /** Words and punctuation as written; the unescaped content of strings and `identifiers`. */
  text: string;
}

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_]/u;

/** Cypher text → tokens, without comments and whitespace. */
function lex(text: string): Token[] {
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
function kw(tokens: Token[], i: number): string {
  const t = tokens[i];
  if (t?.kind !== 'word') return '';
  const prev = tokens[i - 1];
  if (prev?.kind === 'punct' && (prev.text === '.' || prev.text === ':')) return ''; // n.delete, :DELETE
  const next = tokens[i + 1];
  if (next?.kind === 'punct' && next.text === ':') return ''; // {delete: 1}
  return t.text.toUpperCase();
}

function isPunct(t: Token | undefined, text: string): boolean {
  return t?.kind === 'punct' && t.text === text;
}

/** A name as the user wrote it: a word, a `quoted` name, a string or a $parameter. */
function nameAt(tokens: Token[], i: number): string | undefined {
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

const SCHEMA_INDEX_KINDS = new Set(['RANGE', 'TEXT', 'POINT', 'LOOKUP', 'FULLTEXT', 'VECTOR', 'BTREE']);
/** Objects CREATE and DROP can name in schema and administration commands. */
const ADMIN_OBJECTS = new Set(['INDEX', 'CONSTRAINT', 'DATABASE', 'ALIAS', 'USER', 'ROLE', 'SERVER']);
/** Statements that start with these are administration commands: they write and EXPLAIN cannot prefix them. */
const ADMIN_COMMANDS = new Set(['ALTER', 'GRANT', 'DENY', 'REVOKE', 'RENAME', 'START', 'STOP', 'ENABLE', 'DEALLOCATE', 'REALLOCATE', 'DRYRUN', 'TERMINATE']);

/** A schema or administration object after CREATE / DROP at `i`: its kind and name. */
function adminObject(tokens: Token[], i: number): { kind: string; name?: string; next: number } | undefined {
  let j = i;
  if (kw(tokens, j) === 'OR' && kw(tokens, j + 1) === 'REPLACE') j += 2;
  let kind = kw(tokens, j);
  if (SCHEMA_INDEX_KINDS.has(kind) && kw(tokens, j + 1) === 'INDEX') {
    kind = 'INDEX';
    j++;
  } else if (kind === 'COMPOSITE' && kw(tokens, j + 1) === 'DATABASE') {
    kind = 'DATABASE';
    j++;
  }
  if (!ADMIN_OBJECTS.has(kind)) return undefined;
  const name = nameAt(tokens, j + 1);
  return { kind: kind.toLowerCase(), ...(name ? { name } : {}), next: j + 1 };
}

/** Procedures that run Cypher given to them as strings: their strings are classified too. */
const CYPHER_RUNNERS = /^apoc\.(periodic|cypher|do)\.|^apoc\.(when|case)$/;
/** Batch runners: they repeat their inner statement until it runs out of rows, so any DELETE in it is destructive. */
const BATCH_RUNNERS = /^apoc\.periodic\./;
const DESTRUCTIVE_PROCEDURES: [RegExp, string][] = [
  [/^apoc\.periodic\.truncate$/, 'apoc.periodic.truncate deletes every node and relationship in the database.'],
  [/^apoc\.nodes\.delete$/, 'apoc.nodes.delete deletes the nodes given to it and all of their relationships.'],
  [/^apoc\.refactor\.deleteandreconnect$/, 'apoc.refactor.deleteAndReconnect deletes nodes from a path.'],
  [/^apoc\.schema\.assert$/, 'apoc.schema.assert drops every index and constraint it is not given (unless dropExisting is false).'],
  [/^apoc\.trigger\.(drop|remove)(all)?$/, 'Removes APOC triggers.'],
];
const WRITE_PROCEDURES =
  /^(apoc\.(create|merge|refactor|periodic|atomic|lock|do|import|trigger|uuid|custom|static|nodes\.(delete|link|collapse)|schema\.assert|cypher\.(doit|runwrite|runmany|runschema|runfiles?|runschemafiles?)$)|db\.(create|clearquerycaches|index\.(fulltext|vector)\.create)|dbms\.(setconfigvalue|kill|security\.))/;
/** …except the ones that only list or show. */
const LISTING_PROCEDURE = /\.(list|show)\w*$/;

interface Delete {
  detach: boolean;
  limited: boolean;
}

interface Procedure {
  name: string;
  /** Tokens between its parentheses. */
  args: Token[];
}

interface Analysis {
  empty: boolean;
  prefix?: 'EXPLAIN' | 'PROFILE';
  first: string;
  deletes: Delete[];
  inTransactions: boolean;
  /** Data-changing clauses other than DELETE, in order, once each. */
  clauses: string[];
  drops: { kind: string; name?: string }[];
  schemaCreate?: { kind: string; name?: string };
  procedures: Procedure[];
  terminates: boolean;
}

/** Index of the first clause after `CYPHER …` options, `EXPLAIN` / `PROFILE` and `USE name`. */
function leading(tokens: Token[]): { start: number; prefix?: 'EXPLAIN' | 'PROFILE' } {
  let i = 0;
  if (kw(tokens, 0) === 'CYPHER') {
    i = 1;
    for (;;) {
      if (tokens[i]?.kind === 'number') i++;
      else if (tokens[i]?.kind === 'word' && isPunct(tokens[i + 1], '=')) i += 3;
      else break;
    }
  }
  let prefix: 'EXPLAIN' | 'PROFILE' | undefined;
  const p = kw(tokens, i);
  if (p === 'EXPLAIN' || p === 'PROFILE') {
    prefix = p;
    i++;
  }
  if (kw(tokens, i) === 'USE') {
    i += 2;
    while (isPunct(tokens[i], '.')) i += 2;
    if (isPunct(tokens[i], '(')) i = closingParen(tokens, i) + 1;
  }
  return { start: i, ...(prefix ? { prefix } : {}) };
}

/** Index of the `)` closing the `(` at `open` (or the last token). */
function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    if (isPunct(tokens[j], '(')) depth++;
    else if (isPunct(tokens[j], ')') && --depth === 0) return j;
  }
  return tokens.length - 1;
}

function analyze(tokens: Token[]): Analysis {
  const { start, prefix } = leading(tokens);
  const first = kw(tokens, start);
  const a: Analysis = {
    empty: tokens.length === 0,
    ...(prefix ? { prefix } : {}),
    first,
    deletes: [],
    inTransactions: false,
    clauses: [],
    drops: [],
    procedures: [],
    terminates: first === 'TERMINATE',
  };
  const clause = (c: string): void => {
    if (!a.clauses.includes(c)) a.clauses.push(c);
  };
  if (first === 'CREATE') {
    const obj = adminObject(tokens, start + 1);
    if (obj) a.schemaCreate = { kind: obj.kind, ...(obj.name ? { name: obj.name } : {}) };
  }
  let limitSeen = false;
  for (let i = 0; i < tokens.length; i++) {
    const w = kw(tokens, i);
    switch (w) {
      case 'LIMIT':
        limitSeen = true;
        break;
      case 'DELETE':
        a.deletes.push({ detach: kw(tokens, i - 1) === 'DETACH', limited: limitSeen });
        break;
      case 'CREATE':
        if (!(i === start && a.schemaCreate)) clause('CREATE');
        break;
      case 'MERGE':
      case 'SET':
      case 'REMOVE':
      case 'FOREACH':
        clause(w);
        break;
      case 'LOAD':
        if (kw(tokens, i + 1) === 'CSV') clause('LOAD CSV');
        break;
      case 'DROP': {
        const obj = adminObject(tokens, i + 1);
        a.drops.push(obj ? { kind: obj.kind, ...(obj.name ? { name: obj.name } : {}) } : { kind: 'object' });
        break;
      }
      case 'TRANSACTIONS':
        if (kw(tokens, i - 1) === 'IN' || kw(tokens, i - 1) === 'CONCURRENT') a.inTransactions = true;
        break;
      case 'TERMINATE':
        if (first === 'SHOW') a.terminates = true;
        break;
      case 'CALL': {
        const proc = procedureAt(tokens, i + 1);
        if (proc) a.procedures.push(proc);
        break;
      }
      default:
        break;
    }
  }
  return a;
}

/** `name.space.proc(args…)` starting at `i`, or undefined for `CALL {` / `CALL (x) {` subqueries. */
function procedureAt(tokens: Token[], i: number): Procedure | undefined {
  const parts: string[] = [];
  let j = i;
  while (tokens[j]?.kind === 'word' || tokens[j]?.kind === 'ident') {
    parts.push(tokens[j]?.text ?? '');
    if (!isPunct(tokens[j + 1], '.')) {
      j++;
      break;
    }
    j += 2;
  }
  if (!parts.length) return undefined;
  const args = isPunct(tokens[j], '(') ? tokens.slice(j + 1, closingParen(tokens, j)) : [];
  return { name: parts.join('.').toLowerCase(), args };
}

const RANK: Record<Risk, number> = { safe: 0, heavy: 1, blocking: 2, destructive: 3 };

/** Risk, writes and reasons gathered while judging; reasons come out most serious first. */
class Verdict {
  risk: Risk = 'safe';
  writes = false;
  private readonly found: { rank: number; text: string }[] = [];

  add(risk: Risk, reason: string | undefined, writes = true): void {
    if (RANK[risk] > RANK[this.risk]) this.risk = risk;
    if (writes) this.writes = true;
    if (reason && !this.found.some((r) => r.text === reason)) this.found.push({ rank: RANK[risk], text: reason });
  }

  merge(other: Verdict, keep: (reason: string) => boolean = () => true): void {
    if (RANK[other.risk] > RANK[this.risk]) this.risk = other.risk;
    if (other.writes) this.writes = true;
    for (const r of other.found) if (keep(r.text) && !this.found.some((f) => f.text === r.text)) this.found.push(r);
  }

  reasons(): string[] {
    return [...this.found].sort((a, b) => b.rank - a.rank).map((r) => r.text);
  }
}

const OBJECT_DROPS: Record<string, (name: string) => string> = {
  index: (n) => `Drops index ${n}: queries that use it fall back to scans until it is created again.`,
  constraint: (n) => `Drops constraint ${n}: the data is no longer checked against it (an index it owns goes too).`,
  database: (n) => `Drops database ${n} and all of its data.`,
};

function dropReason(kind: string, name: string | undefined): string {
  const n = name ?? `the ${kind}`;
  return OBJECT_DROPS[kind]?.(n) ?? `Drops ${kind === 'object' ? 'a schema or administration object' : `${kind} ${name ?? ''}`.trim()}.`;
}

function judge(tokens: Token[]): { verdict: Verdict; analysis: Analysis } {
  const a = analyze(tokens);
  const v = new Verdict();
  if (a.prefix === 'EXPLAIN') return { verdict: v, analysis: a }; // planned, never run
  for (const d of a.deletes) {
    const what = d.detach ? 'DETACH DELETE' : 'DELETE';
    if (a.inTransactions) {
      v.add('destructive', `${what} inside CALL { … } IN TRANSACTIONS deletes in batches that each commit: stopping part-way keeps what was already deleted.`);
    } else if (!d.limited) {
      v.add(
        'destructive',
        d.detach
          ? 'DETACH DELETE with no LIMIT before it deletes every matched node and all of its relationships.'
          : 'DELETE with no LIMIT before it deletes everything the statement matches.',
      );
    } else {
      v.add('safe', `${what} comes after a LIMIT, so it deletes at most that many rows.`);
    }
  }
  for (const d of a.drops) v.add('destructive', dropReason(d.kind, d.name));
  if (a.schemaCreate) {
    const { kind, name } = a.schemaCreate;
    const named = name ? `${kind} ${name}` : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
    v.add(
      'safe',
      kind === 'index'
        ? `Creates ${named}; it is populated in the background after the statement returns.`
        : kind === 'constraint'
          ? `Creates ${named}; it fails if existing data breaks it.`
          : `Creates ${named}.`,
    );
  }
  if (ADMIN_COMMANDS.has(a.first)) {
    const start = leading(tokens).start;
    if (a.first === 'STOP' && kw(tokens, start + 1) === 'DATABASE') {
      v.add('blocking', `Stops database ${nameAt(tokens, start + 2) ?? ''}`.trimEnd() + ': it refuses every query until it is started again.');
    } else if (a.first !== 'TERMINATE') {
      v.add('safe', `${a.first} is an administration command: it changes the server's configuration.`);
    }
  }
  if (a.terminates) v.add('safe', 'Terminates transactions: their work is rolled back.');
  for (const p of a.procedures) judgeProcedure(p, v);
  // SET in ALTER USER … SET PASSWORD is not a data change: administration commands say what they do above.
  const command = ADMIN_COMMANDS.has(a.first) || a.first === 'DROP' || a.first === 'SHOW' || a.schemaCreate !== undefined;
  if (a.clauses.length && !command) v.add('safe', `Changes data (${a.clauses.join(', ')}).`);
  return { verdict: v, analysis: a };
}

const DELETE_REASON = /DELETE/;

function judgeProcedure(p: Procedure, v: Verdict): void {
  const destructive = DESTRUCTIVE_PROCEDURES.find(([re]) => re.test(p.name));
  if (destructive) v.add('destructive', destructive[1]);
  const listing = LISTING_PROCEDURE.test(p.name);
  const runsCypher = CYPHER_RUNNERS.test(p.name) && !listing;
  const strings = p.args.filter((t) => t.kind === 'string');
  if (runsCypher) {
    for (const s of strings) {
      const inner = judge(lex(s.text));
      if (BATCH_RUNNERS.test(p.name) && inner.analysis.deletes.length) {
        // Repeated until nothing is left, so a LIMIT inside bounds a batch, not the delete.
        v.add('destructive', `${p.name} runs a DELETE batch after batch until nothing is left to match; each batch commits on its own.`);
        v.merge(inner.verdict, (r) => !DELETE_REASON.test(r));
      } else {
        v.merge(inner.verdict);
      }
    }
    if (!strings.length && p.args.some((t) => t.kind === 'param')) {
      v.add('safe', `${p.name} runs Cypher passed in parameters, which cannot be checked here.`);
    }
  }
  if (WRITE_PROCEDURES.test(p.name) && !listing) v.add('safe', destructive || (runsCypher && strings.length) ? undefined : `Calls ${p.name}, which writes.`);
}

function result(v: Verdict, explainable: boolean): StatementRisk {
  return { risk: v.risk, reasons: v.reasons(), writes: v.writes, explainable };
}

const NOT_EXPLAINABLE = new Set(['SHOW', 'DROP', ...ADMIN_COMMANDS]);

/** Classifies one Cypher statement (several separated by `;` are judged together). */
export function classifyCypher(text: string): StatementRisk {
  const statements: Token[][] = [[]];
  for (const t of lex(text)) {
    if (isPunct(t, ';')) statements.push([]);
    else statements[statements.length - 1]?.push(t);
  }
  const nonEmpty = statements.filter((s) => s.length);
  const total = new Verdict();
  let explainable = nonEmpty.length === 1;
  for (const tokens of nonEmpty) {
    const { verdict, analysis } = judge(tokens);
    total.merge(verdict);
    if (analysis.prefix || !analysis.first || NOT_EXPLAINABLE.has(analysis.first) || analysis.schemaCreate) explainable = false;
  }
  return result(total, explainable);
}
