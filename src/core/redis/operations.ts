/**
 * Builders of Redis's maintenance operations (pure): each says the exact
 * commands, what they do to the data and to the server, and how risky that is.
 * Keys are argument vectors (binary-safe); their text is redis-cli's quoting.
 */
import { commandText, displayBytes, redisCliQuote, redisOp as anyRedisOp, type RedisArg, type RedisOp, type RedisOpSpec } from './operation';

/** The builders' operations are one command each unless they say otherwise: Redis runs a command whole, so Cancel cannot stop it once sent. */
function redisOp(spec: RedisOpSpec): RedisOp {
  return anyRedisOp({ cancelNote: 'It is one command: once sent, Redis runs it whole and Cancel cannot stop it.', ...spec });
}

/** What the server supports, from its version: an option it lacks is never built. */
export interface RedisFeatures {
  /** UNLINK (4.0): frees a key's memory in a background thread. Older servers get DEL. */
  unlink: boolean;
  /** FLUSHDB/FLUSHALL ASYNC (4.0). */
  flushAsync: boolean;
  /** SCAN … TYPE (6.0). */
  scanType: boolean;
}

export function redisFeatures(version: string): RedisFeatures {
  const [major = 0] = version.split('.').map((n) => Number(n) || 0);
  return { unlink: major >= 4, flushAsync: major >= 4, scanType: major >= 6 };
}

/** A pattern delete: SCAN passes that find the keys, UNLINK batches that delete them. */
export interface DeleteMatchingOp extends RedisOp {
  kind: 'delete-matching';
  /** COUNT of each SCAN step. */
  scanCount: number;
  /** Keys per UNLINK. */
  batchSize: number;
  /** UNLINK, or DEL on servers older than 4.0. */
  deleteVerb: 'UNLINK' | 'DEL';
}

/**
 * A key as typed by a user: plain text, or redis-cli's double-quoted form
 * (`"bin\xff\n"`) for bytes that cannot be typed; the inverse of redisCliQuote.
 */
export function parseTypedKey(text: string): Buffer {
  const t = text.trim();
  if (!(t.length >= 2 && t.startsWith('"') && t.endsWith('"'))) return Buffer.from(text, 'utf8');
  const body = t.slice(1, -1);
  const out: number[] = [];
  const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, b: 0x08, a: 0x07, '"': 0x22, '\\': 0x5c };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c === '\\' && i + 1 < body.length) {
      const next = body[i + 1] ?? '';
      const hex = body.slice(i + 2, i + 4);
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 3;
        continue;
      }
      const code = simple[next];
      if (code !== undefined) {
        out.push(code);
        i += 1;
        continue;
      }
    }
    out.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(out);
}

/** A key for a one-line message: readable text or redis-cli quoting, at most `max` characters. */
export function keyLabel(key: RedisArg, max = 80): string {
  const shown = displayBytes(key);
  const text = /[\n\t]/.test(shown) ? redisCliQuote(key) : shown;
  const bytes = typeof key === 'string' ? Buffer.byteLength(key) : key.length;
  return text.length > max ? `${text.slice(0, max - 1)}… (${bytes.toLocaleString('en-US')} bytes)` : text;
}

