/**
 * PostgreSQL's kind of Operation: the exact SQL, the lock it takes, how risky
 * it is. The tree, the palette and report fixes build these; the shared
 * operation flow runs them through this engine's executor (runner.ts).
 */
import type { Operation, Risk } from '../operations/operation';
import type { PgFeatures } from './features';
import { displayName, ident, qualified } from './identifiers';
import { inlineParams } from './sqlText';

export type { Risk };

/** What a statement locks, in PostgreSQL's words, and what that means for other sessions. */
export interface LockInfo {
  level: 'none' | 'ACCESS SHARE' | 'SHARE UPDATE EXCLUSIVE' | 'SHARE' | 'ACCESS EXCLUSIVE';
  effect: string;
}

export type OpKind = 'vacuum' | 'analyze' | 'reindex' | 'cluster' | 'checkpoint' | 'create-index' | 'drop-index' | 'cancel-backend' | 'terminate-backend';
export type ProgressView = 'vacuum' | 'analyze' | 'create_index' | 'cluster';

export interface OpTarget {
  kind: 'table' | 'index' | 'schema' | 'database' | 'server' | 'backend';
  database: string;
  schema?: string;
  /** Table, index, or database name. */
  name?: string;
  /** For an index: its table. */
  table?: string;
  pid?: number;
}

export interface MaintenanceOp extends Operation {
  engine: 'postgres';
  kind: OpKind;
  target: OpTarget;
  sql: string;
  /** Bound parameters ($1 …) for the few statements that take values. */
  params?: unknown[];
  lock: LockInfo;
  /** Always true: these statements must run outside a transaction block. */
  autocommit: true;
  /** Which pg_stat_progress_* view reports on it, if any. */
  progress?: ProgressView;
  /**
   * A CONCURRENTLY form (CREATE/DROP INDEX, REINDEX): it waits for every
   * transaction older than it, so it runs under its own, longer lock wait
   * (upkeep.maintenance.concurrentLockTimeoutMs) instead of the maintenance
   * lock_timeout; if it fails or is cancelled it may leave an invalid index.
   */
  concurrently?: true;
}

/** The fields a builder decides; the engine-neutral ones follow from them. */
type PgOpFields = Omit<MaintenanceOp, 'engine' | 'text' | 'language' | 'impact' | 'lockLevel'>;

function pgOp(f: PgOpFields): MaintenanceOp {
  return {
    engine: 'postgres',
    language: 'sql',
    text: inlineParams(f.sql, f.params),
    impact: f.lock.level === 'none' ? f.lock.effect : `${f.lock.level} lock: ${f.lock.effect}`,
    lockLevel: f.lock.level,
    ...f,
  };
}

/*
 * What others feel. Plain REINDEX takes SHARE on the table and ACCESS
 * EXCLUSIVE on the index it rebuilds (REINDEX TABLE: on each of its indexes).
 * Planning any query on a table takes ACCESS SHARE on every index of that
 * table, whether the plan uses it or not, so practically every query on the
 * table waits for a plain REINDEX — reads included, not only writes. The level
 * shown is therefore the index's ACCESS EXCLUSIVE.
 */
const LOCKS = {
  none: { level: 'none', effect: 'takes no table lock' },
  shareUpdateExclusive: { level: 'SHARE UPDATE EXCLUSIVE', effect: 'reads and writes continue; other VACUUM, ANALYZE, index builds and DDL on the table wait for it' },
  eachTable: { level: 'SHARE UPDATE EXCLUSIVE', effect: 'on each table in turn: reads and writes continue, other VACUUM, ANALYZE, index builds and DDL on that table wait; it reads every table of the database (an I/O load)' },
  concurrently: { level: 'SHARE UPDATE EXCLUSIVE', effect: 'reads and writes continue; it first waits for every transaction older than it to end, and other VACUUM, ANALYZE, index builds and DDL on the table wait for it' },
  concurrentlyMany: { level: 'SHARE UPDATE EXCLUSIVE', effect: 'on each table and its indexes in turn: reads and writes continue; it waits for transactions older than it at each step, other VACUUM, ANALYZE, index builds and DDL on the table wait, and it rewrites every index (an I/O load)' },
  accessExclusive: { level: 'ACCESS EXCLUSIVE', effect: 'blocks all reads and writes of the table while it runs' },
  reindexIndex: { level: 'ACCESS EXCLUSIVE', effect: 'on the index, and SHARE on its table: writes wait, and since planning any query on the table locks all of its indexes, practically every query on the table waits too, reads included' },
  reindexTable: { level: 'ACCESS EXCLUSIVE', effect: 'on each index of the table, and SHARE on the table: writes wait, and since planning any query on the table locks all of its indexes, practically every query on it waits too, reads included' },
  reindexMany: { level: 'ACCESS EXCLUSIVE', effect: 'table by table: SHARE on each table and ACCESS EXCLUSIVE on its indexes, so practically every query on the table being reindexed waits, reads included' },
} as const satisfies Record<string, LockInfo>;

