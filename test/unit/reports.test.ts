import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { featuresFor } from '../../src/core/postgres/features';
import { buildCancelBackend, buildDropIndexConcurrently, buildReindex, buildVacuum } from '../../src/core/postgres/maintenance';
import { tooManyDeadTuples } from '../../src/core/postgres/health';
import {
  bloatFindings, type BloatRow, cacheHitLow, CapacityStore, csvField, DEFAULT_REPORT_THRESHOLDS, fixScript, fkIndexName, formatCell, type Finding, inlineParams, judgeAge, renderCsv,
  renderHtml, renderJson, renderMarkdown, replicaLagging, type Report, towardsWraparound, WRAPAROUND_CRITICAL_AGE, WRAPAROUND_WARN_AGE, wraparoundLevels,
} from '../../src/core/postgres/reports/index';
import { panelIdentity } from '../../src/webviews/protocol';

const XSS = '<img src=x onerror=alert(1)>';
const pg15 = featuresFor(150004);

function sampleReport(): Report {
  const table = { kind: 'table' as const, database: 'app', schema: 'public', name: XSS };
  const findings: Finding[] = [
    {
      id: 'bloat:tables:public.x', severity: 'warning', sectionId: 'tables', rowKey: `public.${XSS}`, object: `public.${XSS}`, message: 'about 45% is wasted',
      evidence: { bloatPercent: 45 }, fixes: [buildVacuum(table, { analyze: true }, pg15), buildVacuum(table, { full: true, analyze: true }, pg15)],
    },
    {
      id: 'health:long-queries:42', severity: 'critical', sectionId: 'long-queries', rowKey: '42', object: 'backend 42', message: 'query running for 2 min',
      evidence: { pid: 42 }, fixes: [buildCancelBackend('app', 42)],
    },
    { id: 'health:sequences:s', severity: 'info', sectionId: 'sequences', object: 'public.s', message: 'no fix here', evidence: {}, fixes: [] },
  ];
  return {
    kind: 'bloat', title: 'Table and index bloat', connectionName: 'Prod <b>', database: 'app', serverVersion: '15.4', generatedAt: '2024-05-01T10:00:00.000Z', durationMs: 12,
    sections: [
      {
        id: 'tables', title: 'Table bloat', description: 'desc & more',
        columns: [{ key: 'name', label: 'Table', kind: 'text' }, { key: 'realBytes', label: 'Size', kind: 'bytes' }, { key: 'bloatPercent', label: 'Bloat', kind: 'percent' }, { key: 'q', label: 'Query', kind: 'sql' }],
        rows: [
          { _key: `public.${XSS}`, name: XSS, realBytes: 15 * 1024 * 1024, bloatPercent: 45.25, q: 'SELECT "a,b"\nFROM t' },
          { _key: 'public.b|c', name: 'b|c', realBytes: 8192, bloatPercent: null, q: '=HYPERLINK("http://x")' },
        ],
        chart: { kind: 'bar', title: 'Most wasted', x: 'name', y: ['realBytes'], limit: 10 },
      },
      { id: 'growth', title: 'Growth', columns: [{ key: 'at', label: 'When', kind: 'date' }, { key: 'db:app', label: XSS, kind: 'bytes' }], rows: [{ _key: 'a', at: '2024-05-01T10:00:00.000Z', 'db:app': 1000 }, { _key: 'b', at: '2024-05-02T10:00:00.000Z', 'db:app': 2000 }], chart: { kind: 'line', title: 'Growth', x: 'at', y: ['db:app'] } },
      { id: 'empty', title: 'Nothing', columns: [{ key: 'a', label: 'A', kind: 'text' }], rows: [], empty: 'Nothing here.', note: `note ${XSS}` },
      { id: 'lists', title: 'Lists', description: '- not a list', note: '1. not a list either', columns: [], rows: [] },
    ],
    findings,
  };
}