/** The name typed to confirm work on a key: the key itself when it is short, typeable text; its database otherwise. */
function keyConfirmName(db: number, key: RedisArg): string {
  const shown = displayBytes(key);
  return shown.length <= 80 && !/[\n\t"\\]/.test(shown) && shown === (typeof key === 'string' ? key : key.toString('utf8')) ? shown : `db${db}`;
}

const dbName = (db: number): string => `database ${db}`;

/** A TTL for people: "1 h", "1 d 2 h", "90 s", "500 ms". */
export function ttlText(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]];
  const parts: string[] = [];
  let rest = ms;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n) parts.push(`${n} ${name}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export function buildDeleteKey(db: number, key: RedisArg, f: RedisFeatures): RedisOp {
  const verb = f.unlink ? 'UNLINK' : 'DEL';
  return redisOp({
    kind: 'delete-key',
    title: `Delete key ${keyLabel(key)} (db${db})`,
    target: { kind: 'key', db, key },
    commands: [[verb, key]],
    impact: f.unlink
      ? `deletes the key and its value from ${dbName(db)}; the server frees its memory in the background, so even a big value does not make others wait`
      : `deletes the key and its value from ${dbName(db)}; DEL frees a big value while others wait (this server has no UNLINK)`,
    risk: 'destructive',
    confirmName: keyConfirmName(db, key),
  });
}

/** Sets a key's time to live: seconds, or milliseconds (PEXPIRE) when `unit` says so. */
export function buildExpire(db: number, key: RedisArg, ttl: number, unit: 's' | 'ms' = 's'): RedisOp {
  if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`A TTL is a whole number of ${unit === 's' ? 'seconds' : 'milliseconds'} above 0 (got ${ttl}).`);
  const ms = unit === 's' ? ttl * 1000 : ttl;
  return redisOp({
    kind: 'expire',
    title: `Set TTL of ${keyLabel(key)} to ${ttlText(ms)} (db${db})`,
    target: { kind: 'key', db, key },
    commands: [[unit === 's' ? 'EXPIRE' : 'PEXPIRE', key, String(ttl)]],
    impact: `the server deletes the key when its TTL runs out, in ${ttlText(ms)}; it replaces any TTL the key had`,
    risk: 'safe',
    confirmName: keyConfirmName(db, key),
  });
}

export function buildPersist(db: number, key: RedisArg): RedisOp {
  return redisOp({
    kind: 'persist',
    title: `Remove TTL of ${keyLabel(key)} (db${db})`,
    target: { kind: 'key', db, key },
    commands: [['PERSIST', key]],
    impact: 'the key no longer expires: it stays until it is deleted, and volatile-* eviction policies no longer evict it',
    risk: 'safe',
    confirmName: keyConfirmName(db, key),
  });
}

/**
 * RENAMENX by default: nothing is overwritten (the server answers 0 when the
 * new name exists). `overwrite` sends RENAME, which deletes the key already
 * under the new name — destructive, and that deletion is synchronous.
 */
export function buildRename(db: number, key: RedisArg, newKey: RedisArg, overwrite = false): RedisOp {
  return redisOp({
    kind: overwrite ? 'rename-overwrite' : 'rename',
    title: `Rename ${keyLabel(key, 40)} to ${keyLabel(newKey, 40)}${overwrite ? ', overwriting' : ''} (db${db})`,
    target: { kind: 'key', db, key },
    commands: [[overwrite ? 'RENAME' : 'RENAMENX', key, newKey]],
    impact: overwrite
      ? `renames the key; a key already named ${keyLabel(newKey, 40)} is deleted first and its value is lost (a big one makes others wait while it is freed)`
      : `renames the key only if no key is named ${keyLabel(newKey, 40)} yet; nothing is overwritten`,
    risk: overwrite ? 'destructive' : 'safe',
    confirmName: keyConfirmName(db, key),
  });
}

export interface DeleteMatchingOptions {
  /** SCAN's TYPE filter (6.0+). */
  type?: string;
  scanCount?: number;
  batchSize?: number;
  /** How the pattern reads for people ("namespace user:"); the pattern itself otherwise. */
  describe?: string;
}

/**
 * Deletes the keys a MATCH glob finds: SCAN with the cursor until it comes
 * back to 0, deleting each batch of found keys with one UNLINK. Never KEYS.
 * The pattern is sent as given: a user's glob is theirs; a namespace's comes
 * from namespacePattern (escaped).
 */
export function buildDeleteMatching(db: number, pattern: RedisArg, f: RedisFeatures, o: DeleteMatchingOptions = {}): DeleteMatchingOp {
  if (o.type && !f.scanType) throw new RangeError('This server is older than Redis 6.0: SCAN cannot filter by TYPE.');
  const scanCount = o.scanCount ?? 1000;
  const batchSize = o.batchSize ?? 500;
  const verb = f.unlink ? 'UNLINK' : 'DEL';
  const scan: RedisArg[] = ['SCAN', '0', 'MATCH', pattern, 'COUNT', String(scanCount), ...(o.type ? ['TYPE', o.type] : [])];
  const what = o.describe ?? `keys matching ${keyLabel(pattern)}`;
  const op = redisOp({
    kind: 'delete-matching',
    title: `Delete ${what}${o.type ? ` of type ${o.type}` : ''} (db${db})`,
    target: { kind: 'pattern', db, key: pattern, ...(o.type ? { type: o.type } : {}) },
    commands: [scan],
    text: [
      `SELECT ${db}`,
      commandText(scan),
      `# … SCAN again with each cursor it returns until the cursor is 0; the keys found are deleted ${batchSize} at a time:`,
      `${verb} <key> <key> …`,
    ].join('\n'),
    impact: `deletes every key of ${dbName(db)} that ${o.type ? `is a ${o.type} and ` : ''}matches ${redisCliQuote(pattern)}, ${batchSize} keys per ${verb}, found by SCAN (never KEYS): the server serves others between steps; keys written meanwhile may or may not be caught`,
    risk: 'destructive',
    confirmName: keyConfirmName(db, pattern),
    progress: 'keys deleted',
    cancelNote: `Cancel stops it between batches of ${batchSize}: the keys deleted by then stay deleted, the rest stay.`,
  });
  return { ...op, kind: 'delete-matching', scanCount, batchSize, deleteVerb: verb };
}

