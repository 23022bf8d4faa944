import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lookupPgpass, matchPgpass, parsePgpass, pgpassHost, pgpassPath, readPgpass } from '../../src/core/postgres/pgpass';
import type { ConnectionProfile } from '../../src/core/connections/profile';

const target = { host: 'db.example.com', port: 5432, database: 'app', user: 'alice' };

function passwordFor(text: string, t: Parameters<typeof matchPgpass>[1] = target): string | undefined {
  return matchPgpass(parsePgpass(text), t)?.password;
}

describe('pgpass: libpq rules', () => {
  it('matches the five fields exactly, case included', () => {
    assert.equal(passwordFor('db.example.com:5432:app:alice:s3cret\n'), 's3cret');
    assert.equal(passwordFor('DB.example.com:5432:app:alice:s3cret\n'), undefined, 'host compared exactly');
    assert.equal(passwordFor('db.example.com:5433:app:alice:s3cret\n'), undefined, 'port');
    assert.equal(passwordFor('db.example.com:5432:other:alice:s3cret\n'), undefined, 'database');
    assert.equal(passwordFor('db.example.com:5432:app:Alice:s3cret\n'), undefined, 'user');
  });

  it('takes * as a wildcard in any of the first four fields, and only a bare *', () => {
    assert.equal(passwordFor('*:5432:app:alice:a'), 'a');
    assert.equal(passwordFor('db.example.com:*:app:alice:b'), 'b');
    assert.equal(passwordFor('db.example.com:5432:*:alice:c'), 'c');
    assert.equal(passwordFor('db.example.com:5432:app:*:d'), 'd');
    assert.equal(passwordFor('*:*:*:*:e'), 'e');
    assert.equal(passwordFor('db*:5432:app:alice:f'), undefined, 'no globbing');
    assert.equal(passwordFor('\\*:5432:app:alice:g'), undefined, 'an escaped star is a literal star');
    assert.equal(passwordFor('\\*:5432:app:alice:g', { ...target, host: '*' }), 'g');
  });

  it('reads \\: and \\\\ escapes in fields and in the password, which ends at the next unescaped colon', () => {
    assert.equal(passwordFor('db.example.com:5432:app:alice:pa\\:ss\\\\word'), 'pa:ss\\word');
    assert.equal(passwordFor('db.example.com:5432:a\\:pp:alice:x', { ...target, database: 'a:pp' }), 'x');
    assert.equal(passwordFor('db.example.com:5432:app:al\\\\ice:y', { ...target, user: 'al\\ice' }), 'y');
    assert.equal(passwordFor('db.example.com:5432:app:alice:first:ignored'), 'first');
    assert.equal(passwordFor('db.example.com:5432:app:alice:p\\@ss'), 'p@ss', 'any escaped character stands for itself');
  });

  it('skips comments, empty lines and short lines; strips CR/LF; first match wins', () => {
    const text = [
      '# db.example.com:5432:app:alice:commented',
      '',
      'db.example.com:5432:app:alice',
      ' # not a comment:5432:app:alice:x',
      'db.example.com:5432:app:alice:winner\r',
      '*:*:*:*:later',
    ].join('\n');
    assert.equal(passwordFor(text), 'winner');
    assert.equal(parsePgpass(text)[1]?.line, 5, 'line numbers count every line');
  });

  it('an empty password on the first matching line means none (libpq ignores it) and stops the search', () => {
    assert.equal(passwordFor('db.example.com:5432:app:alice:\n*:*:*:*:later'), '');
  });

  it('looks up localhost for no host and for the default socket directory, other sockets literally', () => {
    assert.equal(pgpassHost(undefined), 'localhost');
    assert.equal(pgpassHost(''), 'localhost');
    assert.equal(pgpassHost('/var/run/postgresql'), 'localhost');
    assert.equal(pgpassHost('/tmp'), 'localhost');
    assert.equal(pgpassHost('/srv/pg/sockets'), '/srv/pg/sockets');
    assert.equal(pgpassHost('db.example.com'), 'db.example.com');
    assert.equal(passwordFor('localhost:5432:app:alice:sock', { ...target, host: '/var/run/postgresql' }), 'sock');
    assert.equal(passwordFor('localhost:5432:app:alice:sock', { ...target, host: '/srv/pg/sockets' }), undefined);
    assert.equal(passwordFor('localhost:5432:app:alice:tcp', { ...target, host: '127.0.0.1' }), undefined, 'an address is not localhost');
  });

  it('takes the file from PGPASSFILE, else ~/.pgpass (%APPDATA% on Windows)', () => {
    assert.equal(pgpassPath({ PGPASSFILE: '/etc/x/pw' }, '/home/a', 'linux'), '/etc/x/pw');
    assert.equal(pgpassPath({}, '/home/a', 'linux'), '/home/a/.pgpass');
    assert.equal(pgpassPath({ PGPASSFILE: '' }, '/home/a', 'linux'), '/home/a/.pgpass');
    assert.match(pgpassPath({ APPDATA: 'C:\\Users\\a\\AppData' }, 'C:\\Users\\a', 'win32'), /postgresql[\\/]pgpass\.conf$/);
  });
});

describe('pgpass: the file on disk', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-pgpass-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, mode: number, text = 'db.example.com:5432:app:alice:from-file\n'): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    fs.chmodSync(file, mode);
    return file;
  };
  const profile: ConnectionProfile = {
    id: 'p', engine: 'postgres', name: 'P', host: 'db.example.com', port: 5432, database: 'app', user: 'alice',
    tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000,
  };

  it('reads a 0600 file and a 0400 file', async () => {
    for (const mode of [0o600, 0o400]) {
      const file = write(`ok-${mode.toString(8)}`, mode);
      const found = await lookupPgpass(profile, { PGPASSFILE: file }, dir);
      assert.equal(found.password, 'from-file', mode.toString(8));
      assert.equal(found.warning, undefined);
      assert.equal(found.searched, 'db.example.com:5432:app:alice');
    }
  });

  it('ignores a file the group or others may access at all, with libpq\'s warning', async () => {
    for (const mode of [0o640, 0o604, 0o620, 0o610, 0o602, 0o644]) {
      const file = write(`open-${mode.toString(8)}`, mode);
      const found = await lookupPgpass(profile, { PGPASSFILE: file }, dir);
      assert.equal(found.password, undefined, mode.toString(8));
      assert.match(found.warning ?? '', /has group or world access; permissions should be u=rw \(0600\) or less/);
    }
  });

  it('ignores something that is not a plain file, and a missing file silently', async () => {
    const notFile = await readPgpass(dir);
    assert.match(notFile.warning ?? '', /is not a plain file/);
    const missing = await readPgpass(path.join(dir, 'nope'));
    assert.deepEqual(missing, { entries: [] });
  });

  it('uses ~/.pgpass when PGPASSFILE is unset, and the user node-postgres would use when the profile names none', async () => {
    write('.pgpass', 0o600, 'db.example.com:5432:app:envuser:home-file\n');
    const found = await lookupPgpass({ ...profile, user: undefined }, { PGUSER: 'envuser' }, dir);
    assert.equal(found.file, path.join(dir, '.pgpass'));
    assert.equal(found.password, 'home-file');
  });

  it('looks up the database Upkeep connects to when the profile names none (postgres)', async () => {
    const file = write('db', 0o600, 'db.example.com:5432:app:alice:app-pw\ndb.example.com:5432:postgres:alice:postgres-pw\n');
    const found = await lookupPgpass({ ...profile, database: undefined }, { PGPASSFILE: file }, dir);
    assert.equal(found.password, 'postgres-pw');
  });
});
