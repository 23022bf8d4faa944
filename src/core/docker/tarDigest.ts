/**
 * The files of a tar stream with their sizes and SHA-256, read as it flows
 * (no file is written): what a volume backup recorded and what its Verify
 * compares. Reads ustar headers, pax extended headers (`path=`, `linkpath=`,
 * `size=`: Docker's archives use them for long and non-ASCII names) and GNU
 * long names. Regular files are hashed; a symbolic or hard link counts as a
 * file whose "content" is its target; directories are only counted.
 */
import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';

export interface TarFile {
  /** Path inside the archive, without a leading `./`. */
  path: string;
  /** 'file', 'symlink', 'hardlink', 'other' (devices, fifos). */
  kind: 'file' | 'symlink' | 'hardlink' | 'other';
  size: number;
  /** Hex SHA-256 of the content (of `link:<target>` for links). */
  sha256: string;
}

export interface TarListing {
  files: TarFile[];
  directories: number;
  /** Bytes of file content. */
  bytes: number;
}

const BLOCK = 512;

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

function octal(b: Buffer): number {
  // Base-256 (GNU) for sizes of 8 GiB and more: the first byte's high bit is set.
  if ((b[0] ?? 0) & 0x80) {
    let n = 0;
    for (let i = 1; i < b.length; i++) n = n * 256 + (b[i] ?? 0);
    return n;
  }
  const t = cString(b).trim();
  return t ? parseInt(t, 8) : 0;
}

/** pax records: "<len> key=value\n" each. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(data.subarray(at, space).toString('ascii'));
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

export function normalisePath(p: string): string {
  return p.replace(/^(\.\/)+/, '').replace(/^\.$/, '').replace(/\/+$/, '');
}

/**
 * A writable that reads a tar stream and, when it ends, holds the listing.
 * Malformed input fails the stream with an error naming where it broke.
 */
export class TarDigest extends Writable {
  readonly listing: TarListing = { files: [], directories: 0, bytes: 0 };
  private held = Buffer.alloc(0);
  /** Bytes of the current entry's data still to read, and its padding. */
  private remaining = 0;
  private padding = 0;
  private hash: Hash | undefined;
  private current: Omit<TarFile, 'sha256'> | undefined;
  /** Data of a pax or GNU long-name entry being collected. */
  private meta: { type: string; parts: Buffer[] } | undefined;
  private pax: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  private ended = false;
  /** The content of the first regular file goes here (copying one file out of a container); it is not ended. */
  private content: NodeJS.WritableStream | undefined;
  private contentTaken = false;
  private writingContent = false;
  private full = false;

  constructor(options: { content?: NodeJS.WritableStream } = {}) {
    super();
    this.content = options.content;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      this.full = false;
      this.consume(chunk);
      if (this.full && this.content) this.content.once('drain', () => done());
      else done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.remaining > 0 || this.current) done(new Error(`The archive ends in the middle of ${this.current?.path ?? 'an entry'}.`));
    else done();
  }

  private consume(chunk: Buffer): void {
    let data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    while (data.length && !this.ended) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, data.length);
        const part = data.subarray(0, n);
        if (this.meta) this.meta.parts.push(Buffer.from(part));
        else this.hash?.update(part);
        if (this.writingContent && this.content && !this.content.write(Buffer.from(part))) this.full = true;
        this.remaining -= n;
        data = data.subarray(n);
        if (this.remaining === 0) this.endEntry();
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, data.length);
        this.padding -= n;
        data = data.subarray(n);
        continue;
      }
      if (data.length < BLOCK) {
        this.held = Buffer.from(data);
        return;
      }
      const header = data.subarray(0, BLOCK);
      data = data.subarray(BLOCK);
      this.header(header);
    }
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const type = String.fromCharCode(h[156] || 0x30);
    const size = this.pax['size'] !== undefined && !'xgLK'.includes(type) ? Number(this.pax['size']) : octal(h.subarray(124, 136));
    const prefix = cString(h.subarray(345, 500));
    const name = cString(h.subarray(0, 100));
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if ('xgLK'.includes(type)) {
      this.meta = { type, parts: [] };
      if (size === 0) this.endEntry();
      return;
    }
    const path = normalisePath(this.pax['path'] ?? this.longName ?? (prefix ? `${prefix}/${name}` : name));
    const link = this.pax['linkpath'] ?? this.longLink ?? cString(h.subarray(157, 257));
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    if (type === '5') {
      if (path) this.listing.directories++;
      this.skipData();
      return;
    }
    if (type === '1' || type === '2') {
      const sha256 = createHash('sha256').update(`link:${normalisePath(link)}`).digest('hex');
      this.listing.files.push({ path, kind: type === '2' ? 'symlink' : 'hardlink', size: 0, sha256 });
      this.skipData();
      return;
    }
    this.current = { path, kind: type === '0' || type === '7' ? 'file' : 'other', size };
    this.hash = createHash('sha256');
    this.writingContent = this.current.kind === 'file' && !this.contentTaken && this.content !== undefined;
    if (this.writingContent) this.contentTaken = true;
    if (size === 0) this.endEntry();
  }

  /** An entry whose data is not hashed (a directory with a size is unusual, but skip it all the same). */
  private skipData(): void {
    if (this.remaining === 0) return;
    this.hash = undefined;
    this.current = undefined;
  }

  private endEntry(): void {
    if (this.meta) {
      const data = Buffer.concat(this.meta.parts);
      if (this.meta.type === 'x') this.pax = paxRecords(data);
      else if (this.meta.type === 'L') this.longName = cString(data);
      else if (this.meta.type === 'K') this.longLink = cString(data);
      // 'g' (global pax) sets nothing Upkeep reads.
      this.meta = undefined;
      return;
    }
    if (this.current && this.hash) {
      this.listing.files.push({ ...this.current, sha256: this.hash.digest('hex') });
      this.listing.bytes += this.current.size;
    }
    this.current = undefined;
    this.hash = undefined;
    this.writingContent = false;
  }
}
