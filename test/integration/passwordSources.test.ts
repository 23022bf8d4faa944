import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeConnection } from '../../src/core/connections/probe';
import { engineModule } from '../../src/core/engines';
import type { Logger } from '../../src/core/log';
import { pgProfile, services } from './services';

function collectingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => void lines.push(m);
  return { lines, trace: push, debug: push, info: push, warn: push, error: push };
}

/** A pgpass line's field with libpq's escapes. */
function field(text: string): string {
  return text.replace(/[\\:]/g, (c) => `\\${c}`);
}

describe('passwords from PostgreSQL\'s password file (real server)', function () {
  this.timeout(30_000);
  let dir: string;
  const saved = { PGPASSWORD: process.env['PGPASSWORD'], PGPASSFILE: process.env['PGPASSFILE'] };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-pgpass-it-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const pgpassFile = (name: string, lines: string[], mode = 0o600): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    fs.chmodSync(file, mode);
    return file;
  };

  it('a profile with passwordSource pgpass connects with the line that matches it', async () => {
    const s = services().postgres;
    const profile = pgProfile({ passwordSource: 'pgpass' });
    const file = pgpassFile('match', [
      '# the first lines do not match this connection',
      `${s.host}:${s.port}:other_db:${field(s.user)}:wrong-db`,
      `${s.host}:${s.port + 1}:*:${field(s.user)}:wrong-port`,
      `${s.host}:${s.port}:*:${field(s.user)}:${field(s.password)}`,
      '*:*:*:*:too-late',
    ]);
    const found = await engineModule('postgres').passwordFile?.lookup(profile, { PGPASSFILE: file }, dir);
    assert.equal(found?.password, s.password);
    const log = collectingLogger();
    const result = await probeConnection(profile, found?.password, log);
    assert.ok(result.ok, JSON.stringify(result));
    assert.ok(!log.lines.join('\n').includes(s.password), 'the password is never logged');
  });

  it('a group-readable file is ignored, so the same line no longer logs in', async () => {
    const s = services().postgres;
    const profile = pgProfile({ passwordSource: 'pgpass' });
    const file = pgpassFile('open', [`*:*:*:*:${field(s.password)}`], 0o640);
    const found = await engineModule('postgres').passwordFile?.lookup(profile, { PGPASSFILE: file }, dir);
    assert.equal(found?.password, undefined);
    assert.match(found?.warning ?? '', /group or world access/);
    const result = await probeConnection(profile, found?.password);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'auth');
  });

  it('without a password of our choosing the driver reads neither PGPASSWORD nor ~/.pgpass by itself', async () => {
    // node-postgres falls back to both when given no password; a profile whose password was withheld
    // (it belongs to another server) must not get them that way.
    const s = services().postgres;
    process.env['PGPASSWORD'] = s.password;
    process.env['PGPASSFILE'] = pgpassFile('ambient', [`*:*:*:*:${field(s.password)}`]);
    try {
      const result = await probeConnection(pgProfile(), undefined);
      assert.ok(!result.ok, 'connected with a password nobody gave it');
      assert.equal(result.problem.kind, 'auth');
    } finally {
      if (saved.PGPASSWORD === undefined) delete process.env['PGPASSWORD'];
      else process.env['PGPASSWORD'] = saved.PGPASSWORD;
      if (saved.PGPASSFILE === undefined) delete process.env['PGPASSFILE'];
      else process.env['PGPASSFILE'] = saved.PGPASSFILE;
    }
  });
});
