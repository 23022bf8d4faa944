import { strict as assert } from 'node:assert';
import type * as Neo4j from 'neo4j-driver';
import { loadNeo4j } from '../../src/core/drivers';
import { toCell, toPlain } from '../../src/core/neo4j/neo4jValues';
import type { CellValue, RichCell } from '../../src/core/query/types';

describe('Neo4j values → cells', () => {
  let neo4j: typeof Neo4j;
  let node: (id: number, labels: string[], props: Record<string, unknown>) => Neo4j.Node;
  let rel: (id: number, type: string, from: Neo4j.Node, to: Neo4j.Node, props?: Record<string, unknown>) => Neo4j.Relationship;

  before(async () => {
    neo4j = await loadNeo4j();
    const { Node, Relationship } = neo4j.types;
    node = (id, labels, props) => new Node(neo4j.int(id), labels, props, `4:db:${id}`);
    rel = (id, type, from, to, props = {}) => new Relationship(neo4j.int(id), from.identity, to.identity, type, props, `5:db:${id}`, from.elementId, to.elementId);
  });

  const cell = (v: unknown): CellValue => toCell(neo4j, v);
  const richCell = (v: unknown): RichCell => {
    const c = cell(v);
    assert.ok(c !== null && typeof c === 'object', `expected a rich cell, got ${JSON.stringify(c)}`);
    return c;
  };

  it('null and undefined are null, not the string "null"', () => {
    assert.equal(cell(null), null);
    assert.equal(cell(undefined), null);
    assert.equal(cell('NULL'), 'NULL');
  });

  it('strings as they are, numbers and booleans as text', () => {
    assert.equal(cell('Ann "A"'), 'Ann "A"');
    assert.equal(cell(1.5), '1.5');
    assert.equal(cell(-0.25), '-0.25');
    assert.equal(cell(true), 'true');
    assert.equal(cell(Number.NaN), 'NaN');
  });

  it('integers exactly, beyond 2^53 too', () => {
    assert.equal(cell(neo4j.int(42)), '42');
    assert.equal(cell(neo4j.int('9007199254740993')), '9007199254740993');
    assert.equal(cell(neo4j.int('-9223372036854775808')), '-9223372036854775808');
    assert.equal(cell(9007199254740993n), '9007199254740993');
  });

  it('temporal values and points as Cypher prints them', () => {
    const { Date: CypherDate, DateTime, LocalTime, Duration, Point } = neo4j.types;
    assert.equal(cell(new CypherDate(2020, 1, 2)), '2020-01-02');
    assert.equal(cell(new DateTime(2020, 1, 2, 3, 4, 5, 0, 3600)), '2020-01-02T03:04:05+01:00');
    assert.equal(cell(new LocalTime(13, 30, 0, 0)), '13:30:00');
    assert.equal(cell(new Duration(1, 2, 3, 0)), 'P1M2DT3S');
    assert.match(cell(new Point(4326, 1.5, 2.5)) as string, /^Point\{srid=4326(\.0)?, x=1\.5, y=2\.5\}$/);
  });

  it('byte arrays as hex', () => {
    assert.equal(cell(new Int8Array([1, -1, 16])), '0x01ff10');
  });

  it('a node: labels, then properties; JSON with element id', () => {
    const c = richCell(node(1, ['Person', 'Admin'], { name: 'Ann', age: neo4j.int(42) }));
    assert.equal(c.kind, 'node');
    assert.equal(c.text, '(:Person:Admin {name: "Ann", age: 42})');
    assert.deepEqual(JSON.parse(c.json), { elementId: '4:db:1', labels: ['Person', 'Admin'], properties: { name: 'Ann', age: 42 } });
    assert.ok(c.json.includes('\n  "elementId"'), 'pretty JSON');
  });

  it('nodes without labels or properties', () => {
    assert.equal(richCell(node(2, [], {})).text, '()');
    assert.equal(richCell(node(3, [], { a: neo4j.int(1) })).text, '({a: 1})');
    assert.equal(richCell(node(4, ['Tag'], {})).text, '(:Tag)');
  });

  it('names that need backticks get them', () => {
    assert.equal(richCell(node(5, ['Big Label'], { 'first name': 'x', 'a`b': true })).text, '(:`Big Label` {`first name`: "x", `a``b`: true})');
  });

  it('a long property list is cut with …, the JSON keeps everything', () => {
    const props: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) props[`property${i}`] = `value number ${i}`;
    const c = richCell(node(6, ['Wide'], props));
    assert.ok(c.text.length < 200, c.text);
    assert.match(c.text, /^\(:Wide \{property0: "value number 0", .*, …\}\)$/);
    assert.equal(Object.keys((JSON.parse(c.json) as { properties: object }).properties).length, 50);
  });

  it('a long string property is shortened in the text only', () => {
    const long = 'x'.repeat(500);
    const c = richCell(node(7, ['Doc'], { body: long }));
    assert.ok(c.text.length < 120, c.text);
    assert.match(c.text, /x…"\}\)$/);
    assert.equal((JSON.parse(c.json) as { properties: { body: string } }).properties.body, long);
  });

  it('integers inside JSON: numbers when safe, strings otherwise', () => {
    const c = richCell(node(8, ['N'], { small: neo4j.int(7), big: neo4j.int('9007199254740993'), list: [neo4j.int(1), neo4j.int('-9007199254740993')] }));
    assert.equal(c.text, '(:N {small: 7, big: 9007199254740993, list: [1, -9007199254740993]})');
    assert.deepEqual((JSON.parse(c.json) as { properties: unknown }).properties, { small: 7, big: '9007199254740993', list: [1, '-9007199254740993'] });
  });

  it('temporal and spatial properties in text and JSON', () => {
    const c = richCell(node(9, ['E'], { on: new neo4j.types.Date(2021, 12, 31), at: new neo4j.types.Point(7203, 1, 2) }));
    assert.match(c.text, /^\(:E \{on: 2021-12-31, at: Point\{srid=7203(\.0)?, x=1(\.0)?, y=2(\.0)?\}\}\)$/);
    assert.deepEqual((JSON.parse(c.json) as { properties: unknown }).properties, { on: '2021-12-31', at: { srid: 7203, x: 1, y: 2 } });
  });

  it('a relationship: type and properties; JSON with both ends', () => {
    const a = node(10, ['Person'], {});
    const b = node(11, ['Person'], {});
    const c = richCell(rel(1, 'KNOWS', a, b, { since: neo4j.int(2001) }));
    assert.equal(c.kind, 'relationship');
    assert.equal(c.text, '[:KNOWS {since: 2001}]');
    assert.deepEqual(JSON.parse(c.json), { elementId: '5:db:1', type: 'KNOWS', startNodeElementId: '4:db:10', endNodeElementId: '4:db:11', properties: { since: 2001 } });
    assert.equal(richCell(rel(2, 'HAS PART', a, b)).text, '[:`HAS PART`]');
  });

  it('a path follows each relationship’s own direction', () => {
    const { Path, PathSegment } = neo4j.types;
    const a = node(20, ['A'], { name: 'a' });
    const b = node(21, ['B'], { name: 'b' });
    const c = node(22, ['C'], { name: 'c' });
    const r = rel(30, 'R', a, b, { w: neo4j.int(1) });
    const s = rel(31, 'S', c, b); // points back towards b
    const path = new Path(a, c, [new PathSegment(a, r, b), new PathSegment(b, s, c)]);
    const cellValue = richCell(path);
    assert.equal(cellValue.kind, 'path');
    assert.equal(cellValue.text, '(:A {name: "a"})-[:R {w: 1}]->(:B {name: "b"})<-[:S]-(:C {name: "c"})');
    const json = JSON.parse(cellValue.json) as { elementId: string }[];
    assert.deepEqual(json.map((e) => e.elementId), ['4:db:20', '5:db:30', '4:db:21', '5:db:31', '4:db:22']);
    assert.deepEqual(json[3], { elementId: '5:db:31', type: 'S', startNodeElementId: '4:db:22', endNodeElementId: '4:db:21', properties: {} });
  });

  it('a zero-length path is its one node', () => {
    const a = node(23, ['A'], {});
    const c = richCell(new neo4j.types.Path(a, a, []));
    assert.equal(c.text, '(:A)');
    assert.equal((JSON.parse(c.json) as unknown[]).length, 1);
  });

  it('lists', () => {
    const c = richCell([neo4j.int(1), 'a', null, 2.5, [true]]);
    assert.equal(c.kind, 'list');
    assert.equal(c.text, '[1, "a", null, 2.5, [true]]');
    assert.deepEqual(JSON.parse(c.json), [1, 'a', null, 2.5, [true]]);
  });

  it('a long list is cut with … in the text, whole in the JSON', () => {
    const list = Array.from({ length: 10_000 }, (_, i) => neo4j.int(i));
    const c = richCell(list);
    assert.ok(c.text.length < 300, `${c.text.length}`);
    assert.match(c.text, /^\[0, 1, 2, .*, …\]$/);
    assert.equal((JSON.parse(c.json) as unknown[]).length, 10_000);
  });

  it('maps, with graph values inside', () => {
    const a = node(40, ['Person'], { name: 'Ann' });
    const c = richCell({ who: a, count: neo4j.int(3), tags: ['x'] });
    assert.equal(c.kind, 'map');
    assert.equal(c.text, '{who: (:Person {name: "Ann"}), count: 3, tags: ["x"]}');
    assert.deepEqual(JSON.parse(c.json), { who: { elementId: '4:db:40', labels: ['Person'], properties: { name: 'Ann' } }, count: 3, tags: ['x'] });
  });

  it('toPlain gives data for exporters', () => {
    assert.deepEqual(toPlain(neo4j, { n: neo4j.int(5), f: Number.POSITIVE_INFINITY, d: new neo4j.types.Duration(0, 1, 0, 0) }), { n: 5, f: 'Infinity', d: 'P0M1DT0S' });
  });
});
