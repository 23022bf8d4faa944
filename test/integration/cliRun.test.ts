/**
 * `upkeep run` as cron runs it: the built CLI as a child process against the
 * real test PostgreSQL and Redis — a VACUUM that moves pg_stat, refusals that
 * run nothing, BGSAVE, Ctrl+C cancelling on the server, the password file.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'pg';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import { assertNoSecret, entry, startUpkeep, upkeep, useCliFixture, writeConfig, XSS } from '../support/cli';
import { pgClient } from '../support/pg';
import { closedPort, services } from './services';

describe('upkeep run (built CLI, child process, real servers)', function () {
  this.timeout(180_000);
  const f = useCliFixture();
  let pg: ConnectionProfile;
  let env: Record<string, string>;
  let db: Client;
  let config = '';
  const target = `public."${XSS}"`;
  before(async () => {
    ({ pg, env } = f);
    db = await pgClient(services().postgres, f.database);
    // A long lock wait, so the Ctrl+C test's VACUUM is still waiting when the signal comes.
    config = writeConfig(f.dir, { 'upkeep.connections': [entry(pg), entry(f.redis)], 'upkeep.maintenance.lockTimeoutMs': 600_000 });
  });
  after(async () => {
    await db.end();
  });

  async function vacuumCount(): Promise<{ count: number; last: string | null }> {
    await db.query('SELECT pg_stat_clear_snapshot()');
    const r = await db.query<{ count: string; last: string | null }>(`SELECT vacuum_count AS count, last_vacuum::text AS last FROM pg_stat_user_tables WHERE relname = $1`, [XSS]);
    return { count: Number(r.rows[0]?.count ?? -1), last: r.rows[0]?.last ?? null };
  }

  it('vacuums one table: exit 0, one summary line, pg_stat_user_tables.last_vacuum moves', async () => {
    const before = await vacuumCount();
    const ran = await upkeep(['run', 'vacuum', '--connection', pg.id, '--config', config, '--target', target], env);
    assert.equal(ran.code, 0, ran.stderr);
    assertNoSecret(ran);
    const lines = ran.stdout.trim().split('\n');
    assert.equal(lines.length, 1, ran.stdout);
    assert.match(lines[0] ?? '', /^done: VACUUM \(ANALYZE\) .* on “Prod "main" <img src=x onerror=alert\(1\)>” in /);
    const after = await vacuumCount();
    assert.equal(after.count, before.count + 1);
    assert.notEqual(after.last, null);
    assert.notEqual(after.last, before.last);
  });

  it('refuses a read-only profile before connecting: exit 2, one line', async () => {
    const port = await closedPort();
    const ro = writeConfig(f.dir, { 'upkeep.connections': [entry(pg, { readOnly: true, port })] });
    const ran = await upkeep(['run', 'vacuum', '--connection', pg.id, '--config', ro], env);
    assert.equal(ran.code, 2, ran.stderr);
    assert.equal(ran.stdout, '');
    const lines = ran.stderr.trim().split('\n');
    assert.equal(lines.length, 1, ran.stderr);
    assert.match(lines[0] ?? '', /read-only/);
    // The closed port was never tried: a connection attempt would have failed with exit 1 and ECONNREFUSED.
    assert.ok(!/ECONNREFUSED|connect/i.test(ran.stderr), ran.stderr);
  });

  it('prints the statement of a blocking operation without --yes and runs nothing: exit 4', async () => {
    const before = await vacuumCount();
    const ran = await upkeep(['run', 'vacuum-full', '--connection', pg.id, '--config', config, '--target', target], env);
    assert.equal(ran.code, 4, ran.stderr);
    assert.equal(ran.stdout, `VACUUM (FULL, ANALYZE) "public"."${XSS}"\n`);
    assert.match(ran.stderr, /needs --yes \(it blocks other sessions/);
    assert.deepEqual(await vacuumCount(), before, 'nothing ran');
  });

  it('asks for --yes for any operation on a production profile, and runs it with it', async () => {
    const prod = writeConfig(f.dir, { 'upkeep.connections': [entry(pg, { production: true })] });
    const before = await vacuumCount();
    const refused = await upkeep(['run', 'vacuum', '--connection', pg.id, '--config', prod, '--target', target], env);
    assert.equal(refused.code, 4, refused.stderr);
    assert.equal(refused.stdout, `VACUUM (ANALYZE) "public"."${XSS}"\n`);
    assert.match(refused.stderr, /production connection/);
    assert.deepEqual(await vacuumCount(), before, 'nothing ran');
    const ran = await upkeep(['run', 'vacuum', '--connection', pg.id, '--config', prod, '--target', target, '--yes'], env);
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal((await vacuumCount()).count, before.count + 1);
  });

  it('runs REINDEX CONCURRENTLY of an index and ANALYZE of the database', async () => {
    const reindex = await upkeep(['run', 'reindex', '--connection', pg.id, '--config', config, '--target', `"${XSS}_note"`], env);
    assert.equal(reindex.code, 0, reindex.stderr);
    assert.match(reindex.stdout, /^done: REINDEX CONCURRENTLY public."<img src=x onerror=alert\(1\)>_note" /);
    const analyze = await upkeep(['run', 'analyze', '--connection', pg.id, '--config', config], env);
    assert.equal(analyze.code, 0, analyze.stderr);
    const missing = await upkeep(['run', 'reindex', '--connection', pg.id, '--config', config, '--target', 'public.nothing_here'], env);
    assert.equal(missing.code, 64, missing.stderr);
    assert.match(missing.stderr, /no table or index of that name/);
  });

  it('runs BGSAVE on Redis and refuses a PostgreSQL operation there', async () => {
    const ran = await upkeep(['run', 'bgsave', '--connection', f.redis.id, '--config', config], env);
    assert.equal(ran.code, 0, ran.stderr);
    assertNoSecret(ran);
    assert.match(ran.stdout, /^done: BGSAVE/);
    const wrong = await upkeep(['run', 'vacuum', '--connection', f.redis.id, '--config', config], env);
    assert.equal(wrong.code, 64, wrong.stderr);
    assert.match(wrong.stderr, /PostgreSQL operation/);
  });

  it('cancels a waiting VACUUM on the server at Ctrl+C and exits 130', async () => {
    const holder = await pgClient(services().postgres, f.database);
    try {
      await holder.query('BEGIN');
      // The lock VACUUM itself takes: it waits, while the size measured before it (ACCESS SHARE) does not.
      await holder.query(`LOCK TABLE ${holder.escapeIdentifier(XSS)} IN SHARE UPDATE EXCLUSIVE MODE`);
      const { child, done } = startUpkeep(['run', 'vacuum', '--connection', pg.id, '--config', config, '--target', target], env);
      const upkeepVacuum = async (): Promise<number> => {
        const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'Upkeep%' AND query LIKE 'VACUUM%' AND state = 'active'`, [f.database]);
        return Number(r.rows[0]?.n ?? 0);
      };
      // Wait until the VACUUM waits on the lock (the child may also fail first: then its result says why).
      let exited = false;
      void done.then(() => (exited = true));
      for (let i = 0; i < 600 && !exited && (await upkeepVacuum()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      if (!exited && (await upkeepVacuum()) === 0) {
        const all = await db.query(`SELECT application_name, state, wait_event_type, left(query, 80) AS q FROM pg_stat_activity WHERE datname = $1`, [f.database]);
        child.kill('SIGKILL');
        assert.fail(`no VACUUM seen: ${JSON.stringify(all.rows)}`);
      }
      const waiting = await db.query<{ w: string | null }>(`SELECT wait_event_type AS w FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'Upkeep%' AND query LIKE 'VACUUM%'`, [f.database]);
      assert.equal(waiting.rows[0]?.w, 'Lock', 'the VACUUM waits for the test\'s lock');
      if (exited) assert.fail(`the child ended before its VACUUM waited: ${(await done).stderr}`);
      child.kill('SIGINT');
      const ran = await done;
      assert.equal(ran.code, 130, ran.stderr);
      assert.match(ran.stderr, /cancelled on the server/);
      // The lock is still held: only a cancel on the server ends the VACUUM's wait.
      let left = await upkeepVacuum();
      for (let i = 0; i < 100 && left > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        left = await upkeepVacuum();
      }
      assert.equal(left, 0, 'no Upkeep backend left running the VACUUM');
      // The child has exited; its other sessions' backends end when the server sees their sockets close (a moment later under load).
      const upkeepBackends = async (): Promise<number> => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'Upkeep%'`, [f.database])).rows[0]?.n);
      let stillThere = await upkeepBackends();
      for (let i = 0; i < 100 && stillThere > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        stillThere = await upkeepBackends();
      }
      assert.equal(stillThere, 0, 'no Upkeep backend left at all');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  describe('--password-file', () => {
    let noEnvConfig = '';
    before(() => {
      // The profile's password is in the editor's secret storage: only the file can give it.
      noEnvConfig = writeConfig(f.dir, { 'upkeep.connections': [entry(pg, { passwordSource: 'secretStorage', passwordEnv: undefined })] });
    });

    function pwFile(mode: number): string {
      const file = path.join(f.dir, `pw-${mode.toString(8)}`);
      fs.writeFileSync(file, `${services().postgres.password}\n`);
      fs.chmodSync(file, mode);
      return file;
    }

    it('refuses a file others may read (0644), saying so, before connecting', async () => {
      const file = pwFile(0o644);
      const ran = await upkeep(['run', 'analyze', '--connection', pg.id, '--config', noEnvConfig, '--password-file', file]);
      assert.equal(ran.code, 1, ran.stderr);
      assert.match(ran.stderr, /mode is 0644.*chmod 600/);
      assertNoSecret(ran);
    });

    it('uses a 0600 file (also through UPKEEP_PASSWORD_FILE); the password is never in argv', async () => {
      const file = pwFile(0o600);
      const ran = await upkeep(['run', 'vacuum', '--connection', pg.id, '--config', noEnvConfig, '--target', target, '--password-file', file, '--verbose']);
      assert.equal(ran.code, 0, ran.stderr);
      assert.ok(ran.cmdline.includes('--password-file'), 'the child was seen');
      assertNoSecret(ran);
      const byEnv = await upkeep(['run', 'analyze', '--connection', pg.id, '--config', noEnvConfig], { UPKEEP_PASSWORD_FILE: file });
      assert.equal(byEnv.code, 0, byEnv.stderr);
      const none = await upkeep(['run', 'analyze', '--connection', pg.id, '--config', noEnvConfig]);
      assert.equal(none.code, 1, 'without the file the server refuses');
      assert.match(none.stderr, /secret storage/);
    });
  });
});
