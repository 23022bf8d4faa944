/** Health checks on the data: cache hits, wraparound, sequences, dead tuples, slow statements. */
import { tooManyDeadTuples } from '../health';
import { displayName, ident } from '../identifiers';
import { buildVacuum } from '../maintenance';
import { formatDuration } from '../../format';
import { HELD_LOCKS_CTE, readAroundLocks, tableLockedSql, totalSizeSql } from '../relationLocks';
import { col, finding, iso, lockNote, num, round1, rowKey, type ReportContext, type SectionResult, USER_SCHEMAS_SQL } from './common';
import { type AgeLevels, describeLevels, judgeAge, towardsWraparound, wraparoundLevels } from './wraparound';
import type { Severity } from '../../reports/model';
import type { PgFinding as Finding, ReportThresholds } from './model';

/** Fewer blocks than this (8 MB) read in all: too few to judge a ratio by (a fresh or just-restarted server). */
export const CACHE_HIT_MIN_BLOCKS = 1000;

export const PG_STAT_STATEMENTS_GUIDE = "pg_stat_statements is not enabled here: add it to shared_preload_libraries (then restart), and run CREATE EXTENSION pg_stat_statements; in this database.";

/** The cache hit ratio (percent, one decimal) is below `cacheHitMin`, over enough blocks to judge by. */
export function cacheHitLow(hit: number, read: number, th: Pick<ReportThresholds, 'cacheHitMin'>): boolean {
  return hit + read >= CACHE_HIT_MIN_BLOCKS && round1((100 * hit) / (hit + read)) < th.cacheHitMin;
}

export async function cacheHitCheck(ctx: ReportContext): Promise<SectionResult> {
  const rows = await ctx.conn.query<{ what: string; hit: string | null; read: string | null }>(
    ctx.database,
    `SELECT 'tables' AS what, sum(heap_blks_hit) AS hit, sum(heap_blks_read) AS read FROM pg_statio_user_tables
     UNION ALL
     SELECT 'indexes', sum(idx_blks_hit), sum(idx_blks_read) FROM pg_statio_user_indexes`,
  );
  const min = ctx.thresholds.cacheHitMin;
  const out = rows.map((r) => {
    const hit = num(r.hit) ?? 0;
    const read = num(r.read) ?? 0;
    return { key: r.what, label: r.what === 'tables' ? 'Tables' : 'Indexes', hit, read, ratio: hit + read > 0 ? round1((100 * hit) / (hit + read)) : null };
  });
  const findings = out.filter((r) => cacheHitLow(r.hit, r.read, ctx.thresholds)).map((r) =>
    finding('health', 'cache-hit', r.key, 'warning', `${r.key} of ${displayName(undefined, ctx.database)}`,
      `cache hit ratio for ${r.key} is ${r.ratio}%, below ${min}%: the hot data does not fit in shared_buffers (or the server was restarted recently)`,
      { hitBlocks: r.hit, readBlocks: r.read, ratio: r.ratio }));
  return {
    section: {
      id: 'cache-hit',
      title: 'Cache hit ratio',
      description: `Blocks found in shared_buffers against blocks read from the OS, since statistics were reset. Should be above ${min}% (pghero aims at 99%); not judged below ${CACHE_HIT_MIN_BLOCKS.toLocaleString('en-US')} blocks.`,
      columns: [col('what', 'Reads of'), col('ratio', 'Hit ratio', 'percent'), col('hit', 'Blocks hit', 'number'), col('read', 'Blocks read', 'number')],
      rows: out.map((r) => ({ _key: r.key, what: r.label, ratio: r.ratio, hit: r.hit, read: r.read })),
    },
    findings,
  };
}

interface FreezeSettings {
  xid: number;
  mxid: number;
  xidLevels: AgeLevels;
  mxidLevels: AgeLevels;
}

