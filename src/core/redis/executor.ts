/**
 * Redis's OperationExecutor. Any RedisOp runs generically: its commands in
 * order, on a connection of its own to the target's database (the tree's
 * client is never moved), a cancel honoured between commands. The kinds built
 * in operations.ts get more: a pattern delete counts first (the preview) and
 * deletes in batches with progress; BGSAVE/BGREWRITEAOF are followed to their
 * result; FLUSHDB/FLUSHALL and the key commands say what they did.
 */
import type IORedis from 'ioredis';
import { describeConnectionError, type ConnectionProblem } from '../connections/errors';
import { formatBytes } from '../format';
import type { Logger } from '../log';
import type { BatchOutcome, OperationExecutor, OperationInspection, OperationOutcome, RunCallbacks } from '../operations/operation';
import { parseRedisInfo, type RedisSession } from './connection';
import { commandText, type RedisOp, type RedisTarget } from './operation';
import { keyLabel, NOTHING_DONE, type DeleteMatchingOp } from './operations';
import { runBackground } from './persistence';
import { countMatches, deleteMatches, type DeleteResult, type MatchCount } from './scanDelete';
import { parseKeyspace } from './keyspaceCounts';

/** How long the preview's counting pass may take before it reports a lower bound. */
const PREVIEW_LIMIT_MS = 15_000;
/** Keys a pattern delete's preview shows. */
const SAMPLE_SIZE = 5;
/** Keys whose MEMORY USAGE estimates a database's size for FLUSHDB's preview. */
const SIZE_SAMPLE = 200;

type StepResult = Pick<OperationOutcome, 'status' | 'notices' | 'summary' | 'leftBehind'> & { failure?: string };

export function redisExecutor(session: RedisSession, settings: { log?: Logger; sampleSize?: number } = {}): OperationExecutor<RedisOp> {
  const counts = new Map<RedisOp, MatchCount>();
  const dbOf = (t: RedisTarget): number => t.db ?? session.defaultDb;

  async function withClient<T>(db: number, use: (client: IORedis) => Promise<T>): Promise<T> {
    const client = await session.dedicated(db, 'upkeep-op');
    try {
      return await use(client);
    } finally {
      client.disconnect();
    }
  }

  return {
    async sizeText(target: RedisTarget): Promise<string | undefined> {
      if (target.kind === 'key' && target.key !== undefined) {
        const key = target.key;
        const bytes = await withClient(dbOf(target), (c) => c.callBuffer('MEMORY', 'USAGE', key, 'SAMPLES', '5'));
        return bytes === null ? 'the key does not exist' : formatBytes(Number(bytes));
      }
      if (target.kind === 'pattern') {
        const found = [...counts.entries()].find(([op]) => op.target === target)?.[1];
        return found ? `${found.complete ? '' : 'at least '}${found.count.toLocaleString('en-US')} keys match` : undefined;
      }
      if (target.kind === 'db' || target.kind === 'server') {
        const info = parseRedisInfo(String(await session.client.info()));
        const space = parseKeyspace(info);
        const used = formatBytes(Number(info['used_memory'] ?? 0));
        if (target.kind === 'server') {
          const all = space.reduce((n, d) => n + d.keys, 0);
          const dataset = info['used_memory_dataset'] !== undefined ? ` (${formatBytes(Number(info['used_memory_dataset']))} of it data)` : '';
          return `${all.toLocaleString('en-US')} keys in ${space.length} database${space.length === 1 ? '' : 's'}; the server uses ${used}${dataset}`;
        }
        const keys = space.find((d) => d.db === dbOf(target))?.keys ?? 0;
        if (!keys) return `no keys; the server uses ${used}`;
        const sample = await withClient(dbOf(target), (c) => sampleMemory(c, SIZE_SAMPLE));
        const estimate = sample.keys ? ` of about ${formatBytes((sample.bytes / sample.keys) * keys)} (MEMORY USAGE of ${sample.keys.toLocaleString('en-US')} sampled keys, scaled)` : '';
        return `${keys.toLocaleString('en-US')} keys${estimate}; the server uses ${used} in all`;
      }
      return undefined;
    },

    async inspect(ops, cb): Promise<OperationInspection | undefined> {
      const details: string[] = [];
      for (const op of ops) {
        if (op.kind !== 'delete-matching') continue;
        const d = op as DeleteMatchingOp;
        const found = await withClient(dbOf(op.target), (c) =>
          countMatches(c, specOf(d), { limitMs: PREVIEW_LIMIT_MS, sampleSize: settings.sampleSize ?? SAMPLE_SIZE, ...(cb.signal ? { signal: cb.signal } : {}), ...(cb.onProgress ? { onProgress: cb.onProgress } : {}) }),
        ).catch((err: unknown) => {
          throw new Error(describeConnectionError(session.profile, err, [], 'maintenance').message);
        });
        counts.set(op, found);
        const n = found.count.toLocaleString('en-US');
        const looked = Math.min(100, Math.round((100 * found.steps * d.scanCount) / Math.max(1, found.dbSize)));
        details.push(
          found.complete
            ? `${n} keys match (counted with a full SCAN pass over the ${found.dbSize.toLocaleString('en-US')} keys of database ${dbOf(op.target)}).`
            : `At least ${n} keys match: counting stopped after ${PREVIEW_LIMIT_MS / 1000} s, with about ${looked}% of the ${found.dbSize.toLocaleString('en-US')} keys looked at. The run deletes every key that matches.`,
        );
        if (found.sample.length) details.push(`Sample (${found.sample.length} of ${n}):\n${found.sample.map((k) => `  ${keyLabel(k)}`).join('\n')}`);
      }
      return details.length ? { details } : undefined;
    },

    async run(ops, cb: RunCallbacks<RedisOp>): Promise<BatchOutcome<RedisOp>> {
      const outcomes: OperationOutcome[] = [];
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as RedisOp;
        if (cb.signal?.aborted) return { outcomes, notRun: ops.slice(i) };
        cb.onStep?.(i, ops.length, op);
        const started = Date.now();
        const at = new Date(started).toISOString();
        let result: StepResult;
        let problem: ConnectionProblem | undefined;
        try {
          result = await withClient(dbOf(op.target), (client) => runOne(client, op, counts.get(op), cb));
        } catch (err) {
          settings.log?.warn(`${op.title}: ${err instanceof Error ? err.message : String(err)}`);
          const first = (err as { redisCommandIndex?: number }).redisCommandIndex ?? 0;
          // A command Redis answered with an error did nothing (each is atomic); a lost connection may have run it.
          const refused = err instanceof Error && err.name === 'ReplyError' && first === 0;
          problem = withConsequence(describeConnectionError(session.profile, err, [], 'maintenance'), refused ? NOTHING_DONE[op.kind] ?? 'nothing was changed' : undefined);
          const summary = (err as { redisSummary?: string }).redisSummary;
          result = { status: 'failed', notices: [], ...(summary ? { summary } : {}) };
        }
        if (result.failure) problem = { kind: 'other', message: result.failure };
        outcomes.push({
          title: op.title,
          text: op.text,
          status: result.status,
          startedAt: at,
          durationMs: Date.now() - started,
          notices: result.notices,
          ...(result.summary ? { summary: result.summary } : {}),
          ...(result.leftBehind ? { leftBehind: result.leftBehind } : {}),
          ...(problem ? { problem } : {}),
        });
      }
      return { outcomes, notRun: [] };
    },
  };
}

