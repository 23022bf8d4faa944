/**
 * A graph with hostile names for the Neo4j backup tests: labels, relationship
 * types and property keys with spaces, quotes, unicode, HTML and a newline,
 * values of every property type APOC's export writes (strings that look like
 * the file's own syntax included), a few hundred plain nodes (several UNWIND statements),
 * a range index, a composite index, a text index, a full-text index on a
 * relationship type and a uniqueness constraint. Every name carries `tag`, so
 * the fixture is removed exactly.
 */
import type * as Neo4j from 'neo4j-driver';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { openNeo4jDriver } from '../../src/core/neo4j/connection';
import { neo4jProfile, services } from '../integration/services';
import { startNeo4j } from '../services/neo4j';
import type { RunningService, ServicesInfo } from '../services/types';

export interface Neo4jBackupFixture {
  labels: { person: string; city: string; bulk: string };
  types: { knows: string; lives: string };
  indexes: string[];
  constraints: string[];
  nodes: number;
  relationships: number;
}

const q = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

export function neo4jBackupFixture(tag: string, bulk = 300): Neo4jBackupFixture {
  return {
    labels: { person: `Person <img src=x onerror=alert(1)> ${tag}`, city: `Städte 'single' "double" ü\nnew line ${tag}`, bulk: `Bulk;${tag}` },
    types: { knows: `KNOWS ü; "x" ${tag}`, lives: `<b>LIVES IN</b> ${tag}` },
    // Constraints and full-text indexes keep plain names: APOC writes those unquoted (the backup refuses others).
    indexes: [`ix person name <b> ${tag}`, `ix person composite ü ${tag}`, `ix city text ${tag}`, `ix_knows_fulltext_${tag}`],
    constraints: [`uq_person_id_${tag}`],
    nodes: 3 + 2 + bulk,
    relationships: 2 + 3,
  };
}

export async function loadNeo4jBackupFixture(driver: Neo4j.Driver, f: Neo4jBackupFixture, database?: string): Promise<void> {
  const s = driver.session(database ? { database } : {});
  try {
    const { person, city, bulk } = f.labels;
    const [ixName, ixComposite, ixText, ixFull] = f.indexes as [string, string, string, string];
    await s.run(`CREATE CONSTRAINT ${q(f.constraints[0] ?? '')} FOR (n:${q(person)}) REQUIRE n.id IS UNIQUE`);
    await s.run(`CREATE INDEX ${q(ixName)} FOR (n:${q(person)}) ON (n.${q('prop key ü <img src=x onerror=alert(1)>')})`);
    await s.run(`CREATE INDEX ${q(ixComposite)} FOR (n:${q(person)}) ON (n.a, n.${q("q'\"k")})`);
    await s.run(`CREATE TEXT INDEX ${q(ixText)} FOR (n:${q(city)}) ON (n.name)`);
    await s.run(`CREATE FULLTEXT INDEX ${q(ixFull)} FOR ()-[r:${q(f.types.knows)}]-() ON EACH [r.note]`);
    await s.run(
      `CREATE (a:${q(person)} {id: 1, ${q('prop key ü <img src=x onerror=alert(1)>')}: $tricky, ${q("q'\"k")}: 'x', a: 1, born: date('1990-01-02'),
         seen: datetime('2020-01-01T10:00:00[Europe/Berlin]'), at: localdatetime('2020-01-01T10:00:00'), t: time('10:00:00+02:00'), lt: localtime('09:30'),
         took: duration('P1Y2M3DT4H5M6.007S'), loc: point({x: 1.5, y: 2.5}), geo: point({latitude: 52.5, longitude: 13.4, height: 30}),
         big: 9007199254740993, f: 1.25, nan: 0.0/0.0, inf: 1.0/0.0, flag: true, tags: ['a', 'b;', '\`c\`'], nums: [1, 2, 3], empty: []}),
       (b:${q(person)} {id: 2, ${q('prop key ü <img src=x onerror=alert(1)>')}: 'Bob'}),
       (c:${q(person)}:${q(city)} {id: 3, name: 'both'}),
       (x:${q(city)} {name: 'Zürich'}), (y:${q(city)} {name: 'Москва'}),
       (a)-[:${q(f.types.knows)} {note: 'since \\'90', w: 0.5}]->(b), (b)-[:${q(f.types.knows)}]->(a),
       (a)-[:${q(f.types.lives)}]->(x), (b)-[:${q(f.types.lives)}]->(y), (c)-[:${q(f.types.lives)} {since: date('2001-01-01')}]->(c)`,
      { tricky: 'a"b\'c\\d;\n:commit\n:begin\n// not a comment /* nor this */ `x` ü\u2028' },
    );
    await s.run(`UNWIND range(1, $n) AS i CREATE (:${q(bulk)} {i: i, s: 'row ' + toString(i)})`, { n: f.nodes - 5 });
  } finally {
    await s.close();
  }
}

