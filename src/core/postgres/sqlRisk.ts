/**
 * Classifies one SQL statement by parsing it with PostgreSQL's own parser
 * (libpg-query) and looking at the tree, not at keywords: a DELETE inside a
 * CTE is found, a 'DROP' inside a string is not.
 */
import type * as LibPgQuery from 'libpg-query';
import type { Risk } from './maintenance';
import type { StatementRisk } from '../query/risk';
import { ACTING_FUNCTIONS, SERIAL_TYPES, VOLATILE_FUNCTIONS } from './sqlFunctions';

export interface SqlAnalysis extends StatementRisk {
  /** Returns rows worth streaming through a cursor (SELECT, SHOW, EXPLAIN, DML … RETURNING). */
  streamable: boolean;
  /** BEGIN / COMMIT / ROLLBACK / SAVEPOINT: meaningless when every statement runs on its own in autocommit. */
  transactionControl: boolean;
  /** The server's parser rejected it; it is sent as typed and the server reports the error. */
  parseError?: string;
  /**
   * CREATE INDEX / REINDEX / DROP INDEX / DETACH PARTITION … CONCURRENTLY:
   * waits for older transactions by design (a lock wait on each one's
   * virtual transaction id), while its own locks let reads and writes through.
   * A lock timeout would only make it fail half-way, leaving an invalid index.
   */
  waitsForOlderTransactions: boolean;
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
  /** Something changes even though no DML is in sight (an acting function, a DO block, a procedure). */
  acts = false;
  asksOnProduction = false;
  raise(risk: Risk, reason: string): void {
    if (RANK[risk] > RANK[this.risk]) this.risk = risk;
    if (!this.reasons.includes(reason)) this.reasons.push(reason);
  }
}

/** The last part of a (possibly schema-qualified) function name: pg_catalog.pg_terminate_backend → pg_terminate_backend. */
function funcName(call: Node): string {
  const parts = (call['funcname'] as { String?: { sval?: string } }[] | undefined) ?? [];
  return parts.at(-1)?.String?.sval ?? '';
}

/** Every function called in a part of the tree. */
function* calls(value: unknown): Generator<string> {
  for (const [t, b] of walk(value)) if (t === 'FuncCall') yield funcName(b);
}

/** Statements that store expressions for later (a view's query, a column default) rather than run them now. */
const STORES_EXPRESSIONS = new Set(['ViewStmt', 'CreateStmt', 'RuleStmt', 'CreateTrigStmt', 'CreatePolicyStmt', 'AlterPolicyStmt', 'CreateFunctionStmt', 'IndexStmt', 'CreateDomainStmt', 'AlterDomainStmt']);

/** Calls of server functions that act (end a session, drop a slot, advance a sequence) in what the statement runs. */
function judgeCalls(type: string, body: Node, v: Verdict): void {
  if (STORES_EXPRESSIONS.has(type)) return;
  // ALTER … SET DEFAULT stores its expression; ADD COLUMN's default is judged with the column.
  const scope = type === 'AlterTableStmt' ? ((body['cmds'] as unknown[] | undefined) ?? []).filter((c) => (c as { AlterTableCmd?: { subtype?: string } }).AlterTableCmd?.subtype !== 'AT_ColumnDefault') : body;
  for (const name of calls(scope)) {
    const f = ACTING_FUNCTIONS[name];
    if (!f) continue;
    v.acts = true;
    if (f.asks) v.asksOnProduction = true;
    v.raise(f.risk, `${name}() ${f.does}: it is not a read.`);
  }
}

function constraintsOf(def: Node | undefined): Node[] {
  return ((def?.['constraints'] as { Constraint?: Node }[] | undefined) ?? []).flatMap((c) => (c.Constraint ? [c.Constraint] : []));
}

