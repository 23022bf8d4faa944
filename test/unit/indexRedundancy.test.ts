import { strict as assert } from 'node:assert';
import { flagIndexes } from '../../src/core/postgres/health';
import { coveringIndex, covers } from '../../src/core/postgres/indexRedundancy';
import { normalizeNodeTree, splitNodeList, type IndexKey, type PgIndex } from '../../src/core/postgres/objects';

// Catalog OIDs as PostgreSQL 15 has them: what pg_index.indclass and indcollation hold.
const INT4_OPS = 1978;
const TEXT_OPS = 3126;
const TEXT_PATTERN_OPS = 4217;
const DEFAULT_COLLATION = 100;
const C_COLLATION = 950;

type KeySpec = number | (Partial<IndexKey> & { col?: number; expr?: string });

function key(spec: KeySpec): IndexKey {
  const s = typeof spec === 'number' ? { col: spec } : spec;
  const text = s.col === 4 || s.opclass === TEXT_OPS || s.opclass === TEXT_PATTERN_OPS;
  return {
    attnum: s.expr ? 0 : s.col ?? 1,
    expression: s.expr ?? null,
    opclass: s.opclass ?? (text ? TEXT_OPS : INT4_OPS),
    collation: s.collation ?? (text ? DEFAULT_COLLATION : 0),
    desc: s.desc ?? false,
    nullsFirst: s.nullsFirst ?? s.desc ?? false,
  };
}

/** An index on table columns 1–3 (int) and 4 (text), as toPgIndex builds it. */
function index(name: string, keys: KeySpec[], over: Partial<PgIndex> = {}): PgIndex {
  const k = keys.map(key);
  const include = over.include ?? [];
  return {
    schema: 'public', table: 't', name, sizeBytes: 8192, scans: 1, tuplesRead: 0, tuplesFetched: 0, unique: false, primary: false, exclusion: false,
    valid: true, beingBuilt: false, method: 'btree', columns: [...k.map((x) => x.attnum), ...include], keys: k, include,
    hasExpressions: k.some((x) => x.attnum === 0), predicate: null, predicateTree: null, nullsNotDistinct: false, immediate: true, backsConstraint: false,
    definition: `CREATE INDEX ${name} …`, locked: false, ...over,
  };
}

/** Asserts which of the two covers the other, both ways. */
function judge(a: PgIndex, b: PgIndex, expected: { aCoversB: boolean; bCoversA: boolean }, why: string): void {
  assert.equal(covers(a, b), expected.aCoversB, `${why}: ${a.name} covers ${b.name}?`);
  assert.equal(covers(b, a), expected.bCoversA, `${why}: ${b.name} covers ${a.name}?`);
}

const neither = { aCoversB: false, bCoversA: false };
const both = { aCoversB: true, bCoversA: true };

/** What the tree and the report flag (one judgement): name → covering name. */
function flagged(...indexes: PgIndex[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, f] of flagIndexes(indexes)) if (f.duplicateOf) out[name] = f.duplicateOf;
  return out;
}

