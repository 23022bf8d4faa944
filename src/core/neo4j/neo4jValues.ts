/**
 * Neo4j driver values → result cells. Scalars become the string Cypher would
 * print (integers exactly, however large); nodes, relationships, paths, lists
 * and maps become a RichCell: a one-line Cypher-like text and pretty JSON.
 *
 * neo4j-driver is loaded lazily (see drivers.ts), so its type tests are passed
 * in: `toCell(await loadNeo4j(), value)`.
 */
import type * as Neo4j from 'neo4j-driver';
import type { CellValue, RichCell } from '../query/types';

/** The parts of the neo4j-driver module this file uses. */
export type Neo4jValueTypes = Pick<
  typeof Neo4j,
  | 'isInt'
  | 'isNode'
  | 'isRelationship'
  | 'isUnboundRelationship'
  | 'isPath'
  | 'isPoint'
  | 'isDate'
  | 'isDateTime'
  | 'isLocalDateTime'
  | 'isLocalTime'
  | 'isTime'
  | 'isDuration'
>;

type GraphNode = Neo4j.Node;
type GraphRelationship = Neo4j.Relationship | Neo4j.UnboundRelationship;
type GraphPath = Neo4j.Path;

/** Longest rendering of a string inside a node, relationship, list or map text. */
const STRING_LIMIT = 80;
/** Property text of one node or relationship cell before `…`. */
const PROPS_LIMIT = 120;
/** Property text of each node or relationship inside a path. */
const PATH_PROPS_LIMIT = 48;
/** Text of a top-level list or map before `…`. */
const COLLECTION_LIMIT = 240;

/** One result value as a cell. */
export function toCell(neo4j: Neo4jValueTypes, value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return primitiveText(value);
  if (neo4j.isInt(value)) return intText(value);
  const scalar = scalarText(neo4j, value);
  if (scalar !== undefined) return scalar;
  if (isBytes(value)) return bytesText(value);
  if (neo4j.isNode(value)) return rich('node', nodeText(neo4j, value, PROPS_LIMIT), toPlain(neo4j, value));
  if (neo4j.isRelationship(value) || neo4j.isUnboundRelationship(value)) {
    return rich('relationship', relationshipText(neo4j, value, PROPS_LIMIT), toPlain(neo4j, value));
  }
  if (neo4j.isPath(value)) return rich('path', pathText(neo4j, value), toPlain(neo4j, value));
  if (Array.isArray(value)) return rich('list', listText(neo4j, value, COLLECTION_LIMIT), toPlain(neo4j, value));
  return rich('map', mapText(neo4j, value as Record<string, unknown>, COLLECTION_LIMIT), toPlain(neo4j, value));
}

/**
 * A driver value as plain JSON data: integers as numbers when they are safe
 * and as decimal strings otherwise, temporal values as their ISO text, points
 * as `{srid, x, y[, z]}`, nodes / relationships with element ids, a path as the
 * alternating array of its nodes and relationships.
 */
export function toPlain(neo4j: Neo4jValueTypes, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value !== 'object') return value;
  if (neo4j.isInt(value)) return value.inSafeRange() ? value.toNumber() : value.toString();
  if (neo4j.isPoint(value)) {
    const { srid, x, y, z } = value;
    return { srid: toPlain(neo4j, srid), x, y, ...(z === undefined ? {} : { z }) };
  }
  const scalar = scalarText(neo4j, value);
  if (scalar !== undefined) return scalar;
  if (isBytes(value)) return bytesText(value);
  if (neo4j.isNode(value)) return { elementId: value.elementId, labels: value.labels, properties: plainMap(neo4j, value.properties) };
  if (neo4j.isRelationship(value)) {
    return {
      elementId: value.elementId,
      type: value.type,
      startNodeElementId: value.startNodeElementId,
      endNodeElementId: value.endNodeElementId,
      properties: plainMap(neo4j, value.properties),
    };
  }
  if (neo4j.isUnboundRelationship(value)) return { elementId: value.elementId, type: value.type, properties: plainMap(neo4j, value.properties) };
  if (neo4j.isPath(value)) {
    const out: unknown[] = [toPlain(neo4j, value.start)];
    for (const seg of value.segments) out.push(toPlain(neo4j, seg.relationship), toPlain(neo4j, seg.end));
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => toPlain(neo4j, v));
  return plainMap(neo4j, value as Record<string, unknown>);
}

/** Exact decimal text of a 64-bit integer (the fast way when it fits a double exactly). */
function intText(value: Neo4j.Integer): string {
  return value.inSafeRange() ? String(value.toNumber()) : value.toString();
}

function rich(kind: RichCell['kind'], text: string, plain: unknown): RichCell {
  return { kind, text, json: JSON.stringify(plain, null, 2) };
}

function plainMap(neo4j: Neo4jValueTypes, map: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(map)) out[k] = toPlain(neo4j, v);
  return out;
}