/** MEMORY USAGE (bounded SAMPLES) of up to `max` keys found by a few SCAN steps, pipelined. */
async function sampleMemory(client: IORedis, max: number): Promise<{ keys: number; bytes: number }> {
  const found: Buffer[] = [];
  let cursor = '0';
  for (let step = 0; step < 10 && found.length < max; step++) {
    const [next, keys] = (await client.callBuffer('SCAN', cursor, 'COUNT', '100')) as [Buffer, Buffer[]];
    found.push(...keys.slice(0, max - found.length));
    cursor = next.toString('latin1');
    if (cursor === '0') break;
  }
  const p = client.pipeline();
  for (const k of found) p.call('MEMORY', 'USAGE', k, 'SAMPLES', '5');
  const sizes = ((await p.exec()) ?? []).map(([err, n]) => (err || n === null ? undefined : Number(n))).filter((n): n is number => n !== undefined);
  return { keys: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };
}

function specOf(op: DeleteMatchingOp): { pattern: Buffer | string; type?: string; count: number } {
  const pattern = op.target.key ?? '*';
  return { pattern, count: op.scanCount, ...(op.target.type ? { type: op.target.type } : {}) };
}

/** "FLUSHDB is renamed or disabled on this server (rename-command)." + ": nothing was deleted." when the server refused before anything ran. */
function withConsequence(p: ConnectionProblem, nothing: string | undefined): ConnectionProblem {
  return nothing ? { ...p, message: `${p.message.replace(/\.$/, '')}: ${nothing}.` } : p;
}

