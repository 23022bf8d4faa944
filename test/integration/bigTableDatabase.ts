/**
 * A database of its own with one big table for the describe block that calls
 * this: `big` (id, a 64-character payload), made before its tests and dropped
 * after — big enough that a dump is still running when a test cancels it.
 */
import { dropDatabase, recreateDatabase } from '../support/pg';
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