export class UnsupportedOptionError extends Error {
  override name = 'UnsupportedOptionError';
}

function tableTarget(t: OpTarget): string {
  if (t.kind !== 'table' || !t.schema || !t.name) throw new Error(`expected a table target, got ${t.kind}`);
  return qualified(t.schema, t.name);
}

function label(t: OpTarget): string {
  switch (t.kind) {
    case 'table':
    case 'index':
      return displayName(t.schema, t.name ?? '');
    case 'schema':
      return `schema ${displayName(undefined, t.schema ?? '')}`;
    case 'database':
      return `database ${displayName(undefined, t.database)}`;
    case 'server':
      return 'server';
    case 'backend':
      return `backend ${t.pid ?? '?'}`;
  }
}

// ---------------------------------------------------------------- VACUUM

export interface VacuumOptions {
  full?: boolean;
  freeze?: boolean;
  analyze?: boolean;
  verbose?: boolean;
  skipLocked?: boolean;
  indexCleanup?: 'auto' | 'on' | 'off';
  truncate?: boolean;
  parallel?: number;
  disablePageSkipping?: boolean;
}

/** The VACUUM options this server understands, for the option picker. */
export function vacuumOptionsSupported(f: PgFeatures): (keyof VacuumOptions)[] {
  const out: (keyof VacuumOptions)[] = ['full', 'freeze', 'analyze', 'verbose'];
  if (f.vacuum.skipLocked) out.push('skipLocked');
  if (f.vacuum.indexCleanup) out.push('indexCleanup');
  if (f.vacuum.truncate) out.push('truncate');
  if (f.vacuum.parallel) out.push('parallel');
  if (f.vacuum.disablePageSkipping) out.push('disablePageSkipping');
  return out;
}

/** VACUUM of one table, or of the whole current database when the target is a database. */
export function buildVacuum(target: OpTarget, options: VacuumOptions, f: PgFeatures): MaintenanceOp {
  const supported = new Set(vacuumOptionsSupported(f));
  const parts: string[] = [];
  const want = (key: keyof VacuumOptions, text: string): void => {
    if (!supported.has(key)) throw new UnsupportedOptionError(`PostgreSQL ${Math.floor(f.versionNum / 10000)} has no VACUUM option ${text.split(' ')[0] ?? text}.`);
    parts.push(text);
  };
  if (options.full) want('full', 'FULL');
  if (options.freeze) want('freeze', 'FREEZE');
  if (options.verbose) want('verbose', 'VERBOSE');
  if (options.analyze) want('analyze', 'ANALYZE');
  if (options.disablePageSkipping) want('disablePageSkipping', 'DISABLE_PAGE_SKIPPING');
  if (options.skipLocked) want('skipLocked', 'SKIP_LOCKED');
  if (options.indexCleanup) {
    if (options.indexCleanup === 'auto' && !f.vacuum.indexCleanupAuto) throw new UnsupportedOptionError('INDEX_CLEANUP AUTO needs PostgreSQL 14.');
    want('indexCleanup', `INDEX_CLEANUP ${options.indexCleanup.toUpperCase()}`);
  }
  if (options.truncate !== undefined) want('truncate', `TRUNCATE ${options.truncate ? 'TRUE' : 'FALSE'}`);
  if (options.parallel !== undefined) {
    if (options.full) throw new UnsupportedOptionError('VACUUM FULL cannot run in parallel.');
    if (!Number.isInteger(options.parallel) || options.parallel < 0 || options.parallel > 1024) throw new UnsupportedOptionError('PARALLEL takes 0 to 1024 workers.');
    want('parallel', `PARALLEL ${options.parallel}`);
  }
  const opts = parts.length ? ` (${parts.join(', ')})` : '';
  const on = target.kind === 'table' ? ` ${tableTarget(target)}` : '';
  if (target.kind !== 'table' && target.kind !== 'database') throw new Error('VACUUM runs on a table or a database; a schema is vacuumed table by table.');
  return pgOp({
    kind: 'vacuum',
    title: `VACUUM${opts} ${label(target)}`,
    target,
    sql: `VACUUM${opts}${on}`,
    lock: options.full
      ? target.kind === 'database' ? { level: 'ACCESS EXCLUSIVE', effect: 'on each table in turn while it is rewritten: all reads and writes of that table wait' } : LOCKS.accessExclusive
      : target.kind === 'database' ? LOCKS.eachTable : LOCKS.shareUpdateExclusive,
    // FULL rewrites the table under ACCESS EXCLUSIVE: everything waits for it.
    // A whole database (FREEZE included) locks nobody out but reads and writes every table: heavy.
    risk: options.full ? 'blocking' : target.kind === 'database' ? 'heavy' : 'safe',
    autocommit: true,
    progress: options.full ? 'cluster' : 'vacuum',
    confirmName: target.kind === 'table' ? target.name ?? '' : target.database,
  });
}

