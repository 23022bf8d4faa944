/**
 * Reading a file while a tool writes it, so that whatever reads the backup
 * (its SHA-256, a checker fed through a pipe) runs alongside the transfer
 * instead of in a second pass after it. Only for tools that append and at
 * most cut the end off when they finish (redis-cli --rdb drops the 40-byte
 * end marker of a diskless transfer that way): the last `holdBack` bytes read
 * are passed on only once the final size is known. A tool that seeks back
 * and rewrites (pg_dump's custom format rewrites its table of contents) must
 * not be followed.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

export interface Following {
  /** Resolves when the first bytes have arrived (for a snapshot: the server has taken it by then). */
  firstBytes: Promise<void>;
  /** Call once the writer has exited: reads what is left up to the file's final size and returns its SHA-256 and length. */
  finish(): Promise<{ sha256: string; bytes: number }>;
  /** Stops reading (the writer failed or was cancelled). */
  stop(): Promise<void>;
}

const CHUNK = 1024 * 1024;

/**
 * Follows `file` (which may not exist yet). Each byte goes once, in order, to
 * the SHA-256 and to `sink` (awaited: a slow sink slows the reading, never
 * the writer). `pollMs`: how long to wait when there is nothing new, or
 * after a read that caught up with the writer.
 */
export function followFile(file: string, opts: { holdBack: number; pollMs?: number; sink?: (chunk: Buffer) => Promise<void> }): Following {
  const hash = createHash('sha256');
  const pollMs = opts.pollMs ?? 10;
  let read = 0;
  let fed = 0;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let finalSize: number | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  let gotFirst: () => void = () => undefined;
  const firstBytes = new Promise<void>((resolve) => (gotFirst = resolve));

  const feed = async (chunk: Buffer): Promise<void> => {
    if (!chunk.length) return;
    hash.update(chunk);
    fed += chunk.length;
    await opts.sink?.(chunk);
  };
  /** Passes on everything but the last `keep` bytes held. */
  const release = async (keep: number): Promise<void> => {
    let excess = heldBytes - keep;
    if (excess <= 0) return;
    const rest: Buffer[] = [];
    for (const b of held) {
      if (excess >= b.length) {
        excess -= b.length;
        await feed(b);
      } else if (excess > 0) {
        await feed(b.subarray(0, excess));
        rest.push(b.subarray(excess));
        excess = 0;
      } else rest.push(b);
    }
    held = rest;
    heldBytes = rest.reduce((a, b) => a + b.length, 0);
  };
  const sleep = (): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        wake = undefined;
        resolve();
      }, pollMs);
      wake = () => {
        clearTimeout(t);
        wake = undefined;
        resolve();
      };
    });

  const loop = (async (): Promise<void> => {
    let handle: fs.FileHandle | undefined;
    try {
      while (!stopped) {
        if (!handle) {
          handle = await fs.open(file, 'r').catch(() => undefined);
          if (!handle) {
            if (finalSize !== undefined) return;
            await sleep();
            continue;
          }
        }
        // Only what the file holds now: a 1 MB buffer for each few KB the writer added would
        // churn hundreds of MB through the garbage collector, on cores the transfer needs.
        const size = finalSize ?? (await handle.stat()).size;
        const want = Math.min(CHUNK, size - read);
        if (want <= 0) {
          if (finalSize !== undefined) return;
          await sleep();
          continue;
        }
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buf, 0, want, read);
        if (bytesRead > 0) {
          if (read === 0) gotFirst();
          read += bytesRead;
          held.push(buf.subarray(0, bytesRead));
          heldBytes += bytesRead;
          await release(opts.holdBack);
          // Caught up with the writer: let more gather rather than reading each few KB as it comes.
          if (read >= size && finalSize === undefined) await sleep();
          continue;
        }
        if (finalSize !== undefined) return;
        await sleep();
      }
    } finally {
      await handle?.close();
    }
  })();

  return {
    firstBytes,
    async finish() {
      const st = await fs.stat(file);
      finalSize = st.size;
      wake?.();
      await loop;
      // Bytes read beyond the final size were cut off by the writer (held back, never passed on).
      await release(heldBytes - Math.max(0, finalSize - fed));
      if (fed !== finalSize) throw new Error(`Read ${fed} bytes of ${file} while it was written, but it has ${finalSize}.`);
      return { sha256: hash.digest('hex'), bytes: fed };
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop.catch(() => undefined);
    },
  };
}