async function freezeSettings(ctx: ReportContext): Promise<FreezeSettings> {
  const rows = await ctx.conn.query<{ xid: string; mxid: string }>(
    ctx.database,
    `SELECT current_setting('autovacuum_freeze_max_age') AS xid, current_setting('autovacuum_multixact_freeze_max_age') AS mxid`,
  );
  const xid = Number(rows[0]?.xid ?? 200_000_000);
  const mxid = Number(rows[0]?.mxid ?? 400_000_000);
  const override = ctx.thresholds.wraparoundWarnAge;
  return { xid, mxid, xidLevels: wraparoundLevels(xid, override), mxidLevels: wraparoundLevels(mxid, override) };
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const worse = (a: Severity | undefined, b: Severity | undefined): Severity | undefined => (!a ? b : !b ? a : SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b);

/** "transaction ID age 450,000,000 (warning from 400,000,000)" for each kind that crossed its level. */
function ageWords(xidAge: number, mxidAge: number, fs: FreezeSettings): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const parts: string[] = [];
  if (judgeAge(xidAge, fs.xidLevels)) parts.push(`transaction ID age ${n(xidAge)} (${xidAge >= fs.xidLevels.critical ? 'critical' : 'warning'} from ${n(xidAge >= fs.xidLevels.critical ? fs.xidLevels.critical : fs.xidLevels.warn)})`);
  if (judgeAge(mxidAge, fs.mxidLevels)) parts.push(`multixact ID age ${n(mxidAge)} (${mxidAge >= fs.mxidLevels.critical ? 'critical' : 'warning'} from ${n(mxidAge >= fs.mxidLevels.critical ? fs.mxidLevels.critical : fs.mxidLevels.warn)})`);
  return parts.join(' and ');
}

function levelsText(fs: FreezeSettings, overridden: boolean): string {
  if (overridden) {
    return `Warning from ${fs.xidLevels.warn.toLocaleString('en-US')} (upkeep.reports.wraparoundWarnAge), critical from ${fs.xidLevels.critical.toLocaleString('en-US')}; at 2^31 the server stops assigning IDs.`;
  }
  return `${describeLevels('transaction', 'autovacuum_freeze_max_age', fs.xid, fs.xidLevels)} Multixact IDs the same way against autovacuum_multixact_freeze_max_age (${fs.mxid.toLocaleString('en-US')}): warning from ${fs.mxidLevels.warn.toLocaleString('en-US')}.`;
}

/** Tables checked for their freeze age: every schema but TOAST (counted with its table) and other sessions' temporary schemas. */
const FREEZE_SCHEMAS_SQL = `n.nspname NOT LIKE 'pg\\_toast%' AND (n.nspname NOT LIKE 'pg\\_temp\\_%' OR n.oid = pg_my_temp_schema())`;

interface AgedTable {
  oid: string;
  schema: string;
  name: string;
  age: number;
  mxid_age: number;
  size: string;
  locked: boolean;
  last_vacuum: Date | null;
}

/** The tables of this database with the oldest unfrozen IDs (their TOAST included), oldest first; sizes read around locks. */
async function oldestTables(ctx: ReportContext, limit: number): Promise<AgedTable[]> {
  return readAroundLocks(() => ctx.conn.query<AgedTable>(
    ctx.database,
    `WITH ${HELD_LOCKS_CTE}
     SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name,
            greatest(age(c.relfrozenxid), coalesce(age(t.relfrozenxid), 0)) AS age,
            greatest(mxid_age(c.relminmxid), coalesce(mxid_age(t.relminmxid), 0)) AS mxid_age,
            ${totalSizeSql('c')} AS size, ${tableLockedSql('c')} AS locked,
            greatest(pg_stat_get_last_vacuum_time(c.oid), pg_stat_get_last_autovacuum_time(c.oid)) AS last_vacuum
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
      WHERE c.relkind IN ('r', 'm') AND ${FREEZE_SCHEMAS_SQL}
      ORDER BY greatest(age(c.relfrozenxid), coalesce(age(t.relfrozenxid), 0)) DESC, 2, 3
      LIMIT $1`,
    [limit],
  ));
}

/** VACUUM (FREEZE) of one table: what both wraparound checks offer, oldest table first. */
function freezeTable(ctx: ReportContext, t: { schema: string; name: string }): ReturnType<typeof buildVacuum> {
  return buildVacuum({ kind: 'table', database: ctx.database, schema: t.schema, name: t.name }, { freeze: true }, ctx.features);
}

/** Tables offered for freezing from a database finding. */
const FREEZE_FIRST = 3;

