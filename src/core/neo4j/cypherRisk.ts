/**
 * How risky a Cypher statement is, before it is sent: the run command asks
 * for confirmation with these reasons. Keywords count only outside strings,
 * comments and `backtick` names, and only where they can be keywords (not
 * `n.delete`, `:DELETE` labels or `{delete: 1}` map keys). The check is
 * deliberately simple and errs towards asking: a DELETE with no LIMIT before
 * it is destructive even when its MATCH happens to select one node.
 * Administration commands are judged in cypherAdmin.ts, procedure calls in
 * cypherProcedures.ts.
 */
import type { StatementRisk } from '../query/risk';
import { ADMIN_COMMANDS, adminObject, dropReason, judgeAdminCommand, judgeCreate, type AdminObject } from './cypherAdmin';
import { judgeProcedure, procedureAt, type Procedure } from './cypherProcedures';
import { closingParen, isPunct, kw, lex, type Token } from './cypherTokens';
import { Verdict } from './cypherVerdict';

export type { StatementRisk } from '../query/risk';

interface Delete {
  detach: boolean;
  limited: boolean;
}

interface Analysis {
  empty: boolean;
  prefix?: 'EXPLAIN' | 'PROFILE';
  start: number;
  first: string;
  deletes: Delete[];
  inTransactions: boolean;
  /** Data-changing clauses other than DELETE, in order, once each. */
  clauses: string[];
  drops: { kind: string; name?: string }[];
  schemaCreate?: AdminObject;
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

function analyze(tokens: Token[]): Analysis {
  const { start, prefix } = leading(tokens);
  const first = kw(tokens, start);
  const a: Analysis = {
    empty: tokens.length === 0,
    ...(prefix ? { prefix } : {}),
    start,
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
    if (obj) a.schemaCreate = { kind: obj.kind, ...(obj.name ? { name: obj.name } : {}), ...(obj.replace ? { replace: true } : {}) };
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
  if (a.schemaCreate) judgeCreate(a.schemaCreate, v);
  if (ADMIN_COMMANDS.has(a.first)) judgeAdminCommand(tokens, a.start, a.first, v);
  if (a.terminates) v.add('safe', 'Terminates transactions: their work is rolled back.');
  const judgeText = (text: string): { verdict: Verdict; deletes: boolean } => {
    const inner = judge(lex(text));
    return { verdict: inner.verdict, deletes: inner.analysis.deletes.length > 0 };
  };
  for (const p of a.procedures) judgeProcedure(p, v, judgeText);
  // SET in ALTER USER … SET PASSWORD is not a data change: administration commands say what they do above.
  const command = ADMIN_COMMANDS.has(a.first) || a.first === 'DROP' || a.first === 'SHOW' || a.schemaCreate !== undefined;
  if (a.clauses.length && !command) v.add('safe', `Changes data (${a.clauses.join(', ')}).`);
  return { verdict: v, analysis: a };
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
  return total.result(explainable);
}
