/**
 * PostgreSQL's reports as the shared panel host sees them: the kinds (data)
 * and functions that load the report code (the `pg-reports` chunk) at first use.
 */
import type { EngineReports } from '../../engine';

export const postgresReports: EngineReports = {
  kinds: [
    { id: 'bloat', title: 'Bloat', longTitle: 'Table and index bloat' },
    { id: 'indexes', title: 'Index usage', longTitle: 'Index usage' },
    { id: 'health', title: 'Health', longTitle: 'Health' },
    { id: 'capacity', title: 'Capacity', longTitle: 'Capacity' },
  ],
  async build(kind, req) {
    return (await import('./run')).runPostgresReport(kind, req);
  },
  async rowAction(kind) {
    return kind === 'bloat' ? (await import('./run')).measureExactly : undefined;
  },
};
