import { strict as assert } from 'node:assert';
import { apiAtLeast, groupByProject, healthOf, isAnonymousVolume, mapContainers, mapImages, mapNetworks, mapVolumes, portsText, volumeUnused } from '../../src/core/docker/resources';
import { mapDiskUsage } from '../../src/core/docker/diskUsage';
import { affectsTree, backoffDelay, JsonLines } from '../../src/core/docker/events';

const HEX = 'a'.repeat(64);

/** Shapes as the engine's API returns them (GET /containers/json?all=1 etc.). */
const containersJson = [
  {
    Id: 'c1'.padEnd(64, '0'), Names: ['/web'], Image: 'nginx:1.25', ImageID: 'sha256:img1', State: 'running', Status: 'Up 3 hours (healthy)', Created: 1_700_000_000,
    Command: 'nginx -g daemon off;', Labels: { 'com.docker.compose.project': 'shop <b>"x"</b> ✓', 'com.docker.compose.service': 'web' },
    Ports: [{ PrivatePort: 80, PublicPort: 8080, IP: '0.0.0.0', Type: 'tcp' }, { PrivatePort: 80, PublicPort: 8080, IP: '::', Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }],
    Mounts: [{ Type: 'volume', Name: 'shop_data', Source: '/var/lib/docker/volumes/shop_data/_data', Destination: '/data' }],
    NetworkSettings: { Networks: { shop_default: {} } }, HostConfig: { NetworkMode: 'shop_default' },
  },
  {
    Id: 'c2'.padEnd(64, '0'), Names: ['/old'], Image: 'busybox', ImageID: 'sha256:img2', State: 'exited', Status: 'Exited (0) 2 days ago', Created: 1_600_000_000,
    Labels: null, Ports: [], Mounts: [{ Type: 'volume', Name: HEX, Destination: '/x' }, { Type: 'bind', Source: '/tmp', Destination: '/tmp' }], NetworkSettings: { Networks: { bridge: {} } },
  },
  { Id: 'c3'.padEnd(64, '0'), Names: ['/paused'], Image: 'redis:7', ImageID: 'sha256:img3', State: 'paused', Status: 'Up 1 minute (Paused)', Created: 1, Labels: {} },
];

