/**
 * The keyspace as the tree reads it, without ever making the server wait:
 * keys come from SCAN with COUNT (each call touches a bounded slice of the
 * hash table, well under a millisecond on a million keys), a page at a time,
 * never from KEYS. A namespace level is built from the pages loaded so far;
 * expanding a namespace scans again with `MATCH <escaped prefix>*`.
 */
import type { RedisDatabase } from './keyspaceCounts';
import type IORedis from 'ioredis';
import { globMatch, literalPrefix, prefixPattern } from './glob';

/** What a listing is narrowed to: the view's filter. */
export interface KeyFilter {
  /** A glob pattern as typed (MATCH); glob characters in it are the user's. */
  pattern?: string;
  /** A type as SCAN's TYPE takes it: string, hash, list, set, zset, stream. */
  type?: string;
}

export interface ScanOptions {
  /** Only keys starting with these bytes (a namespace). */
  prefix?: Buffer;
  filter?: KeyFilter;
  /** SCAN's COUNT hint: how much of the table one call looks at. */
  count: number;
  /** Stop a page once this many new keys were found. */
  pageSize: number;
  /** And after this many SCAN calls, whatever was found (a sparse MATCH must not loop through the whole table at once). */
  maxCalls: number;
}

/** One MATCH the server can apply, and what the client must still check; undefined when no key can match both. */
export function scanPlan(prefix: Buffer | undefined, pattern: string | undefined): { match?: Buffer; check?: (key: Buffer) => boolean } | undefined {
  const user = pattern ? Buffer.from(pattern, 'utf8') : undefined;
  if (!prefix?.length) return user ? { match: user } : {};
  if (!user) return { match: prefixPattern(prefix) };
  const head = literalPrefix(user);
  // The user's pattern already pins down more than the namespace: send it, and the prefix check is cheap.
  if (head.length >= prefix.length) return head.subarray(0, prefix.length).equals(prefix) ? { match: user } : undefined;
  if (!prefix.subarray(0, head.length).equals(head)) return undefined;
  // The namespace is the narrower one: the server filters by it, the client by the user's glob.
  return { match: prefixPattern(prefix), check: (key) => globMatch(user, key) };
}

/**
 * A SCAN walk of one database, resumable page by page. Keys the server
 * returns twice (SCAN may, when the table is rehashed between calls) are
 * given once.
 */
export class KeyScan {
  private cursor = '0';
  private started = false;
  private readonly seen = new Set<string>();
  private readonly plan: ReturnType<typeof scanPlan>;
  /** SCAN calls sent so far. */
  calls = 0;

  constructor(private readonly client: IORedis, private readonly opts: ScanOptions) {
    this.plan = scanPlan(opts.prefix, opts.filter?.pattern);
  }

  /** True once the cursor came back to 0: every key present throughout the walk was seen. */
  get done(): boolean {
    return this.plan === undefined || (this.started && this.cursor === '0');
  }

  /** Distinct keys found so far. */
  get found(): number {
    return this.seen.size;
  }

  /** The next page: new keys (at least pageSize unless the walk ended or hit maxCalls). */
  async nextPage(): Promise<Buffer[]> {
    const out: Buffer[] = [];
    const plan = this.plan;
    if (!plan) return out;
    for (let n = 0; n < this.opts.maxCalls && !this.done && out.length < this.opts.pageSize; n++) {
      const args: (string | Buffer | number)[] = [this.cursor];
      if (plan.match) args.push('MATCH', plan.match);
      args.push('COUNT', this.opts.count);
      if (this.opts.filter?.type) args.push('TYPE', this.opts.filter.type);
      const [next, keys] = (await this.client.callBuffer('SCAN', ...args)) as [Buffer, Buffer[]];
      this.started = true;
      this.calls++;
      this.cursor = next.toString();
      for (const key of keys) {
        if (plan.check && !plan.check(key)) continue;
        const id = key.toString('latin1');
        if (this.seen.has(id)) continue;
        this.seen.add(id);
        out.push(key);
      }
    }
    return out;
  }
}

/** A namespace one level down: its full prefix (with the trailing delimiter) and the keys seen in it. */
export interface NamespaceCount {
  prefix: Buffer;
  count: number;
}

/**
 * One level of the namespace tree below `prefix`, grown from SCAN pages:
 * keys with another delimiter after the prefix are counted into their
 * namespace; the rest are keys of this level.
 */
export class NamespaceLevel {
  private readonly groups = new Map<string, NamespaceCount>();
  readonly keys: Buffer[] = [];

  constructor(readonly prefix: Buffer, private readonly delimiter: Buffer) {}

