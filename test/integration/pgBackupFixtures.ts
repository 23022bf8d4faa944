/**
 * PostgreSQL fixtures of the backup suites. withBigTableDatabase: a database of its own with one big table for the describe block that calls
 * this: `big` (id, a 64-character payload), made before its tests and dropped
 * after — big enough that a dump is still running when a test cancels it.
 */
import { dropDatabase, pgClient, recreateDatabase } from '../support/pg';
import { services, uniqueName } from './services';

export function withBigTableDatabase(prefix: string, rows: number): string {
  const name = uniqueName(prefix);
  before(async function () {
    this.timeout(300_000);
    const c = await recreateDatabase(services().postgres, name);
    try {
      await c.query(`CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS payload FROM generate_series(1, ${rows}) g`);
    } finally {
      await c.end();
    }
  });
  after(async () => dropDatabase(services().postgres, name));
  return name;
}

/** The throwaway databases Verify makes (upkeep_verify_…) still on the test server: none once a Verify has ended. */
export async function verifyDatabasesLeft(): Promise<string[]> {
  const c = await pgClient(services().postgres);
  try {
    return (await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'upkeep\\_verify\\_%'")).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}
