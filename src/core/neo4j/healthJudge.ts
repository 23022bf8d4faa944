/**
 * Neo4j's health checks as pure judgements: failed indexes (critical, as the
 * schema report says) and transactions running longer than
 * `upkeep.neo4j.longTransactionSeconds` (the view's rule: a warning).
 */
import type { ConnectionProfile } from '../connections/profile';
import { formatDuration } from '../format';
import { connectionLink, reportLink } from '../health/links';
import type { HealthCheck } from '../health/model';
import type { Neo4jIndex, Neo4jTransaction } from './schema';
import { failureSummary } from './schema';

/** The view's default (upkeep.neo4j.longTransactionSeconds). */
export const DEFAULT_LONG_TRANSACTION_SECONDS = 30;
/** The schema report's kind. */
const SCHEMA_REPORT = 'neo4j-schema';

export interface Neo4jLinkContext {
  profile: ConnectionProfile;
  database: string;
}

export function judgeFailedIndexes(indexes: readonly Pick<Neo4jIndex, 'name' | 'state' | 'failureMessage'>[], ctx: Neo4jLinkContext): HealthCheck {
  const failed = indexes.filter((ix) => ix.state === 'FAILED');
  const explain = reportLink('Open the schema report', ctx.profile, SCHEMA_REPORT, ctx.database);
  if (!failed.length) return { id: 'failed-indexes', title: 'Failed indexes', severity: 'ok', reason: `none of ${indexes.length} ${indexes.length === 1 ? 'index' : 'indexes'} failed (critical on any)`, explain };
  const first = failed[0]!;
  const why = failureSummary(first.failureMessage).slice(0, 120);
  return {
    id: 'failed-indexes',
    title: 'Failed indexes',
    severity: 'critical',
    reason: `${failed.length} of ${indexes.length} ${indexes.length === 1 ? 'index' : 'indexes'} failed: ${first.name}${why ? ` (${why})` : ''}${failed.length > 1 ? ` and ${failed.length - 1} more` : ''} (critical on any)`,
    explain,
    fixes: [reportLink('Rebuild it from the schema report', ctx.profile, SCHEMA_REPORT, ctx.database)],
  };
}

export function judgeLongTransactions(txs: readonly Pick<Neo4jTransaction, 'elapsedMs' | 'id'>[], limitSeconds: number, ctx: Neo4jLinkContext): HealthCheck {
  const long = txs.filter((t) => t.elapsedMs >= limitSeconds * 1000);
  const explain = connectionLink(ctx.profile, 'Show its transactions in the Neo4j view');
  if (!long.length) return { id: 'long-transactions', title: 'Long transactions', severity: 'ok', reason: `none longer than ${limitSeconds} s (${txs.length} running)`, explain };
  const oldest = long.reduce((a, b) => (b.elapsedMs > a.elapsedMs ? b : a));
  return {
    id: 'long-transactions',
    title: 'Long transactions',
    severity: 'warning',
    reason: `${long.length} ${long.length === 1 ? 'transaction' : 'transactions'} longer than ${limitSeconds} s, the oldest ${formatDuration(oldest.elapsedMs)} (${oldest.id})`,
    explain,
  };
}
