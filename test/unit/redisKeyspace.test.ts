import { strict as assert } from 'node:assert';
import { escapeGlob, globMatch, literalPrefix } from '../../src/core/redis/glob';
import { databasesToShow, NamespaceLevel, scanPlan } from '../../src/core/redis/keyspace';
import { parseKeyspace } from '../../src/core/redis/keyspaceCounts';
import { nextStreamId } from '../../src/core/redis/values';
import { hexDump, oneLine, progressLine, stringKind } from '../../src/core/redis/valueText';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('Redis keyspace helpers (pure)', () => {
  it('escapes every glob character so a name matches only itself', () => {
    const name = 'a*b?c[d]e\\f';
    const pattern = escapeGlob(name);
    assert.equal(pattern.toString(), 'a\\*b\\?c\\[d\\]e\\\\f');
    assert.ok(globMatch(pattern, b(name)));
    assert.ok(!globMatch(pattern, b('aXbYc[d]e\\f')));
    assert.deepEqual(literalPrefix(pattern), b(name));
  });

  it('matches globs as the server does', () => {
    const cases: [string, string, boolean][] = [
      ['user:*', 'user:1', true], ['user:*', 'users', false], ['h?llo', 'hello', true], ['h[ae]llo', 'hallo', true], ['h[^e]llo', 'hello', false],
      ['h[a-b]llo', 'hbllo', true], ['*', '', true], ['a*b*c', 'axxbyyc', true], ['a*b*c', 'axxbyy', false], ['x\\', 'x\\', true],
    ];
    for (const [p, s, want] of cases) assert.equal(globMatch(b(p), b(s)), want, `${p} ~ ${s}`);
  });

  it('plans one MATCH for a namespace and a filter, or none when they exclude each other', () => {
    assert.deepEqual(scanPlan(undefined, undefined), {});
    assert.equal(scanPlan(b('user:'), undefined)?.match?.toString(), 'user:*');
    assert.equal(scanPlan(b('a*b:'), undefined)?.match?.toString(), 'a\\*b:*');
    const narrower = scanPlan(b('user:'), 'user:1*');
    assert.equal(narrower?.match?.toString(), 'user:1*');
    assert.equal(narrower?.check, undefined);
    const wider = scanPlan(b('user:'), '*:9');
    assert.equal(wider?.match?.toString(), 'user:*');
    assert.ok(wider?.check?.(b('user:9')) && !wider.check(b('user:8')));
    assert.equal(scanPlan(b('tags:'), 'user:*'), undefined);
  });

  it('groups keys into namespaces one level down, nested ones by their own prefix', () => {
    const level = new NamespaceLevel(Buffer.alloc(0), b(':'));
    level.add([b('user:1'), b('user:2'), b('cache:page:1'), b('plain'), Buffer.from([0xff, 0x3a, 0x01])]);
    assert.deepEqual(level.namespaces().map((n) => [n.prefix.toString('latin1'), n.count]), [['cache:', 1], ['user:', 2], ['\xff:', 1]]);
    assert.deepEqual(level.keys.map(String), ['plain']);
    const cache = new NamespaceLevel(b('cache:'), b(':'));
    cache.add([b('cache:page:1'), b('cache:x')]);
    assert.deepEqual(cache.namespaces().map((n) => n.prefix.toString()), ['cache:page:']);
    const flat = new NamespaceLevel(Buffer.alloc(0), Buffer.alloc(0));
    flat.add([b('user:1')]);
    assert.equal(flat.keys.length, 1);
  });

  it('lists databases with keys, the profile’s own, and the empty ones only when asked', () => {
    const dbs = parseKeyspace({ db0: 'keys=5,expires=1,avg_ttl=9', db3: 'keys=2,expires=0,avg_ttl=0', used_memory: '1' });
    assert.deepEqual(databasesToShow(dbs, 16, 0, false).map((d) => d.db), [0, 3]);
    assert.deepEqual(databasesToShow(dbs, 16, 7, false).map((d) => d.db), [0, 3, 7]);
    assert.equal(databasesToShow(dbs, 16, 0, true).length, 16);
    assert.deepEqual(databasesToShow(dbs, undefined, 0, true).map((d) => d.db), [0, 3], 'without CONFIG: what INFO names');
  });

  it('renders values safely: one line per element, hex for bytes, JSON only when whole', () => {
    assert.equal(oneLine(b('a\nb')), 'a\\nb');
    assert.equal(oneLine(b('a\r')), '"a\\r"');
    assert.equal(oneLine(Buffer.from([0x00, 0x41])), '"\\x00A"');
    assert.equal(stringKind(b('{"a":1}'), true), 'json');
    assert.equal(stringKind(b('{"a":1'), true), 'text');
    assert.equal(stringKind(b('{"a":1}'), false), 'text');
    assert.equal(stringKind(Buffer.from([0x00, 0x01]), true), 'binary');
    // A slice cut inside a multi-byte character is still text.
    assert.equal(stringKind(b('ünï').subarray(0, 4), false), 'text');
    assert.equal(hexDump(b('0123456789abcdefXY'), 32).split('\n')[1], `00000030  58 59${' '.repeat(47 - 5 + 2)}|XY|`);
    assert.match(progressLine('hash', 500, 50_000, false, '#'), /^# — 500 of 50k fields shown; more with "Load More"/);
    assert.equal(nextStreamId('1700000000000-0'), '1700000000000-1');
    assert.equal(nextStreamId('1-18446744073709551615'), '1-18446744073709551616');
  });
});
