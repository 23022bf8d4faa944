import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { probeConnection } from '../../src/core/connections/probe';
import { openDocker } from '../../src/core/docker/connection';
import { closedPort, dockerProfile, services } from './services';

describe('Docker (real engine)', function () {
  this.timeout(20_000);

  it('tests a socket connection and reports the engine version', async () => {
    const result = await probeConnection(dockerProfile(), undefined);
    assert.ok(result.ok, JSON.stringify(result));
    assert.match(result.summary, /^Docker Engine \d+\.\d+/);
  });

  it('sees the imported test image', async () => {
    const docker = await openDocker(dockerProfile());
    const images = await docker.listImages();
    assert.ok(images.some((i) => (i.RepoTags ?? []).includes(services().docker.image)));
  });

  it('a socket that does not exist → unreachable', async () => {
    const result = await probeConnection(dockerProfile({ socketPath: path.join(path.dirname(services().docker.socketPath), 'missing.sock') }), undefined);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'unreachable');
  });

  it('a closed TCP port → unreachable', async () => {
    const result = await probeConnection(dockerProfile({ socketPath: undefined, host: '127.0.0.1', port: await closedPort() }), undefined);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, 'unreachable');
  });
});