export async function wraparoundDatabasesCheck(ctx: ReportContext): Promise<SectionResult> {
  const fs = await freezeSettings(ctx);
  const rows = await ctx.conn.query<{ datname: string; age: number; mxid_age: number; datallowconn: boolean }>(
    ctx.database,
    'SELECT datname, age(datfrozenxid) AS age, mxid_age(datminmxid) AS mxid_age, datallowconn FROM pg_database ORDER BY age(datfrozenxid) DESC, datname',
  );
  const findings: Finding[] = [];
  for (const r of rows) {
    const severity = worse(judgeAge(r.age, fs.xidLevels), judgeAge(r.mxid_age, fs.mxidLevels));
    if (!severity) continue;
    // The database's age is its oldest table's: freezing those tables first moves it, without a database-wide pass.
    const here = r.datname === ctx.database;
    const oldest = here ? (await oldestTables(ctx, FREEZE_FIRST)).filter((t) => judgeAge(t.age, fs.xidLevels) || judgeAge(t.mxid_age, fs.mxidLevels)) : [];
    const advice = here
      ? oldest.length
        ? `VACUUM (FREEZE) its oldest tables first: ${oldest.map((t) => displayName(t.schema, t.name)).join(', ')} (see the oldest tables below)`
        : 'VACUUM (FREEZE) its oldest tables (see the oldest tables below)'
      : `open this report on ${displayName(undefined, r.datname)} to freeze its oldest tables`;
    findings.push(finding('health', 'wraparound-databases', r.datname, severity, `database ${displayName(undefined, r.datname)}`,
      `${ageWords(r.age, r.mxid_age, fs)}: autovacuum is not keeping up; ${advice}`,
      { age: r.age, mxidAge: r.mxid_age, warnAge: fs.xidLevels.warn, mxidWarnAge: fs.mxidLevels.warn }, oldest.map((t) => freezeTable(ctx, t))));
  }
  return {
    section: {
      id: 'wraparound-databases',
      title: 'Transaction-ID wraparound: databases',
      description: `age(datfrozenxid) and mxid_age(datminmxid) of every database. ${levelsText(fs, ctx.thresholds.wraparoundWarnAge > 0)}`,
      columns: [col('database', 'Database'), col('age', 'XID age', 'number'), col('percent', 'Towards wraparound', 'percent'), col('mxidAge', 'MultiXact age', 'number'), col('mxidPercent', 'MultiXact towards wraparound', 'percent')],
      rows: rows.map((r) => ({ _key: r.datname, database: r.datname, age: r.age, percent: towardsWraparound(r.age), mxidAge: r.mxid_age, mxidPercent: towardsWraparound(r.mxid_age) })),
      chart: { kind: 'bar', title: 'XID age', x: 'database', y: ['age'], limit: 10 },
    },
    findings,
  };
}

export async function wraparoundTablesCheck(ctx: ReportContext): Promise<SectionResult> {
  const fs = await freezeSettings(ctx);
  const rows = await oldestTables(ctx, 20);
  const findings: Finding[] = [];
  for (const r of rows) {
    const severity = worse(judgeAge(r.age, fs.xidLevels), judgeAge(r.mxid_age, fs.mxidLevels));
    if (!severity) continue;
    findings.push(finding('health', 'wraparound-tables', rowKey(r.schema, r.name), severity, displayName(r.schema, r.name),
      `${ageWords(r.age, r.mxid_age, fs)}: VACUUM (FREEZE) it`, { age: r.age, mxidAge: r.mxid_age }, [freezeTable(ctx, r)]));
  }
  const locked = rows.filter((r) => r.locked).map((r) => ({ oid: Number(r.oid), schema: r.schema, name: r.name }));
  return {
    section: {
      id: 'wraparound-tables',
      title: 'Transaction-ID wraparound: oldest tables',
      description: 'The 20 tables of this database with the oldest relfrozenxid (their TOAST table included), with their multixact age. Freezing the oldest first is what moves the database\'s age.',
      columns: [col('schema', 'Schema'), col('name', 'Table'), col('age', 'XID age', 'number'), col('mxidAge', 'MultiXact age', 'number'), col('sizeBytes', 'Size', 'bytes'), col('lastVacuum', 'Last vacuum', 'date')],
      rows: rows.map((r) => ({ _key: rowKey(r.schema, r.name), schema: r.schema, name: r.name, age: r.age, mxidAge: r.mxid_age, sizeBytes: Number(r.size), lastVacuum: iso(r.last_vacuum) })),
      note: await lockNote(ctx, locked, 'Where locked, the size is an estimate from pg_class.'),
      empty: 'No tables.',
    },
    findings,
  };
}

