import { strict as assert } from 'node:assert';
import { ConnectionUrlError, looksLikeConnectionUrl, parseConnectionUrl, pgSslModeToTls, redactUrl } from '../../src/core/connections/url';

describe('parseConnectionUrl', () => {
  it('reads a full postgres:// URL and keeps the password apart', () => {
    const r = parseConnectionUrl('postgres://alice:s3cr%40t@db.example.com:6543/app?sslmode=require');
    assert.deepEqual(r.fields, { engine: 'postgres', tls: 'require', host: 'db.example.com', port: 6543, user: 'alice', database: 'app' });
    assert.equal(r.password, 's3cr@t');
  });

  it('accepts postgresql:// with defaults', () => {
    const r = parseConnectionUrl('postgresql://localhost');
    assert.equal(r.fields.engine, 'postgres');
    assert.equal(r.fields.port, 5432);
    assert.equal(r.password, undefined);
    assert.equal(r.fields.database, undefined);
  });

  it('maps every libpq sslmode', () => {
    assert.equal(pgSslModeToTls('disable'), 'disable');
    assert.equal(pgSslModeToTls('prefer'), 'disable');
    assert.equal(pgSslModeToTls('require'), 'require');
    assert.equal(pgSslModeToTls('verify-ca'), 'verify');
    assert.equal(pgSslModeToTls('verify-full'), 'verify');
    assert.throws(() => pgSslModeToTls('sometimes'), ConnectionUrlError);
  });

  it('reads dbname, user and connect_timeout query parameters', () => {
    const r = parseConnectionUrl('postgres://h/x?dbname=other&user=bob&connect_timeout=7');
    assert.equal(r.fields.database, 'other');
    assert.equal(r.fields.user, 'bob');
    assert.equal(r.fields.connectTimeoutMs, 7000);
  });

  it('decodes database names with spaces and unicode', () => {
    const r = parseConnectionUrl('postgres://u@h/Sales%20%CE%A9');
    assert.equal(r.fields.database, 'Sales Ω');
  });

  it('reads IPv6 hosts', () => {
    const r = parseConnectionUrl('postgres://u@[::1]:5433/db');
    assert.equal(r.fields.host, '::1');
    assert.equal(r.fields.port, 5433);
  });

  for (const [url, scheme, tls] of [
    ['neo4j://graph:7687', 'neo4j', 'disable'],
    ['neo4j+s://graph', 'neo4j', 'verify'],
    ['neo4j+ssc://graph', 'neo4j', 'require'],
    ['bolt://graph:7688', 'bolt', 'disable'],
    ['bolt+s://graph', 'bolt', 'verify'],
  ] as const) {
    it(`reads ${url}`, () => {
      const r = parseConnectionUrl(url);
      assert.equal(r.fields.engine, 'neo4j');
      assert.equal(r.fields.scheme, scheme);
      assert.equal(r.fields.tls, tls);
      assert.equal(r.fields.host, 'graph');
    });
  }

  it('reads neo4j credentials', () => {
    const r = parseConnectionUrl('bolt://neo4j:pa%3Ass@127.0.0.1:7687');
    assert.equal(r.fields.user, 'neo4j');
    assert.equal(r.password, 'pa:ss');
  });

  it('reads redis:// with a password only, and a database index', () => {
    const r = parseConnectionUrl('redis://:hunter2@cache:6380/3');
    assert.deepEqual(r.fields, { engine: 'redis', tls: 'disable', host: 'cache', port: 6380, database: '3' });
    assert.equal(r.password, 'hunter2');
  });

  it('reads rediss:// as verified TLS with an ACL user', () => {
    const r = parseConnectionUrl('rediss://app:pw@cache');
    assert.equal(r.fields.tls, 'verify');
    assert.equal(r.fields.user, 'app');
    assert.equal(r.fields.port, 6379);
  });

  it('rejects a non-numeric redis database', () => {
    assert.throws(() => parseConnectionUrl('redis://cache/sessions'), /must be a number/);
  });

  it('reads a docker unix socket', () => {
    assert.deepEqual(parseConnectionUrl('unix:///var/run/docker.sock').fields, { engine: 'docker', socketPath: '/var/run/docker.sock', tls: 'disable' });
  });

  it('reads docker tcp:// and https://', () => {
    assert.deepEqual(parseConnectionUrl('tcp://10.0.0.5:2375').fields, { engine: 'docker', host: '10.0.0.5', port: 2375, tls: 'disable' });
    assert.deepEqual(parseConnectionUrl('https://docker.internal').fields, { engine: 'docker', host: 'docker.internal', port: 2376, tls: 'verify' });
  });

  it('reads DOCKER_HOST from the environment or a pasted assignment', () => {
    assert.equal(parseConnectionUrl('DOCKER_HOST', { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).fields.socketPath, '/run/user/1000/docker.sock');
    assert.equal(parseConnectionUrl('DOCKER_HOST=tcp://h:2375').fields.host, 'h');
    assert.throws(() => parseConnectionUrl('DOCKER_HOST', {}), /not set/);
  });

  it('rejects unknown schemes with a list of the known ones', () => {
    assert.throws(() => parseConnectionUrl('mysql://root@localhost'), /postgres:\/\/.*redis:\/\//);
    assert.throws(() => parseConnectionUrl('not a url'), ConnectionUrlError);
  });

  it('never repeats the password in an error', () => {
    try {
      parseConnectionUrl('postgres://u:topsecret@[bad/db');
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof ConnectionUrlError);
      assert.ok(!err.message.includes('topsecret'), err.message);
    }
  });

  it('tells URLs from plain text', () => {
    assert.ok(looksLikeConnectionUrl(' postgres://x '));
    assert.ok(looksLikeConnectionUrl('DOCKER_HOST'));
    assert.ok(!looksLikeConnectionUrl('localhost'));
  });
});

describe('redactUrl', () => {
  it('hides the password of every URL in a text', () => {
    assert.equal(redactUrl('a postgres://u:p@h/db and redis://:x@c'), 'a postgres://u:***@h/db and redis://:***@c');
    assert.equal(redactUrl('postgres://u@h/db'), 'postgres://u@h/db');
  });
});