/** Why ADD COLUMN must give every existing row its own value (a table rewrite), or undefined when the default is stored once. */
function addColumnRewrite(def: Node | undefined): string | undefined {
  const typeNames = ((def?.['typeName'] as { names?: { String?: { sval?: string } }[] } | undefined)?.names ?? []).map((n) => n.String?.sval ?? '');
  const type = typeNames.at(-1) ?? '';
  if (SERIAL_TYPES.has(type)) return `type ${type} (its default nextval() gives each row its own value)`;
  for (const c of constraintsOf(def)) {
    if (c['contype'] === 'CONSTR_IDENTITY') return 'GENERATED … AS IDENTITY (each row gets its own value)';
    // PostgreSQL 18's VIRTUAL generated columns are computed when read; STORED ones are written into every row.
    if (c['contype'] === 'CONSTR_GENERATED' && c['generated_kind'] !== 'v') return 'GENERATED … STORED (computed and written into every row)';
    if (c['contype'] === 'CONSTR_DEFAULT') {
      const volatile = [...calls(c['raw_expr'])].find((n) => VOLATILE_FUNCTIONS.has(n));
      if (volatile) return `DEFAULT ${volatile}(): a volatile function gives each row its own value (Upkeep recognises common volatile functions by name)`;
    }
  }
  return undefined;
}

const RELATION_RENAMES = new Set(['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_TABCONSTRAINT', 'OBJECT_SEQUENCE']);

