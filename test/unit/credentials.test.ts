import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bindingMatches, bindingOf, connectionPolicy, decideStoredSecret, describeBinding, differences, parseConsent, parseStoredCredential,
  sourceAllowed, validEnvName,
} from '../../src/core/connections/credentials';
import { normalizeProfile, profileFingerprint, validateProfile, type ConnectionProfile } from '../../src/core/connections/profile';
import { describeConnectionError } from '../../src/core/connections/errors';
import { PasswordWithheld } from '../../src/core/connections/credentials';

const user: ConnectionProfile = {
  id: 'shop', engine: 'postgres', name: 'Shop', host: 'db.internal', port: 5432, database: 'shop', user: 'alice',
  tls: 'verify', readOnly: false, production: true, connectTimeoutMs: 10_000,
};

describe('secret binding: where a password may be sent', () => {
  it('matches the place it was saved for, whatever the database, name or flags', () => {
    const b = bindingOf(user);
    assert.ok(bindingMatches(b, user));
    assert.ok(bindingMatches(b, { ...user, database: 'other', name: 'Renamed', readOnly: true, production: false }));
    assert.ok(bindingMatches(b, { ...user, host: 'DB.Internal.' }), 'host names compare without case or trailing dot');
  });

  it('does not match another host, port, user, engine or socket, nor weaker TLS', () => {
    const b = bindingOf(user);
    for (const other of [
      { ...user, host: '203.0.113.9' },
      { ...user, port: 6432 },
      { ...user, user: 'bob' },
      { ...user, user: undefined },
      { ...user, engine: 'redis' as const },
      { ...user, tls: 'require' as const },
      { ...user, tls: 'disable' as const },
    ]) {
      assert.ok(!bindingMatches(b, other), JSON.stringify(other));
    }
    assert.ok(bindingMatches(b, { ...user, port: undefined }), 'the default port is the same place');
    const plain = bindingOf({ ...user, tls: 'disable' });
    assert.ok(bindingMatches(plain, { ...user, tls: 'verify' }), 'stricter TLS is fine');
    const docker = bindingOf({ ...user, engine: 'docker', host: undefined, port: undefined, socketPath: '/var/run/docker.sock' });
    assert.ok(!bindingMatches(docker, { ...user, engine: 'docker', host: undefined, port: undefined, socketPath: '/tmp/evil.sock' }));
  });

  it('names both places and what differs, without secrets', () => {
    const b = bindingOf(user);
    assert.equal(describeBinding(b), 'PostgreSQL user alice at db.internal:5432 (TLS verify)');
    assert.deepEqual(differences(b, { ...user, host: 'evil.example', tls: 'disable' }), ['host db.internal → evil.example', 'TLS verify → disable']);
  });

  it('reads stored records back, and treats anything malformed as nothing', () => {
    const boundTo = bindingOf(user);
    assert.deepEqual(parseStoredCredential(JSON.stringify({ password: 'pw', boundTo })), { password: 'pw', boundTo });
    assert.deepEqual(parseStoredCredential(JSON.stringify({ password: 'pw', boundTo: { engine: 'mysql' } })), { password: 'pw' });
    assert.equal(parseStoredCredential('not json'), undefined);
    assert.equal(parseStoredCredential(JSON.stringify({ password: '' })), undefined);
    assert.equal(parseConsent(JSON.stringify({ source: 'pgpass' })), undefined);
    assert.deepEqual(parseConsent(JSON.stringify({ source: 'env:X', boundTo })), { source: 'env:X', boundTo });
  });
});

describe('decideStoredSecret', () => {
  const evil: ConnectionProfile = { ...user, host: '203.0.113.9', tls: 'disable' };

  it('sends a bound secret only to its place', () => {
    const stored = { password: 'pw', boundTo: bindingOf(user) };
    assert.deepEqual(decideStoredSecret(stored, user), { send: true, password: 'pw' });
    assert.deepEqual(decideStoredSecret(stored, evil), { send: false, boundTo: bindingOf(user) });
  });

  it('gives a secret saved before places were recorded to the user-settings profile with its id', () => {
    const legacy = { password: 'pw' };
    assert.deepEqual(decideStoredSecret(legacy, user, user), { send: true, password: 'pw', bind: bindingOf(user) });
    // A workspace profile reusing the id gets nothing, and the secret is bound to the user's profile.
    assert.deepEqual(decideStoredSecret(legacy, evil, user), { send: false, boundTo: bindingOf(user), bind: bindingOf(user) });
    // No user profile with that id: no known place, nothing sent until confirmed.
    assert.deepEqual(decideStoredSecret(legacy, user), { send: false });
  });
});