export async function sequencesCheck(ctx: ReportContext): Promise<SectionResult> {
  const rows = await ctx.conn.query<{ schema: string; name: string; data_type: string; last_value: string; lo: string; hi: string; cycle: boolean; tbl: string | null; col: string | null; typ: string | null; used_pct: string | null }>(
    ctx.database,
    `SELECT ps.schemaname AS schema, ps.sequencename AS name, ps.data_type::text AS data_type, ps.last_value::text AS last_value, ps.cycle,
            lim.lo::text AS lo, lim.hi::text AS hi, o.tbl, o.col, o.typ,
            round(100 * CASE WHEN ps.increment_by > 0 THEN (ps.last_value - lim.lo)::numeric ELSE (lim.hi - ps.last_value)::numeric END / nullif(lim.hi - lim.lo, 0), 2) AS used_pct
       FROM pg_sequences ps
       JOIN pg_namespace n ON n.nspname = ps.schemaname
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = ps.sequencename
       LEFT JOIN LATERAL (
         -- The column a serial or identity sequence feeds: an int column caps a bigint sequence.
         SELECT t.relname::text AS tbl, a.attname::text AS col, format_type(a.atttypid, NULL) AS typ, a.atttypid
           FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
          LIMIT 1) o ON true
      CROSS JOIN LATERAL (
         SELECT greatest(ps.min_value, CASE o.atttypid WHEN 'int2'::regtype::oid THEN -32768 WHEN 'int4'::regtype::oid THEN -2147483648 ELSE ps.min_value END) AS lo,
                least(ps.max_value, CASE o.atttypid WHEN 'int2'::regtype::oid THEN 32767 WHEN 'int4'::regtype::oid THEN 2147483647 ELSE ps.max_value END) AS hi) lim
      WHERE ps.last_value IS NOT NULL AND ${USER_SCHEMAS_SQL}
      ORDER BY used_pct DESC NULLS LAST, 1, 2
      LIMIT 50`,
  );
  const warn = ctx.thresholds.sequenceWarnPercent;
  const findings: Finding[] = [];
  for (const r of rows) {
    const used = num(r.used_pct);
    if (used === null || used < warn || r.cycle) continue;
    const feeds = r.tbl && r.col ? ` (feeds ${displayName(r.schema, r.tbl)}.${displayName(undefined, r.col)}, ${r.typ ?? '?'})` : '';
    findings.push(finding('health', 'sequences', rowKey(r.schema, r.name), used >= 95 ? 'critical' : 'warning', displayName(r.schema, r.name),
      `${used}% of its range is used${feeds}: at the limit nextval fails and inserts stop; widen it (ALTER SEQUENCE … AS bigint, and the column to bigint)`,
      { lastValue: num(r.last_value), limit: num(r.hi), usedPercent: used }));
  }
  return {
    section: {
      id: 'sequences',
      title: 'Sequences close to their limit',
      description: "The sequences furthest towards their limit: the smaller of the sequence's maximum and its column type's.",
      columns: [col('schema', 'Schema'), col('name', 'Sequence'), col('type', 'Type'), col('column', 'Feeds'), col('lastValue', 'Last value', 'number'), col('limit', 'Limit', 'number'), col('usedPercent', 'Used', 'percent')],
      rows: rows.map((r) => ({
        _key: rowKey(r.schema, r.name), schema: r.schema, name: r.name, type: r.typ ?? r.data_type, column: r.tbl && r.col ? `${r.tbl}.${r.col}` : null,
        lastValue: num(r.last_value), limit: num(r.hi), usedPercent: num(r.used_pct),
      })),
      empty: 'No sequence has been used yet.',
    },
    findings,
  };
}

