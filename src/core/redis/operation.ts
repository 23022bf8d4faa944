/**
 * Redis's kind of Operation: the commands it sends as argument vectors
 * (binary-safe: a key may hold any bytes), and their text as redis-cli would
 * take it, which is what the preview, the history and fix scripts show.
 */
import type { Operation, OperationTarget, Risk } from '../operations/operation';

/** One argument of a command: text, or raw bytes (keys and values are binary-safe in Redis). */
export type RedisArg = string | Buffer;

/** What a Redis operation acts on. */
export interface RedisTarget extends OperationTarget {
  kind: 'server' | 'db' | 'key' | 'pattern' | 'client';
  /** The logical database (absent for server-wide work: FLUSHALL, BGSAVE, CONFIG SET). */
  db?: number;
  /** key: the key; pattern: the MATCH pattern as sent (already glob-escaped where it names literal text). */
  key?: RedisArg;
  /** pattern: the TYPE filter of the SCAN, when there is one. */
  type?: string;
  /** client: its id. */
  clientId?: string;
}

export interface RedisOp extends Operation {
  engine: 'redis';
  language: 'redis';
  target: RedisTarget;
  /**
   * The commands sent, in order, each as its argument vector. Kinds that find
   * their keys as they run (a pattern delete: SCAN then UNLINK in batches)
   * list the commands of their first step and say the rest in `text`.
   */
  commands: RedisArg[][];
}

const PLAIN = /^[\x21\x23-\x26\x28-\x7e]+$/;

/**
 * An argument as redis-cli reads it back: bare when it is plain printable
 * ASCII without quotes; otherwise in double quotes with \" \\ \n \r \t and
 * \xHH for every other byte outside printable ASCII (redis-cli's own rules for
 * quoted arguments), so binary keys survive a copy into a terminal.
 */
export function redisCliQuote(arg: RedisArg): string {
  const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
  const ascii = bytes.toString('latin1');
  if (ascii.length > 0 && PLAIN.test(ascii)) return ascii;
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** One command as a redis-cli line: `UNLINK "user:1 2"`. */
export function commandText(argv: readonly RedisArg[]): string {
  return argv.map((a, i) => (i === 0 && typeof a === 'string' ? a : redisCliQuote(a))).join(' ');
}

/**
 * Text of a Redis key or value for people: UTF-8 when it is valid UTF-8 with
 * no control characters other than tab/newline, otherwise redis-cli's quoting.
 */
export function displayBytes(arg: RedisArg): string {
  if (typeof arg === 'string') return arg;
  const text = arg.toString('utf8');
  return Buffer.from(text, 'utf8').equals(arg) && !arg.some(isControl) ? text : redisCliQuote(arg);
}

function isControl(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a) || b === 0x7f;
}

export interface RedisOpSpec {
  kind: string;
  title: string;
  target: RedisTarget;
  commands: RedisArg[][];
  impact: string;
  risk: Risk;
  confirmName: string;
  /** FLUSHDB and FLUSHALL: the name is typed even off production. */
  alwaysType?: boolean;
  /** What Cancel does, when it cannot stop the work on the server. */
  cancelNote?: string;
  /** The text shown and kept when it is more than the commands (a batched delete); defaults to the commands, one a line, after a SELECT when the target names a database. */
  text?: string;
  progress?: string;
}

/** A RedisOp from its parts: the text is the commands as redis-cli lines. */
export function redisOp(spec: RedisOpSpec): RedisOp {
  const select = spec.target.db !== undefined ? [`SELECT ${spec.target.db}`] : [];
  const text = spec.text ?? [...select, ...spec.commands.map(commandText)].join('\n');
  return { engine: 'redis', language: 'redis', ...spec, text };
}