describe('password sources from the environment and the password file', () => {
  const envProfile: ConnectionProfile = { ...user, passwordSource: 'env', passwordEnv: 'SHOP_PW' };

  it('trusts a user-settings profile, and asks for a workspace one per source and place', () => {
    assert.ok(sourceAllowed(envProfile, 'user', undefined));
    assert.ok(!sourceAllowed(envProfile, 'workspace', undefined));
    const consent = { source: 'env:SHOP_PW', boundTo: bindingOf(envProfile) };
    assert.ok(sourceAllowed(envProfile, 'workspace', consent));
    assert.ok(!sourceAllowed({ ...envProfile, passwordEnv: 'AWS_SECRET_ACCESS_KEY' }, 'workspace', consent), 'another variable asks again');
    assert.ok(!sourceAllowed({ ...envProfile, host: 'evil.example' }, 'workspace', consent), 'another host asks again');
    assert.ok(!sourceAllowed({ ...envProfile, passwordSource: 'pgpass', passwordEnv: undefined }, 'workspace', consent), 'another source asks again');
    assert.ok(sourceAllowed({ ...user }, 'workspace', undefined), 'secret storage is judged by its own binding');
  });

  it('validates the variable name and where each source is allowed', () => {
    assert.ok(validEnvName('PGPASSWORD_PROD'));
    assert.ok(validEnvName('_x1'));
    for (const bad of ['1X', 'A-B', 'A B', '', '$HOME', 'X=Y']) assert.ok(!validEnvName(bad), bad);
    assert.deepEqual(validateProfile(envProfile), []);
    assert.match(validateProfile({ ...envProfile, passwordEnv: 'A-B' }).join(' '), /not an environment variable name/);
    assert.match(validateProfile({ ...envProfile, passwordEnv: undefined }).join(' '), /Name the environment variable/);
    assert.deepEqual(validateProfile({ ...user, passwordSource: 'pgpass' }), []);
    assert.match(validateProfile({ ...user, engine: 'redis', database: '0', passwordSource: 'pgpass' }).join(' '), /only PostgreSQL ones can/);
    assert.deepEqual(validateProfile({ ...user, engine: 'redis', database: '0', passwordSource: 'env', passwordEnv: 'R' }), []);
    assert.match(validateProfile({ ...user, engine: 'docker', host: undefined, socketPath: '/s', passwordSource: 'env', passwordEnv: 'R' }).join(' '), /take no password/);
    assert.match(validateProfile({ ...user, passwordSource: 'keychain' as never }).join(' '), /not one of/);
    const typo = validateProfile({ ...user, host: 'alice:hunter2@db.internal' }).join(' ');
    assert.match(typo, /host contains "@"/);
    assert.ok(!typo.includes('hunter2'), 'a password typed into the host field is not repeated');
  });

  it('reads the source from settings, keeping the variable name only for the env source', () => {
    const raw = { id: 'x', engine: 'postgres', name: 'X', host: 'h', passwordSource: 'env', passwordEnv: 'X_PW' };
    assert.deepEqual(
      [normalizeProfile(raw).profile?.passwordSource, normalizeProfile(raw).profile?.passwordEnv],
      ['env', 'X_PW'],
    );
    const pgpass = normalizeProfile({ ...raw, passwordSource: 'pgpass' }).profile;
    assert.equal(pgpass?.passwordSource, 'pgpass');
    assert.equal(pgpass?.passwordEnv, undefined);
    assert.equal(normalizeProfile({ ...raw, passwordSource: 'secretStorage' }).profile?.passwordSource, undefined);
    assert.match(normalizeProfile({ ...raw, passwordSource: 'env', passwordEnv: '1bad' }).problems.join(' '), /not an environment variable name/);
  });
});

describe('profileFingerprint', () => {
  it('is the same for the same values in any key order, and differs when a value does', () => {
    const { id, ...rest } = user;
    const reordered: ConnectionProfile = { ...rest, scheme: undefined, id };
    assert.equal(profileFingerprint(reordered), profileFingerprint(user));
    assert.equal(profileFingerprint({ ...user, socketPath: undefined }), profileFingerprint(user));
    assert.equal(profileFingerprint(normalizeProfile({ ...user }).profile as ConnectionProfile), profileFingerprint(user));
    assert.notEqual(profileFingerprint({ ...user, host: 'evil.example' }), profileFingerprint(user));
  });
});

describe('workspace trust policy', () => {
  it('never connects a workspace-defined connection in an untrusted workspace', () => {
    const held = connectionPolicy('workspace', false);
    assert.equal(held.connect, false);
    assert.match(held.connect ? '' : held.reason, /^Workspace not trusted/);
    assert.deepEqual(connectionPolicy('workspace', true), { connect: true });
    assert.deepEqual(connectionPolicy('user', false), { connect: true }, 'the user\'s own connections work in Restricted Mode');
  });

  it('a withheld password is its own problem on the connection, with its message', () => {
    const err = new PasswordWithheld('The password stored for “Shop” belongs to … Nothing was sent.', 'password-elsewhere');
    assert.deepEqual(describeConnectionError(user, err), { kind: 'password-elsewhere', message: err.message });
    // Recognised by name, as code from another bundle throws it.
    const foreign = Object.assign(new Error('Workspace not trusted: …'), { name: 'PasswordWithheld', kind: 'untrusted' });
    assert.equal(describeConnectionError(user, foreign).kind, 'untrusted');
  });
});

describe('one way to a password', () => {
  it('only connections/credentials.ts reads stored secrets in src/', () => {
    const root = path.resolve(__dirname, '../../../src');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith(path.join('connections', 'credentials.ts')) && !p.endsWith(path.join('connections', 'secretStore.ts'))) {
          const text = fs.readFileSync(p, 'utf8');
          if (/\.getPassword\(|secrets\.read\(|\.consent\(|context\.secrets\.get\(|storage\.get\(/.test(text)) offenders.push(path.relative(root, p));
        }
      }
    };
    walk(root);
    assert.deepEqual(offenders, []);
  });
});
