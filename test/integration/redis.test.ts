import { strict as assert } from 'node:assert';
import { probeConnection } from '../../src/core/connections/probe';
import { openRedis } from '../../src/core/redis/connection';
import { closedPort, redisProfile, services } from './services';

describe('Redis (real server)', function () {
  this.timeout(20_000);

  it('tests a connection with the password and reports the version', async () => {
    const result = await probeConnection(redisProfile(), services().redis.password);
    assert.ok(result.ok, JSON.stringify(result));
    assert.match(result.summary, /^Redis \d+\.\d+\.\d+ \(standalone\)/);
  });

  it('selects the profile database', async () => {
    const client = await openRedis(redisProfile({ database: '5' }), services().redis.password);
    try {
      const list = await client.client('LIST');
      assert.match(String(list), /db=5/);
      assert.match(String(list), /name=upkeep/);
    } finally {
      client.disconnect();
    }
  });

  it('wrong password → auth', async () => {
    const result = await probeConnection(redisProfile(), 'not-the-password');
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'auth');
  });

  it('no password where one is required → auth', async () => {
    const result = await probeConnection(redisProfile(), undefined);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'auth');
  });

  it('closed port → unreachable', async () => {
    const result = await probeConnection(redisProfile({ port: await closedPort() }), 'x');
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'unreachable');
  });

  it('database index out of range → unknown-database', async () => {
    const result = await probeConnection(redisProfile({ database: '999' }), services().redis.password);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'unknown-database');
  });

  it('TLS asked of a server without TLS → tls-refused', async () => {
    const result = await probeConnection(redisProfile({ tls: 'require', connectTimeoutMs: 1_500 }), services().redis.password);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'tls-refused', result.problem.message);
  });
});