// ---------------------------------------------------------------- ANALYZE

export function buildAnalyze(target: OpTarget, options: { verbose?: boolean; skipLocked?: boolean } = {}, f?: PgFeatures): MaintenanceOp {
  if (target.kind !== 'table' && target.kind !== 'database') throw new Error('ANALYZE runs on a table or a database; a schema is analyzed table by table.');
  const parts: string[] = [];
  if (options.verbose) parts.push('VERBOSE');
  if (options.skipLocked) {
    if (f && !f.vacuum.skipLocked) throw new UnsupportedOptionError('ANALYZE (SKIP_LOCKED) needs PostgreSQL 12.');
    parts.push('SKIP_LOCKED');
  }
  const opts = parts.length ? ` (${parts.join(', ')})` : '';
  return pgOp({
    kind: 'analyze',
    title: `ANALYZE${opts} ${label(target)}`,
    target,
    sql: `ANALYZE${opts}${target.kind === 'table' ? ` ${tableTarget(target)}` : ''}`,
    lock: target.kind === 'database' ? LOCKS.eachTable : LOCKS.shareUpdateExclusive,
    // A whole database samples every table: heavy.
    risk: target.kind === 'database' ? 'heavy' : 'safe',
    autocommit: true,
    progress: 'analyze',
    confirmName: target.kind === 'table' ? target.name ?? '' : target.database,
  });
}

// ---------------------------------------------------------------- REINDEX

export function buildReindex(target: OpTarget, options: { concurrently?: boolean; verbose?: boolean }, f: PgFeatures): MaintenanceOp {
  if (options.concurrently && !f.reindexConcurrently) throw new UnsupportedOptionError('REINDEX CONCURRENTLY needs PostgreSQL 12.');
  const verbose = options.verbose ? ' (VERBOSE)' : '';
  const conc = options.concurrently ? ' CONCURRENTLY' : '';
  const many = target.kind === 'schema' || target.kind === 'database';
  let what: string;
  switch (target.kind) {
    case 'index':
      what = `INDEX${conc} ${qualified(target.schema ?? '', target.name ?? '')}`;
      break;
    case 'table':
      what = `TABLE${conc} ${tableTarget(target)}`;
      break;
    case 'schema':
      what = `SCHEMA${conc} ${ident(target.schema ?? '')}`;
      break;
    case 'database':
      // REINDEX DATABASE names the database it is connected to.
      what = `DATABASE${conc} ${ident(target.database)}`;
      break;
    default:
      throw new Error(`REINDEX does not apply to a ${target.kind}.`);
  }
  return pgOp({
    kind: 'reindex',
    title: `REINDEX${conc} ${label(target)}`,
    target,
    sql: `REINDEX${verbose} ${what}`,
    lock: reindexLock(target.kind, options.concurrently === true),
    // Plain: practically every query on the table waits. CONCURRENTLY: nobody waits, but a
    // schema or a database rebuilds every index in it — heavy.
    risk: !options.concurrently ? 'blocking' : many ? 'heavy' : 'safe',
    autocommit: true,
    progress: 'create_index',
    ...(options.concurrently ? { concurrently: true as const } : {}),
    confirmName: target.kind === 'schema' ? target.schema ?? '' : target.kind === 'database' ? target.database : target.name ?? '',
  });
}

