/**
 * How risky a statement typed in an editor is, for every engine: the run
 * command shows `reasons` in its confirmation dialog and asks harder for
 * destructive statements (and for any write on a read-only connection).
 */
import type { Risk } from '../postgres/maintenance';

export type { Risk };

export interface StatementRisk {
  /** safe: reads, or writes that touch a bounded set; blocking: makes the database or objects unavailable while it runs; destructive: removes data or schema at scale. */
  risk: Risk;
  /** Short human sentences for the confirmation dialog, most serious first. */
  reasons: string[];
  /** True when the statement changes data, schema or server state. */
  writes: boolean;
  /** True when EXPLAIN (or PROFILE) can be put in front of it to show its plan. */
  explainable: boolean;
}
