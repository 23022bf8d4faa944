import { firstLine } from '../core/connections/errors';
import { errorDetail } from '../core/connections/redact';
import { isUserFacing } from '../core/errors';

/**
 * What a failed command writes to the log (the whole error with its stack)
 * and shows (one line), both through `clean` — the redactor with every secret
 * known at that point. An error's text can hold a password: a driver's
 * message, a URL someone pasted, a stack built from either.
 */
export function commandFailure(id: string, err: unknown, clean: (text: string) => string): { log: string; show: string } {
  const message = err instanceof Error ? err.message : String(err);
  return {
    log: clean(`${id}: ${errorDetail(err)}`),
    show: clean(isUserFacing(err) ? message : `Upkeep: ${firstLine(message)}`),
  };
}
