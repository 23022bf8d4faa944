/** Neo4j as an engine: identity, URL schemes, status codes, probe. */
import type { EngineModule, ErrorFacts, WordedProblem } from '../engine';
import type { ErrorDuring } from '../connections/errors';
import { DEFAULT_PORT } from './port';
import { neo4jStatements } from './statements';
import { neo4jReports } from './reports/hook';
import type { Neo4jSession } from './connection';

function describeError({ code, message }: ErrorFacts, ctx: { during?: ErrorDuring }): WordedProblem | undefined {
  const m = message.toLowerCase();
  // Mid-operation (not while connecting, where it means nothing answers): the server or the link went away.
  if (ctx.during && m.includes('connection was closed by server')) return 'connection-lost';
  if (code === 'Neo.ClientError.Security.Unauthorized' || m.includes('invalid username-password') || m.includes('the client is unauthorized due to authentication failure')) {
    return 'auth';
  }
  if (code === 'Neo.ClientError.Database.DatabaseNotFound') return 'unknown-database';
  // A database going down while a statement runs (server shutdown) or a routing session cut off.
  if (code === 'Neo.TransientError.General.DatabaseUnavailable' || code === 'SessionExpired') return 'connection-lost';
  return undefined;
}

export const neo4jEngine: EngineModule = {
  id: 'neo4j',
  label: 'Neo4j',
  defaultPort: DEFAULT_PORT,
  urlSchemes: {
    'neo4j:': { tls: 'disable', scheme: 'neo4j' },
    'neo4j+s:': { tls: 'verify', scheme: 'neo4j' },
    'neo4j+ssc:': { tls: 'require', scheme: 'neo4j' },
    'bolt:': { tls: 'disable', scheme: 'bolt' },
    'bolt+s:': { tls: 'verify', scheme: 'bolt' },
    'bolt+ssc:': { tls: 'require', scheme: 'bolt' },
  },
  urlExample: 'neo4j://localhost:7687 or bolt://…, neo4j+s://…',
  usesPassword: true,
  permissionCodes: ['Neo.ClientError.Security.Forbidden'],
  asksTls: true,
  fields: [{ key: 'database', prompt: 'Database (empty for the server default)' }],
  defaultUser: 'neo4j',
  // The driver's "service unavailable" wraps many causes: it only means unreachable once the shared rules found nothing more precise.
  unreachableCodes: ['ServiceUnavailable'],

  parseUrl(url, fields) {
    // A database name is not part of the bolt URL, but accept it.
    const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (path) fields.database = path;
    return fields;
  },

  async probe(profile, password) {
    const { neo4jServerInfo, openNeo4jDriver } = await import('./connection');
    const driver = await openNeo4jDriver(profile, password);
    try {
      const info = await neo4jServerInfo(driver, profile.database);
      return `Neo4j ${info.version} ${info.edition}, database ${info.database}`;
    } finally {
      await driver.close();
    }
  },
  describeError,

  async openSession(profile, password) {
    const { Neo4jSession, openNeo4jDriver } = await import('./connection');
    return new Neo4jSession(await openNeo4jDriver(profile, password), profile);
  },
  statements: neo4jStatements,
  async executor(session, settings) {
    const { neo4jExecutor } = await import('./executor');
    return neo4jExecutor(session as Neo4jSession, settings);
  },
  reports: neo4jReports,
  async health() {
    return (await import('./healthCheck')).neo4jHealth;
  },
  async backup() {
    return (await import('./backup')).neo4jBackup;
  },
};