  add(keys: readonly Buffer[]): void {
    for (const key of keys) {
      const at = this.delimiter.length ? key.indexOf(this.delimiter, this.prefix.length) : -1;
      if (at < 0) {
        this.keys.push(key);
        continue;
      }
      const prefix = key.subarray(0, at + this.delimiter.length);
      const id = prefix.toString('latin1');
      const group = this.groups.get(id);
      if (group) group.count++;
      else this.groups.set(id, { prefix: Buffer.from(prefix), count: 1 });
    }
  }

  /** Namespaces sorted by name (bytes). */
  namespaces(): NamespaceCount[] {
    return [...this.groups.values()].sort((a, b) => Buffer.compare(a.prefix, b.prefix));
  }
}

/** What the tree shows of one key. */
export interface KeyFacts {
  key: Buffer;
  type: string;
  /** Milliseconds left; null without expiry; undefined when the key is gone. */
  ttlMs: number | null | undefined;
  /** MEMORY USAGE with bounded SAMPLES; null when refused (ACL) or unknown. */
  bytes: number | null;
  /** Elements (bytes for a string); null when unknown. */
  length: number | null;
  encoding: string | null;
}

const LENGTH_COMMAND: Record<string, string> = { string: 'STRLEN', hash: 'HLEN', list: 'LLEN', set: 'SCARD', zset: 'ZCARD', stream: 'XLEN' };

/**
 * TYPE, PTTL, MEMORY USAGE … SAMPLES n (and OBJECT ENCODING when asked) and
 * the length of a page of keys, in two pipelines (each command O(1) or
 * O(samples)). A key deleted meanwhile comes back as type `none`.
 */
export async function keyFacts(client: IORedis, keys: readonly Buffer[], samples: number, opts: { encoding?: boolean } = {}): Promise<KeyFacts[]> {
  if (!keys.length) return [];
  const first = client.pipeline();
  const per = opts.encoding ? 4 : 3;
  for (const key of keys) {
    first.call('TYPE', key);
    first.call('PTTL', key);
    first.call('MEMORY', 'USAGE', key, 'SAMPLES', samples);
    if (opts.encoding) first.call('OBJECT', 'ENCODING', key);
  }
  const r1 = (await first.exec()) ?? [];
  const value = (i: number): unknown => (r1[i]?.[0] ? undefined : r1[i]?.[1]);
  const facts: KeyFacts[] = keys.map((key, i) => {
    const t = value(i * per);
    const type = typeof t === 'string' ? t : 'none';
    const pttl = value(i * per + 1);
    const bytes = value(i * per + 2);
    const encoding = opts.encoding ? value(i * per + 3) : undefined;
    return {
      key,
      type,
      ttlMs: typeof pttl === 'number' ? (pttl === -1 ? null : pttl === -2 ? undefined : pttl) : null,
      bytes: typeof bytes === 'number' ? bytes : null,
      length: null,
      encoding: typeof encoding === 'string' ? encoding : null,
    };
  });
  const second = client.pipeline();
  const asked: KeyFacts[] = [];
  for (const f of facts) {
    const command = LENGTH_COMMAND[f.type];
    if (!command) continue;
    second.call(command, f.key);
    asked.push(f);
  }
  if (asked.length) {
    const r2 = (await second.exec()) ?? [];
    asked.forEach((f, i) => {
      const n = r2[i]?.[0] ? undefined : r2[i]?.[1];
      f.length = typeof n === 'number' ? n : null;
    });
  }
  return facts;
}

/**
 * The databases the tree lists: those with keys (INFO keyspace), the
 * profile's own, and with `showEmpty` every index below `CONFIG GET
 * databases` (when CONFIG is allowed: an ACL user without +config still gets
 * the ones INFO names).
 */
export function databasesToShow(withKeys: readonly RedisDatabase[], configured: number | undefined, own: number, showEmpty: boolean): RedisDatabase[] {
  const byDb = new Map(withKeys.map((d) => [d.db, d]));
  const empty = (db: number): RedisDatabase => ({ db, keys: 0, expires: 0, avgTtlMs: 0 });
  if (!byDb.has(own)) byDb.set(own, empty(own));
  if (showEmpty && configured) for (let db = 0; db < configured; db++) if (!byDb.has(db)) byDb.set(db, empty(db));
  return [...byDb.values()].sort((a, b) => a.db - b.db);
}

/** `CONFIG GET databases`, or undefined when the command is refused or renamed. */
export async function configuredDatabases(client: IORedis): Promise<number | undefined> {
  try {
    const reply = (await client.call('CONFIG', 'GET', 'databases')) as string[];
    const n = Number(reply[1]);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
