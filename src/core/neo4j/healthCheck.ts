/**
 * Neo4j's health checks (the `health` hook, chunk neo4j-health): SHOW INDEXES
 * and SHOW TRANSACTIONS on the profile's database (both read the server's
 * memory, not the graph), judged by healthJudge.ts.
 */
import type { EngineHealth, HealthCheck, HealthRequest } from '../health/model';
import { neo4jServerInfo, type Neo4jSession } from './connection';
import { DEFAULT_LONG_TRANSACTION_SECONDS, judgeNeo4j } from './healthJudge';
import { listIndexes, listTransactions } from './schema';

export const neo4jHealth: EngineHealth = {
  async check(req: HealthRequest): Promise<HealthCheck[]> {
    const { driver } = req.session as Neo4jSession;
    const wanted = req.profile.database || undefined;
    const info = await neo4jServerInfo(driver, wanted);
    const [indexes, txs] = await Promise.all([listIndexes(driver, info.database), listTransactions(driver, info.database)]);
    const limit = req.settings.get<number>('upkeep.neo4j.longTransactionSeconds', DEFAULT_LONG_TRANSACTION_SECONDS);
    return judgeNeo4j(info.version, indexes, txs, limit, { profile: req.profile, database: info.database });
  },
};
