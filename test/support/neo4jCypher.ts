import type { Driver } from 'neo4j-driver';

/** Runs one statement on the `neo4j` database in a session of its own (test fixtures). */
export async function cypher(driver: Driver | undefined, text: string): Promise<void> {
  if (!driver) throw new Error('no driver');
  const s = driver.session({ database: 'neo4j' });
  try {
    await s.run(text);
  } finally {
    await s.close();
  }
}
