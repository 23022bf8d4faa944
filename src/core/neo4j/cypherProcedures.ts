/**
 * Procedure calls as the risk rules see them. Procedures that take Cypher as
 * text are judged by that text: the APOC runners (now), the periodic and
 * trigger procedures (later, on a schedule or on every matching commit,
 * without anyone asking then) and custom procedures (whenever they are
 * called). A procedure Upkeep does not know is counted as a write: it may
 * write, and a read-only connection refuses it rather than guess.
 */
import { closingParen, isPunct, type Token } from './cypherTokens';
import type { Verdict } from './cypherVerdict';

export interface Procedure {
  name: string;
  /** Tokens between its parentheses. */
  args: Token[];
}

/** `name.space.proc(args…)` starting at `i`, or undefined for `CALL {` / `CALL (x) {` subqueries. */
export function procedureAt(tokens: Token[], i: number): Procedure | undefined {
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

/** Procedures that run Cypher given to them as strings now: their strings are classified too. */
const CYPHER_RUNNERS = /^apoc\.(periodic|cypher|do)\.|^apoc\.(when|case)$/;
/** Batch runners: they repeat their inner statement until it runs out of rows, so any DELETE in it is destructive. */
const BATCH_RUNNERS = /^apoc\.periodic\./;
/** Procedures that keep Cypher text to run later, and when. */
const DEFERRED_RUNNERS: [RegExp, string][] = [
  [/^apoc\.trigger\.(add|install)$/, 'on every later commit its selector matches'],
  [/^apoc\.periodic\.(submit|repeat|schedule|countdown)$/, 'in the background, after the call returns'],
  [/^apoc\.custom\.(declare|install|as)(procedure|function)$/, 'whenever the custom procedure or function is called'],
];
const DESTRUCTIVE_PROCEDURES: [RegExp, string][] = [
  [/^apoc\.periodic\.truncate$/, 'apoc.periodic.truncate deletes every node and relationship in the database.'],
  [/^apoc\.nodes\.delete$/, 'apoc.nodes.delete deletes the nodes given to it and all of their relationships.'],
  [/^apoc\.refactor\.deleteandreconnect$/, 'apoc.refactor.deleteAndReconnect deletes nodes from a path.'],
  [/^apoc\.schema\.assert$/, 'apoc.schema.assert drops every index and constraint it is not given (unless dropExisting is false).'],
  [/^apoc\.trigger\.(drop|remove)(all)?$/, 'Removes APOC triggers.'],
  [/^apoc\.custom\.(remove|drop)/, 'Removes custom procedures or functions: callers fail from then on.'],
];
const HEAVY_PROCEDURES: [RegExp, string][] = [
  [/^db\.checkpoint$/, 'db.checkpoint forces a checkpoint: every dirty page is flushed to disk, heavy I/O while it runs.'],
];
const WRITE_PROCEDURES =
  /^(apoc\.(create|merge|refactor|periodic|atomic|lock|do|import|trigger|uuid|custom|static|graph\.|nodes\.(delete|link|collapse)|schema\.assert|cypher\.(doit|runwrite|runmany|runschema|runfiles?|runschemafiles?)$)|db\.(create|clearquerycaches|index\.(fulltext|vector)\.create|checkpoint)|dbms\.(setconfigvalue|kill|security\.))/;
/** …except the ones that only list or show. */
const LISTING_PROCEDURE = /\.(list|show)\w*$/;
/** Namespaces whose other procedures read: db.*, dbms.*, apoc.*, tx.*. Anything else is unknown here. */
const KNOWN_NAMESPACES = /^(db|dbms|apoc|tx)\./;

const DELETE_REASON = /DELETE/;

/** Adds what calling `p` does to `v`; `judgeText` judges Cypher given to it as text. */
export function judgeProcedure(p: Procedure, v: Verdict, judgeText: (text: string) => { verdict: Verdict; deletes: boolean }): void {
  const destructive = DESTRUCTIVE_PROCEDURES.find(([re]) => re.test(p.name));
  if (destructive) v.add('destructive', destructive[1]);
  const heavy = HEAVY_PROCEDURES.find(([re]) => re.test(p.name));
  if (heavy) v.add('heavy', heavy[1]);
  const listing = LISTING_PROCEDURE.test(p.name);
  const deferred = DEFERRED_RUNNERS.find(([re]) => re.test(p.name));
  const runsCypher = (CYPHER_RUNNERS.test(p.name) || deferred !== undefined) && !listing;
  const strings = p.args.filter((t) => t.kind === 'string');
  if (runsCypher) {
    let judged = false;
    for (const s of strings) {
      const inner = judgeText(s.text);
      if (deferred && inner.deletes) {
        v.add('destructive', `${p.name} keeps Cypher that deletes and runs it ${deferred[1]}, without asking anyone then.`);
        v.merge(inner.verdict, (r) => !DELETE_REASON.test(r));
      } else if (BATCH_RUNNERS.test(p.name) && inner.deletes) {
        // Repeated until nothing is left, so a LIMIT inside bounds a batch, not the delete.
        v.add('destructive', `${p.name} runs a DELETE batch after batch until nothing is left to match; each batch commits on its own.`);
        v.merge(inner.verdict, (r) => !DELETE_REASON.test(r));
      } else {
        v.merge(inner.verdict);
      }
      judged = true;
    }
    if (deferred) {
      v.add('safe', `${p.name} keeps Cypher to run ${deferred[1]}: what it does then is not asked about again.`);
      v.asksOnProduction = true;
    }
    if (!judged && p.args.some((t) => t.kind === 'param')) {
      v.add('safe', `${p.name} runs Cypher passed in parameters, which cannot be checked here.`);
      v.asksOnProduction = true;
    }
  }
  if (WRITE_PROCEDURES.test(p.name) && !listing) {
    v.add('safe', destructive || heavy || (runsCypher && strings.length) ? undefined : `Calls ${p.name}, which writes.`);
  } else if (!KNOWN_NAMESPACES.test(p.name)) {
    v.add('safe', `Calls ${p.name}, a procedure Upkeep does not know: counted as a write (a read-only connection refuses it).`);
    v.asksOnProduction = true;
  }
}
