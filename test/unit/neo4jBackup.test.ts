import { strict as assert } from 'node:assert';
import { CypherScriptReader, isImportCleanup, readScript, type ScriptItem } from '../../src/core/neo4j/backupScript';
import { compareSnapshot, notEmptyReasons, schemaKey, snapshotCounts, type Neo4jSnapshotDetail, type SchemaObject } from '../../src/core/neo4j/backupSnapshot';
import { NEO4J_DESCRIPTION, neo4jBackup } from '../../src/core/neo4j/backup';

/** The shape of APOC 5's cypher-shell export (as apoc.export.cypher.all streams it), with hostile names and values. */
const EXPORT = [
  ':begin',
  'CREATE FULLTEXT INDEX ft_notes FOR ()-[rel:`KNOWS ü;`]-() ON EACH [rel.`note`];',
  'CREATE RANGE INDEX FOR (n:`Person <img src=x onerror=alert(1)>`) ON (n.`prop key`);',
  'CREATE CONSTRAINT uq_id FOR (node:`Person <img src=x onerror=alert(1)>`) REQUIRE (node.id) IS UNIQUE;',
  'CREATE CONSTRAINT UNIQUE_IMPORT_NAME FOR (node:`UNIQUE IMPORT LABEL`) REQUIRE (node.`UNIQUE IMPORT ID`) IS UNIQUE;',
  ':commit',
  'CALL db.awaitIndexes(300);',
  ':begin',
  'UNWIND [{_id:0, properties:{s:"a\\"b\'c\\\\d;\\n:commit\\n", `q\'"k`:1, nan:NaN}}] AS row',
  'CREATE (n:`UNIQUE IMPORT LABEL`{`UNIQUE IMPORT ID`: row._id}) SET n += row.properties SET n:`Städte \'x\' "y"`;',
  'UNWIND [{_id:2, properties:{}}] AS row',
  'CREATE (n:`UNIQUE IMPORT LABEL`{`UNIQUE IMPORT ID`: row._id}) SET n += row.properties SET n:`new',
  'line; :commit`;',
  ':commit',
  ':begin',
  'MATCH (n:`UNIQUE IMPORT LABEL`)  WITH n LIMIT 20000 REMOVE n:`UNIQUE IMPORT LABEL` REMOVE n.`UNIQUE IMPORT ID`;',
  ':commit',
  ':begin',
  'DROP CONSTRAINT UNIQUE_IMPORT_NAME;',
  ':commit',
  '',
].join('\n');

const kinds = (items: ScriptItem[]): string[] => items.map((i) => (i.kind === 'statement' ? `S:${i.text.slice(0, 12)}` : i.kind));

describe('Neo4j backup: reading the export (cypher-shell format)', () => {
  it('splits statements and transaction markers; semicolons, colons and newlines inside strings and names do not split', () => {
    const items = readScript(EXPORT);
    assert.deepEqual(kinds(items), [
      'begin', 'S:CREATE FULLT', 'S:CREATE RANGE', 'S:CREATE CONST', 'S:CREATE CONST', 'commit', 'S:CALL db.awai',
      'begin', 'S:UNWIND [{_id', 'S:UNWIND [{_id', 'commit', 'begin', 'S:MATCH (n:`UN', 'commit', 'begin', 'S:DROP CONSTRA', 'commit',
    ]);
    const first = items[8];
    assert.ok(first?.kind === 'statement' && first.text.includes('"a\\"b\'c\\\\d;\\n:commit\\n"') && first.text.endsWith('SET n:`Städte \'x\' "y"`'));
    const second = items[9];
    assert.ok(second?.kind === 'statement' && second.text.endsWith('SET n:`new\nline; :commit`'));
  });

  it('gives the same items whatever the chunk boundaries (one character at a time)', () => {
    const r = new CypherScriptReader();
    const items: ScriptItem[] = [];
    for (const c of EXPORT) items.push(...r.push(c));
    items.push(...r.end());
    assert.deepEqual(items, readScript(EXPORT));
  });

  it('handles doubled backticks, escapes, comments and other console commands', () => {
    assert.deepEqual(readScript('MATCH (n:`a``;b`) RETURN n;'), [{ kind: 'statement', text: 'MATCH (n:`a``;b`) RETURN n' }]);
    assert.deepEqual(readScript("RETURN 'it\\'s; fine' AS x;RETURN \"\\\\\";"), [{ kind: 'statement', text: "RETURN 'it\\'s; fine' AS x" }, { kind: 'statement', text: 'RETURN "\\\\"' }]);
    assert.deepEqual(readScript('// a; comment\nRETURN 1 /* ; */ + 2; :param x => 1\n:use system\nRETURN 3 / 1'), [
      { kind: 'statement', text: 'RETURN 1   + 2' },
      { kind: 'console', text: ':param x => 1' },
      { kind: 'console', text: ':use system' },
      { kind: 'statement', text: 'RETURN 3 / 1' },
    ]);
    assert.deepEqual(readScript(':ROLLBACK\n'), [{ kind: 'rollback' }]);
  });

  it('refuses a file cut inside a string or a name (a truncated backup)', () => {
    assert.throws(() => readScript("CREATE (n {s: 'cut"), /ends inside a string: it is truncated/);
    assert.throws(() => readScript('CREATE (n:`cut'), /ends inside a `name`/);
  });

  it('knows APOC\'s own clean-up statements, and nothing else as one', () => {
    const items = readScript(EXPORT).filter((i): i is Extract<ScriptItem, { kind: 'statement' }> => i.kind === 'statement');
    assert.deepEqual(items.filter((i) => isImportCleanup(i.text)).map((i) => i.text.slice(0, 20)), ['MATCH (n:`UNIQUE IMP', 'DROP CONSTRAINT UNIQ']);
    assert.ok(!isImportCleanup('MATCH (n:`UNIQUE IMPORT LABEL`) DETACH DELETE n REMOVE n:`UNIQUE IMPORT LABEL`'));
    assert.ok(!isImportCleanup('DROP CONSTRAINT other'));
  });
});

