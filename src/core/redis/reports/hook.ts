/**
 * Redis's reports as the shared panel host sees them: the kinds (data) and a
 * function that loads the report code (the `redis-reports` chunk) at first use.
 */
import type { EngineReports } from '../../engine';

export const redisReports: EngineReports = {
  kinds: [
    {
      id: 'memory',
      title: 'Memory',
      longTitle: 'Memory analysis',
      fullRun: {
        label: 'Analyse all keys',
        warning: 'Every key of the database is read with SCAN and measured (TYPE, MEMORY USAGE, PTTL and its length, pipelined). Each command is short, so Redis keeps serving others, but on millions of keys the analysis takes minutes and adds steady load while it runs. Cancel stops it.',
      },
    },
    { id: 'health', title: 'Health', longTitle: 'Health' },
  ],
  async build(kind, req) {
    return (await import('./index')).runRedisReport(kind, req);
  },
};
