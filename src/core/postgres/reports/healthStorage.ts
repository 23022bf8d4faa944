/** Health checks on the data: cache hits, wraparound, sequences, dead tuples, slow statements. */
import { DEFAULT_THRESHOLDS } from '../health';
import { displayName, ident } from '../identifiers';
import { buildVacuum } from '../maintenance';
import { formatDuration } from '../../format';
import { col, finding, iso, num, round1, rowKey, type ReportContext, type SectionResult, USER_SCHEMAS_SQL } from './common';
import type { Severity } from '../../reports/model';
import type { PgFinding as Finding } from './model';

/** Transaction-ID age from which wraparound is critical (the hard stop is near 2^31). */
export const WRAPAROUND_CRITICAL_AGE = 1_000_000_000;

/** Fewer blocks than this (8 MB) read in all: too few to judge a ratio by (a fresh or just-restarted server). */
export const CACHE_HIT_MIN_BLOCKS = 1000;

export const PG_STAT_STATEMENTS_GUIDE = "pg_stat_statements is not enabled here: add it to shared_preload_libraries (then restart), and run CREATE EXTENSION pg_stat_statements; in this database.";

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
  const findings = out.filter((r) => r.ratio !== null && r.ratio < min && r.hit + r.read >= CACHE_HIT_MIN_BLOCKS).map((r) =>
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

function ageSeverity(age: number): Severity {
  return age >= WRAPAROUND_CRITICAL_AGE ? 'critical' : 'warning';
}

export async function wraparoundDatabasesCheck(ctx: ReportContext): Promise<SectionResult> {
  const rows = await ctx.conn.query<{ datname: string; age: number; mxid_age: number; datallowconn: boolean }>(
    ctx.database,
    'SELECT datname, age(datfrozenxid) AS age, mxid_age(datminmxid) AS mxid_age, datallowconn FROM pg_database ORDER BY age(datfrozenxid) DESC, datname',
  );
  const warn = ctx.thresholds.wraparoundWarnAge;
  const findings = rows.filter((r) => r.age >= warn).map((r) => {
    const fixes = r.datallowconn ? [buildVacuum({ kind: 'database', database: r.datname }, { freeze: true }, ctx.features)] : [];
    return finding('health', 'wraparound-databases', r.datname, ageSeverity(r.age), `database ${displayName(undefined, r.datname)}`,
      `oldest unfrozen transaction ID is ${r.age.toLocaleString('en-US')} transactions old (warning from ${warn.toLocaleString('en-US')}; writes stop near 2 billion): VACUUM (FREEZE) it`,
      { age: r.age, mxidAge: r.mxid_age }, fixes);
  });
  return {
    section: {
      id: 'wraparound-databases',
      title: 'Transaction-ID wraparound: databases',
      description: 'age(datfrozenxid) of every database. Autovacuum freezes from autovacuum_freeze_max_age (200 million by default); at about 2 billion the server stops assigning IDs.',
      columns: [col('database', 'Database'), col('age', 'XID age', 'number'), col('percent', 'Towards wraparound', 'percent'), col('mxidAge', 'MultiXact age', 'number')],
      rows: rows.map((r) => ({ _key: r.datname, database: r.datname, age: r.age, percent: round1((100 * r.age) / 2 ** 31), mxidAge: r.mxid_age })),
      chart: { kind: 'bar', title: 'XID age', x: 'database', y: ['age'], limit: 10 },
    },
    findings,
  };
}

export async function wraparoundTablesCheck(ctx: ReportContext): Promise<SectionResult> {
  const rows = await ctx.conn.query<{ schema: string; name: string; age: number; size: string; last_vacuum: Date | null }>(
    ctx.database,
    `SELECT n.nspname AS schema, c.relname AS name, greatest(age(c.relfrozenxid), coalesce(age(t.relfrozenxid), 0)) AS age,
            pg_total_relation_size(c.oid) AS size,
            greatest(pg_stat_get_last_vacuum_time(c.oid), pg_stat_get_last_autovacuum_time(c.oid)) AS last_vacuum
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
      WHERE c.relkind IN ('r', 'm') AND ${USER_SCHEMAS_SQL}
      ORDER BY 3 DESC, 1, 2
      LIMIT 20`,
  );
  const warn = ctx.thresholds.wraparoundWarnAge;
  const findings = rows.filter((r) => r.age >= warn).map((r) =>
    finding('health', 'wraparound-tables', rowKey(r.schema, r.name), ageSeverity(r.age), displayName(r.schema, r.name),
      `oldest unfrozen transaction ID is ${r.age.toLocaleString('en-US')} transactions old (warning from ${warn.toLocaleString('en-US')}): VACUUM (FREEZE) it`,
      { age: r.age }, [buildVacuum({ kind: 'table', database: ctx.database, schema: r.schema, name: r.name }, { freeze: true }, ctx.features)]));
  return {
    section: {
      id: 'wraparound-tables',
      title: 'Transaction-ID wraparound: oldest tables',
      description: 'The 20 tables of this database with the oldest relfrozenxid (their TOAST table included).',
      columns: [col('schema', 'Schema'), col('name', 'Table'), col('age', 'XID age', 'number'), col('sizeBytes', 'Size', 'bytes'), col('lastVacuum', 'Last vacuum', 'date')],
      rows: rows.map((r) => ({ _key: rowKey(r.schema, r.name), schema: r.schema, name: r.name, age: r.age, sizeBytes: Number(r.size), lastVacuum: iso(r.last_vacuum) })),
      empty: 'No tables in user schemas.',
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
  const pct = ctx.thresholds.deadTuplePercent;
  const findings: Finding[] = [];
  for (const r of rows) {
    const deadPct = num(r.dead_pct) ?? 0;
    const dead = Number(r.dead);
    if (deadPct < pct || dead < DEFAULT_THRESHOLDS.minDeadTuples) continue;
    findings.push(finding('health', 'dead-tuples', rowKey(r.schemaname, r.relname), 'warning', displayName(r.schemaname, r.relname),
      `${deadPct}% dead tuples (${dead.toLocaleString('en-US')}), at or above ${pct}%: VACUUM (ANALYZE) it`,
      { live: Number(r.live), dead, deadPercent: deadPct, lastVacuum: iso(r.last_vacuum) },
      [buildVacuum({ kind: 'table', database: ctx.database, schema: r.schemaname, name: r.relname }, { analyze: true }, ctx.features)]));
  }
  return {
    section: {
      id: 'dead-tuples',
      title: 'Dead tuples',
      description: `Tables with dead row versions VACUUM has not yet removed; at ${pct}% or more they are findings.`,
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
