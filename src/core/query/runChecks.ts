/**
 * The checks a statement from a file passes before anything is sent, for
 * every engine: refused on read-only profiles when it writes, asked about
 * when risky (or, on production, when its effect cannot be judged), and
 * re-run by Export all only when it is a plain read.
 */
import type { RunMode, StatementJudgement } from '../engine';
import type { ConnectionProfile } from '../connections/profile';

/** Why a read-only profile does not send it; undefined when it may run. EXPLAIN alone executes nothing. */
export function readOnlyRefusal(profile: Pick<ConnectionProfile, 'name' | 'readOnly'>, judgement: StatementJudgement, mode: RunMode): string | undefined {
  if (!profile.readOnly || !judgement.writes || mode === 'explain') return undefined;
  return `${profile.name} is read-only: this statement writes, so it was not sent.${judgement.reasons.length ? ` ${judgement.reasons[0]}` : ''}`;
}

/** Whether to ask before running: risky statements, EXPLAIN ANALYZE (it executes), and on production what cannot be judged. */
export function asksBeforeRunning(profile: Pick<ConnectionProfile, 'production'>, judgement: StatementJudgement, mode: RunMode): boolean {
  if (mode === 'explain') return false;
  return judgement.risk !== 'safe' || mode === 'explain-analyze' || (profile.production === true && judgement.asksOnProduction === true);
}

/** Why Export all may not run the statement again; undefined for a plain read. */
export function rerunRefusal(judgement: StatementJudgement, mode: RunMode): string | undefined {
  if (mode === 'explain-analyze') return 'Export all runs the statement again, and EXPLAIN ANALYZE executes it: it was not re-run. Copy the rows shown instead.';
  if (judgement.writes || judgement.asksOnProduction) {
    const why = judgement.reasons.length ? ` ${judgement.reasons[0]}` : '';
    return `Export all runs the statement again, and this one is not a plain read: it was not re-run.${why} Copy the rows shown instead.`;
  }
  return undefined;
}
