import type * as Pg from 'pg';
import { loadPg } from '../drivers';
import type { ConnectionProfile } from '../connections/profile';

import { DEFAULT_PORT } from './port';

export { DEFAULT_PORT };
import { type Logger, silentLogger } from '../log';
import { redact } from '../connections/redact';

/**
 * Limits for catalog (browsing) queries. Catalog reads take ACCESS SHARE locks
 * (pg_total_relation_size opens the relation), so someone's long DDL would
 * otherwise hang the tree; lock_timeout turns that into an error on the node.
 */
export interface CatalogLimits {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export const DEFAULT_CATALOG_LIMITS: CatalogLimits = { lockTimeoutMs: 3_000, statementTimeoutMs: 30_000 };

export const APPLICATION_NAME = 'Upkeep';

export function pgClientConfig(profile: ConnectionProfile, password: string | undefined, database?: string): Pg.ClientConfig {
  const config: Pg.ClientConfig = {
    host: profile.host,
    port: profile.port ?? DEFAULT_PORT,
    user: profile.user,
    database: database ?? profile.database ?? 'postgres',
    connectionTimeoutMillis: profile.connectTimeoutMs,
    application_name: APPLICATION_NAME,
    ssl: profile.tls === 'disable' ? false : { rejectUnauthorized: profile.tls === 'verify' },
  };
  // Always a password of our own choosing: given none, node-postgres would fall back to PGPASSWORD
  // and ~/.pgpass by itself, and send them to whatever host this profile names.
  config.password = password ?? noPassword;
  return config;
}

/** Tells node-postgres there is no password (undefined from the callback), so it reads none from the environment. */
const noPassword = (): Promise<string> => Promise.resolve(undefined as unknown as string);

/** Server facts worth knowing before offering anything version-dependent. */
export interface PgServerInfo {
  versionNum: number;
  version: string;
  database: string;
  user: string;
  isSuperuser: boolean;
  inRecovery: boolean;
}

/**
 * One profile's way into PostgreSQL: a small pool per database for catalog
 * reads, each session started with the catalog time limits. Dispose closes all.
 */
export class PostgresConnection {
  private readonly pools = new Map<string, Pg.Pool>();
  private disposed = false;

  constructor(
    readonly profile: ConnectionProfile,
    private readonly password: string | undefined,
    private readonly limits: CatalogLimits = DEFAULT_CATALOG_LIMITS,
    private readonly log: Logger = silentLogger,
    /** application_name of its sessions; a unique one lets a caller cancel exactly these queries. */
    private readonly applicationName: string = APPLICATION_NAME,
  ) {}

  /**
   * Another connection to the same server as the same user, with sessions of
   * its own (a report's, cancellable by its application_name). The caller disposes it.
   */
  sibling(applicationName: string, limits: CatalogLimits): PostgresConnection {
    return new PostgresConnection(this.profile, this.password, limits, this.log, applicationName);
  }

  get defaultDatabase(): string {
    return this.profile.database ?? 'postgres';
  }

  private async pool(database: string): Promise<Pg.Pool> {
    if (this.disposed) throw new Error('This connection was closed.');
    const existing = this.pools.get(database);
    if (existing) return existing;
    const pg = await loadPg();
    const pool = new pg.Pool({
      ...pgClientConfig(this.profile, this.password, database),
      application_name: this.applicationName,
      statement_timeout: this.limits.statementTimeoutMs,
      lock_timeout: this.limits.lockTimeoutMs,
      max: 2,
      idleTimeoutMillis: 30_000,
    });
    // An idle client that loses its server emits 'error' on the pool; unhandled, it would
    // take the whole extension host down.
    pool.on('error', (err) => this.log.warn(`PostgreSQL ${this.profile.name}/${database}: idle connection lost: ${redact(err.message, [this.password])}`));
    this.pools.set(database, pool);
    return pool;
  }

  /** Runs one catalog query (bound parameters only) under the catalog limits. */
  async query<R extends Pg.QueryResultRow>(database: string, sql: string, params: unknown[] = []): Promise<R[]> {
    const pool = await this.pool(database);
    const started = Date.now();
    try {
      const result = await pool.query<R>(sql, params);
      this.log.trace(`[${this.profile.name}/${database}] ${result.rowCount ?? 0} rows in ${Date.now() - started} ms: ${oneLine(sql)}`);
      return result.rows;
    } catch (err) {
      this.log.debug(`[${this.profile.name}/${database}] failed after ${Date.now() - started} ms: ${oneLine(sql)}: ${redact(String(err), [this.password])}`);
      throw err;
    }
  }

  /**
   * A connection of its own for one maintenance statement: autocommit (no
   * BEGIN is ever sent), no statement_timeout (VACUUM FULL may take hours), a
   * lock_timeout so it never queues forever behind someone's lock, with every
   * session behind it queued too. The caller ends it.
   */
  async dedicatedClient(database: string, opts: { lockTimeoutMs: number; applicationName?: string; statementTimeoutMs?: number; readOnly?: boolean }): Promise<Pg.Client> {
    if (this.disposed) throw new Error('This connection was closed.');
    const pg = await loadPg();
    const client = new pg.Client({
      ...pgClientConfig(this.profile, this.password, database),
      application_name: opts.applicationName ?? `${APPLICATION_NAME} maintenance`,
      lock_timeout: opts.lockTimeoutMs,
      statement_timeout: opts.statementTimeoutMs ?? 0,
      // Read-only on the server too: any write fails there even if our classifier missed it.
      ...(opts.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    });
    client.on('error', (err) => this.log.warn(`PostgreSQL ${this.profile.name}/${database}: maintenance connection error: ${redact(err.message, [this.password])}`));
    await client.connect();
    return client;
  }

  async serverInfo(database = this.defaultDatabase): Promise<PgServerInfo> {
    const rows = await this.query<{ version_num: string; version: string; db: string; usr: string; su: boolean; rec: boolean }>(
      database,
      `SELECT current_setting('server_version_num') AS version_num, version() AS version,
              current_database() AS db, current_user AS usr,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su,
              pg_is_in_recovery() AS rec`,
    );
    const r = rows[0];
    if (!r) throw new Error('The server returned no version.');
    return { versionNum: Number(r.version_num), version: r.version, database: r.db, user: r.usr, isSuperuser: r.su, inRecovery: r.rec };
  }

  /** Cancels whatever this connection's sessions are running (they are found by application_name). */
  async cancelRunning(database: string, via: PostgresConnection): Promise<number> {
    const rows = await via.query<{ n: number }>(
      database,
      'SELECT count(pg_cancel_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = $2 AND pid <> pg_backend_pid()',
      [this.applicationName, 'active'],
    );
    return rows[0]?.n ?? 0;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.end()));
  }
}

function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().slice(0, 160);
}