function reindexLock(kind: OpTarget['kind'], concurrently: boolean): LockInfo {
  const many = kind === 'schema' || kind === 'database';
  if (concurrently) return many ? LOCKS.concurrentlyMany : LOCKS.concurrently;
  return many ? LOCKS.reindexMany : kind === 'table' ? LOCKS.reindexTable : LOCKS.reindexIndex;
}

// ---------------------------------------------------------------- CLUSTER

export function buildCluster(target: OpTarget, index: string, options: { verbose?: boolean } = {}): MaintenanceOp {
  const verbose = options.verbose ? ' (VERBOSE)' : '';
  return pgOp({
    kind: 'cluster',
    title: `CLUSTER ${label(target)} USING ${displayName(undefined, index)}`,
    target,
    sql: `CLUSTER${verbose} ${tableTarget(target)} USING ${ident(index)}`,
    lock: LOCKS.accessExclusive,
    risk: 'blocking',
    autocommit: true,
    progress: 'cluster',
    confirmName: target.name ?? '',
  });
}

// ---------------------------------------------------------------- CHECKPOINT

export function buildCheckpoint(database: string): MaintenanceOp {
  return pgOp({
    kind: 'checkpoint',
    title: 'CHECKPOINT',
    target: { kind: 'server', database },
    sql: 'CHECKPOINT',
    lock: { level: 'none', effect: 'takes no table lock, but writes every dirty buffer to disk at once: an I/O burst that slows every session while it lasts' },
    // Nobody waits on a lock, but the whole server feels the write burst: heavy.
    risk: 'heavy',
    autocommit: true,
    confirmName: 'CHECKPOINT',
  });
}

// ---------------------------------------------------------------- indexes

export interface NewIndex {
  schema: string;
  table: string;
  name: string;
  columns: string[];
  unique?: boolean;
  method?: string;
}

export function buildCreateIndexConcurrently(database: string, ix: NewIndex): MaintenanceOp {
  if (!ix.columns.length) throw new Error('An index needs at least one column.');
  const method = ix.method && ix.method !== 'btree' ? ` USING ${ident(ix.method)}` : '';
  return pgOp({
    kind: 'create-index',
    title: `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY ${displayName(undefined, ix.name)} ON ${displayName(ix.schema, ix.table)}`,
    target: { kind: 'index', database, schema: ix.schema, name: ix.name, table: ix.table },
    sql: `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY ${ident(ix.name)} ON ${qualified(ix.schema, ix.table)}${method} (${ix.columns.map(ident).join(', ')})`,
    lock: LOCKS.concurrently,
    risk: 'safe',
    autocommit: true,
    progress: 'create_index',
    concurrently: true,
    confirmName: ix.name,
  });
}

export function buildDropIndexConcurrently(target: OpTarget): MaintenanceOp {
  if (target.kind !== 'index') throw new Error('DROP INDEX needs an index.');
  return pgOp({
    kind: 'drop-index',
    title: `DROP INDEX CONCURRENTLY ${label(target)}`,
    target,
    sql: `DROP INDEX CONCURRENTLY IF EXISTS ${qualified(target.schema ?? '', target.name ?? '')}`,
    lock: LOCKS.concurrently,
    risk: 'destructive',
    autocommit: true,
    concurrently: true,
    confirmName: target.name ?? '',
  });
}

// ---------------------------------------------------------------- backends

export function buildCancelBackend(database: string, pid: number): MaintenanceOp {
  return pgOp({
    kind: 'cancel-backend',
    title: `Cancel the query of backend ${pid}`,
    target: { kind: 'backend', database, pid },
    sql: 'SELECT pg_cancel_backend($1) AS signalled',
    params: [pid],
    lock: LOCKS.none,
    risk: 'blocking',
    autocommit: true,
    confirmName: String(pid),
  });
}

export function buildTerminateBackend(database: string, pid: number): MaintenanceOp {
  return pgOp({
    kind: 'terminate-backend',
    title: `Terminate backend ${pid}`,
    target: { kind: 'backend', database, pid },
    sql: 'SELECT pg_terminate_backend($1) AS signalled',
    params: [pid],
    lock: LOCKS.none,
    // Ends the session: its open transaction is rolled back.
    risk: 'destructive',
    autocommit: true,
    confirmName: String(pid),
  });
}