function judgeAlterTable(body: Node, v: Verdict): void {
  const rel = relName(body['relation']);
  const waitRW = 'reads and writes wait until it ends';
  for (const c of (body['cmds'] as unknown[] | undefined) ?? []) {
    const cmd = (c as { AlterTableCmd?: Node }).AlterTableCmd;
    if (!cmd) continue;
    const column = typeof cmd['name'] === 'string' ? cmd['name'] : 'the column';
    const def = cmd['def'] as Node | undefined;
    switch (cmd['subtype']) {
      case 'AT_SetTableSpace':
        v.raise('blocking', `SET TABLESPACE copies ${rel} under an ACCESS EXCLUSIVE lock.`);
        break;
      case 'AT_DropColumn':
        v.raise('destructive', 'DROP COLUMN removes the column and its data.');
        break;
      case 'AT_DropConstraint':
        v.raise('blocking', 'DROP CONSTRAINT takes an ACCESS EXCLUSIVE lock.');
        break;
      case 'AT_AlterColumnType':
        v.raise('blocking', `ALTER COLUMN ${column} TYPE takes an ACCESS EXCLUSIVE lock on ${rel} and, unless the old type converts to the new one unchanged (varchar(10) → text), rewrites the table and rebuilds its indexes: ${waitRW}.`);
        break;
      case 'AT_SetNotNull':
        v.raise('blocking', `SET NOT NULL takes an ACCESS EXCLUSIVE lock on ${rel} and reads every row to check ${column} (unless a valid CHECK (${column} IS NOT NULL) constraint already proves it): ${waitRW}.`);
        break;
      case 'AT_AddConstraint': {
        const con = (def as { Constraint?: Node } | undefined)?.Constraint;
        if (!con) break;
        const validates = con['skip_validation'] !== true;
        if (con['contype'] === 'CONSTR_FOREIGN' && validates) {
          v.raise('blocking', `ADD FOREIGN KEY without NOT VALID takes SHARE ROW EXCLUSIVE locks on ${rel} and ${relName(con['pktable'])} and checks every row: writes to both tables wait until it ends. ADD … NOT VALID, then VALIDATE CONSTRAINT, lets writes through.`);
        } else if (con['contype'] === 'CONSTR_CHECK' && validates) {
          v.raise('blocking', `ADD CHECK without NOT VALID takes an ACCESS EXCLUSIVE lock on ${rel} and checks every row: ${waitRW}. ADD … NOT VALID, then VALIDATE CONSTRAINT, lets them through.`);
        } else if ((con['contype'] === 'CONSTR_PRIMARY' || con['contype'] === 'CONSTR_UNIQUE' || con['contype'] === 'CONSTR_EXCLUSION') && !con['indexname']) {
          v.raise('blocking', `ADD ${String(con['contype']).replace('CONSTR_', '').replace('PRIMARY', 'PRIMARY KEY')} builds its index under an ACCESS EXCLUSIVE lock on ${rel}: ${waitRW}. CREATE UNIQUE INDEX CONCURRENTLY, then ADD … USING INDEX, avoids that.`);
        }
        break;
      }
      case 'AT_DetachPartition':
        if ((def as { PartitionCmd?: { concurrent?: boolean } } | undefined)?.PartitionCmd?.concurrent !== true) {
          v.raise('blocking', `DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on ${rel} and the partition: every query on ${rel} waits until it ends.`);
        }
        break;
      case 'AT_AddColumn': {
        const why = addColumnRewrite((def as { ColumnDef?: Node } | undefined)?.ColumnDef);
        if (why) v.raise('blocking', `ADD COLUMN with ${why} rewrites ${rel} under an ACCESS EXCLUSIVE lock: ${waitRW}.`);
        break;
      }
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
        v.raise('blocking', `SET ${cmd['subtype'] === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED'} rewrites ${rel} under an ACCESS EXCLUSIVE lock: ${waitRW}.`);
        break;
      case 'AT_SetAccessMethod':
        v.raise('blocking', `SET ACCESS METHOD rewrites ${rel} under an ACCESS EXCLUSIVE lock: ${waitRW}.`);
        break;
    }
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
      judgeAlterTable(body, v);
      return;
    case 'RenameStmt':
      if (RELATION_RENAMES.has(String(body['renameType']))) {
        const rel = relName(body['relation']);
        v.raise('blocking', `RENAME takes an ACCESS EXCLUSIVE lock on ${rel}: it waits for every transaction that has used ${rel}, every query on ${rel} waits behind it, and statements that use the old name fail afterwards.`);
      }
      return;
    case 'RefreshMatViewStmt':
      if (body['concurrent'] !== true) v.raise('blocking', `REFRESH MATERIALIZED VIEW without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on ${relName(body['relation'])}: reads of it wait until the refresh ends.`);
      return;
    case 'DoStmt':
      v.acts = true;
      v.asksOnProduction = true;
      v.raise('safe', 'DO runs a procedural block whose statements Upkeep cannot judge before they run: it may write, drop or lock anything.');
      return;
    case 'CallStmt':
      v.acts = true;
      v.asksOnProduction = true;
      v.raise('safe', `CALL runs the procedure ${funcName((body['funccall'] as Node | undefined) ?? {})}, whose statements Upkeep cannot judge before they run.`);
      return;
    case 'ReindexStmt':
      // Planning any query on a table locks all of its indexes, so the ACCESS EXCLUSIVE lock on one index stops reads too.
      if (!hasOption(body['params'], 'concurrently')) {
        v.raise('blocking', 'REINDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on each index it rebuilds (and a SHARE lock on its table): writes wait, and so does practically every query on the table, because planning a query locks all of its indexes.');
      }
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

function waitsForOlderTransactions(type: string, body: Node): boolean {
  if (type === 'IndexStmt' || type === 'DropStmt') return body['concurrent'] === true;
  if (type === 'ReindexStmt') return hasOption(body['params'], 'concurrently');
  if (type === 'AlterTableStmt') {
    return ((body['cmds'] as unknown[] | undefined) ?? []).some((c) => {
      const cmd = (c as { AlterTableCmd?: { subtype?: string; def?: { PartitionCmd?: { concurrent?: boolean } } } }).AlterTableCmd;
      return cmd?.subtype === 'AT_DetachPartition' && cmd.def?.PartitionCmd?.concurrent === true;
    });
  }
  return false;
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
    return { risk: 'safe', reasons: [], writes: true, explainable: false, streamable: false, transactionControl: false, waitsForOlderTransactions: false, parseError: message };
  }
  const v = new Verdict();
  let anyWrite = false;
  let explainable = stmts.length === 1;
  let stream = stmts.length === 1;
  let txControl = false;
  let waits = false;
  for (const s of stmts) {
    const top = unwrap(s.stmt);
    if (!top) continue;
    const [type, body] = top;
    judge(type, body, v);
    // DML inside CTEs and EXPLAIN ANALYZE bodies counts too; a plain EXPLAIN runs nothing.
    const runsBody = type !== 'ExplainStmt' || hasOption(body['options'], 'analyze');
    if (runsBody) {
      for (const [t, b] of walk(body)) judge(t, b, v);
      judgeCalls(type, body, v);
    }
    anyWrite ||= writes(type, body);
    waits ||= waitsForOlderTransactions(type, body);
    explainable &&= EXPLAINABLE.has(type);
    stream &&= streamable(type, body);
    txControl ||= type === 'TransactionStmt';
  }
  const analysis: SqlAnalysis = { risk: v.risk, reasons: v.reasons, writes: anyWrite || v.acts, explainable, streamable: stream, transactionControl: txControl, waitsForOlderTransactions: waits };
  if (v.asksOnProduction) analysis.asksOnProduction = true;
  return analysis;
}