export function buildFlushDb(db: number, f: RedisFeatures): RedisOp {
  return redisOp({
    kind: 'flushdb',
    title: `FLUSHDB: delete every key of database ${db}`,
    target: { kind: 'db', db },
    commands: [f.flushAsync ? ['FLUSHDB', 'ASYNC'] : ['FLUSHDB']],
    impact: f.flushAsync
      ? `deletes every key of ${dbName(db)}; ASYNC frees the memory in a background thread, so others do not wait`
      : `deletes every key of ${dbName(db)}; this server has no ASYNC, so others wait while the memory is freed`,
    risk: 'destructive',
    confirmName: `db${db}`,
    alwaysType: true,
  });
}

export function buildFlushAll(f: RedisFeatures): RedisOp {
  return redisOp({
    kind: 'flushall',
    title: 'FLUSHALL: delete every key of every database',
    target: { kind: 'server' },
    commands: [f.flushAsync ? ['FLUSHALL', 'ASYNC'] : ['FLUSHALL']],
    impact: `deletes every key of every database on the server${f.flushAsync ? '; ASYNC frees the memory in a background thread' : '; others wait while the memory is freed (no ASYNC on this server)'}. With RDB snapshots configured the server also saves the empty dataset`,
    risk: 'destructive',
    confirmName: 'FLUSHALL',
    alwaysType: true,
  });
}

export function buildBgsave(): RedisOp {
  return redisOp({
    kind: 'bgsave',
    title: 'BGSAVE: write an RDB snapshot',
    target: { kind: 'server' },
    commands: [['BGSAVE']],
    impact: 'the server forks a child that writes the whole dataset to its RDB file: disk I/O, and copy-on-write memory growing with the writes made meanwhile; the fork itself pauses the server briefly on a large dataset',
    risk: 'heavy',
    confirmName: 'BGSAVE',
    progress: 'INFO persistence',
    cancelNote: 'Cancel stops the watching only: Redis has no command to stop the child once it is forked.',
  });
}

export function buildBgrewriteaof(): RedisOp {
  return redisOp({
    kind: 'bgrewriteaof',
    title: 'BGREWRITEAOF: rewrite the append-only file',
    target: { kind: 'server' },
    commands: [['BGREWRITEAOF']],
    impact: 'the server forks a child that writes a compact append-only file from the dataset: disk I/O and copy-on-write memory, as for BGSAVE (it waits for a running BGSAVE to end first)',
    risk: 'heavy',
    confirmName: 'BGREWRITEAOF',
    progress: 'INFO persistence',
    cancelNote: 'Cancel stops the watching only: Redis has no command to stop the child once it is forked.',
  });
}

/** `who`: how the client reads for people ("127.0.0.1:50412 name=worker"). */
export function buildClientKill(id: string, who: string): RedisOp {
  if (!/^\d+$/.test(id)) throw new RangeError(`A client id is a number (got "${id}").`);
  return redisOp({
    kind: 'client-kill',
    title: `Disconnect client ${id} (${who})`,
    target: { kind: 'client', clientId: id },
    commands: [['CLIENT', 'KILL', 'ID', id]],
    impact: `closes that client's connection: the command it is running is abandoned and it loses its MULTI, subscriptions and blocking waits; it may reconnect`,
    risk: 'destructive',
    confirmName: id,
  });
}

/** Redis operation kinds this module builds, and what an outcome says was not done when the server refused them. */
export const NOTHING_DONE: Record<string, string> = {
  'delete-key': 'nothing was deleted',
  'delete-matching': 'nothing was deleted',
  flushdb: 'nothing was deleted',
  flushall: 'nothing was deleted',
  expire: 'the TTL is unchanged',
  persist: 'the TTL is unchanged',
  rename: 'nothing was renamed',
  'rename-overwrite': 'nothing was renamed or overwritten',
  bgsave: 'no snapshot was started',
  bgrewriteaof: 'no rewrite was started',
  'client-kill': 'no client was disconnected',
};
