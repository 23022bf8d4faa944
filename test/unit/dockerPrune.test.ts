import { strict as assert } from 'node:assert';
import { comparePlan, describePlan, mapPruneResponse, planPrune, untilText, type PruneInput } from '../../src/core/docker/prune';
import { shellWord } from '../../src/core/docker/cli';
import { buildContainerOp, buildPruneOp, containerCommand } from '../../src/core/docker/operation';
import { mapContainers, mapImages, mapNetworks, mapVolumes } from '../../src/core/docker/resources';
import { mapDiskUsage } from '../../src/core/docker/diskUsage';
import { formatBytes } from '../../src/core/format';

const HEX = 'b'.repeat(64);
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0, 123);

function input(apiVersion = '1.41'): PruneInput {
  const containers = mapContainers([
    { Id: 'run', Names: ['/run'], ImageID: 'sha256:used', State: 'running', Mounts: [{ Type: 'volume', Name: 'named-live', Destination: '/a' }], NetworkSettings: { Networks: { appnet: {} } } },
    { Id: 'dead', Names: ['/dead'], ImageID: 'sha256:onlydead', State: 'exited', Mounts: [{ Type: 'volume', Name: 'named-dead', Destination: '/b' }, { Type: 'volume', Name: HEX, Destination: '/c' }], NetworkSettings: { Networks: { deadnet: {} } } },
    { Id: 'made', Names: ['/made'], ImageID: 'sha256:used', State: 'created' },
    { Id: 'frozen', Names: ['/frozen'], ImageID: 'sha256:used', State: 'paused' },
  ]);
  const df = {
    Images: [{ Id: 'sha256:dangling', Size: 100, SharedSize: 0 }, { Id: 'sha256:tagged', Size: 300, SharedSize: 100 }],
    Containers: [{ Id: 'dead', SizeRw: 7 }, { Id: 'made', SizeRw: 0 }],
    Volumes: [
      { Name: 'named-live', UsageData: { Size: 1, RefCount: 1 } }, { Name: 'named-dead', UsageData: { Size: 2, RefCount: 1 } }, { Name: HEX, UsageData: { Size: 3, RefCount: 1 } },
      { Name: 'named-free', UsageData: { Size: 4, RefCount: 0 } }, { Name: 'anon-labelled', UsageData: { Size: 5, RefCount: 0 } },
    ],
    BuildCache: [{ ID: 'bc1', Type: 'regular', Size: 50, InUse: false }, { ID: 'bc2', Type: 'regular', Size: 60, InUse: true }],
  };
  return {
    apiVersion,
    containers,
    images: mapImages([
      { Id: 'sha256:used', RepoTags: ['busy:1'], Size: 10 }, { Id: 'sha256:onlydead', RepoTags: ['old:1'], Size: 20 },
      { Id: 'sha256:dangling', RepoTags: ['<none>:<none>'], Size: 100 }, { Id: 'sha256:tagged', RepoTags: ['keep:me'], Size: 300 },
    ], containers),
    volumes: mapVolumes({ Volumes: [
      { Name: 'named-live', Driver: 'local' }, { Name: 'named-dead', Driver: 'local' }, { Name: HEX, Driver: 'local' }, { Name: 'named-free', Driver: 'local' },
      { Name: 'anon-labelled', Driver: 'local', Labels: { 'com.docker.volume.anonymous': '' } }, { Name: 'remote', Driver: 'nfs' },
    ] }, df, containers),
    networks: mapNetworks([{ Name: 'bridge', Id: '1', Scope: 'local' }, { Name: 'appnet', Id: '2', Scope: 'local' }, { Name: 'deadnet', Id: '3', Scope: 'local' }, { Name: 'idle', Id: '4', Scope: 'local' }, { Name: 'swarmy', Id: '5', Scope: 'swarm' }], containers),
    usage: mapDiskUsage(df),
    plannedAt: NOW,
  };
}

const ids = (plan: ReturnType<typeof planPrune>, kind: string): string[] => plan.items.filter((i) => i.kind === kind).map((i) => i.id).sort();

