/**
 * `upkeep health` (the built CLI, a child process as cron runs it) against
 * every test server, then with one real problem planted per engine: a Redis
 * that was stopped, a PostgreSQL session idle in its transaction past
 * `upkeep.reports.longQuerySeconds`, a FAILED Neo4j index, an unhealthy Docker
 * container, an HTTP endpoint answering 500 and one that never answers. Each
 * is named in the text, JSON and JUnit output and gives its exit code, alone
 * (--connection) and together (the worst).
 */
import { strict as assert } from 'node:assert';
import type { ConnectionProfile } from '../../src/core/connections/profile';
import type { HealthRun, SubjectHealth } from '../../src/core/health/model';
import { assertNoSecret, entry, type Ran, startUpkeep, upkeep, useCliFixture, writeConfig } from '../support/cli';
import { plantFailedNeo4jIndex, plantIdleTransaction, plantUnhealthyContainer, startSpareRedis, type FailedIndex, type Planted, type SpareRedis, type UnhealthyContainer } from '../support/plantedProblems';
import { rabbitProfile, redisProfile, services, uniqueName } from './services';

// xml2js comes with @vscode/vsce (a devDependency): an XML parser that is not ours, to judge our XML.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const xml2js = require('xml2js') as { parseStringPromise(text: string, options?: object): Promise<Record<string, unknown>> };

interface JunitCase { $: Record<string, string>; failure?: { $: Record<string, string> }[]; error?: { $: Record<string, string> }[] }
interface JunitSuite { $: Record<string, string>; testcase: JunitCase[] }

/** The planted session's threshold (the default, 60 s, would take a minute to cross). */
const LONG_QUERY_SECONDS = 1;
/** The hanging endpoint's own limit; every other subject keeps the run's (--timeout). */
const HANG_TIMEOUT_MS = 3_000;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const lines = (ran: Ran): string[] => ran.stdout.trimEnd().split('\n');
const explain = (ran: Ran): string => `exit ${String(ran.code)}\n${ran.stdout}${ran.stderr}`;

function subject(run: HealthRun, name: string): SubjectHealth {
  const s = run.subjects.find((x) => x.subject.name === name);
  assert.ok(s, `no subject "${name}" in ${run.subjects.map((x) => x.subject.name).join(', ')}`);
  return s;
}

