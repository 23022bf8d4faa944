/**
 * A key's value as the text of a read-only document: strings as text,
 * JSON pretty-printed, bytes that are not text as a hex dump; collections one
 * element a line with every element shown on one line (displayBytes, with
 * line breaks escaped), so a hostile value cannot fake lines of its own.
 */
import { formatBytes, formatCount } from '../format';
import type { KeyFacts } from './keyspace';
import { displayBytes } from './operation';
import type { ValuePage } from './values';

/** How a string's bytes read: text, JSON (only when the whole value was read), or binary. */
export type StringKind = 'text' | 'json' | 'binary';

export function stringKind(bytes: Buffer, whole: boolean): StringKind {
  const text = bytes.toString('utf8');
  // A slice may end inside a multi-byte character: judge the bytes before it.
  const valid = Buffer.from(text, 'utf8').equals(bytes) || (!whole && isUtf8Prefix(bytes));
  if (!valid || bytes.some((b) => (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f)) return 'binary';
  if (whole && /^\s*[[{]/.test(text)) {
    try {
      JSON.parse(text);
      return 'json';
    } catch {
      return 'text';
    }
  }
  return 'text';
}

function isUtf8Prefix(bytes: Buffer): boolean {
  for (let cut = 1; cut <= 3 && cut < bytes.length; cut++) {
    const head = bytes.subarray(0, bytes.length - cut);
    if (Buffer.from(head.toString('utf8'), 'utf8').equals(head)) return true;
  }
  return false;
}

/** A one-line form of an element: displayBytes, with its line breaks shown as \n. */
export function oneLine(bytes: Buffer): string {
  return displayBytes(bytes).replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** `00000000  68 65 6c 6c 6f …  |hello|`, 16 bytes a line, offsets from `base`. */
export function hexDump(bytes: Buffer, base = 0): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${(base + i).toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  return lines.join('\n');
}

function ttlText(ttlMs: number | null | undefined): string {
  if (ttlMs === undefined) return 'gone';
  if (ttlMs === null) return 'no expiry';
  const s = Math.round(ttlMs / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

export { ttlText };

const UNIT: Record<string, string> = { string: 'bytes', hash: 'fields', list: 'items', set: 'members', zset: 'members', stream: 'entries' };

/** The element word of a type: fields, items, members, entries, bytes. */
export function lengthUnit(type: string): string {
  return UNIT[type] ?? 'elements';
}

/** The lines that open the document: what the key is, in comment lines (`//` for JSON, `#` otherwise). */
export function valueHeader(facts: KeyFacts, db: number, comment: '#' | '//'): string {
  const lines = [
    `Redis ${facts.type} ${oneLine(facts.key).slice(0, 300)}${facts.key.length > 300 ? '…' : ''} (db ${db}) — read-only`,
    [
      facts.length === null ? '' : `${facts.length.toLocaleString('en-US')} ${lengthUnit(facts.type)}`,
      `TTL ${ttlText(facts.ttlMs)}`,
      facts.bytes === null ? '' : `~${formatBytes(facts.bytes)} in memory`,
      facts.encoding ? `encoding ${facts.encoding}` : '',
    ].filter(Boolean).join(' · '),
  ];
  return lines.map((l) => `${comment} ${l}`).join('\n');
}

/** The text of one page, given how strings read (decided on the first page). */
export function pageText(page: ValuePage, kind: StringKind): string {
  switch (page.type) {
    case 'string':
      if (kind === 'binary') return hexDump(page.bytes, page.offset);
      if (kind === 'json') return JSON.stringify(JSON.parse(page.bytes.toString('utf8')), null, 2);
      return page.bytes.toString('utf8');
    case 'hash':
      return page.entries.map(([f, v]) => `${oneLine(f)}\t${oneLine(v)}`).join('\n');
    case 'list':
      return page.items.map((v, i) => `${page.offset + i}\t${oneLine(v)}`).join('\n');
    case 'set':
      return page.members.map(oneLine).join('\n');
    case 'zset':
      return page.entries.map(([m, s]) => `${s}\t${oneLine(m)}`).join('\n');
    case 'stream': {
      const info = page.info ? `${Object.entries(page.info).map(([k, v]) => `# ${k}: ${v}`).join('\n')}\n` : '';
      return info + page.entries.map((e) => `${e.id}\t${e.fields.map(([f, v]) => `${oneLine(f)}=${oneLine(v)}`).join('  ')}`).join('\n');
    }
    case 'none':
      return '(the key no longer exists)';
    case 'unsupported':
      return `(values of type ${page.actual} are not shown)`;
  }
}

/** The line after the pages read so far: how much is shown, and how to see more. */
export function progressLine(type: string, shown: number, total: number | null, done: boolean, comment: '#' | '//'): string {
  const unit = lengthUnit(type);
  const of = total === null ? '' : ` of ${formatCount(total)}`;
  return done
    ? `${comment} — end: ${formatCount(shown)}${of} ${unit} shown —`
    : `${comment} — ${formatCount(shown)}${of} ${unit} shown; more with "Load More" (the editor's title bar) or the command Upkeep: Load More —`;
}
