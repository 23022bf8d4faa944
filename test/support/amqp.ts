/**
 * The smallest AMQP 0-9-1 client the RabbitMQ tests need, written against the
 * protocol spec: open a connection (PLAIN login, a chosen heartbeat and
 * connection_name), open a channel, set a prefetch, consume without acking.
 * It never acks, so what it consumes piles up as unacknowledged; it lets the
 * tests see real client connections, channels and consumers in the API.
 * (No AMQP library is a dependency of the project.)
 */
import * as net from 'node:net';

const FRAME_METHOD = 1;
const FRAME_END = 0xce;

function shortstr(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length]), b]);
}
function longstr(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
/** A field table of string values. */
function table(entries: Record<string, string>): Buffer {
  const body = Buffer.concat(Object.entries(entries).map(([k, v]) => Buffer.concat([shortstr(k), Buffer.from('S'), longstr(v)])));
  return Buffer.concat([u32(body.length), body]);
}

function methodFrame(channel: number, classId: number, methodId: number, args: Buffer): Buffer {
  const payload = Buffer.concat([u16(classId), u16(methodId), args]);
  return Buffer.concat([Buffer.from([FRAME_METHOD]), u16(channel), u32(payload.length), payload, Buffer.from([FRAME_END])]);
}

interface Method { channel: number; classId: number; methodId: number; args: Buffer }

export interface AmqpOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  vhost: string;
  /** Seconds; 0 turns heartbeats off. */
  heartbeat: number;
  connectionName: string;
}

export class TinyAmqp {
  private buffer = Buffer.alloc(0);
  private waiters: { match: (m: Method) => boolean; resolve: (m: Method) => void; reject: (e: Error) => void }[] = [];
  closed = false;
  /** Connection.Close sent by the server (its reply text), if any. */
  serverClose: string | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (err: Error): void => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static async connect(o: AmqpOptions): Promise<TinyAmqp> {
    const socket = net.connect(o.port, o.host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new TinyAmqp(socket);
    const start = c.expect(10, 10);
    socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]));
    await start;
    const tune = c.expect(10, 30);
    socket.write(methodFrame(0, 10, 11, Buffer.concat([
      table({ product: 'upkeep-tests', connection_name: o.connectionName }),
      shortstr('PLAIN'),
      longstr(Buffer.from(`\u0000${o.user}\u0000${o.password}`, 'utf8')),
      shortstr('en_US'),
    ])));
    const t = await tune;
    const channelMax = t.args.readUInt16BE(0);
    const frameMax = t.args.readUInt32BE(2);
    socket.write(methodFrame(0, 10, 31, Buffer.concat([u16(channelMax), u32(frameMax), u16(o.heartbeat)])));
    const openOk = c.expect(10, 41);
    socket.write(methodFrame(0, 10, 40, Buffer.concat([shortstr(o.vhost), shortstr(''), Buffer.from([0])])));
    await openOk;
    return c;
  }

  /** Opens channel `n`, sets its prefetch (0: unlimited) and consumes `queue` without acking. */
  async consume(n: number, queue: string, prefetch = 0): Promise<void> {
    const openOk = this.expect(20, 11, n);
    this.socket.write(methodFrame(n, 20, 10, shortstr('')));
    await openOk;
    if (prefetch) {
      const qosOk = this.expect(60, 11, n);
      this.socket.write(methodFrame(n, 60, 10, Buffer.concat([u32(0), u16(prefetch), Buffer.from([0])])));
      await qosOk;
    }
    const consumeOk = this.expect(60, 21, n);
    this.socket.write(methodFrame(n, 60, 20, Buffer.concat([u16(0), shortstr(queue), shortstr(''), Buffer.from([0]), u32(0)])));
    await consumeOk;
  }

  /** Resolves when the socket is closed (by us or by the server). */
  waitClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private expect(classId: number, methodId: number, channel = 0): Promise<Method> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ match: (m) => m.classId === classId && m.methodId === methodId && m.channel === channel, resolve, reject });
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 8) {
      const size = this.buffer.readUInt32BE(3);
      if (this.buffer.length < 8 + size) return;
      const type = this.buffer[0];
      const channel = this.buffer.readUInt16BE(1);
      const payload = this.buffer.subarray(7, 7 + size);
      this.buffer = this.buffer.subarray(8 + size);
      if (type !== FRAME_METHOD) continue;
      const m: Method = { channel, classId: payload.readUInt16BE(0), methodId: payload.readUInt16BE(2), args: payload.subarray(4) };
      if (m.classId === 10 && m.methodId === 50) {
        // Connection.Close from the server: reply-code, reply-text. Acknowledge it as the spec asks.
        const len = m.args[2] ?? 0;
        this.serverClose = m.args.subarray(3, 3 + len).toString('utf8');
        this.socket.write(methodFrame(0, 10, 51, Buffer.alloc(0)));
        continue;
      }
      const i = this.waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(m);
    }
  }
}