describe('Neo4j backup: snapshot comparison', () => {
  const ix = (name: string, labels: string[], props: string[], type = 'RANGE', entityType = 'NODE'): SchemaObject => ({ name, type, entityType, labelsOrTypes: labels, properties: props, definition: `CREATE ${type} INDEX …` });
  const person = 'Person <img src=x onerror=alert(1)>';
  const detail: Neo4jSnapshotDetail = {
    database: 'neo4j', edition: 'community', apocVersion: '5.26.19',
    before: { nodes: 10, relationships: 4, labels: { [person]: 3, 'Städte "x"': 7 }, types: { 'KNOWS ü;': 4 } },
    after: { nodes: 11, relationships: 4, labels: { [person]: 4, 'Städte "x"': 7 }, types: { 'KNOWS ü;': 4 } },
    indexes: [ix('ix name', [person], ['name']), ix('ft', ['KNOWS ü;'], ['note'], 'FULLTEXT', 'RELATIONSHIP')],
    constraints: [{ ...ix('uq_id', [person], ['id'], 'UNIQUENESS'), definition: 'CREATE CONSTRAINT …' }],
    exported: { nodes: 11, relationships: 4 },
  };
  const restoredAs = (over: Partial<{ labels: Record<string, number>; types: Record<string, number>; indexes: SchemaObject[]; constraints: SchemaObject[] }> = {}): Parameters<typeof compareSnapshot>[1] => ({
    counts: { nodes: 11, relationships: 4, labels: over.labels ?? { [person]: 4, 'Städte "x"': 7, 'UNIQUE IMPORT LABEL': 11 }, types: over.types ?? { 'KNOWS ü;': 4 } },
    // APOC gives range indexes new names: compared by what they cover.
    indexes: over.indexes ?? [ix('index_1234', [person], ['name']), ix('ft', ['KNOWS ü;'], ['note'], 'FULLTEXT', 'RELATIONSHIP')],
    constraints: over.constraints ?? [...detail.constraints, { ...ix('UNIQUE_IMPORT_NAME', ['UNIQUE IMPORT LABEL'], ['UNIQUE IMPORT ID'], 'UNIQUENESS') }],
  });

  it('finds nothing when counts fall between before and after and the schema matches by definition (the import marker ignored)', () => {
    assert.deepEqual(compareSnapshot(detail, restoredAs()), []);
    assert.deepEqual(compareSnapshot(detail, restoredAs({ labels: { [person]: 3, 'Städte "x"': 7 } })), []);
  });

  it('names each difference: a label, a relationship type, a missing or extra index or constraint', () => {
    const diffs = compareSnapshot(detail, restoredAs({
      labels: { [person]: 2, 'Städte "x"': 7, Extra: 1 },
      types: {},
      indexes: [ix('ft', ['KNOWS ü;'], ['note'], 'FULLTEXT', 'RELATIONSHIP'), ix('surprise', ['X'], ['y'], 'TEXT')],
      constraints: [],
    }));
    assert.deepEqual(diffs, [
      'label "Extra": 0 nodes at backup, 1 restored',
      `label ${JSON.stringify(person)}: 3–4 nodes at backup, 2 restored`,
      'relationship type "KNOWS ü;": 4 relationships at backup, 0 restored',
      `index "ix name" (RANGE node :${JSON.stringify(person)}("name")) is missing after the restore`,
      'index "surprise" (TEXT node :"X"("y")) was restored but not in the backup',
      `constraint "uq_id" (UNIQUENESS node :${JSON.stringify(person)}("id")) is missing after the restore`,
    ]);
  });

  it('keys schema objects by type and coverage, not name', () => {
    assert.equal(schemaKey(ix('a', ['L'], ['x', 'y'])), schemaKey(ix('b', ['L'], ['x', 'y'])));
    assert.notEqual(schemaKey(ix('a', ['L'], ['x', 'y'])), schemaKey(ix('a', ['L'], ['y', 'x'])));
    assert.notEqual(schemaKey(ix('a', ['L'], ['x'], 'TEXT')), schemaKey(ix('a', ['L'], ['x'])));
  });

  it('says why a target is not empty, and counts the snapshot for the manifest', () => {
    assert.deepEqual(notEmptyReasons({ nodes: 0 }, { indexes: [], constraints: [] }), []);
    assert.deepEqual(notEmptyReasons({ nodes: 1 }, { indexes: [ix('a"b', [], [])], constraints: [] }), ['1 node', '1 index ("a\\"b")']);
    assert.deepEqual(snapshotCounts(detail), { nodes: 11, relationships: 4, labels: 2, relationshipTypes: 1, indexes: 2, constraints: 1 });
  });

  it('describes what the export captures and what Verify proves, and needs a target server', () => {
    assert.equal(neo4jBackup.verifyTarget, 'required');
    assert.equal(neo4jBackup.verifyWritesToServer, false);
    for (const words of ['indexes', 'constraints', 'users and roles', 'system database', 'usage statistics', 'empty Neo4j server', 'removes everything it imported']) {
      assert.ok(NEO4J_DESCRIPTION.includes(words), words);
    }
  });
});
