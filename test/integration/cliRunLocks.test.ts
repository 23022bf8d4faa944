/**
 * `upkeep run` against a table someone holds ACCESS EXCLUSIVE: the CLI's
 * sessions carry the editor's catalog limits (upkeep.catalog.*), so the size
 * measured before the VACUUM gives up on the lock within its lock_timeout,
 * and the run ends with one line naming the lock instead of hanging.
 */
import { strict as assert } from 'node:assert';
import type { Client } from 'pg';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { assertNoSecret, entry, upkeep, useCliFixture, writeConfig, XSS } from '../support/cli';
import { pgClient } from '../support/pg';
import { services } from './services';

describe('upkeep run: catalog limits on a locked table (built CLI, real PostgreSQL)', function () {
  this.timeout(120_000);
  const f = useCliFixture();
  let pg: ConnectionProfile;
  let holder: Client;
  before(async () => {
    pg = f.pg;
    holder = await pgClient(services().postgres, f.database);
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE ${holder.escapeIdentifier(XSS)} IN ACCESS EXCLUSIVE MODE`);
  });
  after(async () => {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
  });

  it('opens its session with upkeep.catalog.* from the settings; VACUUM of the locked table ends with one line naming the lock', async () => {
    const config = writeConfig(f.dir, {
      'upkeep.connections': [entry(pg)],
      'upkeep.catalog.lockTimeoutMs': 700,
      'upkeep.catalog.statementTimeoutMs': 5_000,
      'upkeep.maintenance.lockTimeoutMs': 1_500,
    });
    const ran = await upkeep(['run', 'vacuum', '--connection', pg.id, '--config', config, '--target', `public."${XSS}"`, '--verbose'], f.env);
    assert.equal(ran.code, 1, ran.stderr);
    assertNoSecret(ran);
    assert.equal(ran.stdout, '');
    // The session's catalog reads got the settings' limits, not the defaults.
    assert.match(ran.stderr, /debug: catalog reads of .*: lock_timeout 700 ms, statement_timeout 5000 ms/);
    const final = ran.stderr.trim().split('\n').filter((l) => l.startsWith('upkeep: failed'));
    assert.equal(final.length, 1, ran.stderr);
    assert.match(final[0] ?? '', /^upkeep: failed: VACUUM .* on “.*”: .*lock_timeout/);
    assert.ok(!final[0]?.includes('..'), final[0]);
  });

  it('with the editor\'s defaults (no catalog settings), ANALYZE of the locked table ends with a line naming the lock', async () => {
    const config = writeConfig(f.dir, { 'upkeep.connections': [entry(pg)], 'upkeep.maintenance.lockTimeoutMs': 1_000 });
    const ran = await upkeep(['run', 'analyze', '--connection', pg.id, '--config', config, '--target', `public."${XSS}"`], f.env);
    assert.equal(ran.code, 1, ran.stderr);
    assert.equal(ran.stdout, '');
    const lines = ran.stderr.trim().split('\n');
    assert.equal(lines.length, 1, ran.stderr);
    assert.match(lines[0] ?? '', /^upkeep: failed: ANALYZE .*lock/i);
  });
});
