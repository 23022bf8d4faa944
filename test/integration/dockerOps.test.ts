import { strict as assert } from 'node:assert';
import type Dockerode from 'dockerode';
import { DockerSession, openDocker } from '../../src/core/docker/connection';
import { dockerExecutor } from '../../src/core/docker/executor';
import { buildContainerOp, buildPruneOp, type DockerOp } from '../../src/core/docker/operation';
import type { PruneKind, PrunePlan, PruneResult } from '../../src/core/docker/prune';
import { readPrunePlan } from '../../src/core/docker/pruneRead';
import { discoverConnection, profileFromDiscovery } from '../../src/core/docker/discovery';
import { dockerEngine } from '../../src/core/docker/engine';
import { probeConnection } from '../../src/core/connections/probe';
import { formatBytes } from '../../src/core/format';
import type { OperationOutcome } from '../../src/core/operations/operation';
import { dockerProfile, services, uniqueName } from './services';
import { dockerFixture, type DockerFixture } from './dockerFixture';

async function run(docker: Dockerode, op: DockerOp, socketPath = services().docker.socketPath): Promise<OperationOutcome> {
  const session = new DockerSession(dockerProfile({ socketPath }), docker);
  const result = await dockerExecutor(session).run([op], {});
  const outcome = result.outcomes[0];
  assert.ok(outcome);
  return outcome;
}

const byKind = (plan: PrunePlan, kind: PruneKind): string[] => plan.items.filter((i) => i.kind === kind).map((i) => i.id).sort();

