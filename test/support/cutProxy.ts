/**
 * A TCP proxy in front of a real server that a test can cut: every open
 * connection is destroyed at once (as when a server dies or a network link
 * drops mid-operation), optionally as soon as a given number of bytes has
 * gone from the server to the client. New connections after a cut reach the
 * server again unless the proxy was told to refuse them.
 */
import * as net from 'node:net';

export interface CutProxy {
  port: number;
  /** Bytes the server has sent to clients so far, over all connections. */
  readonly served: number;
  /** Destroys every open connection now; with `refuse`, later ones are closed at once too. */
  cut(opts?: { refuse?: boolean }): void;
  /** Cuts once the server has sent `bytes` in all (checked as data passes). */
  cutAfter(bytes: number, opts?: { refuse?: boolean }): Promise<void>;
  /** Cuts as soon as a client sends `text` (say, the request line of one API call), before the server sees it. */
  cutWhenSent(text: string, opts?: { refuse?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Passes `from`'s data on to `to` (with back-pressure) unless `cutsHere` says the link is cut at this chunk. */
function relay(from: net.Socket, to: net.Socket, cutsHere: (chunk: Buffer) => boolean): void {
  from.on('data', (chunk: Buffer) => {
    if (cutsHere(chunk)) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => to.end());
}

export async function startCutProxy(target: { host: string; port: number }): Promise<CutProxy> {
  const open = new Set<net.Socket>();
  let served = 0;
  let refusing = false;
  let pending: { bytes: number; refuse: boolean; done: () => void } | undefined;
  let onRequest: { text: string; refuse: boolean; done: () => void } | undefined;

  const cut = (opts: { refuse?: boolean } = {}): void => {
    if (opts.refuse) refusing = true;
    for (const s of open) s.destroy();
    open.clear();
  };

  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    relay(client, upstream, (chunk) => {
      if (!onRequest || !chunk.includes(onRequest.text)) return false;
      const r = onRequest;
      onRequest = undefined;
      cut({ refuse: r.refuse });
      r.done();
      return true;
    });
    relay(upstream, client, (chunk) => {
      served += chunk.length;
      if (!pending || served < pending.bytes) return false;
      const p = pending;
      pending = undefined;
      cut({ refuse: p.refuse });
      p.done();
      return true;
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    get served() {
      return served;
    },
    cut,
    cutAfter: (bytes, opts = {}) => new Promise<void>((resolve) => (pending = { bytes, refuse: opts.refuse ?? false, done: resolve })),
    cutWhenSent: (text, opts = {}) => new Promise<void>((resolve) => (onRequest = { text, refuse: opts.refuse ?? false, done: resolve })),
    close: async () => {
      cut({ refuse: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