describe('docker resources: the engine\'s JSON as Upkeep shows it', () => {
  it('containers: name without slash, health from the status, Compose project, ports, mounts, networks', () => {
    const [web, old, paused] = mapContainers(containersJson);
    assert.ok(web && old && paused);
    assert.equal(web.name, 'web');
    assert.equal(web.health, 'healthy');
    assert.equal(web.project, 'shop <b>"x"</b> ✓', 'label text kept as it is (shown as text, escaped in tooltips)');
    assert.equal(web.service, 'web');
    assert.deepEqual(web.networks, ['shop_default']);
    assert.equal(portsText(web.ports), '8080->80/tcp, 443/tcp', 'the IPv4 and IPv6 any-address bindings print once, as docker ps does');
    assert.equal(old.project, undefined);
    assert.deepEqual(old.labels, {});
    assert.equal(old.mounts.length, 2);
    assert.equal(paused.health, undefined);
    assert.equal(healthOf('Up 5 seconds (health: starting)'), 'starting');
    assert.equal(healthOf('Up 1 hour (unhealthy)'), 'unhealthy');
  });

  it('a published port on one address keeps it; IPv6 in brackets', () => {
    assert.equal(portsText([{ privatePort: 5432, publicPort: 15432, ip: '127.0.0.1', type: 'tcp' }, { privatePort: 53, publicPort: 53, ip: '::1', type: 'udp' }]), '127.0.0.1:15432->5432/tcp, [::1]:53->53/udp');
  });

  it('groups containers by Compose project, projects and the rest sorted by name', () => {
    const cs = mapContainers(containersJson);
    const g = groupByProject(cs);
    assert.deepEqual(g.projects.map((p) => [p.project, p.containers.map((c) => c.name)]), [['shop <b>"x"</b> ✓', ['web']]]);
    assert.deepEqual(g.loose.map((c) => c.name), ['old', 'paused']);
  });

  it('images: tags, dangling (<none>:<none> or no tags), used by container names', () => {
    const cs = mapContainers(containersJson);
    const images = mapImages([
      { Id: 'sha256:img1', RepoTags: ['nginx:1.25', 'nginx:latest'], RepoDigests: ['nginx@sha256:x'], Size: 1000, SharedSize: 200, Created: 5, Labels: null },
      { Id: 'sha256:img9', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Size: 50, SharedSize: -1, Created: 6 },
      { Id: 'sha256:img8', RepoTags: null, RepoDigests: ['x@sha256:y'], Size: 70, Created: 7 },
    ], cs);
    assert.deepEqual(images.map((i) => [i.tags, i.dangling, i.usedBy]), [[['nginx:1.25', 'nginx:latest'], false, ['web']], [[], true, []], [[], true, []]]);
    assert.equal(images[0]?.sharedSize, 200);
    assert.equal(images[1]?.sharedSize, undefined, '-1 means "not computed"');
    assert.deepEqual(images[2]?.digests, ['x@sha256:y']);
  });

  it('volumes: size and ref count from system df, anonymous by label or 64-hex name, users from mounts', () => {
    const cs = mapContainers(containersJson);
    const vols = mapVolumes(
      { Volumes: [{ Name: 'shop_data', Driver: 'local', Labels: { a: '<i>' } }, { Name: HEX, Driver: 'local', Labels: null }, { Name: 'lonely', Driver: 'local', Labels: { 'com.docker.volume.anonymous': '' } }, { Name: 'unmeasured', Driver: 'nfs' }] },
      { Volumes: [{ Name: 'shop_data', UsageData: { Size: 4096, RefCount: 1 } }, { Name: HEX, UsageData: { Size: 10, RefCount: 1 } }, { Name: 'lonely', UsageData: { Size: 7, RefCount: 0 } }, { Name: 'unmeasured', UsageData: { Size: -1, RefCount: -1 } }] },
      cs,
    );
    assert.deepEqual(vols.map((v) => [v.name.slice(0, 10), v.size, v.refCount, v.anonymous, v.usedBy]), [
      ['shop_data', 4096, 1, false, ['web']],
      ['aaaaaaaaaa', 10, 1, true, ['old']],
      ['lonely', 7, 0, true, []],
      ['unmeasured', undefined, undefined, false, []],
    ]);
    assert.equal(volumeUnused(vols[2] ?? { usedBy: [] }), true);
    assert.equal(volumeUnused(vols[0] ?? { usedBy: [] }), false);
    assert.equal(isAnonymousVolume('data', {}), false);
  });

  it('networks: predefined flagged, containers attached and the running ones', () => {
    const nets = mapNetworks([{ Name: 'bridge', Id: 'n1', Driver: 'bridge', Scope: 'local' }, { Name: 'shop_default', Id: 'n2', Driver: 'bridge', Scope: 'local', Labels: { x: 'y' } }], mapContainers(containersJson));
    assert.deepEqual(nets.map((n) => [n.name, n.predefined, n.containers, n.running]), [['bridge', true, ['old'], []], ['shop_default', false, ['web'], ['web']]]);
  });

  it('disk usage: docker system df\'s totals and reclaimable space', () => {
    const u = mapDiskUsage({
      LayersSize: 3000,
      Images: [{ Id: 'a', Size: 2000, SharedSize: 500, Containers: 1, RepoTags: ['a:1'] }, { Id: 'b', Size: 1500, SharedSize: 500, Containers: 0, RepoTags: ['<none>:<none>'] }],
      Containers: [{ Id: 'c1', Names: ['/x'], State: 'running', SizeRw: 100 }, { Id: 'c2', Names: ['/y'], State: 'exited', SizeRw: 40 }],
      Volumes: [{ Name: 'v1', UsageData: { Size: 300, RefCount: 1 } }, { Name: 'v2', UsageData: { Size: 200, RefCount: 0 } }],
      BuildCache: [{ ID: 'b1', Type: 'regular', Size: 60, InUse: false, Shared: false }, { ID: 'b2', Type: 'regular', Size: 80, InUse: true, Shared: false }, { ID: 'b3', Size: 9, InUse: false, Shared: true }],
    });
    assert.deepEqual(u.images, { count: 2, active: 1, size: 3000, reclaimable: 1500 });
    assert.deepEqual(u.containers, { count: 2, active: 1, size: 140, reclaimable: 40 });
    assert.deepEqual(u.volumes, { count: 2, active: 1, size: 500, reclaimable: 200 });
    assert.deepEqual(u.buildCache, { count: 3, active: 1, size: 140, reclaimable: 60 });
    assert.equal(u.total, 3000 + 140 + 500 + 140);
    assert.equal(u.reclaimable, 1500 + 40 + 200 + 60);
    assert.deepEqual(mapDiskUsage({ Images: null, Containers: null, Volumes: null, BuildCache: null }).total, 0, 'an empty engine');
  });

  it('API versions compare as numbers', () => {
    assert.equal(apiAtLeast('1.41', 1, 42), false);
    assert.equal(apiAtLeast('1.42', 1, 42), true);
    assert.equal(apiAtLeast('1.100', 1, 42), true);
    assert.equal(apiAtLeast('2.0', 1, 42), true);
  });

  it('the event stream: JSON lines split across chunks; retry delays double up to a cap', () => {
    const lines = new JsonLines();
    assert.deepEqual(lines.push('{"Type":"container","Act'), []);
    assert.deepEqual(lines.push('ion":"start"}\n{"Type":"image"}\nnot json\n'), [{ Type: 'container', Action: 'start' }, { Type: 'image' }]);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1000, 30_000)), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.deepEqual(['start', 'die', 'health_status: healthy', 'exec_start: sh', 'exec_die', 'resize', 'destroy'].map((Action) => affectsTree({ Type: 'container', Action })), [true, true, true, false, false, false, true]);
  });
});
