/**
 * BGSAVE and BGREWRITEAOF to their end: the reply only says a child was
 * forked, so the result is read from INFO persistence, polled until the child
 * is gone (`rdb_bgsave_in_progress`, `aof_rewrite_in_progress` /
 * `aof_rewrite_scheduled`), then its status (`rdb_last_bgsave_status`,
 * `aof_last_bgrewrite_status`). A save another client started first is waited
 * for, then ours is started (Redis refuses a second one meanwhile).
 */
import type IORedis from 'ioredis';
import type { OperationProgress } from '../operations/operation';
import { parseRedisInfo } from './connection';

export type BackgroundKind = 'bgsave' | 'bgrewriteaof';

export interface BackgroundResult {
  status: 'done' | 'failed' | 'cancelled';
  summary?: string;
  /** Why it failed, in words (the server's own reason is only in its log). */
  failure?: string;
  notices: string[];
  leftBehind?: string;
}

export interface BackgroundOptions {
  signal?: AbortSignal;
  onProgress?: (p: OperationProgress) => void;
  pollMs?: number;
}

async function persistence(client: IORedis): Promise<Record<string, string>> {
  return parseRedisInfo(String(await client.info('persistence')));
}

const running = (info: Record<string, string>, kind: BackgroundKind): boolean =>
  kind === 'bgsave' ? info['rdb_bgsave_in_progress'] === '1' : info['aof_rewrite_in_progress'] === '1' || info['aof_rewrite_scheduled'] === '1';

/** "writing: 40% (40,000 of 100,000 keys)" from Redis 7's fork counters, when it has them. */
function phaseOf(info: Record<string, string>, kind: BackgroundKind): OperationProgress {
  const verb = kind === 'bgsave' ? 'writing the snapshot' : 'rewriting the append-only file';
  if (kind === 'bgrewriteaof' && info['aof_rewrite_scheduled'] === '1' && info['aof_rewrite_in_progress'] !== '1') return { phase: 'scheduled: waiting for a running background save to end', percent: null };
  const done = Number(info['current_save_keys_processed'] ?? NaN);
  const total = Number(info['current_save_keys_total'] ?? NaN);
  if (total > 0 && Number.isFinite(done)) return { phase: `${verb}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} keys`, percent: Math.min(99, (100 * done) / total) };
  return { phase: `${verb}…`, percent: null };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Polls until no child of `kind` runs; false when cancelled first. */
async function waitWhileRunning(client: IORedis, kind: BackgroundKind, o: BackgroundOptions, phase?: string): Promise<boolean> {
  for (;;) {
    const info = await persistence(client);
    if (!running(info, kind)) return true;
    if (o.signal?.aborted) return false;
    o.onProgress?.(phase ? { phase, percent: null } : phaseOf(info, kind));
    await sleep(o.pollMs ?? 200, o.signal);
  }
}

const ALREADY = /already in progress/i;

export async function runBackground(client: IORedis, kind: BackgroundKind, o: BackgroundOptions = {}): Promise<BackgroundResult> {
  const notices: string[] = [];
  const other: BackgroundKind = kind === 'bgsave' ? 'bgrewriteaof' : 'bgsave';
  const cancelled = (): BackgroundResult => ({ status: 'cancelled', notices, summary: 'nothing was started' });
  let reply = '';
  for (let attempt = 0; ; attempt++) {
    const info = await persistence(client);
    // One fork at a time: BGSAVE refuses while an AOF rewrite runs; a rewrite would only be scheduled.
    for (const k of [kind, other]) {
      if (!running(info, k)) continue;
      const what = k === 'bgsave' ? 'background save' : 'append-only file rewrite';
      notices.push(`A ${what} was already running: Upkeep waited for it to end before starting its own.`);
      if (!(await waitWhileRunning(client, k, o, `another ${what} is running: waiting for it to end`))) return cancelled();
    }
    if (o.signal?.aborted) return cancelled();
    try {
      reply = String(await client.call(kind === 'bgsave' ? 'BGSAVE' : 'BGREWRITEAOF'));
      break;
    } catch (err) {
      // Someone started one between our look and our command: wait for it, then try again.
      if (attempt < 3 && err instanceof Error && ALREADY.test(err.message)) continue;
      throw err;
    }
  }
  notices.push(reply);
  if (!(await waitWhileRunning(client, kind, o))) {
    return {
      status: 'cancelled',
      notices,
      leftBehind: `The ${kind === 'bgsave' ? 'background save' : 'rewrite'} goes on in the server (Redis has no command to stop it): INFO persistence will show its result.`,
    };
  }
  const info = await persistence(client);
  const status = kind === 'bgsave' ? info['rdb_last_bgsave_status'] : info['aof_last_bgrewrite_status'];
  const seconds = kind === 'bgsave' ? info['rdb_last_bgsave_time_sec'] : info['aof_last_rewrite_time_sec'];
  const where = await fileOf(client, kind);
  if (status === 'ok') {
    return { status: 'done', notices, summary: `${kind === 'bgsave' ? 'snapshot written' : 'append-only file rewritten'}${where ? ` to ${where}` : ''}${seconds === '0' ? ' in under a second' : seconds && seconds !== '-1' ? ` in ${seconds} s` : ''}` };
  }
  const field = kind === 'bgsave' ? 'rdb_last_bgsave_status' : 'aof_last_bgrewrite_status';
  return {
    status: 'failed',
    notices,
    failure: `The ${kind === 'bgsave' ? 'background save' : 'append-only file rewrite'} failed (${field}:${status ?? '?'}). Redis gives the reason only in its log; check that ${where ?? 'its working directory'} is writable and the disk has room.${kind === 'bgsave' ? ' Until a save succeeds, a server with stop-writes-on-bgsave-error refuses writes (MISCONF).' : ''}`,
  };
}

/** Where the server writes (CONFIG GET dir + dbfilename / appenddirname), when the user may ask. */
async function fileOf(client: IORedis, kind: BackgroundKind): Promise<string | undefined> {
  try {
    const [, dir] = (await client.config('GET', 'dir')) as string[];
    const [, file] = (await client.config('GET', kind === 'bgsave' ? 'dbfilename' : 'appenddirname')) as string[];
    return dir ? `${dir}/${file ?? ''}` : undefined;
  } catch {
    return undefined; // CONFIG is often not allowed (ACL, managed services): the message does without the path.
  }
}