/** Removes the fixture's nodes, indexes and constraints (whatever of them exists). */
export async function removeNeo4jBackupFixture(driver: Neo4j.Driver, f: Neo4jBackupFixture, database?: string): Promise<void> {
  const s = driver.session(database ? { database } : {});
  try {
    for (const l of Object.values(f.labels)) await s.run(`MATCH (n:${q(l)}) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`);
    for (const c of f.constraints) await s.run(`DROP CONSTRAINT ${q(c)} IF EXISTS`);
    for (const i of f.indexes) await s.run(`DROP INDEX ${q(i)} IF EXISTS`);
  } finally {
    await s.close();
  }
}

/** What a server holds besides the token lookup indexes: nodes, other indexes, constraints. */
export async function neo4jContents(driver: Neo4j.Driver, database?: string): Promise<{ nodes: number; indexes: string[]; constraints: string[] }> {
  const s = driver.session(database ? { database } : {});
  try {
    const nodes = (await s.run('RETURN COUNT { () } AS n')).records[0]?.get('n') as Neo4j.Integer;
    const indexes = (await s.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name")).records.map((r) => r.get('name') as string);
    const constraints = (await s.run('SHOW CONSTRAINTS YIELD name RETURN name')).records.map((r) => r.get('name') as string);
    return { nodes: nodes.toNumber(), indexes, constraints };
  } finally {
    await s.close();
  }
}

/** Empties a test server's database: its nodes, constraints and indexes (not the token lookups). */
export async function clearNeo4j(driver: Neo4j.Driver, database?: string): Promise<void> {
  const opts = database ? { database } : {};
  await driver.executeQuery('MATCH (n) DETACH DELETE n', {}, opts);
  for (const c of (await neo4jContents(driver, database)).constraints) await driver.executeQuery(`DROP CONSTRAINT ${q(c)}`, {}, opts);
  for (const i of (await neo4jContents(driver, database)).indexes) await driver.executeQuery(`DROP INDEX ${q(i)}`, {}, opts);
}

/** The test server's Neo4j with the fixture loaded afresh, and a second, empty Neo4j (no APOC) started in `root` beside it. */
export interface FixtureAndEmptyNeo4j {
  source: Neo4j.Driver;
  target: ServicesInfo['neo4j'];
  targetService: RunningService;
  targetDriver: Neo4j.Driver;
}

export async function fixtureAndEmptyNeo4j(root: string, f: Neo4jBackupFixture, targetProfile: (target: ServicesInfo['neo4j']) => ConnectionProfile): Promise<FixtureAndEmptyNeo4j> {
  const started = startNeo4j(root, { apoc: false });
  const source = await openNeo4jDriver(neo4jProfile(), services().neo4j.password);
  await removeNeo4jBackupFixture(source, f);
  await loadNeo4jBackupFixture(source, f);
  const { info: target, service: targetService } = await started;
  const targetDriver = await openNeo4jDriver(targetProfile(target), target.password);
  return { source, target, targetService, targetDriver };
}
