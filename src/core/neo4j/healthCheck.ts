/**
 * Neo4j's health checks (the `health` hook, chunk neo4j-health): SHOW INDEXES
 * and SHOW TRANSACTIONS on the profile's database (both read the server's
 * memory, not the graph), judged by healthJudge.ts.
 */
import type { EngineHealth, HealthCheck, HealthRequest } from '../health/model';
import { neo4jServerInfo, type Neo4jSession } from './connection';
import { connectionLink, orUnknown } from '../health/links';
import { DEFAULT_LONG_TRANSACTION_SECONDS, judgeFailedIndexes, judgeLongTransactions } from './healthJudge';
import { listIndexes, listTransactions } from './schema';

export const neo4jHealth: EngineHealth = {
  async check(req: HealthRequest): Promise<HealthCheck[]> {
    const { driver } = req.session as Neo4jSession;
    const wanted = req.profile.database || undefined;
    const info = await neo4jServerInfo(driver, wanted);
    const ctx = { profile: req.profile, database: info.database };
    const limit = req.settings.get<number>('upkeep.neo4j.longTransactionSeconds', DEFAULT_LONG_TRANSACTION_SECONDS);
    // SHOW TRANSACTIONS may be refused to a user without the privilege: that check says so, the others stand.
    return [
      { id: 'reachable', title: 'Reachable', severity: 'ok', reason: `Neo4j ${info.version} answered (${info.database})`, explain: connectionLink(req.profile) },
      ...(await Promise.all([
        orUnknown('failed-indexes', 'Failed indexes', async () => judgeFailedIndexes(await listIndexes(driver, info.database), ctx)),
        orUnknown('long-transactions', 'Long transactions', async () => judgeLongTransactions(await listTransactions(driver, info.database), limit, ctx)),
      ])),
    ];
  },
};
