/**
 * The two errors every layer may throw and the command wrapper understands.
 * They are matched by name, not by class, so code loaded from a separate
 * bundle (a lazily loaded chunk) is understood the same way.
 */

/** An error whose message is already fit for the user: shown as is, without "failed:" noise. */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}

/** Thrown when the user dismisses a prompt: ends the command quietly. */
export class Cancelled extends Error {
  override name = 'Cancelled';
}

export function isUserFacing(err: unknown): err is UserFacingError {
  return err instanceof Error && err.name === 'UserFacingError';
}

export function isCancelled(err: unknown): err is Cancelled {
  return err instanceof Error && err.name === 'Cancelled';
}
