/**
 * Neo4j's reports as the shared panel host sees them: the kinds (data) and a
 * function that loads the report code (the `neo4j-reports` chunk) at first use.
 */
import type { EngineReports } from '../../engine';

export const neo4jReports: EngineReports = {
  kinds: [{ id: 'neo4j-schema', title: 'Schema', longTitle: 'Neo4j schema and usage' }],
  async build(kind, req) {
    return (await import('./index')).runNeo4jReport(kind, req);
  },
};
