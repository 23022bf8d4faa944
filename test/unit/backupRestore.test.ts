import { strict as assert } from 'node:assert';
import { clearStatements, neo4jRestoreImpact } from '../../src/core/neo4j/backupRestore';
import type { SchemaObject } from '../../src/core/neo4j/backupSnapshot';
import { dockerRestoreImpact } from '../../src/core/docker/volumeRestore';
import { buildVolumeRestore, volumeRestoreWhat } from '../../src/core/docker/volumeOps';

const obj = (name: string, type: string): SchemaObject => ({ name, type, entityType: 'NODE', labelsOrTypes: ['L'], properties: ['p'], definition: '' });

describe('restore plans (pure): what clearing a Neo4j database runs, what each restore says it does', () => {
  it('clearing a Neo4j database: data in batches, then constraints, then indexes, every name backtick-escaped', () => {
    assert.deepEqual(clearStatements({ constraints: [obj('uq `x` "ü"', 'UNIQUENESS')], indexes: [obj('ix <b>', 'RANGE')] }), [
      'MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS',
      'DROP CONSTRAINT `uq ``x`` "ü"` IF EXISTS',
      'DROP INDEX `ix <b>` IF EXISTS',
    ]);
    assert.deepEqual(clearStatements({ constraints: [], indexes: [] }), ['MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS']);
  });

  it('Neo4j impact: a new database, an empty one, one cleared first (what it holds named)', () => {
    assert.equal(neo4jRestoreImpact({ database: 'x', create: true }), 'creates database "x" and imports the backup into it');
    assert.equal(neo4jRestoreImpact({ database: 'neo4j', create: false, clean: false }, { empty: true }), 'imports the backup into the empty database "neo4j"');
    assert.match(neo4jRestoreImpact({ database: 'neo4j', create: false, clean: true }, { empty: false, holds: '3 nodes' }), /^DELETES everything in database "neo4j" \(3 nodes: every node, relationship, constraint and index but the token lookups\).*cannot be undone$/);
  });

  it('Docker impact and preview: a new volume is created and never emptied; an existing one with files is emptied first', () => {
    assert.match(dockerRestoreImpact({ database: 'v1', create: true }), /^creates volume v1 and writes the backup's files into it; afterwards every file's SHA-256 is compared/);
    assert.match(dockerRestoreImpact({ database: 'v1', create: false, clean: true }, { empty: false }), /^removes every file now in volume v1/);
    assert.equal(volumeRestoreWhat({ volume: 'v', exists: true, replaces: false }), 'writes the backup\'s files into the empty volume v');
    const op = buildVolumeRestore({ volume: 'v', file: '/b/it\'s.tar.gz', fileBytes: 10, exists: true, replaces: true, writers: [], evenIfInUse: false });
    assert.equal(op.risk, 'destructive');
    assert.match(op.text, /rm -rf/);
  });
});