function check(run: HealthRun, name: string, id: string): { severity: string; reason: string } {
  const c = subject(run, name).checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id} for "${name}": ${JSON.stringify(subject(run, name).checks)}`);
  return c;
}

describe('upkeep health with a problem planted per engine (built CLI, child process, real servers)', function () {
  this.timeout(180_000);
  const f = useCliFixture();
  let spare: SpareRedis | undefined;
  let spareProfile: ConnectionProfile;
  let rabbit: ConnectionProfile;
  let env: Record<string, string>;
  /** Every test server, the spare Redis and the fixture's /health endpoint, default thresholds. */
  let allConfig = '';

  before(async () => {
    spare = await startSpareRedis();
    spareProfile = redisProfile({ id: 'planted-redis', name: 'Spare Redis', port: spare.info.port });
    rabbit = rabbitProfile({ id: 'planted-rabbit', name: 'Queues' });
    env = { ...f.env, UPKEEP_PASSWORD_PLANTED_REDIS: spare.info.password, UPKEEP_PASSWORD_PLANTED_RABBIT: services().rabbitmq.password };
    allConfig = writeConfig(f.dir, {
      'upkeep.connections': [entry(f.pg), entry(f.redis), entry(f.neo4j), entry(f.docker), entry(rabbit), entry(spareProfile)],
      'upkeep.health.endpoints': [{ name: 'api', url: `${f.base}/health`, bodyMatches: 'healthy' }],
    });
  });

  after(async () => {
    await spare?.remove();
  });

  it('every test server (PostgreSQL, Redis ×2, Neo4j, Docker, RabbitMQ) and a healthy endpoint → exit 0, each named OK', async () => {
    const ran = await upkeep(['health', '--config', allConfig, '--timeout', '60'], env);
    assert.equal(ran.code, 0, explain(ran));
    assertNoSecret(ran);
    const out = lines(ran);
    for (const label of [`${f.pg.name} (PostgreSQL)`, 'Cache ✓ (Redis)', 'Graph (Neo4j)', 'Engine (Docker)', 'Queues (RabbitMQ)', 'Spare Redis (Redis)', `api (${f.base}/health)`]) {
      const own = out.filter((l) => l.includes(` ${label} — `));
      assert.ok(own.length > 0, `${label} in:\n${ran.stdout}`);
      assert.ok(own.every((l) => l.startsWith('OK ')), own.join('\n'));
    }
    assert.equal(out.at(-1), 'OK       All 7 healthy');
  });

  describe('with the problems planted', () => {
    const planted: Planted[] = [];
    let index: FailedIndex;
    let container: UnhealthyContainer;
    /** Everything, the planted problems and the healthy rest, with the planted threshold and endpoints. */
    let plantedConfig = '';
    let idleSince = 0;

    before(async function () {
      this.timeout(240_000);
      assert.ok(spare, 'the spare Redis started');
      // Stopped the way an operator (or a crash) stops it: the profile still names its port.
      await spare.stop();
      index = await plantFailedNeo4jIndex(`UpkPlant${process.pid}`);
      planted.push(index);
      container = await plantUnhealthyContainer(uniqueName('upkeep_unhealthy'));
      planted.push(container);
      const idle = await plantIdleTransaction(f.database);
      planted.push(idle);
      idleSince = Date.now();
      await idle.idleLongerThan(LONG_QUERY_SECONDS);
      plantedConfig = writeConfig(f.dir, {
        'upkeep.connections': [entry(f.pg), entry(f.redis), entry(f.neo4j), entry(f.docker), entry(rabbit), entry(spareProfile)],
        'upkeep.health.endpoints': [
          { name: 'api', url: `${f.base}/health`, bodyMatches: 'healthy' },
          { name: 'api-500', url: `${f.base}/fail` },
          { name: 'hangs', url: `${f.base}/hang`, timeoutMs: HANG_TIMEOUT_MS },
        ],
        'upkeep.reports.longQuerySeconds': LONG_QUERY_SECONDS,
      });
    });

    after(async function () {
      this.timeout(120_000);
      // Every plant is removed even when another's removal fails; the first error is reported after.
      const results = await Promise.allSettled(planted.reverse().map((p) => p.remove()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });

    it('all together: exit 2 (the worst), one line naming each problem, the healthy rest OK', async () => {
      const ran = await upkeep(['health', '--config', plantedConfig, '--timeout', '60'], env);
      assert.equal(ran.code, 2, explain(ran));
      assertNoSecret(ran);
      const out = ran.stdout;
      // A server that is down is critical, not "could not check".
      assert.match(out, new RegExp(`^CRITICAL Spare Redis \\(Redis\\) — Reachable: Nothing is listening at 127\\.0\\.0\\.1:${spare?.info.port ?? 0}: is Redis running`, 'm'));
      assert.match(out, new RegExp(`^WARNING {2}${escapeRe(f.pg.name)} \\(PostgreSQL\\) — Long transactions: 1 idle in transaction \\(oldest [^)]+\\): longer than 1\\.0 s$`, 'm'));
      assert.match(out, new RegExp(`^CRITICAL Graph \\(Neo4j\\) — Failed indexes: 1 of \\d+ index(es)? failed: ${index.name} \\(Property value is too large to index.*\\) \\(critical on any\\)$`, 'm'));
      assert.match(out, new RegExp(`^CRITICAL Engine \\(Docker\\) — Containers: 1 unhealthy: ${container.name} \\(critical on any unhealthy\\)$`, 'm'));
      assert.match(out, new RegExp(`^CRITICAL api-500 \\(${escapeRe(f.base)}/fail\\) — HTTP status: HTTP 500 Internal Server Error$`, 'm'));
      assert.match(out, new RegExp(`^CRITICAL hangs \\(${escapeRe(f.base)}/hang\\) — HTTP status: no answer within 3 s$`, 'm'));
      // The servers and endpoint without a problem are still checked, and say so.
      for (const label of ['Cache ✓ (Redis)', 'Queues (RabbitMQ)', `api (${f.base}/health)`]) {
        const own = lines(ran).filter((l) => l.includes(` ${label} — `));
        assert.ok(own.length > 0 && own.every((l) => l.startsWith('OK ')), `${label}:\n${out}`);
      }
      assert.equal(lines(ran).at(-1), 'CRITICAL 5 critical, 1 warning, 3 healthy (of 9)');
    });

    it('--format json names the failing check of each subject with its severity; --format junit parses, a failure per problem (the stopped Redis a critical one)', async () => {
      const json = await upkeep(['health', '--config', plantedConfig, '--timeout', '60', '--format', 'json'], env);
      assert.equal(json.code, 2, explain(json));
      const run = JSON.parse(json.stdout) as HealthRun;
      assert.equal(run.worst, 'critical');
      const expected: [string, string, string, RegExp][] = [
        ['Spare Redis', 'reachable', 'critical', /Nothing is listening/],
        [f.pg.name, 'long-transactions', 'warning', /1 idle in transaction/],
        ['Graph', 'failed-indexes', 'critical', new RegExp(`failed: ${index.name} `)],
        ['Engine', 'containers', 'critical', new RegExp(`unhealthy: ${container.name} `)],
        ['api-500', 'http-status', 'critical', /HTTP 500/],
        ['hangs', 'http-status', 'critical', /no answer within 3 s/],
      ];
      for (const [name, id, severity, reason] of expected) {
        const c = check(run, name, id);
        assert.equal(c.severity, severity, `${name} ${id}: ${c.reason}`);
        assert.match(c.reason, reason);
        assert.equal(subject(run, name).worst, severity, name);
      }
      for (const name of ['Cache ✓', 'Queues', 'api']) assert.equal(subject(run, name).worst, 'ok', JSON.stringify(subject(run, name).checks));
      // Only the planted problems are not ok.
      const notOk = run.subjects.flatMap((s) => s.checks.filter((c) => c.severity !== 'ok').map((c) => `${s.subject.name}/${c.id}`));
      assert.deepEqual(notOk.sort(), expected.map(([name, id]) => `${name}/${id}`).sort());

      const junit = await upkeep(['health', '--config', plantedConfig, '--timeout', '60', '--format', 'junit'], env);
      assert.equal(junit.code, 2, explain(junit));
      const doc = await xml2js.parseStringPromise(junit.stdout, { strict: true });
      const suites = doc['testsuites'] as { $: Record<string, string>; testsuite: JunitSuite[] };
      assert.equal(suites.$['failures'], '6', 'warning and critical checks are failures');
      assert.equal(suites.$['errors'], '0', 'every check was made');
      assert.equal(suites.testsuite.length, 9);
      const suite = (prefix: string): JunitSuite => {
        const s = suites.testsuite.find((x) => x.$['name']?.startsWith(prefix));
        assert.ok(s, `no testsuite ${prefix}`);
        return s;
      };
      const stopped = suite('Spare Redis (Redis)').testcase.find((c) => c.$['name'] === 'Reachable')?.failure?.[0];
      assert.equal(stopped?.$['type'], 'critical');
      assert.match(stopped?.$['message'] ?? '', /Nothing is listening/);
      const failureOf = (prefix: string, title: string): Record<string, string> | undefined => suite(prefix).testcase.find((c) => c.$['name'] === title)?.failure?.[0]?.$;
      assert.equal(failureOf(`${f.pg.name} (PostgreSQL)`, 'Long transactions')?.['type'], 'warning');
      assert.match(failureOf('Graph (Neo4j)', 'Failed indexes')?.['message'] ?? '', new RegExp(index.name));
      assert.match(failureOf('Engine (Docker)', 'Containers')?.['message'] ?? '', new RegExp(container.name));
      assert.match(failureOf('api-500 (', 'HTTP status')?.['message'] ?? '', /HTTP 500/);
      assert.match(failureOf('hangs (', 'HTTP status')?.['message'] ?? '', /no answer within 3 s/);
      for (const prefix of ['Cache ✓ (Redis)', 'Queues (RabbitMQ)', 'api (']) {
        assert.equal(suite(prefix).$['failures'], '0', prefix);
        assert.equal(suite(prefix).$['errors'], '0', prefix);
      }
    });

    it('--connection, one at a time: each subject exits with its own code', async () => {
      const cases: [string, number, RegExp][] = [
        ['Spare Redis', 2, /^CRITICAL Spare Redis \(Redis\) — Reachable: Nothing is listening/m],
        [f.pg.id, 1, /^WARNING {2}.* \(PostgreSQL\) — Long transactions: 1 idle in transaction/m],
        ['Graph', 2, new RegExp(`^CRITICAL Graph \\(Neo4j\\) — Failed indexes: .*${index.name}`, 'm')],
        ['Engine', 2, new RegExp(`^CRITICAL Engine \\(Docker\\) — Containers: 1 unhealthy: ${container.name}`, 'm')],
        ['api-500', 2, /^CRITICAL api-500 .* — HTTP status: HTTP 500/m],
        ['hangs', 2, /^CRITICAL hangs .* — HTTP status: no answer within 3 s$/m],
        ['Cache ✓', 0, /^OK {7}All 1 healthy$/m],
        ['Queues', 0, /^OK {7}All 1 healthy$/m],
        ['api', 0, /^OK {7}All 1 healthy$/m],
        // A stopped server beside a warning: the stopped server decides (critical outranks warning).
        [`Spare Redis,${f.pg.id}`, 2, /^CRITICAL 1 critical, 1 warning \(of 2\)$/m],
      ];
      const seen: string[] = [];
      for (const [names, code, line] of cases) {
        const ran = await upkeep(['health', '--config', plantedConfig, '--timeout', '60', '--connection', names], env);
        seen.push(`${names}: exit ${String(ran.code)}`);
        assert.equal(ran.code, code, `--connection ${names}: ${explain(ran)}`);
        assert.match(ran.stdout, line, `--connection ${names}`);
      }
      console.log(`      ${seen.join('; ')}`);
    });

    it('the hanging endpoint gives up after its own timeout while the others are checked beside it (times logged)', async function () {
      // The run's limit is 600 s: only the endpoint's own timeoutMs can end its wait, and this test's
      // mocha timeout fails it long before 600 s if that did not work.
      this.timeout(120_000);
      const timed = async (config: string): Promise<{ ran: Ran; wallMs: number }> => {
        const t0 = Date.now();
        const { child, done } = startUpkeep(['health', '--config', config, '--timeout', '600', '--format', 'json'], env);
        try {
          const ran = await done;
          return { ran, wallMs: Date.now() - t0 };
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
        }
      };
      const withHang = await timed(plantedConfig);
      assert.equal(withHang.ran.code, 2, explain(withHang.ran));
      const run = JSON.parse(withHang.ran.stdout) as HealthRun;
      const hang = subject(run, 'hangs');
      assert.match(check(run, 'hangs', 'http-status').reason, /^no answer within 3 s$/);
      assert.ok(hang.durationMs >= HANG_TIMEOUT_MS, `it waited its timeout: ${hang.durationMs} ms`);
      // Everything else has its own result, not a timeout.
      const others = run.subjects.filter((s) => s !== hang);
      for (const s of others) assert.ok(s.checks.every((c) => !/no answer within/.test(c.reason)), `${s.subject.name}: ${JSON.stringify(s.checks)}`);
      assert.equal(subject(run, 'api').worst, 'ok');

      // The same run without the hanging endpoint, for comparison in the log.
      const withoutConfig = writeConfig(f.dir, {
        'upkeep.connections': [entry(f.pg), entry(f.redis), entry(f.neo4j), entry(f.docker), entry(rabbit), entry(spareProfile)],
        'upkeep.health.endpoints': [{ name: 'api', url: `${f.base}/health`, bodyMatches: 'healthy' }, { name: 'api-500', url: `${f.base}/fail` }],
        'upkeep.reports.longQuerySeconds': LONG_QUERY_SECONDS,
      });
      const without = await timed(withoutConfig);
      assert.equal(without.ran.code, 2, explain(without.ran));
      const runWithout = JSON.parse(without.ran.stdout) as HealthRun;
      const ends = others.map((s) => Date.parse(s.checkedAt) + s.durationMs - Date.parse(run.startedAt));
      const hangEnd = Date.parse(hang.checkedAt) + hang.durationMs - Date.parse(run.startedAt);
      console.log(`      hang timeout ${HANG_TIMEOUT_MS} ms; with the hanging endpoint: run ${run.durationMs} ms (CLI process ${withHang.wallMs} ms), `
        + `hang ${hang.durationMs} ms (started +${Date.parse(hang.checkedAt) - Date.parse(run.startedAt)} ms, ended +${hangEnd} ms), `
        + `others ended by +${Math.max(...ends)} ms (${ends.filter((e) => e < hangEnd).length} of ${ends.length} before the hang ended); `
        + `without it: run ${runWithout.durationMs} ms (CLI process ${without.wallMs} ms); idle session planted ${Math.round((Date.now() - idleSince) / 1000)} s ago`);
      console.log(`      per subject (with hang): ${run.subjects.map((s) => `${s.subject.name.slice(0, 12)} ${s.durationMs} ms`).join(', ')}`);
    });
  });
});
