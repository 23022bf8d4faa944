/**
 * The run loop executors share: a batch one operation at a time (a cancel
 * starts no more), and one operation through its handler — timed, its
 * report turned into an outcome, a failure or cancel into a problem.
 */
import type { ConnectionProblem } from '../connections/errors';
import { isCancelled } from '../errors';
import type { BatchOutcome, Operation, OperationOutcome, RunCallbacks } from './operation';

/** What a handler of one operation kind reports: lines for the log, one summary, data for callers. */
export interface HandlerResult {
  notices?: string[];
  summary?: string;
  details?: unknown;
}

export async function runInTurn<Op extends Operation>(ops: Op[], callbacks: RunCallbacks<Op>, one: (op: Op) => Promise<OperationOutcome>): Promise<BatchOutcome<Op>> {
  const outcomes: OperationOutcome[] = [];
  for (const [index, op] of ops.entries()) {
    if (callbacks.signal?.aborted) return { outcomes, notRun: ops.slice(index) };
    callbacks.onStep?.(index, ops.length, op);
    outcomes.push(await one(op));
  }
  return { outcomes, notRun: [] };
}

export async function handledOutcome(op: Operation, signal: AbortSignal | undefined, handle: () => Promise<HandlerResult>, problemOf: (err: unknown) => ConnectionProblem): Promise<OperationOutcome> {
  const started = Date.now();
  const base = { title: op.title, text: op.text, startedAt: new Date(started).toISOString(), notices: [] as string[] };
  try {
    const r = await handle();
    return { ...base, status: 'done', durationMs: Date.now() - started, notices: r.notices ?? [], ...(r.summary ? { summary: r.summary } : {}), ...(r.details !== undefined ? { details: r.details } : {}) };
  } catch (err) {
    const status = isCancelled(err) || signal?.aborted ? 'cancelled' : 'failed';
    return { ...base, status, durationMs: Date.now() - started, problem: problemOf(err) };
  }
}
