import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeConnection } from '../../src/core/connections/probe';
import { type RabbitApi, RabbitSession } from '../../src/core/rabbitmq/connection';
import { rabbitExecutor } from '../../src/core/rabbitmq/executor';
import { buildCloseConnection, buildDeleteQueue, buildPeek, buildPolicyDelete, buildPolicySet, buildPurge, type RabbitOp } from '../../src/core/rabbitmq/operation';
import type { PeekedMessage } from '../../src/core/rabbitmq/peek';
import { readConnections, readPolicies, readQueues, readVhosts } from '../../src/core/rabbitmq/resources';
import type { BatchOutcome } from '../../src/core/operations/operation';
import { TinyAmqp } from '../support/amqp';
import { freePort } from '../services/util';
import { adminApi, createVhost, declareQueue, deleteVhost, publish, queueCounts } from './rabbitmqFixture';
import { rabbitProfile, services, uniqueName } from './services';

/** Names that break naive URL building or HTML: `/`, `%2F`, spaces, quotes, unicode, markup. */
const HOSTILE = ['/', '%2F', 'sp ace "q" \'x\'', 'ünïcødé ✓', '<img src=x onerror=alert(1)>', 'a/b?c#d'];

function run(api: RabbitApi, ops: RabbitOp[]): Promise<BatchOutcome<RabbitOp>> {
  return rabbitExecutor(new RabbitSession(api.profile, services().rabbitmq.password)).run(ops, {});
}

