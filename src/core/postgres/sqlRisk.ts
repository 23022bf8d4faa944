/**
 * Classifies one SQL statement by parsing it with PostgreSQL's own parser
 * (libpg-query) and looking at the tree, not at keywords: a DELETE inside a
 * CTE is found, a 'DROP' inside a string is not.
 */
import type * as LibPgQuery from 'libpg-query';
import type { Risk } from './maintenance';
import type { StatementRisk } from '../query/risk';

export interface SqlAnalysis extends StatementRisk {
  /** Returns rows worth streaming through a cursor (SELECT, SHOW, EXPLAIN, DML … RETURNING). */
  streamable: boolean;
  /** BEGIN / COMMIT / ROLLBACK / SAVEPOINT: meaningless when every statement runs on its own in autocommit. */
  transactionControl: boolean;
  /** The server's parser rejected it; it is sent as typed and the server reports the error. */
  parseError?: string;
}

type Node = Record<string, unknown>;
type Parser = (text: string) => { stmts?: { stmt?: Node }[] };
let parser: Parser | undefined;

/** Loads the WebAssembly parser once; classifySql needs it. */
export async function loadSqlParser(): Promise<void> {
  if (parser) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, like the drivers
  const lib = require('libpg-query') as typeof LibPgQuery;
  await lib.loadModule();
  parser = (t) => lib.parseSync(t);
}

const RANK: Record<Risk, number> = { safe: 0, heavy: 1, blocking: 2, destructive: 3 };

/** The statement's node type and body: { DropStmt: {...} } → ['DropStmt', {...}]. */
function unwrap(n: unknown): [string, Node] | undefined {
  if (typeof n !== 'object' || n === null) return undefined;
  const [entry] = Object.entries(n as Node);
  if (!entry || typeof entry[1] !== 'object' || entry[1] === null) return undefined;
  return [entry[0], entry[1] as Node];
}

/** Every node of the tree with its type name (depth first), for DML hidden in CTEs and subqueries. */
function* walk(value: unknown): Generator<[string, Node]> {
  if (Array.isArray(value)) {
    for (const v of value) yield* walk(v);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value as Node)) {
    if (/^[A-Z]/.test(k) && typeof v === 'object' && v !== null && !Array.isArray(v)) yield [k, v as Node];
    yield* walk(v);
  }
}

function relName(rel: unknown): string {
  const r = rel as { schemaname?: string; relname?: string } | undefined;
  if (!r?.relname) return 'the table';
  return r.schemaname ? `${r.schemaname}.${r.relname}` : r.relname;
}

function hasOption(options: unknown, name: string): boolean {
  if (!Array.isArray(options)) return false;
  return options.some((o) => {
    const d = (o as { DefElem?: { defname?: string; arg?: unknown } }).DefElem;
    if (d?.defname !== name) return false;
    // VACUUM (FULL false) is written out as an argument; no argument means true.
    const arg = d.arg as { Boolean?: { boolval?: boolean }; String?: { sval?: string } } | undefined;
    if (!arg) return true;
    if (arg.Boolean) return arg.Boolean.boolval === true;
    if (arg.String) return !/^(false|off|0|no)$/i.test(arg.String.sval ?? '');
    return true;
  });
}

const READ_ONLY_TOPS = new Set(['VariableShowStmt', 'VariableSetStmt', 'ExplainStmt', 'FetchStmt', 'ClosePortalStmt', 'DeclareCursorStmt', 'DiscardStmt']);
const EXPLAINABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'ExecuteStmt', 'DeclareCursorStmt', 'CreateTableAsStmt']);
const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

class Verdict {
  risk: Risk = 'safe';
  reasons: string[] = [];
  raise(risk: Risk, reason: string): void {
    if (RANK[risk] > RANK[this.risk]) this.risk = risk;
    if (!this.reasons.includes(reason)) this.reasons.push(reason);
  }
}