export async function deadTuplesCheck(ctx: ReportContext): Promise<SectionResult> {
  // The guides' query, with the last vacuum and analyze next to it.
  const rows = await ctx.conn.query<{ schemaname: string; relname: string; live: string; dead: string; dead_pct: string | null; last_vacuum: Date | null; last_analyze: Date | null }>(
    ctx.database,
    `SELECT schemaname, relname, n_live_tup AS live, n_dead_tup AS dead,
            round(n_dead_tup * 100.0 / nullif(n_live_tup + n_dead_tup, 0), 2) AS dead_pct,
            greatest(last_vacuum, last_autovacuum) AS last_vacuum, greatest(last_analyze, last_autoanalyze) AS last_analyze
       FROM pg_stat_user_tables
      WHERE n_dead_tup > 0
      ORDER BY dead_pct DESC NULLS LAST, n_dead_tup DESC
      LIMIT 100`,
  );
  const th = ctx.thresholds;
  const pct = th.deadTuplePercent;
  const findings: Finding[] = [];
  for (const r of rows) {
    const deadPct = num(r.dead_pct) ?? 0;
    const dead = Number(r.dead);
    if (!tooManyDeadTuples(Number(r.live), dead, th)) continue;
    findings.push(finding('health', 'dead-tuples', rowKey(r.schemaname, r.relname), 'warning', displayName(r.schemaname, r.relname),
      `${deadPct}% dead tuples (${dead.toLocaleString('en-US')}), above ${pct}%: VACUUM (ANALYZE) it`,
      { live: Number(r.live), dead, deadPercent: deadPct, lastVacuum: iso(r.last_vacuum) },
      [buildVacuum({ kind: 'table', database: ctx.database, schema: r.schemaname, name: r.relname }, { analyze: true }, ctx.features)]));
  }
  return {
    section: {
      id: 'dead-tuples',
      title: 'Dead tuples',
      description: `Tables with dead row versions VACUUM has not yet removed; above ${pct}% of live + dead, with at least ${th.minDeadTuples.toLocaleString('en-US')} of them, they are findings.`,
      columns: [col('schema', 'Schema'), col('name', 'Table'), col('live', 'Live', 'number'), col('dead', 'Dead', 'number'), col('deadPercent', 'Dead', 'percent'), col('lastVacuum', 'Last vacuum', 'date'), col('lastAnalyze', 'Last analyze', 'date')],
      rows: rows.map((r) => ({
        _key: rowKey(r.schemaname, r.relname), schema: r.schemaname, name: r.relname, live: Number(r.live), dead: Number(r.dead), deadPercent: num(r.dead_pct),
        lastVacuum: iso(r.last_vacuum), lastAnalyze: iso(r.last_analyze),
      })),
      chart: { kind: 'bar', title: 'Dead tuples', x: 'name', y: ['dead'], limit: 10 },
      empty: 'No dead tuples.',
    },
    findings,
  };
}

export async function statementsCheck(ctx: ReportContext): Promise<SectionResult> {
  const base = {
    id: 'slow-queries',
    title: 'Slow queries (pg_stat_statements)',
    description: 'Statements of this database by total execution time.',
    columns: [col('query', 'Query', 'sql'), col('calls', 'Calls', 'number'), col('totalTime', 'Total time', 'duration'), col('meanTime', 'Mean time', 'duration'), col('rows', 'Rows', 'number'), col('user', 'User')],
  };
  const ext = await ctx.conn.query<{ schema: string }>(ctx.database, `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'`);
  const schema = ext[0]?.schema;
  if (schema === undefined) return { section: { ...base, rows: [], note: PG_STAT_STATEMENTS_GUIDE }, findings: [] };
  // The timing columns were renamed in PostgreSQL 13 (total_time → total_exec_time).
  const [total, mean] = ctx.versionNum >= 130000 ? ['total_exec_time', 'mean_exec_time'] : ['total_time', 'mean_time'];
  let rows: { id: string; query: string | null; calls: string; total_ms: number; mean_ms: number; rows: string; rolname: string | null }[];
  try {
    rows = await ctx.conn.query(
      ctx.database,
      `SELECT coalesce(s.queryid::text, md5(coalesce(s.query, ''))) AS id, s.query, s.calls, s.${total} AS total_ms, s.${mean} AS mean_ms, s.rows, r.rolname
         FROM ${ident(schema)}.pg_stat_statements s
         LEFT JOIN pg_roles r ON r.oid = s.userid
        WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY s.${total} DESC
        LIMIT 20`,
    );
  } catch (err) {
    // Installed but not preloaded: the view refuses to be read.
    return { section: { ...base, rows: [], note: `${PG_STAT_STATEMENTS_GUIDE} (${err instanceof Error ? err.message : String(err)})` }, findings: [] };
  }
  const limit = ctx.thresholds.longQuerySeconds;
  const findings = rows.filter((r) => r.mean_ms / 1000 >= limit).map((r) =>
    finding('health', 'slow-queries', r.id, 'warning', `query ${r.id}`,
      `averages ${formatDuration(r.mean_ms)} per call over ${Number(r.calls).toLocaleString('en-US')} calls: EXPLAIN (ANALYZE, BUFFERS) it`,
      { calls: Number(r.calls), meanTime: round1(r.mean_ms / 1000), query: (r.query ?? '').slice(0, 500) }));
  return {
    section: {
      ...base,
      rows: rows.map((r) => ({ _key: r.id, query: r.query, calls: Number(r.calls), totalTime: r.total_ms / 1000, meanTime: r.mean_ms / 1000, rows: Number(r.rows), user: r.rolname })),
      chart: { kind: 'bar', title: 'Total time', x: '_key', y: ['totalTime'], limit: 10 },
      empty: 'No statements recorded yet.',
    },
    findings,
  };
}