describe('RabbitMQ: connection, tree reads and operations against a real node', function () {
  this.timeout(120_000);
  const vhosts: string[] = [];
  let api: RabbitApi;

  before(() => {
    api = adminApi();
  });
  after(async () => {
    for (const v of vhosts) await deleteVhost(api, v);
  });

  async function vhost(name: string): Promise<string> {
    await createVhost(api, name);
    vhosts.push(name);
    return name;
  }

  it('Test connection reads the versions from /api/overview', async () => {
    const r = await probeConnection(rabbitProfile(), services().rabbitmq.password);
    assert.ok(r.ok, JSON.stringify(r));
    assert.match(r.summary, /^RabbitMQ 3\.\d+\.\d+ on Erlang \d+/);
  });

  it('a wrong password, a user without the management tag, TLS on a plain port and a closed port each give one clear line, never the password', async () => {
    const bad = await probeConnection(rabbitProfile(), 'not-the-password');
    assert.ok(!bad.ok);
    assert.equal(bad.problem.kind, 'auth');
    assert.match(bad.problem.message, /rejected the user name or password/);
    assert.ok(!bad.problem.message.includes('not-the-password'));

    const user = uniqueName('nomgmt');
    await api.call({ method: 'PUT', path: ['users', user], body: { password: 'pw-nomgmt', tags: '' } });
    try {
      const r = await probeConnection(rabbitProfile({ user }), 'pw-nomgmt');
      assert.ok(!r.ok);
      assert.equal(r.problem.kind, 'permission');
      assert.match(r.problem.message, /not use the management API: tag it management/);
    } finally {
      await api.call({ method: 'DELETE', path: ['users', user] });
    }

    const tls = await probeConnection(rabbitProfile({ tls: 'require' }), services().rabbitmq.password);
    assert.ok(!tls.ok);
    assert.equal(tls.problem.kind, 'tls-refused', tls.problem.message);
    assert.match(tls.problem.message, /^RabbitMQ at https:\/\/upkeep-admin@127\.0\.0\.1:\d+ does not accept TLS here/);

    const refused = await probeConnection(rabbitProfile({ port: await freePort() }), 'x');
    assert.ok(!refused.ok);
    assert.equal(refused.problem.kind, 'unreachable');
    assert.match(refused.problem.message, /^Nothing is listening at http:\/\/upkeep-admin@127\.0\.0\.1:\d+: is RabbitMQ running/);
  });

  it('hostile vhost and queue names are encoded and show their own counts', async () => {
    const made: { vhost: string; queue: string; n: number }[] = [];
    for (const [i, name] of HOSTILE.entries()) {
      const v = await vhost(`${uniqueName('vh')} ${name}`);
      await declareQueue(api, v, name);
      await publish(api, v, name, `message for ${name}`, 'string', i + 1);
      made.push({ vhost: v, queue: name, n: i + 1 });
    }
    const names = (await readVhosts(api)).map((v) => v.name);
    for (const m of made) {
      assert.ok(names.includes(m.vhost), m.vhost);
      await queueCounts(api, m.vhost, m.queue, (c) => c.ready === m.n);
      const page = await readQueues(api, m.vhost, { page: 1, pageSize: 10 });
      assert.deepEqual(page.items.map((q) => [q.name, q.ready, q.consumers, q.type]), [[m.queue, m.n, 0, 'classic']]);
    }
  });

  it('purge empties only its target queue, even among look-alike names', async () => {
    const v = await vhost(uniqueName('purge'));
    const names = ['orders', 'orders ', 'orders/contents', '<img src=x onerror=alert(1)>'];
    for (const n of names) {
      await declareQueue(api, v, n);
      await publish(api, v, n, 'x', 'string', 3);
    }
    for (const n of names) await queueCounts(api, v, n, (c) => c.ready === 3);
    const op = buildPurge({ vhost: v, name: 'orders', ready: 3 });
    assert.equal(op.text, `DELETE /api/queues/${encodeURIComponent(v)}/orders/contents`);
    const r = await run(api, [op]);
    assert.equal(r.outcomes[0]?.status, 'done', JSON.stringify(r.outcomes[0]?.problem));
    assert.equal(r.outcomes[0]?.summary, '3 ready messages purged');
    await queueCounts(api, v, 'orders', (c) => c.ready === 0);
    for (const n of names.slice(1)) assert.equal((await queueCounts(api, v, n, (c) => c.ready >= 0)).ready, 3, n);
  });

  it('delete with if-empty refuses a queue with messages and deletes an empty one', async () => {
    const v = await vhost(uniqueName('del'));
    await declareQueue(api, v, 'full q');
    await declareQueue(api, v, 'empty q');
    await publish(api, v, 'full q', 'keep me');
    await queueCounts(api, v, 'full q', (c) => c.ready === 1);
    const refused = await run(api, [buildDeleteQueue({ vhost: v, name: 'full q' }, { ifEmpty: true, ifUnused: false })]);
    assert.equal(refused.outcomes[0]?.status, 'failed');
    assert.match(refused.outcomes[0]?.problem?.message ?? '', /refused the request: queue 'full q' in vhost '.*' not empty/);
    assert.equal((await queueCounts(api, v, 'full q', (c) => c.ready === 1)).ready, 1);

    const op = buildDeleteQueue({ vhost: v, name: 'empty q' }, { ifEmpty: true, ifUnused: true });
    assert.match(op.text, /^DELETE \/api\/queues\/[^ ]+\/empty%20q\?if-empty=true&if-unused=true$/);
    const done = await run(api, [op]);
    assert.equal(done.outcomes[0]?.status, 'done');
    assert.deepEqual((await readQueues(api, v, { page: 1, pageSize: 10 })).items.map((q) => q.name), ['full q']);
  });

  it('peek reads payloads as text or base64 and leaves every message in the queue', async () => {
    const v = await vhost(uniqueName('peek'));
    const q = 'peek <b>me</b>';
    await declareQueue(api, v, q);
    await publish(api, v, q, 'plain text ✓');
    await publish(api, v, q, Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64'), 'base64');
    await queueCounts(api, v, q, (c) => c.ready === 2);
    const r = await run(api, [buildPeek({ vhost: v, name: q }, 5)]);
    assert.equal(r.outcomes[0]?.status, 'done', JSON.stringify(r.outcomes[0]?.problem));
    const messages = (r.outcomes[0]?.details as { messages: PeekedMessage[] }).messages;
    assert.deepEqual(messages.map((m) => [m.encoding, m.payload]), [['string', 'plain text ✓'], ['base64', '//4AAQ==']]);
    const after = await queueCounts(api, v, q, (c) => c.ready === 2);
    assert.equal(after.messages, 2);
  });

  it('closing a connection opened by the test drops it, with the reason sent to the client', async () => {
    const s = services().rabbitmq;
    const v = await vhost(uniqueName('close'));
    await declareQueue(api, v, 'work');
    const name = uniqueName('client');
    const client = await TinyAmqp.connect({ host: s.host, port: s.amqpPort, user: s.user, password: s.password, vhost: v, heartbeat: 0, connectionName: name });
    try {
      await client.consume(1, 'work', 10);
      let listed: { name: string; client: string; heartbeat: number | null } | undefined;
      for (let i = 0; i < 60 && !listed; i++) {
        listed = (await readConnections(api, { page: 1, pageSize: 100 })).items.find((c) => c.client.startsWith(name));
        if (!listed) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(listed, 'the test client appears in /api/connections');
      assert.equal(listed.heartbeat, 0);
      const op = buildCloseConnection({ name: listed.name }, 'maintenance: "drain"\nnow ✓');
      assert.match(op.text, /^DELETE \/api\/connections\/.+\nX-Reason: maintenance: "drain" now \?$/);
      const r = await run(api, [op]);
      assert.equal(r.outcomes[0]?.status, 'done', JSON.stringify(r.outcomes[0]?.problem));
      await client.waitClosed();
      assert.match(client.serverClose ?? '', /maintenance: "drain" now/);
    } finally {
      client.destroy();
    }
  });

  it('policies: add, change, list and delete, in a hostile vhost', async () => {
    const v = await vhost(`${uniqueName('pol')} <img src=x onerror=alert(1)>`);
    const name = 'cap "orders"';
    const add = buildPolicySet({ vhost: v, name, pattern: '^orders', applyTo: 'queues', priority: 1, definition: { 'max-length': 1000 } }, false);
    assert.equal(add.risk, 'destructive');
    assert.equal((await run(api, [add])).outcomes[0]?.status, 'done');
    let policies = await readPolicies(api, v);
    assert.deepEqual(policies.map((p) => [p.name, p.pattern, p.applyTo, p.priority, p.definition]), [[name, '^orders', 'queues', 1, { 'max-length': 1000 }]]);
    const change = buildPolicySet({ vhost: v, name, pattern: '^orders\\.', applyTo: 'queues', priority: 2, definition: { 'queue-mode': 'lazy' } }, true);
    assert.equal(change.title, `Change policy ${name}`);
    assert.equal((await run(api, [change])).outcomes[0]?.status, 'done');
    policies = await readPolicies(api, v);
    assert.deepEqual(policies.map((p) => [p.pattern, p.priority, p.definition]), [['^orders\\.', 2, { 'queue-mode': 'lazy' }]]);
    assert.equal((await run(api, [buildPolicyDelete(v, name)])).outcomes[0]?.status, 'done');
    assert.deepEqual(await readPolicies(api, v), []);
  });

  it('a vhost with a few thousand queues opens with its first page, sorted and counted by the server', async function () {
    this.timeout(300_000);
    const v = await vhost(uniqueName('many'));
    const total = 2_000;
    const names = Array.from({ length: total }, (_, i) => `q-${String(i).padStart(5, '0')}`);
    for (let i = 0; i < names.length; i += 25) await Promise.all(names.slice(i, i + 25).map((n) => declareQueue(api, v, n)));
    const first = await readQueues(api, v, { page: 1, pageSize: 100 });
    assert.equal(first.totalCount, total);
    assert.equal(first.pageCount, total / 100);
    assert.deepEqual(first.items.map((q) => q.name), names.slice(0, 100));
    const last = await readQueues(api, v, { page: first.pageCount, pageSize: 100 });
    assert.deepEqual(last.items.map((q) => q.name), names.slice(-100));
    const reversed = await readQueues(api, v, { page: 1, pageSize: 3, sortReverse: true });
    assert.deepEqual(reversed.items.map((q) => q.name), names.slice(-3).reverse());
  });

  it('exports definitions to a 0600 file (temporary name, then renamed)', async () => {
    const { readDefinitionsText, writeDefinitionsFile } = await import('../../src/core/rabbitmq/definitions');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-defs-'));
    try {
      const file = path.join(dir, 'defs.json');
      const bytes = await writeDefinitionsFile(file, await readDefinitionsText(api));
      assert.ok(bytes > 100);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(fs.readdirSync(dir), ['defs.json']);
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { rabbit_version?: string; users?: unknown[] };
      assert.ok(parsed.rabbit_version && Array.isArray(parsed.users));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports definitions back: the preview lists what it adds, the run puts it back', async () => {
    const { buildImport, diffDefinitions, readDefinitionsText } = await import('../../src/core/rabbitmq/definitions');
    const v = await vhost(uniqueName('defs'));
    await declareQueue(api, v, 'kept "q"');
    await declareQueue(api, v, 'lost <q>');
    const exported = JSON.parse(await readDefinitionsText(api, v)) as Record<string, unknown>;
    await api.call({ method: 'DELETE', path: ['queues', v, 'lost <q>'] });
    const diff = diffDefinitions(JSON.parse(await readDefinitionsText(api, v)) as Record<string, unknown>, exported);
    assert.deepEqual(diff.categories.find((c) => c.category === 'queues')?.added, ['queue lost <q>']);
    const op = buildImport(exported, '/tmp/defs.json', diff, v);
    assert.match(op.impact, /adds 1 and replaces 0 definitions/);
    assert.match(op.text, /^POST \/api\/definitions\/[^\n]+\ncontent-type: application\/json\n\n# body: the \d[\d,]* bytes of \/tmp\/defs\.json$/);
    const r = await run(api, [op]);
    assert.equal(r.outcomes[0]?.status, 'done', JSON.stringify(r.outcomes[0]?.problem));
    assert.deepEqual((await readQueues(api, v, { page: 1, pageSize: 10 })).items.map((q) => q.name).sort(), ['kept "q"', 'lost <q>']);
  });

  it('a name that is only dots is refused before anything is sent', async () => {
    const r = await run(api, [buildPurge({ vhost: '/', name: '..' })]);
    assert.equal(r.outcomes[0]?.status, 'failed');
    assert.match(r.outcomes[0]?.problem?.message ?? '', /cannot address a name that is "\.\."/);
  });
});
