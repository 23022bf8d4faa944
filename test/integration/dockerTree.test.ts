import { strict as assert } from 'node:assert';
import type Dockerode from 'dockerode';
import { openDocker } from '../../src/core/docker/connection';
import { groupByProject, readContainers, readImages, readNetworks, readVolumes } from '../../src/core/docker/resources';
import { readDiskUsage } from '../../src/core/docker/diskUsage';
import { DockerEventWatcher, type DockerEvent, type WatchState } from '../../src/core/docker/events';
import { dockerProfile, services, uniqueName } from './services';
import { dockerFixture, type DockerFixture, waitUntil } from './dockerFixture';

const HOSTILE = `<img src=x onerror="alert('1')"> «données» "quoted" \`tick\` 🐳`;

describe('Docker tree data (real engine)', function () {
  this.timeout(60_000);
  let docker: Dockerode;
  let fx: DockerFixture;

  before(async () => {
    docker = await openDocker(dockerProfile());
    fx = dockerFixture(docker);
  });
  after(() => fx.cleanup());

  it('lists containers (grouped by Compose project, hostile labels as they are), images, volumes with df sizes, networks and disk usage', async () => {
    const project = `${HOSTILE} ${uniqueName('p')}`;
    const vol = await fx.volume(uniqueName('tree_vol'));
    const net = await fx.network(uniqueName('tree_net'));
    const web = await fx.container({ name: uniqueName('web'), labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'web', 'note': HOSTILE }, volume: vol, start: true });
    const idle = await fx.container({ name: uniqueName('idle'), labels: { 'com.docker.compose.project': project } });
    await docker.getNetwork(net).connect({ Container: web.id }).catch(() => undefined);

    const containers = await readContainers(docker);
    const mine = containers.filter((c) => c.labels['upkeep.test'] === fx.label);
    assert.deepEqual(mine.map((c) => [c.name, c.state]).sort(), [[idle.name, 'created'], [web.name, 'running']].sort());
    const w = mine.find((c) => c.name === web.name);
    assert.equal(w?.labels['note'], HOSTILE, 'labels come back byte for byte');
    assert.equal(w?.project, project);
    const groups = groupByProject(mine);
    assert.deepEqual(groups.projects.map((p) => [p.project, p.containers.length]), [[project, 2]]);

    const images = await readImages(docker, containers);
    const busybox = images.find((i) => i.tags.includes(services().docker.image));
    assert.ok(busybox, 'the imported test image');
    assert.ok(busybox.usedBy.includes(web.name));
    assert.equal(busybox.dangling, false);

    const { raw, usage } = await readDiskUsage(docker);
    const volumes = await readVolumes(docker, raw, containers);
    const v = volumes.find((x) => x.name === vol);
    assert.ok(v);
    assert.equal(v.refCount, 1);
    assert.deepEqual(v.usedBy, [web.name]);
    assert.equal(typeof v.size, 'number');
    assert.equal(v.anonymous, false);

    const networks = await readNetworks(docker, containers);
    const n = networks.find((x) => x.name === net);
    assert.ok(n, 'the network made for the test');
    assert.equal(n.predefined, false);
    assert.ok(networks.find((x) => x.name === 'none')?.predefined);

    assert.ok(usage.images.count >= 1 && usage.images.size > 0);
    assert.ok(usage.containers.count >= 2 && usage.containers.active >= 1);
    assert.ok(usage.volumes.count >= 1);
    assert.equal(usage.total, usage.images.size + usage.containers.size + usage.volumes.size + usage.buildCache.size);
    assert.ok(usage.reclaimable <= usage.total);
  });

  it('events: a container started outside Upkeep arrives on the stream, and the lists read after it show it running', async () => {
    const events: DockerEvent[] = [];
    const states: WatchState['state'][] = [];
    const watcher = new DockerEventWatcher({ open: () => openDocker(dockerProfile(), { streaming: true }), onEvent: (e) => events.push(e), onState: (s) => states.push(s.state) });
    watcher.start();
    try {
      await waitUntil('the stream is live', () => states.includes('live'));
      const c = await fx.container({ name: uniqueName('outside') });
      await docker.getContainer(c.id).start();
      await waitUntil('the start event', () => events.some((e) => e.Type === 'container' && e.Action === 'start' && e.Actor?.ID === c.id));
      const listed = (await readContainers(docker)).find((x) => x.id === c.id);
      assert.equal(listed?.state, 'running');
      assert.equal(events.find((e) => e.Actor?.ID === c.id && e.Action === 'start')?.Actor?.Attributes?.['upkeep.test'], fx.label);
    } finally {
      watcher.stop();
    }
    const seen = events.length;
    await fx.container({ name: uniqueName('after-stop') });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(events.length, seen, 'a stopped watcher hears nothing (its stream is closed)');
  });

  it('a lost event stream says so, retries with backoff and comes back live', async () => {
    const proxy = await fx.proxy();
    const states: WatchState[] = [];
    const watcher = new DockerEventWatcher({
      open: () => openDocker(dockerProfile({ socketPath: proxy.path }), { streaming: true }),
      onEvent: () => undefined,
      onState: (s) => states.push(s),
      backoff: { firstMs: 100, maxMs: 400 },
    });
    watcher.start();
    try {
      await waitUntil('live through the proxy', () => states.some((s) => s.state === 'live'));
      await proxy.kill();
      await waitUntil('two failed retries', () => states.filter((s) => s.state === 'lost').length >= 2);
      const lost = states.filter((s): s is Extract<WatchState, { state: 'lost' }> => s.state === 'lost');
      assert.deepEqual(lost.slice(0, 2).map((s) => s.retryInMs), [100, 200], 'the delay doubles');
      assert.ok(lost[0]?.error);
      await proxy.revive();
      const before = states.length;
      await waitUntil('live again', () => states.slice(before).some((s) => s.state === 'live'));
    } finally {
      watcher.stop();
      await proxy.kill();
    }
  });
});