async function runOne(client: IORedis, op: RedisOp, counted: MatchCount | undefined, cb: RunCallbacks<RedisOp>): Promise<StepResult> {
  const progress = cb.onProgress ? { onProgress: cb.onProgress } : {};
  const signal = cb.signal ? { signal: cb.signal } : {};
  switch (op.kind) {
    case 'delete-matching': {
      const d = op as DeleteMatchingOp;
      const r: DeleteResult = { deleted: 0, found: 0, cancelled: false };
      try {
        await deleteMatches(client, specOf(d), { batchSize: d.batchSize, verb: d.deleteVerb, ...(counted ? { expected: counted.count } : {}), ...signal, ...progress }, r);
      } catch (err) {
        // What went before the failure stays deleted: say how much (the batch sent when the connection dropped may have run too).
        if (err instanceof Error && r.deleted) Object.assign(err, { redisCommandIndex: 1, redisSummary: `${r.deleted.toLocaleString('en-US')} keys deleted before it failed, and perhaps the batch that was in flight` });
        throw err;
      }
      const n = r.deleted.toLocaleString('en-US');
      return r.cancelled
        ? { status: 'cancelled', notices: [], summary: `${n} keys deleted before the cancel; the rest are still there` }
        : { status: 'done', notices: [], summary: `${n} keys deleted${counted ? ` (${counted.count.toLocaleString('en-US')} matched in the preview)` : ''}` };
    }
    case 'bgsave':
    case 'bgrewriteaof': {
      const r = await runBackground(client, op.kind, { ...signal, ...progress });
      return { status: r.status, notices: r.notices, ...(r.summary ? { summary: r.summary } : {}), ...(r.failure ? { failure: r.failure } : {}), ...(r.leftBehind ? { leftBehind: r.leftBehind } : {}) };
    }
    case 'flushdb':
    case 'flushall': {
      const keys = async (): Promise<number> =>
        op.kind === 'flushdb' ? Number(await client.dbsize()) : parseKeyspace(parseRedisInfo(String(await client.info('keyspace')))).reduce((n, d) => n + d.keys, 0);
      const before = await keys();
      const replies = await sendAll(client, op, cb.signal);
      const after = await keys();
      return { status: replies ? 'done' : 'cancelled', notices: [], summary: `${Math.max(0, before - after).toLocaleString('en-US')} keys deleted${after ? ` (${after.toLocaleString('en-US')} written meanwhile remain)` : ''}` };
    }
    default: {
      const replies = await sendAll(client, op, cb.signal);
      if (!replies) return { status: 'cancelled', notices: [] };
      return judge(op, replies);
    }
  }
}

/** Sends each command in order; undefined when a cancel came between two. A failing command's index rides on its error. */
async function sendAll(client: IORedis, op: RedisOp, signal?: AbortSignal): Promise<unknown[] | undefined> {
  const replies: unknown[] = [];
  for (const [i, argv] of op.commands.entries()) {
    if (signal?.aborted && i > 0) return undefined;
    const [name, ...args] = argv;
    try {
      replies.push(await client.callBuffer(String(name), ...args));
    } catch (err) {
      if (err instanceof Error) Object.assign(err, { redisCommandIndex: i });
      throw err;
    }
  }
  return replies;
}

/** What the replies of the key commands mean: 0 from RENAMENX is a refusal, 0 from UNLINK a key already gone. */
function judge(op: RedisOp, replies: unknown[]): StepResult {
  const first = replies[0];
  const n = typeof first === 'number' ? first : undefined;
  const key = op.target.key !== undefined ? keyLabel(op.target.key) : '';
  const other = op.commands[0]?.[2];
  switch (op.kind) {
    case 'delete-key':
      return { status: 'done', notices: [], summary: n ? '1 key deleted' : 'the key was already gone: nothing to delete' };
    case 'expire':
      return n ? { status: 'done', notices: [], summary: 'TTL set' } : { status: 'failed', notices: [], failure: `The key ${key} no longer exists: no TTL was set.` };
    case 'persist':
      return { status: 'done', notices: [], summary: n ? 'the key no longer expires' : 'nothing changed: the key had no TTL (or no longer exists)' };
    case 'rename':
      return n
        ? { status: 'done', notices: [], summary: 'renamed' }
        : { status: 'failed', notices: [], failure: `A key named ${other !== undefined ? keyLabel(other) : 'so'} already exists: nothing was renamed (rename with overwrite to replace it).` };
    case 'client-kill':
      return n ? { status: 'done', notices: [], summary: 'client disconnected' } : { status: 'failed', notices: [], failure: `Client ${op.target.clientId ?? ''} is no longer connected: nothing was disconnected.` };
    default:
      return { status: 'done', notices: op.commands.map((c, i) => `${commandText(c)} → ${replyText(replies[i])}`) };
  }
}

function replyText(reply: unknown): string {
  if (Buffer.isBuffer(reply)) return keyLabel(reply, 200);
  if (Array.isArray(reply)) return `${reply.length} items`;
  return String(reply);
}