describe('report rendering', () => {
  it('formats cells: bytes, percent, numbers, dates, durations, null as n/a', () => {
    assert.equal(formatCell({ key: 'b', label: 'B', kind: 'bytes' }, 10 * 1024 * 1024), '10 MB');
    assert.equal(formatCell({ key: 'p', label: 'P', kind: 'percent' }, 45.25), '45.3%');
    assert.equal(formatCell({ key: 'p', label: 'P', kind: 'percent' }, 0), '0.0%');
    assert.equal(formatCell({ key: 'n', label: 'N', kind: 'number' }, 1234567), '1,234,567');
    assert.equal(formatCell({ key: 'n', label: 'N', kind: 'number' }, 1.23456), '1.23');
    assert.equal(formatCell({ key: 'd', label: 'D', kind: 'date' }, '2024-05-01T10:00:00.000Z'), '2024-05-01 10:00:00 UTC');
    assert.equal(formatCell({ key: 'd', label: 'D', kind: 'duration' }, 0.012), '12 ms');
    assert.equal(formatCell({ key: 'd', label: 'D', kind: 'duration' }, 125), '2 min 05 s');
    assert.equal(formatCell({ key: 'd', label: 'D', kind: 'duration' }, 7200), '2 h 00 min');
    assert.equal(formatCell({ key: 'x', label: 'X', kind: 'bytes' }, null), 'n/a');
    assert.equal(formatCell({ key: 'x', label: 'X', kind: 'percent' }, null), 'n/a');
    assert.equal(formatCell({ key: 'x', label: 'X', kind: 'text' }, true), 'yes');
    assert.equal(formatCell({ key: 'x', label: 'X', kind: 'text' }, undefined), 'n/a');
  });

  it('HTML escapes every server string, has no script and a CSP that forbids one', () => {
    const html = renderHtml(sampleReport());
    assert.ok(!html.includes('<img'), 'no live <img> element');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the name shows as text');
    assert.ok(!/<script/i.test(html), 'no script element');
    assert.ok(!/\son[a-z]+=/i.test(html.replace(/&lt;img src=x onerror=alert\(1\)&gt;/g, '')), 'no inline handler');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
    assert.ok(html.includes('Prod &lt;b&gt;'));
    assert.ok(html.includes('desc &amp; more'));
    assert.ok(html.includes('<svg'), 'charts drawn inline');
    assert.ok(html.includes('<polyline'), 'the line chart');
    assert.ok(html.includes('Nothing here.'));
    assert.ok(html.includes('VACUUM (ANALYZE) &quot;public&quot;.&quot;&lt;img src=x onerror=alert(1)&gt;&quot;'), 'fix SQL escaped');
  });

  it('CSV quotes per RFC 4180, one block per section, raw values, no formulas', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(12.5), '12.5');
    assert.equal(csvField('=1+1'), "'=1+1");
    assert.equal(csvField(-3), '-3');
    const csv = renderCsv(sampleReport());
    const blocks = csv.split('\r\n\r\n');
    assert.equal(blocks.length, 5, 'four sections and the findings');
    assert.ok(blocks[0]?.startsWith('# Table bloat\r\nTable,Size (bytes),Bloat (%),Query\r\n'));
    assert.ok(blocks[0]?.includes(`${XSS},15728640,45.25,"SELECT ""a,b""\nFROM t"\r\n`));
    assert.ok(blocks[0]?.includes(`b|c,8192,,"'=HYPERLINK(""http://x"")"`));
    assert.equal(blocks[2], '# Nothing\r\nA');
    assert.equal(blocks[3], '# Lists', 'a section without columns has no header line');
    assert.ok(blocks[4]?.startsWith('# Findings\r\n'));
    assert.ok(blocks[4]?.includes('VACUUM (ANALYZE) ""public"".""<img src=x onerror=alert(1)>""'));
  });

  it('Markdown escapes tables and HTML; JSON round-trips', () => {
    const md = renderMarkdown(sampleReport());
    assert.ok(!/(^|[^\\])<img/.test(md), 'no raw HTML');
    assert.ok(md.includes('\\<img src=x onerror=alert(1)\\>'));
    assert.ok(md.includes('b\\|c'), 'a pipe in a name does not split the cell');
    assert.ok(md.includes('| Table | Size | Bloat | Query |'));
    assert.ok(md.includes('45.3%') && md.includes('n/a'));
    assert.ok(md.includes('_Nothing here._'));
    assert.ok(md.includes('\\- not a list'), 'a leading dash is not a list');
    assert.ok(md.includes('1\\. not a list either'));
    const report = sampleReport();
    assert.deepEqual(JSON.parse(renderJson(report)), JSON.parse(JSON.stringify(report)));
  });

  it('fix script: header, one commented statement per finding, alternatives commented out', () => {
    const script = fixScript(sampleReport().findings, 'Prod\nDROP TABLE x;', 'app', new Date('2024-05-01T10:00:00Z'));
    const lines = script.split('\n');
    assert.equal(lines[0], '-- Upkeep fix script');
    assert.ok(script.includes('-- Connection: Prod DROP TABLE x;'), 'a line break in a name stays inside the comment');
    assert.ok(script.includes('-- Database: app'));
    assert.ok(script.includes('-- Generated: 2024-05-01T10:00:00.000Z'));
    assert.ok(script.includes('review before running; each statement runs on its own, outside a transaction'.replace(/^r/, 'R')));
    assert.ok(script.includes(`-- warning: public.${XSS}: about 45% is wasted`));
    assert.ok(lines.includes(`VACUUM (ANALYZE) "public"."${XSS}";`));
    assert.ok(lines.includes(`-- VACUUM (FULL, ANALYZE) "public"."${XSS}";`), 'the blocking alternative is commented out');
    assert.ok(lines.includes('-- critical: backend 42: query running for 2 min'));
    assert.ok(lines.includes('SELECT pg_cancel_backend(42) AS signalled;'), 'bound values inlined');
    assert.ok(script.includes('1 selected finding has no statement to run'));
    // Every non-comment, non-empty line is a statement ending with a semicolon.
    for (const l of lines.filter((x) => x && !x.startsWith('--'))) assert.ok(l.endsWith(';'), l);
  });

  it('fix script: a multi-line quoted name in an alternative cannot escape its comment', () => {
    const target = { kind: 'index' as const, database: 'app', schema: 'public', name: 'x"\nDROP TABLE users;--' };
    const f: Finding = { id: 'i', severity: 'warning', sectionId: 'invalid', object: 'o', message: 'm', evidence: {}, fixes: [buildDropIndexConcurrently(target), buildReindex(target, { concurrently: true }, pg15)] };
    const script = fixScript([f], 'c', 'app');
    const live = script.split('\n').filter((l) => l && !l.startsWith('--'));
    assert.deepEqual(live, ['DROP INDEX CONCURRENTLY IF EXISTS "public"."x""', 'DROP TABLE users;--";'], 'only the first fix, as one quoted identifier');
    assert.ok(script.includes('-- DROP TABLE users;--";'), 'the alternative\'s second line is commented too');
    assert.equal(inlineParams('SELECT $1, "$1", \'$1\'', [7]), 'SELECT 7, "$1", \'$1\'');
    assert.equal(inlineParams('SELECT $1', ["it's"]), "SELECT 'it''s'");
  });

  it('names a foreign-key index within 63 bytes, keeping the suffix', () => {
    assert.equal(fkIndexName('orders', ['customer_id']), 'orders_customer_id_fk_idx');
    const long = fkIndexName('t'.repeat(60), ['a', 'b']);
    assert.equal(Buffer.byteLength(long), 63);
    assert.ok(long.endsWith('_fk_idx'));
    const unicode = fkIndexName('Ω'.repeat(40), ['col']);
    assert.ok(Buffer.byteLength(unicode) <= 63 && unicode.endsWith('_fk_idx') && !unicode.includes('\ufffd'));
  });

  describe('thresholds, shown on data just above and just below them (defaults: the guides)', () => {
    const ctx = { thresholds: DEFAULT_REPORT_THRESHOLDS, database: 'app', features: pg15 };
    /** A relation of 10,000 pages of 8 kB, of which `extraPages` are not needed for its rows. */
    const bloatRow = (name: string, extraPages: number, table: string | null = null): BloatRow => ({
      table_oid: '1', locked: false, schema: 'public', name, table, real_bytes: String(10_000 * 8192), relpages: 10_000, reltuples: 1_000_000,
      natts: '2', nstats: '2', has_name: false, est_pages: 10_000 - extraPages, bs: '8192',
    });
    const objects = (rows: BloatRow[], indexes: BloatRow[] = [], th = ctx): string[] => bloatFindings(th, rows, indexes).map((f) => `${f.sectionId}:${f.rowKey ?? ''}`);

    it('table bloat: 20% and 10 MB wasted is a finding, 19.9% or under 10 MB is not', () => {
      assert.deepEqual(objects([bloatRow('at', 2000), bloatRow('below', 1990)]), ['tables:public.at']);
      // 1,279 extra pages of 8 kB are just under 10 MB; 1,280 are exactly 10 MB.
      const rows = [{ ...bloatRow('under10mb', 1279), relpages: 1280 * 5, est_pages: 1280 * 5 - 1279 }, { ...bloatRow('at10mb', 1280), relpages: 1280 * 5, est_pages: 1280 * 5 - 1280 }];
      assert.deepEqual(objects(rows), ['tables:public.at10mb']);
      const [f] = bloatFindings(ctx, [bloatRow('at', 2000)], []);
      assert.deepEqual(f?.fixes.map((op) => op.sql), ['VACUUM (ANALYZE) "public"."at"', 'VACUUM (FULL, ANALYZE) "public"."at"']);
    });

    it('index bloat: REINDEX above 30%, not at 30%', () => {
      assert.deepEqual(objects([], [bloatRow('ix_above', 3010, 't'), bloatRow('ix_at', 3000, 't')]), ['indexes:public.ix_above']);
    });

    it('a locked relation is never judged (its size is an estimate and its statistics are about to change)', () => {
      assert.deepEqual(objects([{ ...bloatRow('locked', 5000), locked: true }]), []);
    });

    it('cache hit: below 90% over at least 1,000 blocks warns; 90% or too few blocks do not', () => {
      assert.equal(cacheHitLow(899, 101, DEFAULT_REPORT_THRESHOLDS), true, '89.9%');
      assert.equal(cacheHitLow(900, 100, DEFAULT_REPORT_THRESHOLDS), false, '90%');
      assert.equal(cacheHitLow(0, 999, DEFAULT_REPORT_THRESHOLDS), false, 'fewer than 1,000 blocks');
    });

    it('dead tuples: above 20% with at least upkeep.health.minDeadTuples of them — the tree\'s rule too', () => {
      const th = DEFAULT_REPORT_THRESHOLDS;
      assert.equal(tooManyDeadTuples(799, 201, th), true, '20.1%');
      assert.equal(tooManyDeadTuples(800, 200, th), false, '20% is not above 20%');
      assert.equal(tooManyDeadTuples(150, 50, th), true, `${th.minDeadTuples} dead of 200`);
      assert.equal(tooManyDeadTuples(147, 49, th), false, 'one dead tuple fewer than the minimum');
      assert.equal(tooManyDeadTuples(147, 49, { ...th, minDeadTuples: 49 }), true, 'the setting moves it');
    });

    it('replication lag: its own thresholds (30 s, 1 GB), not the long-query one', () => {
      const th = DEFAULT_REPORT_THRESHOLDS;
      assert.equal(replicaLagging(0, 30, th), true);
      assert.equal(replicaLagging(0, 29.9, th), false);
      assert.equal(replicaLagging(1024 ** 3, null, th), true, 'a GB of WAL behind, idle (no replay_lag)');
      assert.equal(replicaLagging(1024 ** 3 - 1, null, th), false);
      assert.equal(th.longQuerySeconds, 60);
      assert.equal(replicaLagging(0, 45, th), true, '45 s behind warns although long queries warn from 60 s');
      assert.equal(replicaLagging(0, 45, { ...th, replicationLagSeconds: 60 }), false, 'its own setting decides');
    });

    it('wraparound: from the server\'s autovacuum_freeze_max_age (twice it, at most 1.3 billion), critical from 1.4 billion', () => {
      const levels = wraparoundLevels(200_000_000);
      assert.deepEqual(levels, { warn: 400_000_000, critical: 1_400_000_000 });
      assert.equal(judgeAge(200_000_000, levels), undefined, 'the default freeze age is reached daily on a busy server: healthy');
      assert.equal(judgeAge(399_999_999, levels), undefined);
      assert.equal(judgeAge(400_000_000, levels), 'warning');
      assert.equal(judgeAge(1_399_999_999, levels), 'warning');
      assert.equal(judgeAge(1_400_000_000, levels), 'critical');
      assert.equal(wraparoundLevels(1_000_000_000).warn, WRAPAROUND_WARN_AGE, 'a raised setting is capped at check_postgres\' 1.3 billion');
      assert.equal(judgeAge(1_299_999_999, wraparoundLevels(1_000_000_000)), undefined);
      assert.equal(wraparoundLevels(400_000_000).warn, 800_000_000, 'multixacts: twice autovacuum_multixact_freeze_max_age');
      assert.equal(wraparoundLevels(200_000_000, 5).warn, 5, 'a configured age replaces the warning level');
      assert.equal(WRAPAROUND_CRITICAL_AGE, 1_400_000_000);
      assert.equal(towardsWraparound(2 ** 30), 50);
    });
  });

  it('a restored panel keeps only the report\'s identity from the page\'s state', () => {
    const forged = { kind: 'bloat', connectionId: 'c1', database: 'app', report: { findings: [{ id: 'bloat:tables:public.t', fixes: [{ sql: 'DROP TABLE public.t', text: 'DROP TABLE public.t' }] }] } };
    assert.deepEqual(panelIdentity(forged), { kind: 'bloat', connectionId: 'c1', database: 'app' });
    assert.equal(panelIdentity({ kind: 'drop-everything', connectionId: 'c1', database: 'app' }), undefined);
    assert.equal(panelIdentity({ kind: 'health', connectionId: 1, database: 'app' }), undefined);
    assert.equal(panelIdentity({ kind: 'health', connectionId: 'c1', database: '' }), undefined);
    assert.equal(panelIdentity('state'), undefined);
    assert.equal(panelIdentity(null), undefined);
  });

  it('capacity store: appends, reads oldest first, skips torn lines', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-capacity-'));
    try {
      const store = new CapacityStore(dir);
      const a = { at: '2024-05-02T00:00:00.000Z', database: 'app', databases: [{ name: 'app', bytes: 2000 }], tables: [{ key: 'public.t', bytes: 900, schema: 'public', name: 't' }] };
      const b = { at: '2024-05-01T00:00:00.000Z', databases: [{ name: 'app', bytes: 1000 }], tables: [] };
      await store.append('../../etc/passwd', a);
      fs.appendFileSync(path.join(dir, '.._.._etc_passwd.capacity.jsonl'), '{"at":"2024-05-03T00:00:00.000Z","databa');
      fs.appendFileSync(path.join(dir, '.._.._etc_passwd.capacity.jsonl'), '\n{"not":"a snapshot"}\n');
      await store.append('../../etc/passwd', b);
      assert.deepEqual(await store.read('../../etc/passwd'), [b, a]);
      assert.deepEqual(fs.readdirSync(dir), ['.._.._etc_passwd.capacity.jsonl'], 'the id never leaves the folder');
      assert.deepEqual(await store.read('nobody'), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
