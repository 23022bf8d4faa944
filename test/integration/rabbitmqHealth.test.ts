import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RabbitSession } from '../../src/core/rabbitmq/connection';
import type { RabbitApi } from '../../src/core/rabbitmq/connection';
import { rabbitExecutor } from '../../src/core/rabbitmq/executor';
import { rabbitHealth } from '../../src/core/rabbitmq/health';
import { buildPurge } from '../../src/core/rabbitmq/operation';
import { buildRabbitHealthReport } from '../../src/core/rabbitmq/reports/health';
import { encodeSegment } from '../../src/core/rabbitmq/request';
import { TinyAmqp } from '../support/amqp';
import { startRabbitMq } from '../services/rabbitmq';
import { adminApi, createVhost, declareQueue, deleteVhost, publish, queueCounts } from './rabbitmqFixture';
import { rabbitProfile, services, uniqueName } from './services';

describe('RabbitMQ health: report and checks against a real node', function () {
  this.timeout(120_000);
  let api: RabbitApi;
  let vhost: string;
  let client: TinyAmqp | undefined;

  before(async () => {
    api = adminApi();
    vhost = `${uniqueName('health')} <img src=x onerror=alert(1)>`;
    await createVhost(api, vhost);
  });
  after(async () => {
    client?.destroy();
    await deleteVhost(api, vhost);
  });

  it('finds queues nobody consumes, unacknowledged messages piling up and connections without heartbeat; its close fix requeues them', async () => {
    const s = services().rabbitmq;
    await declareQueue(api, vhost, 'orphan "q"');
    await declareQueue(api, vhost, 'busy');
    await publish(api, vhost, 'orphan "q"', 'nobody reads me', 'string', 5);
    await publish(api, vhost, 'busy', 'work', 'string', 20);
    const name = uniqueName('greedy');
    client = await TinyAmqp.connect({ host: s.host, port: s.amqpPort, user: s.user, password: s.password, vhost, heartbeat: 0, connectionName: name });
    await client.consume(1, 'busy');
    await queueCounts(api, vhost, 'busy', (c) => c.unacked === 20 && c.consumers === 1);
    await queueCounts(api, vhost, 'orphan "q"', (c) => c.ready === 5);

    // The channel list is refreshed on the statistics interval: wait until it shows the unacked messages.
    let report = await buildRabbitHealthReport({ api, connectionName: 'Test RabbitMQ', thresholds: { queueDepth: 10, unacked: 5 } });
    for (let i = 0; i < 40 && !report.findings.some((f) => f.sectionId === 'channels'); i++) {
      await new Promise((r) => setTimeout(r, 250));
      report = await buildRabbitHealthReport({ api, connectionName: 'Test RabbitMQ', thresholds: { queueDepth: 10, unacked: 5 } });
    }
    assert.deepEqual(report.sections.map((x) => x.id), ['alarms', 'nodes', 'queues', 'channels', 'connections', 'certificates']);
    assert.equal(report.server, 'RabbitMQ');
    const mine = report.findings.filter((f) => f.object.includes(vhost) || f.sectionId === 'channels' || f.sectionId === 'connections');

    const orphan = mine.find((f) => f.id === `health:queues:unconsumed:${encodeSegment(vhost)}/${encodeSegment('orphan "q"')}`);
    assert.ok(orphan, JSON.stringify(mine.map((f) => f.id)));
    assert.equal(orphan.severity, 'warning');
    assert.deepEqual(orphan.fixes.map((f) => f.kind), ['purge', 'delete-queue']);
    assert.equal(orphan.fixes[0]?.text, `DELETE /api/queues/${encodeSegment(vhost)}/orphan%20%22q%22/contents`);

    assert.ok(mine.some((f) => f.id === `health:queues:deep:${encodeSegment(vhost)}/busy`));
    assert.ok(mine.some((f) => f.id === `health:queues:unacked:${encodeSegment(vhost)}/busy`));
    assert.ok(mine.some((f) => f.id === 'health:connections:no-heartbeat'));
    const channel = mine.find((f) => f.sectionId === 'channels' && f.evidence['unacked'] === 20);
    assert.ok(channel, 'the greedy channel is found');
    const close = channel.fixes[0];
    assert.equal(close?.kind, 'close-connection');
    assert.match(close?.text ?? '', /\nX-Reason: Upkeep: 20 unacknowledged messages held$/);

    const r = await rabbitExecutor(new RabbitSession(rabbitProfile(), s.password)).run([close], {});
    assert.equal(r.outcomes[0]?.status, 'done', JSON.stringify(r.outcomes[0]?.problem));
    await client.waitClosed();
    await queueCounts(api, vhost, 'busy', (c) => c.ready === 20 && c.unacked === 0);
  });

  it('the cheap checks: alarms and queues without consumers', async () => {
    const checks = await rabbitHealth.check({ session: new RabbitSession(rabbitProfile(), services().rabbitmq.password), profile: rabbitProfile(), signal: new AbortController().signal, settings: { get: (_k, f) => f } });
    assert.deepEqual(checks.map((c) => [c.id, c.severity]), [['alarms', 'ok'], ['queues-without-consumers', 'warning']]);
    assert.match(checks[1]?.reason ?? '', /with messages and no consumer \(deepest: /);
    assert.equal(checks[0]?.explain?.command, 'upkeep.rabbitmq.report.health');
  });
});

describe('RabbitMQ: the node stopped under Upkeep', function () {
  this.timeout(180_000);

  it('a node that stops while requests run gives one clear line per request, and nothing hangs', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-rmq-stop-'));
    const node = await startRabbitMq(root, 'stopping');
    try {
      const profile = rabbitProfile({ port: node.info.managementPort, user: node.info.user });
      const session = new RabbitSession(profile, node.info.password);
      await session.api.call({ method: 'PUT', path: ['queues', '/', 'q'], body: {} });
      const ex = rabbitExecutor(session);
      const stopping = node.service.stop();
      let problem: { kind: string; message: string } | undefined;
      for (let i = 0; i < 400 && !problem; i++) {
        const r = await ex.run([buildPurge({ vhost: '/', name: 'q' })], {});
        problem = r.outcomes[0]?.status === 'failed' ? r.outcomes[0].problem : undefined;
      }
      await stopping;
      assert.ok(problem, 'a purge failed once the node was gone');
      assert.ok(['unreachable', 'connection-lost', 'other'].includes(problem.kind), JSON.stringify(problem));
      assert.match(problem.message, /^(Nothing is listening at|The connection to RabbitMQ at|RabbitMQ at .* (refused the request|answered HTTP 5))/);
      const after = await ex.run([buildPurge({ vhost: '/', name: 'q' })], {});
      assert.equal(after.outcomes[0]?.problem?.kind, 'unreachable');
      assert.ok(!after.outcomes[0]?.problem?.message.includes(node.info.password));
    } finally {
      await node.service.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
