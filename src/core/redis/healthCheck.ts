/**
 * Redis's health checks (the `health` hook, chunk redis-health): one INFO on
 * the session's client (O(1), bounded by the run's time limit), judged by
 * healthJudge.ts, and the age of the last backup when there is a folder.
 */
import type { EngineHealth, HealthCheck, HealthRequest } from '../health/model';
import { lastBackupCheck } from '../health/backupAge';
import { parseRedisInfo, type RedisSession } from './connection';
import { DEFAULT_MEMORY_WARN_PERCENT, judgeRedis } from './healthJudge';

export const redisHealth: EngineHealth = {
  async check(req: HealthRequest): Promise<HealthCheck[]> {
    const session = req.session as RedisSession;
    const info = parseRedisInfo(await session.client.info());
    const warn = req.settings.get<number>('upkeep.redis.memoryWarnPercent', DEFAULT_MEMORY_WARN_PERCENT);
    const checks = judgeRedis(info, warn, { profile: req.profile, database: `db${session.defaultDb}` });
    if (req.backupFolder) {
      const support = (await import('./backup')).redisBackup;
      checks.push(await lastBackupCheck(req.profile, req.backupFolder, support, req.settings));
    }
    return checks;
  },
};
