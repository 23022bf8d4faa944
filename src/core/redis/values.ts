/**
 * Reading one key's value a page at a time, never all of a big one at once:
 * a string by GETRANGE slices, a hash by HSCAN, a list by LRANGE windows, a
 * set by SSCAN, a sorted set by ZSCAN (with scores), a stream by XRANGE with
 * COUNT (and XINFO STREAM for its facts). Every command is bounded by the
 * page size, whatever the value's length. Rendering as text is in valueText.ts.
 */
import type IORedis from 'ioredis';

export interface ValueOptions {
  /** Elements per page (fields, items, members, entries). */
  pageSize: number;
  /** Bytes of a string per page. */
  stringBytes: number;
}

export interface StreamEntry {
  id: string;
  fields: [Buffer, Buffer][];
}

export type ValuePage =
  | { type: 'string'; total: number; offset: number; bytes: Buffer }
  | { type: 'hash'; total: number; entries: [Buffer, Buffer][] }
  | { type: 'list'; total: number; offset: number; items: Buffer[] }
  | { type: 'set'; total: number; members: Buffer[] }
  | { type: 'zset'; total: number; entries: [Buffer, string][] }
  | { type: 'stream'; total: number; info: Record<string, string> | undefined; entries: StreamEntry[] }
  | { type: 'none' }
  | { type: 'unsupported'; actual: string };

/** SCAN-family calls one page may send when the server returns empty slices (a sparse table). */
const MAX_SCAN_CALLS = 20;

/**
 * A walk through one value. `next()` gives the following page; `done` is
 * true after the last. Members the server returns twice (a *SCAN during a
 * rehash) are given once.
 */
export class ValueReader {
  private cursor = '0';
  private started = false;
  private finished = false;
  private readonly seen = new Set<string>();
  /** Elements (or bytes, for a string) given so far. */
  shown = 0;

  constructor(
    private readonly client: IORedis,
    readonly key: Buffer,
    readonly type: string,
    private readonly opts: ValueOptions,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  async next(): Promise<ValuePage> {
    if (this.finished) throw new Error('The whole value has been read.');
    const page = await this.read();
    this.started = true;
    return page;
  }

  private async read(): Promise<ValuePage> {
    const { client, key } = this;
    const n = this.opts.pageSize;
    switch (this.type) {
      case 'string': {
        const total = Number(await client.call('STRLEN', key));
        const offset = Number(this.cursor);
        const bytes = total > offset ? ((await client.callBuffer('GETRANGE', key, offset, offset + this.opts.stringBytes - 1)) as Buffer) : Buffer.alloc(0);
        this.advance(offset + bytes.length, offset + bytes.length >= total || bytes.length === 0);
        this.shown += bytes.length;
        return { type: 'string', total, offset, bytes };
      }
      case 'list': {
        const total = Number(await client.call('LLEN', key));
        const offset = Number(this.cursor);
        const items = (await client.callBuffer('LRANGE', key, offset, offset + n - 1)) as Buffer[];
        this.advance(offset + items.length, offset + items.length >= total || items.length === 0);
        this.shown += items.length;
        return { type: 'list', total, offset, items };
      }
      case 'hash':
      case 'set':
      case 'zset': {
        const [lenCommand, scanCommand] = this.type === 'hash' ? ['HLEN', 'HSCAN'] : this.type === 'set' ? ['SCARD', 'SSCAN'] : ['ZCARD', 'ZSCAN'];
        const total = Number(await client.call(lenCommand, key));
        const pairs = this.type !== 'set';
        const flat: Buffer[] = [];
        let calls = 0;
        do {
          const [next, items] = (await client.callBuffer(scanCommand, key, this.cursor, 'COUNT', n)) as [Buffer, Buffer[]];
          this.cursor = next.toString();
          this.started = true;
          calls++;
          for (let i = 0; i < items.length; i += pairs ? 2 : 1) {
            const member = items[i] as Buffer;
            const id = member.toString('latin1');
            if (this.seen.has(id)) continue;
            this.seen.add(id);
            flat.push(member);
            if (pairs) flat.push(items[i + 1] as Buffer);
          }
        } while (this.cursor !== '0' && flat.length === 0 && calls < MAX_SCAN_CALLS);
        this.finished = this.cursor === '0';
        if (this.type === 'set') {
          this.shown += flat.length;
          return { type: 'set', total, members: flat };
        }
        const entries: [Buffer, Buffer][] = [];
        for (let i = 0; i < flat.length; i += 2) entries.push([flat[i] as Buffer, flat[i + 1] as Buffer]);
        this.shown += entries.length;
        return this.type === 'hash' ? { type: 'hash', total, entries } : { type: 'zset', total, entries: entries.map(([m, s]) => [m, s.toString()]) };
      }
      case 'stream': {
        const info = this.started ? undefined : await streamInfo(client, key);
        const total = Number(await client.call('XLEN', key));
        const start = this.started ? this.cursor : '-';
        const raw = (await client.callBuffer('XRANGE', key, start, '+', 'COUNT', n)) as [Buffer, Buffer[]][];
        const entries = raw.map(([id, fields]) => {
          const pairs: [Buffer, Buffer][] = [];
          for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i] as Buffer, fields[i + 1] as Buffer]);
          return { id: id.toString(), fields: pairs };
        });
        const last = entries[entries.length - 1];
        this.advance(last ? nextStreamId(last.id) : this.cursor, entries.length < n);
        this.shown += entries.length;
        return { type: 'stream', total, info, entries };
      }
      case 'none':
        this.finished = true;
        return { type: 'none' };
      default:
        this.finished = true;
        return { type: 'unsupported', actual: this.type };
    }
  }

  private advance(cursor: number | string, last: boolean): void {
    this.cursor = String(cursor);
    this.finished = last;
  }
}

/** The smallest stream id after `id` (XRANGE's exclusive `(` needs Redis 6.2; this works on every version). */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms ?? '0'}-${(BigInt(seq ?? '0') + 1n).toString()}`;
}

/** XINFO STREAM's scalar facts (length, groups, first and last ids…), or undefined when refused. */
async function streamInfo(client: IORedis, key: Buffer): Promise<Record<string, string> | undefined> {
  try {
    const reply = (await client.call('XINFO', 'STREAM', key)) as unknown[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const name = String(reply[i]);
      const value = reply[i + 1];
      if (typeof value === 'string' || typeof value === 'number') out[name] = String(value);
      else if (Array.isArray(value) && typeof value[0] === 'string') out[`${name} id`] = value[0];
    }
    return out;
  } catch {
    return undefined;
  }
}
