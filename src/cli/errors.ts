/**
 * The CLI's exit codes and its one error type. Health runs exit with the
 * severity's code (core/health/model.ts `exitCodeOf`); everything else uses
 * these.
 */

export const EXIT = {
  ok: 0,
  /** Could not do it: no configuration, unreachable server, a report that failed. The same 3 as "could not check" in a health run. */
  couldNot: 3,
  /** `upkeep run`: the operation failed (or could not start). */
  runFailed: 1,
  /** `upkeep run`: refused, the profile is read-only (nothing connected). */
  readOnly: 2,
  /** `upkeep run`: the operation needs --yes; its statement was printed, nothing ran. */
  needsYes: 4,
  /** Wrong arguments (sysexits' EX_USAGE). */
  usage: 64,
  /** Stopped with Ctrl+C (128 + SIGINT). */
  interrupted: 130,
} as const;

/** A problem told to the user as one line on stderr, then the exit code of its kind. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly kind: 'usage' | 'failure' = 'failure',
    /** A command's own code for it (`upkeep run` fails with 1, refuses with 2). */
    private readonly code?: number,
  ) {
    super(message);
  }

  get exitCode(): number {
    return this.code ?? (this.kind === 'usage' ? EXIT.usage : EXIT.couldNot);
  }
}
