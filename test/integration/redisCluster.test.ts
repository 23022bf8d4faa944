import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openRedis, parseRedisInfo } from '../../src/core/redis/connection';
import { serverFacts, unsupportedMode } from '../../src/core/redis/serverFacts';
import { freePort, waitFor, which } from '../services/util';
import { redisProfile } from './services';

describe('Redis tree: a cluster node gets a message, not a tree', function () {
  this.timeout(30_000);
  let server: ChildProcess | undefined;
  let dir: string;
  let port: number;

  before(async () => {
    const bin = which('redis-server');
    if (!bin) throw new Error('redis-server is missing: apt-get install -y redis-server');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-cluster-'));
    port = await freePort();
    server = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes',
      '--cluster-config-file', path.join(dir, 'nodes.conf'), '--dir', dir, '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' });
    await waitFor('cluster-mode redis-server', async () => {
      try {
        const c = await openRedis(redisProfile({ port }), undefined);
        c.disconnect();
        return true;
      } catch {
        return false;
      }
    }, 10_000, 100);
  });

  after(() => {
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('INFO says cluster_enabled:1 and the tree answers with the message', async () => {
    const client = await openRedis(redisProfile({ port }), undefined);
    try {
      const facts = serverFacts(parseRedisInfo(await client.info()), 90);
      assert.equal(facts.clusterEnabled, true);
      assert.match(unsupportedMode(facts) ?? '', /^Redis Cluster is not supported yet: /);
    } finally {
      client.disconnect();
    }
  });

  it('a standalone INFO, a replica with its link down, memory above the threshold and a failed BGSAVE give their warnings', () => {
    const info = parseRedisInfo(['# Server', 'redis_version:7.2.4', 'redis_mode:standalone', '# Memory', 'used_memory:95', 'maxmemory:100', 'maxmemory_policy:noeviction',
      '# Persistence', 'rdb_last_bgsave_status:err', '# Replication', 'role:slave', 'master_host:10.0.0.5', 'master_port:6379', 'master_link_status:down', '# Cluster', 'cluster_enabled:0',
      '# Keyspace', 'db0:keys=3,expires=1,avg_ttl=100', 'db12:keys=1,expires=0,avg_ttl=0'].join('\r\n'));
    const facts = serverFacts(info, 90);
    assert.equal(unsupportedMode(facts), undefined);
    assert.deepEqual(facts.databases.map((d) => [d.db, d.keys, d.expires]), [[0, 3, 1], [12, 1, 0]]);
    assert.equal(facts.warnings.length, 3, facts.warnings.join(' | '));
    assert.match(facts.warnings.join(' '), /95% of maxmemory.*BGSAVE.*10\.0\.0\.5:6379 is down/);
    assert.deepEqual(serverFacts(info, 96).warnings.length, 2, 'under a higher threshold');
  });
});
