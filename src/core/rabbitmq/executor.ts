/**
 * RabbitMQ's executor: sends each RabbitOp's request as it is, one at a time,
 * and reads what the run did by kind (HANDLERS: a purge counts the messages
 * it removed, a peek returns the messages it read). A kind without a handler
 * of its own is just its request.
 */
import type { BatchOutcome, OperationExecutor } from '../operations/operation';
import { handledOutcome, runInTurn, type HandlerResult } from '../operations/inTurn';
import { describeConnectionError } from '../connections/errors';
import { formatBytes } from '../format';

const formatCount = (n: number): string => n.toLocaleString('en-US');
import type { RabbitApi, RabbitSession } from './connection';
import type { RabbitOp, RabbitTarget } from './operation';
import { mapPeeked, type PeekedMessage } from './peek';
import { readQueue } from './resources';

export interface RabbitHandlerContext {
  api: RabbitApi;
  op: RabbitOp;
  signal?: AbortSignal;
}

export type RabbitHandlerResult = HandlerResult;

export type RabbitHandler = (ctx: RabbitHandlerContext) => Promise<RabbitHandlerResult>;

const send = (ctx: RabbitHandlerContext): Promise<unknown> => ctx.api.call(ctx.op.request, ctx.signal ? { signal: ctx.signal } : {});

export const HANDLERS: Record<string, RabbitHandler> = {
  async purge(ctx) {
    const { vhost = '', name = '' } = ctx.op.target;
    const before = await readQueue(ctx.api, vhost, name, ctx.signal).catch(() => undefined);
    await send(ctx);
    // The API answers 204 without a count: the ready count just before is what went (publishers may add more meanwhile).
    return before ? { summary: `${formatCount(before.ready)} ready message${before.ready === 1 ? '' : 's'} purged`, details: { purged: before.ready } } : {};
  },
  async peek(ctx) {
    const raw = await send(ctx);
    const messages: PeekedMessage[] = Array.isArray(raw) ? raw.map((m) => mapPeeked(m as Record<string, unknown>)) : [];
    return { summary: `${formatCount(messages.length)} message${messages.length === 1 ? '' : 's'} read and requeued`, details: { messages } };
  },
  async 'definitions-import'(ctx) {
    await send(ctx);
    return { summary: 'definitions imported' };
  },
};

async function defaultHandler(ctx: RabbitHandlerContext): Promise<RabbitHandlerResult> {
  await send(ctx);
  return {};
}

async function sizeText(api: RabbitApi, target: RabbitTarget): Promise<string | undefined> {
  if (target.kind !== 'queue' || target.vhost === undefined || target.name === undefined) return undefined;
  const q = await readQueue(api, target.vhost, target.name);
  return `${formatCount(q.ready)} ready, ${formatCount(q.unacked)} unacknowledged, ${formatCount(q.consumers)} consumer${q.consumers === 1 ? '' : 's'}${q.memory === null ? '' : `, ${formatBytes(q.memory)} in memory`} (${q.type} queue)`;
}

export function rabbitExecutor(session: RabbitSession): OperationExecutor<RabbitOp> {
  return {
    sizeText: (target) => sizeText(session.api, target),
    run: (ops, callbacks): Promise<BatchOutcome<RabbitOp>> =>
      runInTurn(ops, callbacks, (op) => {
        const handler = HANDLERS[op.kind] ?? defaultHandler;
        return handledOutcome(op, callbacks.signal, () => handler({ api: session.api, op, ...(callbacks.signal ? { signal: callbacks.signal } : {}) }), (err) => describeConnectionError(session.profile, err, [], 'maintenance'));
      }),
  };
}
