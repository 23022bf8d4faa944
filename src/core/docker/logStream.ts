/**
 * Docker's log and attach streams, read byte by byte. A container without a
 * TTY sends frames: an 8-byte header (stream type: 1 stdout, 2 stderr; three
 * zero bytes; the payload length, big-endian) then the payload. A TTY
 * container sends one raw stream (its stderr is mixed into it by the
 * terminal). Frames split across chunks, lines split across frames and
 * multi-byte characters split across both are all put back together here.
 */

export type LogStreamName = 'stdout' | 'stderr';

export interface LogLine {
  stream: LogStreamName;
  /** The engine's RFC 3339 timestamp when asked for (`timestamps`), else undefined. */
  time?: string;
  text: string;
}

/** Longest line kept whole; anything longer is cut and marked (a log line of megabytes is not a line to read). */
export const MAX_LINE_CHARS = 16_384;

/** Splits one stream's bytes into lines, holding the unfinished tail. */
class LineAssembler {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly emit: (text: string) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const whole = this.pending.length ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      this.emit(decodeLine(whole));
      start = nl + 1;
    }
    if (start < chunk.length) {
      // Keep at most a little more than a line's worth: the rest of an endless line is dropped.
      if (this.pendingBytes < MAX_LINE_CHARS * 4) {
        const rest = chunk.subarray(start);
        this.pending.push(Buffer.from(rest));
        this.pendingBytes += rest.length;
      }
    }
  }

  /** The last line when the stream ends without a newline. */
  flush(): void {
    if (!this.pendingBytes) return;
    const whole = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.emit(decodeLine(whole));
  }
}

function decodeLine(bytes: Buffer): string {
  let text = bytes.toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)} … [line cut at ${MAX_LINE_CHARS.toLocaleString('en-US')} characters]` : text;
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

/**
 * Splits the multiplexed format into its streams' bytes, whatever the chunk
 * boundaries (`tty`: one raw stream, passed on as stdout).
 */
export class FrameDemuxer {
  private header: Buffer = Buffer.alloc(0);
  private frameLeft = 0;
  private frameStream: LogStreamName = 'stdout';

  constructor(
    private readonly tty: boolean,
    private readonly onData: (stream: LogStreamName, bytes: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.tty) {
      this.onData('stdout', chunk);
      return;
    }
    let at = 0;
    while (at < chunk.length) {
      if (this.frameLeft === 0) {
        const need = 8 - this.header.length;
        const got = chunk.subarray(at, at + need);
        this.header = Buffer.concat([this.header, got]);
        at += got.length;
        if (this.header.length < 8) return;
        // 2 is stderr; 1 (and 0, stdin echoed back) are read as stdout.
        this.frameStream = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.frameLeft = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.frameLeft, chunk.length - at);
      this.onData(this.frameStream, chunk.subarray(at, at + take));
      this.frameLeft -= take;
      at += take;
    }
  }
}

/**
 * Turns a container's log (or non-interactive exec) stream into lines.
 * `tty`: the container was created with a TTY (one raw stream, read as stdout).
 * `timestamps`: each line starts with the engine's timestamp, split off into `time`.
 */
export class LogDemuxer {
  private readonly frames: FrameDemuxer;
  private readonly lines: Record<LogStreamName, LineAssembler>;

  constructor(tty: boolean, timestamps: boolean, onLine: (line: LogLine) => void) {
    const make = (stream: LogStreamName): LineAssembler =>
      new LineAssembler((raw) => {
        const m = timestamps ? TIMESTAMP.exec(raw) : null;
        onLine(m ? { stream, time: m[1], text: raw.slice(m[0].length) } : { stream, text: raw });
      });
    const lines = { stdout: make('stdout'), stderr: make('stderr') };
    this.lines = lines;
    this.frames = new FrameDemuxer(tty, (stream, bytes) => lines[stream].push(bytes));
  }

  push(chunk: Buffer): void {
    this.frames.push(chunk);
  }

  end(): void {
    this.lines.stdout.flush();
    this.lines.stderr.flush();
  }
}

/** One frame of the multiplexed format (tests build streams with it). */
export function muxFrame(stream: LogStreamName | 'stdin', payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(8);
  header[0] = stream === 'stdin' ? 0 : stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** How lines are picked: a substring (as grep does), or /a regex/flags. */
export interface LineFilter {
  source: string;
  test(text: string): boolean;
}

/** Reads a filter as typed: `/…/flags` is a regular expression, anything else a plain substring. Throws a readable error for a bad regex. */
export function parseLineFilter(typed: string): LineFilter | undefined {
  const text = typed.trim();
  if (!text) return undefined;
  const re = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (re) {
    let regex: RegExp;
    try {
      regex = new RegExp(re[1] ?? '', (re[2] ?? '').replace(/[gy]/g, ''));
    } catch (err) {
      throw new Error(`The filter ${text} is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { source: text, test: (t) => regex.test(t) };
  }
  return { source: text, test: (t) => t.includes(text) };
}

/**
 * The last `capacity` items: logs of any length pass through a fixed amount
 * of memory, and the view says how many were left out.
 */
export class RingBuffer<T> {
  private items: T[] = [];
  private start = 0;
  /** Items pushed out to stay within capacity. */
  dropped = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    this.dropped++;
  }

  get size(): number {
    return this.items.length;
  }

  toArray(): T[] {
    return [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
  }

  clear(): void {
    this.items = [];
    this.start = 0;
    this.dropped = 0;
  }
}
