/**
 * Redis's reports as the panel host runs them (the `redis-reports` chunk):
 * each on a connection of its own to the report's database, which an abort
 * closes, so Cancel stops exactly the report's work and nothing else.
 */
import type { ReportRequest } from '../../engine';
import type { RedisSession } from '../connection';
import { buildHealthReport } from './health';
import { buildMemoryReport } from './memory';
import type { RedisReport } from './report';
import { dbIndex, memorySettings } from './settings';

export { buildHealthReport } from './health';
export { buildMemoryReport } from './memory';

/** The client name of the report's connection (CLIENT LIST shows it). */
export const ANALYSIS_CLIENT_NAME = 'upkeep-analysis';

export async function runRedisReport(kind: string, req: ReportRequest): Promise<RedisReport> {
  if (kind !== 'memory' && kind !== 'health') throw new Error(`Redis has no "${kind}" report.`);
  const db = dbIndex(req.database);
  const session = req.session as RedisSession;
  if (req.signal.aborted) throw new Error('cancelled');
  const client = await session.dedicated(db, ANALYSIS_CLIENT_NAME);
  const onAbort = (): void => client.disconnect();
  req.signal.addEventListener('abort', onAbort);
  try {
    const run = { client, db, connectionName: req.profile.name, signal: req.signal };
    if (kind === 'health') return await buildHealthReport(run);
    return await buildMemoryReport({ ...run, settings: memorySettings(req.settings), full: req.options?.['full'] === true });
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    client.disconnect();
  }
}