describe('docker prune planning: Docker\'s own rules, before anything is removed', () => {
  it('containers: every one not running, paused or restarting (created ones too)', () => {
    const plan = planPrune(input(), { kinds: ['containers'] });
    assert.deepEqual(ids(plan, 'containers'), ['dead', 'made']);
    assert.equal(plan.bytes, 7);
    assert.deepEqual(plan.steps.map((s) => s.command), [`docker container prune --force --filter until=${untilText(NOW)}`]);
    assert.deepEqual(plan.steps[0]?.filters, { until: ['1796040000.123'] });
  });

  it('images: dangling and unused by default; --all takes unused tagged ones; images of any container stay', () => {
    assert.deepEqual(ids(planPrune(input(), { kinds: ['images'] }), 'images'), ['sha256:dangling']);
    const all = planPrune(input(), { kinds: ['images'], allImages: true });
    assert.deepEqual(ids(all, 'images'), ['sha256:dangling', 'sha256:tagged'], 'old:1 is used by a stopped container, busy:1 by running and created ones');
    assert.equal(all.items.find((i) => i.id === 'sha256:tagged')?.size, 200, 'shared layers are not counted as freed');
    assert.deepEqual(all.steps[0]?.filters, { until: [untilText(NOW)], dangling: ['false'] });
    assert.match(all.steps[0]?.command ?? '', /^docker image prune --force --all --filter until=/);
  });

  it('all: what only a pruned container used goes too (its image, volumes, network)', () => {
    const plan = planPrune(input(), { kinds: ['containers', 'images', 'volumes', 'networks', 'build-cache'], allImages: true, allVolumes: true });
    assert.deepEqual(ids(plan, 'images'), ['sha256:dangling', 'sha256:onlydead', 'sha256:tagged']);
    assert.deepEqual(ids(plan, 'volumes'), [HEX, 'anon-labelled', 'named-dead', 'named-free'].sort());
    assert.deepEqual(ids(plan, 'networks'), ['deadnet', 'idle'], 'bridge is predefined, appnet has a running container, swarm networks are not local');
    assert.deepEqual(ids(plan, 'build-cache'), ['bc1']);
    assert.deepEqual(plan.steps.map((s) => s.kind), ['containers', 'networks', 'volumes', 'images', 'build-cache'], 'docker system prune\'s order');
  });

  it('volumes before API 1.42: the engine would prune named ones too, so "anonymous only" removes the listed ones by name', () => {
    const plan = planPrune(input('1.41'), { kinds: ['volumes'] });
    assert.deepEqual(ids(plan, 'volumes'), ['anon-labelled'], 'the 64-hex volume is still referenced by a stopped container');
    assert.deepEqual(plan.steps.map((s) => [s.mode, s.command]), [['remove', 'docker volume rm anon-labelled']]);
    const all = planPrune(input('1.41'), { kinds: ['volumes'], allVolumes: true });
    assert.deepEqual(ids(all, 'volumes'), ['anon-labelled', 'named-free']);
    assert.deepEqual(all.steps.map((s) => [s.mode, s.command, s.filters]), [['prune', 'docker volume prune --force', {}]], 'no all filter: 1.41 does not know it');
    assert.ok(all.items.find((i) => i.id === 'named-free')?.named);
  });

  it('volumes since API 1.42: anonymous = the engine\'s label; --all adds the all filter', () => {
    const plan = planPrune(input('1.43'), { kinds: ['volumes'] });
    assert.deepEqual(ids(plan, 'volumes'), ['anon-labelled']);
    assert.deepEqual(plan.steps.map((s) => [s.command, s.filters]), [['docker volume prune --force', {}]]);
    const all = planPrune(input('1.43'), { kinds: ['volumes'], allVolumes: true });
    assert.deepEqual(all.steps.map((s) => [s.command, s.filters]), [['docker volume prune --force --all', { all: ['true'] }]]);
    assert.ok(!ids(all, 'volumes').includes('named-live'), 'a named volume in use is never planned');
    assert.ok(!ids(all, 'volumes').includes('remote'), 'only local volumes are pruned');
  });

  it('the preview names every named volume, lists the rest up to a limit, and the op is destructive with the engine to type', () => {
    const plan = planPrune(input(), { kinds: ['containers', 'volumes'], allVolumes: true });
    const lines = describePlan(plan, formatBytes, 1);
    assert.match(lines[0] ?? '', /^2 stopped containers \(7 B\): dead 7 B, and 1 more$/);
    assert.match(lines[1] ?? '', /named-dead \(named\)/);
    assert.match(lines[1] ?? '', /named-free \(named\)/);
    const op = buildPruneOp(plan, 'Local "Docker"', formatBytes);
    assert.equal(op.risk, 'destructive');
    assert.equal(op.confirmName, 'Local "Docker"');
    assert.equal(op.language, 'shell');
    assert.equal(op.text.split('\n').length, 2);
    assert.match(op.impact, /^deletes 6 items, freeing about/);
    assert.equal(op.target.bytes, plan.bytes);
    const empty = buildPruneOp(planPrune(input(), { kinds: ['networks'] }), 'x', formatBytes);
    assert.match(buildPruneOp(planPrune({ ...input(), networks: [] }, { kinds: ['networks'] }), 'x', formatBytes).impact, /^finds nothing to delete/);
    assert.match(empty.impact, /2 unused networks: deadnet, idle/);
  });

  it('the engine\'s answers: deleted ids per kind; images by Deleted, not Untagged; a comparison with the plan', () => {
    const plan = planPrune(input(), { kinds: ['containers', 'images'], allImages: true });
    const results = [
      mapPruneResponse('containers', { ContainersDeleted: ['dead', 'made'], SpaceReclaimed: 7 }),
      mapPruneResponse('images', { ImagesDeleted: [{ Untagged: 'old:1' }, { Deleted: 'sha256:onlydead' }, { Deleted: 'sha256:layer1' }, { Deleted: 'sha256:dangling' }, { Deleted: 'sha256:new' }], SpaceReclaimed: 120 }),
    ];
    assert.deepEqual(results[1]?.untagged, ['old:1']);
    const cmp = comparePlan(plan, results, new Set(['sha256:onlydead', 'sha256:dangling', 'sha256:tagged', 'sha256:new']));
    assert.deepEqual(cmp.left.map((i) => i.id), ['sha256:tagged']);
    assert.deepEqual(cmp.unexpected, [{ kind: 'images', id: 'sha256:new' }], 'a layer id is not an unexpected image');
    assert.equal(cmp.removed.length, 4);
    assert.deepEqual(mapPruneResponse('volumes', { VolumesDeleted: null, SpaceReclaimed: 0 }), { kind: 'volumes', deleted: [], spaceReclaimed: 0 });
  });

  it('container operations: the docker CLI line, quoted for a shell, and their risks', () => {
    assert.equal(containerCommand('stop', 'web'), 'docker stop web');
    assert.equal(shellWord("it's"), `'it'\\''s'`);
    const rm = buildContainerOp('remove', { id: 'abc', name: 'web', state: 'running' }, { removeVolumes: true });
    assert.equal(rm.text, 'docker rm -v -f web');
    assert.equal(rm.risk, 'destructive');
    assert.match(rm.impact, /anonymous volumes/);
    assert.equal(buildContainerOp('remove', { id: 'abc', name: 'web', state: 'exited' }).text, 'docker rm web');
    assert.equal(buildContainerOp('stop', { id: 'abc', name: 'web' }).risk, 'blocking');
    assert.equal(buildContainerOp('restart', { id: 'abc', name: 'web' }).risk, 'blocking');
    assert.equal(buildContainerOp('start', { id: 'abc', name: 'web' }).risk, 'safe');
    assert.deepEqual(buildContainerOp('pause', { id: 'abc', name: 'web' }).target, { kind: 'container', id: 'abc', name: 'web' });
  });
});