describe('Docker operations (real engine)', function () {
  this.timeout(90_000);
  let docker: Dockerode;
  let fx: DockerFixture;

  before(async () => {
    docker = await openDocker(dockerProfile());
    fx = dockerFixture(docker);
  });
  after(() => fx.cleanup());

  it('container start, pause, unpause, restart, stop and remove with its anonymous volume, through the executor', async () => {
    const c = await fx.container({ name: uniqueName('ops'), anonymousVolume: '/scratch', stopTimeout: 1 });
    const state = async (): Promise<string> => ((await docker.getContainer(c.id).inspect()) as { State: { Status: string } }).State.Status;
    const anon = ((await docker.getContainer(c.id).inspect()) as { Mounts: { Name: string }[] }).Mounts[0]?.Name ?? '';
    assert.match(anon, /^[0-9a-f]{64}$/);
    for (const [action, expected] of [['start', 'running'], ['pause', 'paused'], ['unpause', 'running'], ['restart', 'running'], ['stop', 'exited']] as const) {
      const o = await run(docker, buildContainerOp(action, { id: c.id, name: c.name }));
      assert.equal(o.status, 'done', `${action}: ${o.problem?.message ?? ''}`);
      assert.equal(await state(), expected, action);
    }
    const again = await run(docker, buildContainerOp('stop', { id: c.id, name: c.name }));
    assert.equal(again.status, 'done');
    assert.equal(again.summary, 'it was already stopped');
    const rm = await run(docker, buildContainerOp('remove', { id: c.id, name: c.name, state: 'exited' }, { removeVolumes: true }));
    assert.equal(rm.text, `docker rm -v ${c.name}`);
    assert.equal(rm.status, 'done');
    await assert.rejects(docker.getContainer(c.id).inspect(), /no such container/i);
    await assert.rejects(docker.getVolume(anon).inspect(), /no such volume/i, 'the anonymous volume went with it');
    const gone = await run(docker, buildContainerOp('start', { id: c.id, name: c.name }));
    assert.equal(gone.status, 'failed');
    assert.match(gone.problem?.message ?? '', /^Docker at unix:\/\/.*: No such container/);
  });

  it('the prune preview lists exactly what the prune removes (sets compared), and a named volume in use is never pruned', async () => {
    // The test image stays: a container that is not pruned (running) uses it.
    const keep = await fx.volume(uniqueName('keep'));
    const user = await fx.container({ name: uniqueName('user'), volume: keep, start: true });
    const free = await fx.volume(uniqueName('free named'.replace(' ', '_')));
    const stopped = await fx.container({ name: uniqueName('stopped'), anonymousVolume: '/junk', cmd: ['sh', '-c', 'dd if=/dev/zero of=/junk/f bs=1024 count=64 && echo x > /layer'], start: true });
    await docker.getContainer(stopped.id).wait();
    await fx.network(uniqueName('unused_net'));
    const dangling = await fx.image();
    const tagged = await fx.image({ repo: 'upkeep-prune-test', tag: uniqueName('t').toLowerCase() });

    const plan = await readPrunePlan(docker, { kinds: ['containers', 'networks', 'volumes', 'images', 'build-cache'], allImages: true, allVolumes: true });
    assert.ok(byKind(plan, 'containers').includes(stopped.id));
    assert.ok(!byKind(plan, 'containers').includes(user.id), 'a running container stays');
    assert.ok(byKind(plan, 'volumes').includes(free));
    assert.ok(plan.items.find((i) => i.id === free)?.named, 'the named volume is named as such in the preview');
    assert.ok(!byKind(plan, 'volumes').includes(keep), 'a named volume in use is not planned');
    assert.ok(byKind(plan, 'images').includes(dangling) && byKind(plan, 'images').includes(tagged));
    const op = buildPruneOp(plan, 'Test Docker', formatBytes);
    assert.match(op.impact, new RegExp(`${free} \\(named\\)`));

    const outcome = await run(docker, op);
    assert.equal(outcome.status, 'done', outcome.problem?.message);
    const details = outcome.details as { results: PruneResult[]; reclaimed: number; left: unknown[]; unexpected: unknown[] };
    const deleted = (kind: PruneKind): string[] => details.results.filter((r) => r.kind === kind).flatMap((r) => r.deleted).sort();
    const planImages = new Set(byKind(plan, 'images'));
    assert.deepEqual(deleted('containers'), byKind(plan, 'containers'));
    assert.deepEqual(deleted('networks'), byKind(plan, 'networks'));
    assert.deepEqual(deleted('volumes'), byKind(plan, 'volumes'));
    assert.deepEqual(deleted('images').filter((id) => planImages.has(id)), byKind(plan, 'images'), 'every planned image went (layer ids aside)');
    assert.deepEqual(details.left, []);
    assert.deepEqual(details.unexpected, [], 'nothing went that the preview did not list');
    assert.ok(details.reclaimed >= 64 * 1024, `reclaimed ${details.reclaimed}: at least the 64 KiB written into the stopped container's anonymous volume`);
    assert.match(outcome.summary ?? '', / reclaimed/);
    assert.ok(await docker.getVolume(keep).inspect(), 'the named volume in use is still there');
    assert.ok(await docker.getImage(services().docker.image).inspect(), 'the test image is still there');
  });

  it('volume prune of anonymous volumes only: on API 1.41 the planned ones are removed by name, named unused volumes stay', async () => {
    const named = await fx.volume(uniqueName('named_unused'));
    const tmp = await fx.container({ name: uniqueName('anon'), anonymousVolume: '/junk' });
    const anon = ((await docker.getContainer(tmp.id).inspect()) as { Mounts: { Name: string }[] }).Mounts[0]?.Name ?? '';
    await docker.getContainer(tmp.id).remove();
    const plan = await readPrunePlan(docker, { kinds: ['volumes'] });
    assert.ok(byKind(plan, 'volumes').includes(anon));
    assert.ok(!byKind(plan, 'volumes').includes(named));
    const outcome = await run(docker, buildPruneOp(plan, 'Test Docker', formatBytes));
    assert.equal(outcome.status, 'done', outcome.problem?.message);
    const details = outcome.details as { results: PruneResult[] };
    assert.deepEqual(details.results.flatMap((r) => r.deleted).sort(), byKind(plan, 'volumes'));
    assert.ok(await docker.getVolume(named).inspect(), 'the named unused volume is still there');
  });

  it('the engine going away mid-operation: a clear one-line message (connection lost), then "nothing is listening"', async () => {
    const proxy = await fx.proxy();
    const viaProxy = await openDocker(dockerProfile({ socketPath: proxy.path, connectTimeoutMs: 30_000 }));
    // busybox sleep as PID 1 ignores SIGTERM: the stop waits its 20 s timeout, and the socket dies meanwhile.
    const c = await fx.container({ name: uniqueName('slow'), start: true, stopTimeout: 20 });
    const running = run(viaProxy, buildContainerOp('stop', { id: c.id, name: c.name }), proxy.path);
    await new Promise((r) => setTimeout(r, 500));
    await proxy.kill();
    const o = await running;
    assert.equal(o.status, 'failed');
    assert.equal(o.problem?.kind, 'connection-lost', o.problem?.message);
    assert.match(o.problem?.message ?? '', /^The connection to Docker at unix:\/\/.* was lost/);
    const after = await run(viaProxy, buildContainerOp('start', { id: c.id, name: c.name }), proxy.path);
    assert.equal(after.problem?.kind, 'unreachable');
    assert.match(after.problem?.message ?? '', /Nothing is listening at unix:\/\/.*: is Docker running/);
  });

  it('database discovery: busybox tagged postgres:15 with POSTGRES_USER/DB and a port binding → the profile fields', async () => {
    await fx.tag('postgres', '15');
    const c = await fx.container({
      name: uniqueName('pg'), image: 'postgres:15', env: ['POSTGRES_USER=shop', 'POSTGRES_DB=orders', 'POSTGRES_PASSWORD=s3cret'],
      portBindings: { '5432/tcp': [{ HostIp: '0.0.0.0', HostPort: '15432' }] },
    });
    const found = discoverConnection(await docker.getContainer(c.id).inspect());
    assert.ok(found);
    const profile = profileFromDiscovery({ id: 'docker-1', production: false }, found, 'new-1');
    assert.deepEqual(
      { engine: profile.engine, host: profile.host, port: profile.port, user: profile.user, database: profile.database, container: profile.container, name: profile.name },
      { engine: 'postgres', host: '127.0.0.1', port: 15432, user: 'shop', database: 'orders', container: { docker: 'docker-1', id: c.id, name: c.name }, name: `${c.name} (PostgreSQL in Docker)` },
    );
    assert.equal(found.password, 's3cret');
    assert.equal(found.passwordFrom, 'POSTGRES_PASSWORD');
    assert.equal(JSON.stringify(profile).includes('s3cret'), false, 'no password in the profile');
  });

  it('database discovery reaches the real PostgreSQL: a host-network container whose env names that server', async () => {
    const pg = services().postgres;
    await fx.tag('postgres', '15');
    const c = await fx.container({
      name: uniqueName('pghost'), image: 'postgres:15', network: 'host', start: true,
      env: [`PGPORT=${pg.port}`, `POSTGRES_USER=${pg.user}`, `POSTGRES_DB=${pg.database}`, `POSTGRES_PASSWORD=${pg.password}`],
    });
    const found = discoverConnection(await docker.getContainer(c.id).inspect());
    assert.ok(found);
    assert.equal(found.via, 'host-network');
    const profile = profileFromDiscovery({ id: 'docker-1', production: false }, found, 'new-2');
    const probe = await probeConnection(profile, found.password);
    assert.ok(probe.ok, JSON.stringify(probe));
    assert.match(probe.summary, /PostgreSQL/);

    const session = new DockerSession(dockerProfile(), docker);
    assert.deepEqual(await dockerEngine.containerState?.(session, c.id), { state: 'running', running: true });
    await docker.getContainer(c.id).kill();
    await docker.getContainer(c.id).wait();
    assert.deepEqual(await dockerEngine.containerState?.(session, c.id), { state: 'exited', running: false });
    assert.equal(await dockerEngine.containerState?.(session, 'f'.repeat(64)), undefined, 'a container that no longer exists');
  });
});