function judge(type: string, body: Node, v: Verdict): void {
  if (type.startsWith('Drop')) {
    const what = typeof body['removeType'] === 'string' ? body['removeType'].replace(/^OBJECT_/, '').replace(/_/g, ' ').toLowerCase() : type.replace(/^Drop|Stmt$/g, '').toLowerCase();
    const cascade = body['behavior'] === 'DROP_CASCADE' ? ' CASCADE also drops everything that depends on it.' : '';
    v.raise('destructive', `DROP removes the ${what || 'object'}; it cannot be undone.${cascade}`);
    return;
  }
  switch (type) {
    case 'TruncateStmt':
      v.raise('destructive', 'TRUNCATE removes every row at once and takes an ACCESS EXCLUSIVE lock.');
      return;
    case 'DeleteStmt':
      if (!body['whereClause']) v.raise('destructive', `DELETE without WHERE removes every row of ${relName(body['relation'])}.`);
      return;
    case 'UpdateStmt':
      if (!body['whereClause']) v.raise('destructive', `UPDATE without WHERE rewrites every row of ${relName(body['relation'])}.`);
      return;
    case 'VacuumStmt':
      if (hasOption(body['options'], 'full')) v.raise('blocking', 'VACUUM FULL rewrites each table under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends.');
      return;
    case 'ClusterStmt':
      v.raise('blocking', 'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends.');
      return;
    case 'AlterTableMoveAllStmt':
      v.raise('blocking', 'ALTER … ALL IN TABLESPACE … SET TABLESPACE copies every relation under an ACCESS EXCLUSIVE lock.');
      return;
    case 'AlterTableStmt':
      for (const c of (body['cmds'] as unknown[] | undefined) ?? []) {
        const sub = (c as { AlterTableCmd?: { subtype?: string } }).AlterTableCmd?.subtype;
        if (sub === 'AT_SetTableSpace') v.raise('blocking', `SET TABLESPACE copies ${relName(body['relation'])} under an ACCESS EXCLUSIVE lock.`);
        else if (sub === 'AT_DropColumn') v.raise('destructive', 'DROP COLUMN removes the column and its data.');
        else if (sub === 'AT_DropConstraint') v.raise('blocking', 'DROP CONSTRAINT takes an ACCESS EXCLUSIVE lock.');
      }
      return;
    case 'ReindexStmt':
      if (!hasOption(body['params'], 'concurrently')) v.raise('blocking', 'REINDEX without CONCURRENTLY blocks writes to the table while it runs.');
      return;
    case 'IndexStmt':
      if (body['concurrent'] !== true) v.raise('blocking', `CREATE INDEX without CONCURRENTLY blocks writes to ${relName(body['relation'])} while it builds.`);
      return;
    case 'LockStmt':
      v.raise('blocking', 'LOCK TABLE makes other sessions wait.');
      return;
  }
}

/** True when the statement (or anything inside it) may change something. */
function writes(type: string, body: Node): boolean {
  if (type === 'SelectStmt') {
    if (body['intoClause'] || body['lockingClause']) return true;
    for (const [t] of walk(body)) if (DML.has(t)) return true;
    return false;
  }
  if (type === 'ExplainStmt') {
    if (!hasOption(body['options'], 'analyze')) return false;
    const inner = unwrap(body['query']);
    return inner ? writes(inner[0], inner[1]) : true;
  }
  return !READ_ONLY_TOPS.has(type);
}

function streamable(type: string, body: Node): boolean {
  if (type === 'SelectStmt') return !body['intoClause'];
  if (type === 'ExplainStmt' || type === 'VariableShowStmt' || type === 'FetchStmt') return true;
  if (DML.has(type)) {
    // PostgreSQL 18's parser keeps RETURNING in returningClause.exprs; older trees had returningList.
    const clause = body['returningClause'] as { exprs?: unknown[] } | undefined;
    const list = clause?.exprs ?? body['returningList'];
    return Array.isArray(list) && list.length > 0;
  }
  return false;
}

export function classifySql(text: string): SqlAnalysis {
  if (!parser) throw new Error('Call loadSqlParser() first.');
  let stmts: { stmt?: Node }[];
  try {
    stmts = parser(text).stmts ?? [];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { risk: 'safe', reasons: [], writes: true, explainable: false, streamable: false, transactionControl: false, parseError: message };
  }
  const v = new Verdict();
  let anyWrite = false;
  let explainable = stmts.length === 1;
  let stream = stmts.length === 1;
  let txControl = false;
  for (const s of stmts) {
    const top = unwrap(s.stmt);
    if (!top) continue;
    const [type, body] = top;
    judge(type, body, v);
    // DML inside CTEs and EXPLAIN ANALYZE bodies counts too; a plain EXPLAIN runs nothing.
    const runsBody = type !== 'ExplainStmt' || hasOption(body['options'], 'analyze');
    if (runsBody) for (const [t, b] of walk(body)) judge(t, b, v);
    anyWrite ||= writes(type, body);
    explainable &&= EXPLAINABLE.has(type);
    stream &&= streamable(type, body);
    txControl ||= type === 'TransactionStmt';
  }
  return { risk: v.risk, reasons: v.reasons, writes: anyWrite, explainable, streamable: stream, transactionControl: txControl };
}
