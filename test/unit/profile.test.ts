import { strict as assert } from 'node:assert';
import { describeTarget, normalizeProfile, validateProfile, type ConnectionProfile } from '../../src/core/connections/profile';

const base: ConnectionProfile = {
  id: 'a1', engine: 'postgres', name: 'Local', host: 'localhost', port: 5432, database: 'app', user: 'me',
  tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 10_000,
};

describe('validateProfile', () => {
  it('accepts a complete profile', () => {
    assert.deepEqual(validateProfile(base), []);
  });

  it('names each problem', () => {
    const problems = validateProfile({ ...base, name: ' ', host: 'bad host', port: 70000, connectTimeoutMs: 10 });
    assert.equal(problems.length, 4);
    assert.match(problems.join(' '), /name/);
    assert.match(problems.join(' '), /not a valid host/);
    assert.match(problems.join(' '), /1–65535/);
    assert.match(problems.join(' '), /timeout/);
  });

  it('rejects unknown engines', () => {
    assert.match(validateProfile({ ...base, engine: 'mysql' as never })[0] ?? '', /Unknown engine/);
  });

  it('needs an absolute docker socket path', () => {
    assert.deepEqual(validateProfile({ ...base, engine: 'docker', host: undefined, socketPath: '/var/run/docker.sock' }), []);
    assert.match(validateProfile({ ...base, engine: 'docker', host: undefined, socketPath: 'docker.sock' })[0] ?? '', /absolute/);
  });

  it('needs a numeric redis database', () => {
    assert.match(validateProfile({ ...base, engine: 'redis', database: 'x' })[0] ?? '', /number/);
  });
});

describe('normalizeProfile', () => {
  it('fills defaults and drops unknown keys such as a stray password', () => {
    const { profile } = normalizeProfile({ id: 'x', engine: 'redis', name: 'Cache', host: 'c', password: 'oops', extra: 1 });
    assert.ok(profile);
    assert.equal(profile.tls, 'disable');
    assert.equal(profile.readOnly, false);
    assert.equal(profile.connectTimeoutMs, 10_000);
    assert.ok(!('password' in profile));
    assert.ok(!JSON.stringify(profile).includes('oops'));
  });

  it('reports what is wrong with a broken entry', () => {
    assert.match(normalizeProfile('nope').problems[0] ?? '', /not an object/);
    assert.match(normalizeProfile({ id: 'x', engine: 'pg', name: 'n' }).problems[0] ?? '', /Unknown engine/);
  });
});

describe('describeTarget', () => {
  it('shows where a profile points, without secrets', () => {
    assert.equal(describeTarget(base), 'me@localhost:5432/app');
    assert.equal(describeTarget({ ...base, engine: 'docker', socketPath: '/var/run/docker.sock' }), 'unix:///var/run/docker.sock');
  });
});
