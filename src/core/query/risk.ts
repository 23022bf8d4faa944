import type { Risk } from '../operations/operation';

/**
 * What a statement typed in a file may do, in the maintenance operations' risk
 * model: 'safe' runs after the usual preview (or at once), 'blocking' and
 * 'destructive' ask first and need the name typed on production.
 */
export interface StatementRisk {
  risk: Risk;
  /** Short sentences for the confirmation dialog ("DELETE without WHERE removes every row of public.t"). */
  reasons: string[];
  /** Changes data, schema or server state; a readOnly connection refuses it before sending. */
  writes: boolean;
  /** EXPLAIN (or for Cypher EXPLAIN/PROFILE) can be put in front of it. */
  explainable: boolean;
  /**
   * What it does reaches beyond what its text shows (a DO block's body, a
   * procedure, another session's query, another server): a question first on
   * production connections even when its risk is 'safe'. `reasons` say why.
   */
  asksOnProduction?: boolean;
}
