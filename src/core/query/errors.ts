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
