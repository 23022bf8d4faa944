import { strict as assert } from 'node:assert';
import { probeConnection } from '../../src/core/connections/probe';
import { openNeo4jDriver } from '../../src/core/neo4j/connection';
import { closedPort, neo4jProfile, services } from './services';

describe('Neo4j (real server)', function () {
  this.timeout(30_000);

  it('tests a connection and reports version and edition', async () => {
    const result = await probeConnection(neo4jProfile(), services().neo4j.password);
    assert.ok(result.ok, JSON.stringify(result));
    assert.match(result.summary, /^Neo4j 5\.\d+\.\d+ community, database neo4j$/);
  });

  it('works through the neo4j:// routing scheme too', async () => {
    const result = await probeConnection(neo4jProfile({ scheme: 'neo4j' }), services().neo4j.password);
    assert.ok(result.ok, JSON.stringify(result));
  });

  it('has APOC core for the maintenance guides (apoc.meta.stats)', async () => {
    const driver = await openNeo4jDriver(neo4jProfile(), services().neo4j.password);
    try {
      const res = await driver.executeQuery('CALL apoc.meta.stats() YIELD labelCount RETURN labelCount');
      assert.equal(res.records.length, 1);
    } finally {
      await driver.close();
    }
  });

  it('wrong password → auth', async () => {
    const result = await probeConnection(neo4jProfile(), 'not-the-password');
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'auth');
  });

  it('closed port → unreachable', async () => {
    const result = await probeConnection(neo4jProfile({ port: await closedPort() }), 'x');
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'unreachable', result.problem.message);
  });

  it('unknown database → unknown-database', async () => {
    const result = await probeConnection(neo4jProfile({ database: 'nosuchdb' }), services().neo4j.password);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'unknown-database');
  });

  it('TLS asked of a server without TLS → tls-refused', async () => {
    const result = await probeConnection(neo4jProfile({ tls: 'require', connectTimeoutMs: 3_000 }), services().neo4j.password);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'tls-refused', result.problem.message);
  });
});