/** Temporal values and points as their driver toString(), which is how Cypher prints them; undefined for anything else. */
function scalarText(neo4j: Neo4jValueTypes, value: object): string | undefined {
  if (neo4j.isDate(value) || neo4j.isDateTime(value) || neo4j.isLocalDateTime(value)) return value.toString();
  if (neo4j.isLocalTime(value) || neo4j.isTime(value) || neo4j.isDuration(value)) return value.toString();
  if (neo4j.isPoint(value)) return value.toString();
  return undefined;
}

/** Numbers, booleans, bigints as JavaScript prints them (a driver never returns other primitives). */
function primitiveText(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
      return value.toString();
    default:
      return `[${typeof value}]`;
  }
}

/** Neo4j byte arrays arrive as Int8Array (or Uint8Array / Buffer). */
function isBytes(value: object): value is Int8Array | Uint8Array {
  return value instanceof Int8Array || value instanceof Uint8Array;
}

function bytesText(bytes: Int8Array | Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += (b & 0xff).toString(16).padStart(2, '0');
  return `0x${hex}`;
}

/* ---------- one-line text ---------- */

const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** A label, type or key as Cypher writes it: bare when it can be, else in backticks. */
function name(s: string): string {
  return IDENTIFIER.test(s) ? s : `\`${s.replace(/`/g, '``')}\``;
}

/**
 * Joins parts rendered one at a time while the text fits in `limit`
 * characters; the first part that does not fit ends it with `…` (so a long
 * list is never rendered whole just to be cut).
 */
function joinLimited(parts: Iterable<() => string>, limit: number): string {
  let out = '';
  let count = 0;
  for (const part of parts) {
    const text = part();
    const joined = count ? `${out}, ${text}` : text;
    if (joined.length > limit) return count ? `${out}, …` : `${text.slice(0, limit)}…`;
    out = joined;
    count++;
  }
  return out;
}

function* mapParts(neo4j: Neo4jValueTypes, map: Record<string, unknown>): Iterable<() => string> {
  for (const key of Object.keys(map)) yield () => `${name(key)}: ${inlineText(neo4j, map[key])}`;
}

function mapText(neo4j: Neo4jValueTypes, map: Record<string, unknown>, limit: number): string {
  return `{${joinLimited(mapParts(neo4j, map), limit)}}`;
}

function listText(neo4j: Neo4jValueTypes, list: readonly unknown[], limit: number): string {
  function* parts(): Iterable<() => string> {
    for (const item of list) yield () => inlineText(neo4j, item);
  }
  return `[${joinLimited(parts(), limit)}]`;
}

function propsText(neo4j: Neo4jValueTypes, props: Record<string, unknown>, limit: number): string {
  return Object.keys(props).length ? ` ${mapText(neo4j, props, limit)}` : '';
}

function nodeText(neo4j: Neo4jValueTypes, node: GraphNode, limit: number): string {
  const labels = node.labels.map((l) => `:${name(l)}`).join('');
  const props = propsText(neo4j, node.properties, limit);
  return `(${labels}${labels ? props : props.trimStart()})`;
}

function relationshipText(neo4j: Neo4jValueTypes, rel: GraphRelationship, limit: number): string {
  return `[:${name(rel.type)}${propsText(neo4j, rel.properties, limit)}]`;
}

/** `(:A {…})-[:R]->(:B {…})<-[:S]-(…)`: each arrow points the way its relationship does. */
function pathText(neo4j: Neo4jValueTypes, path: GraphPath): string {
  let out = nodeText(neo4j, path.start, PATH_PROPS_LIMIT);
  for (const seg of path.segments) {
    const rel = relationshipText(neo4j, seg.relationship, PATH_PROPS_LIMIT);
    const forward = seg.relationship.startNodeElementId
      ? seg.relationship.startNodeElementId === seg.start.elementId
      : String(seg.relationship.start) === String(seg.start.identity);
    out += forward ? `-${rel}->` : `<-${rel}-`;
    out += nodeText(neo4j, seg.end, PATH_PROPS_LIMIT);
  }
  return out;
}

/** A value inside a node, relationship, list or map: strings quoted and shortened. */
function inlineText(neo4j: Neo4jValueTypes, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > STRING_LIMIT ? `${value.slice(0, STRING_LIMIT - 1)}…` : value);
  if (typeof value !== 'object') return primitiveText(value);
  if (neo4j.isInt(value)) return intText(value);
  const scalar = scalarText(neo4j, value);
  if (scalar !== undefined) return scalar;
  if (isBytes(value)) return bytesText(value.length > 32 ? value.subarray(0, 32) : value) + (value.length > 32 ? '…' : '');
  if (neo4j.isNode(value)) return nodeText(neo4j, value, PATH_PROPS_LIMIT);
  if (neo4j.isRelationship(value) || neo4j.isUnboundRelationship(value)) return relationshipText(neo4j, value, PATH_PROPS_LIMIT);
  if (neo4j.isPath(value)) return pathText(neo4j, value);
  if (Array.isArray(value)) return listText(neo4j, value, PATH_PROPS_LIMIT);
  return mapText(neo4j, value as Record<string, unknown>, PATH_PROPS_LIMIT);
}
