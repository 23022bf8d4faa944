/** PostgreSQL as an engine: identity, profile rules, URL details, error codes, and the hooks that load its code at first use. */
import type { EngineModule, ErrorFacts, UrlFields, WordedProblem } from '../engine';
import type { ConnectionProblem, ErrorDuring } from '../connections/errors';
import { pgSslModeToTls } from '../connections/urlText';
import type { PostgresConnection } from './connection';
import { DEFAULT_PORT } from './port';
import { postgresStatements } from './statements';
import { postgresReports } from './reports/hook';

/** Who gave up on a lock, and the setting that limits its wait. */
const LOCK_TIMEOUT: Record<ErrorDuring, string> = {
  catalog: 'A catalog read waited longer than its lock_timeout (upkeep.catalog.lockTimeoutMs) for a lock another session holds on this object, and gave up: try again when that DDL or maintenance ends.',
  maintenance: 'The maintenance statement waited longer than its lock_timeout (upkeep.maintenance.lockTimeoutMs) for a lock another session holds, and gave up rather than make every later query queue behind it: try again when that session\'s work ends.',
  'concurrent-maintenance': 'The CONCURRENTLY statement waited longer than its lock wait (upkeep.maintenance.concurrentLockTimeoutMs) for a lock or for older transactions to end, and gave up: try again when they have ended, or raise the setting (0 waits as long as it takes).',
  statement: 'A statement from a file waited longer than its lock_timeout (upkeep.query.lockTimeoutMs) for a lock another session holds, and was stopped; nothing it did was kept: run it again when that session\'s work ends.',
};

function describeError({ code, message }: ErrorFacts, { label, during }: { label: string; during?: ErrorDuring }): ConnectionProblem | WordedProblem | undefined {
  const m = message.toLowerCase();
  // Query-level outcomes first: their messages contain words like "timeout".
  if (code === '55P03' && m.includes('could not obtain lock')) {
    // NOWAIT (FOR UPDATE NOWAIT, LOCK … NOWAIT) asked not to wait at all.
    return { kind: 'lock-timeout', message: `${message.split('\n')[0] ?? ''}: another session holds that lock, and the statement asked not to wait for it (NOWAIT).` };
  }
  if (code === '55P03') {
    return {
      kind: 'lock-timeout',
      message: during ? LOCK_TIMEOUT[during] : 'Another session holds a lock on this object, so the query gave up after waiting its lock_timeout: try again when that DDL or maintenance ends.',
    };
  }
  if (code === '57014') {
    return m.includes('statement timeout')
      ? { kind: 'statement-timeout', message: `The query ran longer than its statement_timeout and was stopped by ${label}.` }
      : { kind: 'statement-timeout', message: 'The query was cancelled on the server.' };
  }
  if (code === '57P01' || code === '57P02' || code === '57P03') {
    return 'connection-lost';
  }
  if (code === '28P01' || m.includes('password authentication failed')) return 'auth';
  if (code === '3D000') return 'unknown-database';
  return undefined;
}

export const postgresEngine: EngineModule = {
  id: 'postgres',
  label: 'PostgreSQL',
  defaultPort: DEFAULT_PORT,
  urlSchemes: { 'postgres:': { tls: 'disable' }, 'postgresql:': { tls: 'disable' } },
  urlExample: 'postgres://user@db.example.com:5432/app',
  usesPassword: true,
  // pg_hba rejections (28000) also say why: TLS rules are asked first.
  permissionCodes: ['28000', '42501'],
  asksTls: true,
  fields: [{ key: 'database', prompt: 'Database', default: 'postgres' }],
  defaultUser: 'postgres',

  parseUrl(url: URL, fields: UrlFields): UrlFields {
    const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (path) fields.database = path;
    const sslmode = url.searchParams.get('sslmode');
    if (sslmode) fields.tls = pgSslModeToTls(sslmode);
    const dbParam = url.searchParams.get('dbname');
    if (dbParam) fields.database = dbParam;
    const userParam = url.searchParams.get('user');
    if (userParam) fields.user = userParam;
    const timeout = url.searchParams.get('connect_timeout');
    if (timeout && /^\d+$/.test(timeout)) fields.connectTimeoutMs = Number(timeout) * 1000;
    return fields;
  },

  passwordFile: {
    label: 'password file (pgpass)',
    hint: 'PGPASSFILE or ~/.pgpass, matched by host, port, database and user',
    async lookup(profile, env, home) {
      return (await import('./pgpass')).lookupPgpass(profile, env, home);
    },
  },

  async probe(profile, password) {
    return (await import('./probe')).probePostgres(profile, password);
  },
  describeError,

  async openSession(profile, password, options) {
    const { PostgresConnection } = await import('./connection');
    return new PostgresConnection(profile, password, options?.catalog, options?.log);
  },
  statements: postgresStatements,
  reports: postgresReports,
  async executor(session, settings) {
    const { postgresExecutor } = await import('./executor');
    return postgresExecutor(session as PostgresConnection, settings);
  },
  async backup() {
    return (await import('./backup/index')).postgresBackup;
  },
  async dataDirectory(session) {
    return (await import('./dataDirectory')).localDataDirectory(session as PostgresConnection);
  },
};