describe('index redundancy (one judgement for the tree and the report)', () => {
  it('a B-tree whose keys lead another is redundant to it, not the other way', () => {
    judge(index('ab', [1, 2]), index('a', [1]), { aCoversB: true, bCoversA: false }, 'prefix');
    assert.deepEqual(flagged(index('a', [1]), index('ab', [1, 2])), { a: 'ab' });
    judge(index('ab', [1, 2]), index('b', [2]), neither, 'not a leading key');
    judge(index('ab', [1, 2]), index('ba', [2, 1]), neither, 'other order of columns');
  });

  it('operator classes: (c text_pattern_ops) and (c) serve different operators, both ways', () => {
    const pattern = index('c_pattern', [{ col: 4, opclass: TEXT_PATTERN_OPS }]);
    const plain = index('c_plain', [4]);
    judge(pattern, plain, neither, 'opclass');
    assert.deepEqual(flagged(pattern, plain), {});
    judge(index('c_pattern_x', [{ col: 4, opclass: TEXT_PATTERN_OPS }, 1]), plain, neither, 'opclass of a wider index');
    assert.deepEqual(flagged(pattern, index('c_pattern_2', [{ col: 4, opclass: TEXT_PATTERN_OPS }])), { c_pattern_2: 'c_pattern' }, 'same opclass: identical');
  });

  it('collations: (c COLLATE "C") and (c) sort differently, both ways', () => {
    judge(index('c_c', [{ col: 4, collation: C_COLLATION }]), index('c_default', [4]), neither, 'collation');
    judge(index('c_c_wide', [{ col: 4, collation: C_COLLATION }, 1]), index('c_default', [4]), neither, 'collation of a wider index');
  });

  it('order: a single-column DESC index is the ASC one read backward; DESC NULLS LAST and NULLS FIRST are not', () => {
    const asc = index('z_asc', [3]);
    const desc = index('a_desc', [{ col: 3, desc: true }]);
    judge(asc, desc, both, 'DESC (NULLS FIRST) is the exact reverse');
    assert.deepEqual(flagged(asc, desc), { a_desc: 'z_asc' }, 'the DESC one is flagged, whatever the names');
    judge(asc, index('desc_nulls_last', [{ col: 3, desc: true, nullsFirst: false }]), neither, 'DESC NULLS LAST');
    judge(asc, index('asc_nulls_first', [{ col: 3, nullsFirst: true }]), neither, 'ASC NULLS FIRST');
  });

  it('order in multi-column keys: mixed directions matter, a whole reversal does not', () => {
    const plain = index('ab', [1, 2]);
    judge(plain, index('a_b_desc', [1, { col: 2, desc: true }]), neither, '(a, b DESC) vs (a, b)');
    judge(plain, index('ab_all_desc', [{ col: 1, desc: true }, { col: 2, desc: true }]), both, '(a DESC, b DESC) is (a, b) backward');
    assert.deepEqual(flagged(plain, index('ab_all_desc', [{ col: 1, desc: true }, { col: 2, desc: true }])), { ab_all_desc: 'ab' });
    judge(index('a_b_desc', [1, { col: 2, desc: true }]), index('a', [1]), { aCoversB: true, bCoversA: false }, '(a) leads (a, b DESC)');
    judge(plain, index('a_desc', [{ col: 1, desc: true }]), { aCoversB: true, bCoversA: false }, '(a DESC) is the start of (a, b) read backward');
    judge(index('a_desc_b', [{ col: 1, desc: true }, 2]), index('a', [1]), { aCoversB: true, bCoversA: false }, '(a) reads (a DESC, b) backward on its first key');
  });

  it('partial indexes: only the same predicate compares, written anywhere', () => {
    const p1 = '{OPEXPR :opno 521 :args ({VAR :varno 1 :varattno 1} {CONST :constvalue 4 [ 0 0 0 0 0 0 0 0 ]})}';
    const p2 = '{OPEXPR :opno 521 :args ({VAR :varno 1 :varattno 1} {CONST :constvalue 4 [ 1 0 0 0 0 0 0 0 ]})}';
    judge(index('p_gt0', [1], { predicateTree: p1 }), index('p_gt1', [1], { predicateTree: p2 }), neither, 'different predicates');
    judge(index('p_gt0', [1], { predicateTree: p1 }), index('full', [1]), neither, 'partial vs full');
    judge(index('p_a', [1, 2], { predicateTree: p1 }), index('p_b', [1], { predicateTree: p1 }), { aCoversB: true, bCoversA: false }, 'same predicate, prefix');
  });

  it('expressions: compared by their stored form, never against a column', () => {
    const lower = '{FUNCEXPR :funcid 870 :args ({VAR :varno 1 :varattno 4})}';
    const upper = '{FUNCEXPR :funcid 871 :args ({VAR :varno 1 :varattno 4})}';
    judge(index('lower1', [{ expr: lower, opclass: TEXT_OPS, collation: DEFAULT_COLLATION }]), index('upper1', [{ expr: upper, opclass: TEXT_OPS, collation: DEFAULT_COLLATION }]), neither, 'different expressions');
    judge(index('lower1', [{ expr: lower, opclass: TEXT_OPS, collation: DEFAULT_COLLATION }]), index('lower2', [{ expr: lower, opclass: TEXT_OPS, collation: DEFAULT_COLLATION }]), both, 'same expression');
    judge(index('lower1', [{ expr: lower, opclass: TEXT_OPS, collation: DEFAULT_COLLATION }]), index('c', [4]), neither, 'expression vs its column');
  });

  it('INCLUDE columns: the covering index must carry them', () => {
    const aIncB = index('a_inc_b', [1], { include: [2] });
    judge(aIncB, index('a', [1]), { aCoversB: true, bCoversA: false }, '(a) INCLUDE (b) vs (a)');
    judge(index('ab', [1, 2]), aIncB, { aCoversB: true, bCoversA: false }, '(a, b) carries b');
    judge(index('ac', [1, 3]), aIncB, neither, '(a, c) does not carry b');
    judge(index('a_inc_bc', [1], { include: [3, 2] }), aIncB, { aCoversB: true, bCoversA: false }, 'INCLUDE in any order');
  });

  it('access methods: a hash index is not a B-tree\'s duplicate; non-B-trees match key for key', () => {
    judge(index('h_hash', [3], { method: 'hash' }), index('h_btree', [3]), neither, 'hash vs btree');
    judge(index('h1', [3], { method: 'hash' }), index('h2', [3], { method: 'hash' }), both, 'two identical hash indexes');
    judge(index('g_ab', [1, 2], { method: 'gist' }), index('g_a', [1], { method: 'gist' }), neither, 'no prefix rule outside B-tree');
  });

  it('uniqueness: a unique index makes a plain one redundant, never the other way', () => {
    const uq = index('u_unique', [1], { unique: true });
    judge(uq, index('u_plain', [1]), { aCoversB: true, bCoversA: false }, 'unique covers plain');
    assert.deepEqual(flagged(uq, index('u_plain', [1])), { u_plain: 'u_unique' });
    judge(index('uv_unique', [1, 2], { unique: true }), uq, neither, 'UNIQUE (a) is stronger than UNIQUE (a, b), and not its prefix');
    judge(index('uv_plain', [1, 2]), uq, neither, 'a plain index never covers a unique one');
    assert.deepEqual(flagged(index('u1', [1], { unique: true }), index('u2', [1], { unique: true })), { u2: 'u1' }, 'two equal unique indexes: one is enough');
    const constraint = index('t_u_key', [1], { unique: true, backsConstraint: true });
    assert.deepEqual(flagged(constraint, index('a_unique', [1], { unique: true })), { a_unique: 't_u_key' }, 'the constraint\'s index is kept');
    judge(index('nnd', [1], { unique: true, nullsNotDistinct: true }), uq, neither, 'NULLS NOT DISTINCT differs');
    judge(index('deferred', [1], { unique: true, immediate: false }), uq, { aCoversB: false, bCoversA: true }, 'a deferrable unique index does not replace an immediate one');
  });

  it('never redundant: a primary key, an exclusion constraint, an invalid index; an invalid index covers nothing', () => {
    const pk = index('t_pkey', [1], { unique: true, primary: true, backsConstraint: true });
    judge(index('a_uq', [1], { unique: true }), pk, { aCoversB: false, bCoversA: true }, 'primary key vs unique');
    assert.deepEqual(flagged(pk, index('a_uq', [1], { unique: true }), index('a', [1])), { a_uq: 't_pkey', a: 't_pkey' });
    judge(index('ab', [1, 2]), index('ex', [1], { exclusion: true, backsConstraint: true }), neither, 'exclusion');
    judge(index('ab_invalid', [1, 2], { valid: false }), index('a', [1]), neither, 'invalid covers nothing');
    assert.deepEqual(flagged(index('a_invalid', [1], { valid: false }), index('ab', [1, 2])), {}, 'invalid is reported as invalid, not duplicate');
  });

  it('names the closest covering index: an identical one before a wider one', () => {
    const a = index('a', [1]);
    assert.equal(coveringIndex(a, [a, index('ab', [1, 2]), index('a_uq', [1], { unique: true })])?.name, 'a_uq');
  });

  it('reads stored expression lists and strips source positions', () => {
    const stored = '({FUNCEXPR :funcid 870 :args ({VAR :varno 1 :varattno 2 :location 114}) :location 108} {OPEXPR :opno 551 :args ({VAR :varno 1 :varattno 1 :location 35} {CONST :constvalue 4 [ 1 0 0 0 0 0 0 0 ]}) :location 37})';
    const parts = splitNodeList(stored);
    assert.equal(parts.length, 2);
    assert.match(parts[0] ?? '', /^\{FUNCEXPR .*:location 108\}$/);
    assert.equal(normalizeNodeTree(parts[0] ?? ''), '{FUNCEXPR :funcid 870 :args ({VAR :varno 1 :varattno 2})}');
    assert.deepEqual(splitNodeList('({CONST :name a\\}b} {CONST :x 1})'), ['{CONST :name a\\}b}', '{CONST :x 1}'], 'escaped braces stay inside');
    assert.deepEqual(splitNodeList(null), []);
    assert.equal(normalizeNodeTree('{VAR :location -1}'), '{VAR}');
  });
});
