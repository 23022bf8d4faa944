/** A statement's failure as the user should read it: the server's message, then its DETAIL and HINT. */
export function statementErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { detail?: string; hint?: string };
  return [e.message, e.detail ? `DETAIL: ${e.detail}` : '', e.hint ? `HINT: ${e.hint}` : ''].filter(Boolean).join('\n');
}

/** PostgreSQL's error position: a 1-based character index into the text that was sent. */
export function errorPosition(err: unknown): number | undefined {
  const p = Number((err as { position?: unknown } | undefined)?.position);
  return Number.isInteger(p) && p > 0 ? p : undefined;
}

/** What a statement that gave up waiting for a lock knew: how long it waited and who held the lock, when that was seen. */
export interface LockWaitFacts {
  waitedMs: number;
  /** One line per session holding the lock ("pid 4242 (alice, "psql", idle in transaction, transaction open 310 s): ALTER TABLE …"). */
  holders: string[];
  /** The server's own message. */
  serverMessage: string;
}

const LOCK_WAIT_ERROR = 'StatementLockTimeout';

/** The error a statement fails with when its lock timeout ran out (recognised by name across bundles). */
export function lockWaitError(facts: LockWaitFacts): Error {
  const err = new Error(facts.serverMessage) as Error & { lockWait: LockWaitFacts };
  err.name = LOCK_WAIT_ERROR;
  err.lockWait = facts;
  return err;
}

export function lockWaitFacts(err: unknown): LockWaitFacts | undefined {
  if (!(err instanceof Error) || err.name !== LOCK_WAIT_ERROR) return undefined;
  return (err as Error & { lockWait?: LockWaitFacts }).lockWait;
}
