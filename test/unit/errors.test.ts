import { strict as assert } from 'node:assert';
import { CONNECTION_LEVEL, describeConnectionError, firstLine } from '../../src/core/connections/errors';
import { redact } from '../../src/core/connections/redact';
import type { ConnectionProfile } from '../../src/core/connections/profile';

const pg: ConnectionProfile = {
  id: 'p', engine: 'postgres', name: 'PG', host: 'db', port: 5432, database: 'app', user: 'u', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000,
};

function err(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe('describeConnectionError', () => {
  const cases: [string, Error, ConnectionProfile, string][] = [
    ['wrong postgres password', err('password authentication failed for user "u"', '28P01'), pg, 'auth'],
    ['postgres TLS required by pg_hba', err('pg_hba.conf rejects connection for host "127.0.0.1", user "u", database "x", no encryption', '28000'), pg, 'tls-required'],
    ['postgres TLS refused', err('The server does not support SSL connections'), pg, 'tls-refused'],
    ['unknown postgres database', err('database "nope" does not exist', '3D000'), pg, 'unknown-database'],
    ['refused port', err('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), pg, 'unreachable'],
    ['unknown host', err('getaddrinfo ENOTFOUND nowhere.invalid', 'ENOTFOUND'), pg, 'unknown-host'],
    ['connect timeout', err('Connection terminated due to connection timeout'), pg, 'timeout'],
    ['lock timeout', err('canceling statement due to lock timeout', '55P03'), pg, 'lock-timeout'],
    ['statement timeout', err('canceling statement due to statement timeout', '57014'), pg, 'statement-timeout'],
    ['server shutdown', err('terminating connection due to administrator command', '57P01'), pg, 'connection-lost'],
    ['neo4j wrong password', err('The client is unauthorized due to authentication failure.', 'Neo.ClientError.Security.Unauthorized'), { ...pg, engine: 'neo4j' }, 'auth'],
    ['neo4j unknown database', err('Database does not exist. Database name: \'x\'.', 'Neo.ClientError.Database.DatabaseNotFound'), { ...pg, engine: 'neo4j' }, 'unknown-database'],
    ['neo4j refused (wrapped in encryption advice)', err('Failed to connect to server. Please ensure … compatible encryption settings … Caused by: connect ECONNREFUSED 127.0.0.1:1', 'ServiceUnavailable'), { ...pg, engine: 'neo4j' }, 'unreachable'],
    ['redis wrong password', err('WRONGPASS invalid username-password pair or user is disabled.'), { ...pg, engine: 'redis' }, 'auth'],
    ['redis missing password', err('NOAUTH Authentication required.'), { ...pg, engine: 'redis' }, 'auth'],
    ['redis database out of range', err('ERR DB index is out of range'), { ...pg, engine: 'redis', database: '99' }, 'unknown-database'],
    ['docker socket missing', err('connect ENOENT /var/run/docker.sock', 'ENOENT'), { ...pg, engine: 'docker', socketPath: '/var/run/docker.sock' }, 'unreachable'],
    ['docker socket permission', err('connect EACCES /var/run/docker.sock', 'EACCES'), { ...pg, engine: 'docker', socketPath: '/var/run/docker.sock' }, 'permission'],
    ['TLS to a plain server', err('write EPROTO 0A00010B:SSL routines:ssl3_get_record:wrong version number', 'EPROTO'), { ...pg, engine: 'redis' }, 'tls-refused'],
    ['untrusted certificate', err('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), pg, 'tls-untrusted'],
  ];
  for (const [title, error, profile, kind] of cases) {
    it(`maps ${title} to ${kind}`, () => {
      const problem = describeConnectionError(profile, error);
      assert.equal(problem.kind, kind, problem.message);
      assert.ok(!problem.message.includes('\n'), 'one line');
      assert.ok(!/at .*\.js:\d+/.test(problem.message), 'no stack');
    });
  }

  it('a Neo4j link closed mid-operation is a lost connection; the same words while connecting are left to the general rules', () => {
    const neo = { ...pg, engine: 'neo4j' as const };
    const closed = err('Connection was closed by server', 'ServiceUnavailable');
    assert.equal(describeConnectionError(neo, closed, [], 'maintenance').kind, 'connection-lost');
    assert.notEqual(describeConnectionError(neo, closed).kind, 'connection-lost');
    assert.equal(describeConnectionError(neo, err('Failed to connect to server. Caused by: connect ECONNREFUSED 127.0.0.1:1', 'ServiceUnavailable'), [], 'maintenance').kind, 'unreachable');
  });

  it('reads the cause inside an AggregateError', () => {
    const agg = new AggregateError([err('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'AggregateError');
    assert.equal(describeConnectionError(pg, agg).kind, 'unreachable');
  });

  it('redacts secrets from the message', () => {
    const problem = describeConnectionError(pg, err('something odd with hunter2 in it'), ['hunter2']);
    assert.equal(problem.kind, 'other');
    assert.ok(!problem.message.includes('hunter2'));
  });

  it('only connection-wide problems mark the connection as failing', () => {
    assert.ok(CONNECTION_LEVEL.has('auth'));
    assert.ok(!CONNECTION_LEVEL.has('lock-timeout'));
    assert.ok(!CONNECTION_LEVEL.has('permission'));
  });
});

describe('redact and firstLine', () => {
  it('replaces every occurrence of every secret and URL passwords', () => {
    assert.equal(redact('pw=abc, again abc, postgres://u:zzz@h', ['abc', undefined, '']), 'pw=***, again ***, postgres://u:***@h');
  });

  it('keeps only the first line, shortened', () => {
    assert.equal(firstLine('one\n  at x.js:1'), 'one');
    assert.equal(firstLine('x'.repeat(300)).length, 200);
  });
});
