/** Fixture databases for the tiers that seed PostgreSQL themselves. */
import { Client } from 'pg';
import type { ServicesInfo } from '../services/types';

type Pg = ServicesInfo['postgres'];

/** A connected client as the test superuser (default: the services' own database). */
export async function pgClient(pg: Pg, database: string = pg.database): Promise<Client> {
  const c = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database });
  // A fixture session the test itself ends (or terminates) must not crash the runner.
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/**
 * Drops `name` if a previous run left it, creates it afresh with the given
 * database-level settings, and returns a client connected to it.
 */
export async function recreateDatabase(pg: Pg, name: string, settings: Record<string, string | number> = {}): Promise<Client> {
  const admin = await pgClient(pg);
  try {
    const db = admin.escapeIdentifier(name);
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${db}`);
    for (const [key, value] of Object.entries(settings)) await admin.query(`ALTER DATABASE ${db} SET ${admin.escapeIdentifier(key)} = ${Number(value)}`);
  } finally {
    await admin.end();
  }
  return pgClient(pg, name);
}

/** Drops a fixture database, closing whatever sessions it still has. */
export async function dropDatabase(pg: Pg, name: string): Promise<void> {
  const admin = await pgClient(pg);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
