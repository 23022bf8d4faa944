import { strict as assert } from 'node:assert';
import { parseConnectionUrl } from '../../src/core/connections/url';
import { describeConnectionError } from '../../src/core/connections/errors';
import { describeTarget, type ConnectionProfile } from '../../src/core/connections/profile';
import { encodeSegment, headerValue, RabbitApiError, requestPath, requestText } from '../../src/core/rabbitmq/request';
import { buildCloseConnection, buildDeleteQueue, buildPeek, buildPolicyDelete, buildPolicySet, buildPurge, PEEK_MAX } from '../../src/core/rabbitmq/operation';
import { mapConnection, mapNode, mapQueue, mapUser, queueFlags } from '../../src/core/rabbitmq/resources';
import { mapPeeked, peekText } from '../../src/core/rabbitmq/peek';
import { alarmsHealth, certificatesHealth, connectionsHealth, nodesHealth, queuesHealth } from '../../src/core/rabbitmq/reports/healthModel';
import { describeDiff, diffDefinitions, parseDefinitions } from '../../src/core/rabbitmq/definitions';
import { mapOverview } from '../../src/core/rabbitmq/connection';
import { COMMENT_PREFIX } from '../../src/core/operations/operation';
import { NODE_ALARM, NODE_OK, QUEUES } from './fixtures/rabbitmq';

const profile: ConnectionProfile = { id: 'r1', engine: 'rabbitmq', name: 'Broker', host: 'mq.internal', port: 15672, user: 'ops', tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5000 };

describe('RabbitMQ: profiles and URLs', () => {
  it('reads the management API URL from the RabbitMQ wizard, with its default ports', () => {
    assert.deepEqual(parseConnectionUrl('http://ops:s3cr%40t@mq.internal:15672', {}, 'rabbitmq'), { fields: { engine: 'rabbitmq', tls: 'disable', host: 'mq.internal', port: 15672, user: 'ops' }, password: 's3cr@t' });
    assert.equal(parseConnectionUrl('http://mq.internal', {}, 'rabbitmq').fields.port, 15672);
    assert.equal(parseConnectionUrl('https://mq.internal', {}, 'rabbitmq').fields.port, 15671);
    assert.equal(parseConnectionUrl('https://mq.internal', {}, 'rabbitmq').fields.tls, 'verify');
    // WHATWG URL drops a scheme's own port: the text still says it.
    assert.equal(parseConnectionUrl('http://mq.internal:80', {}, 'rabbitmq').fields.port, 80);
    assert.equal(parseConnectionUrl('http://[::1]:15672/#/queues', {}, 'rabbitmq').fields.host, '::1');
    assert.equal(parseConnectionUrl('http://mq:15672/api/', {}, 'rabbitmq').fields.port, 15672);
    assert.throws(() => parseConnectionUrl('http://mq:15672/rabbit/', {}, 'rabbitmq'), /without a path/);
    // Without the engine named, http:// stays Docker's, as before.
    assert.equal(parseConnectionUrl('http://mq.internal:2375').fields.engine, 'docker');
  });

  it('describes the target without a secret', () => {
    assert.equal(describeTarget(profile), 'http://ops@mq.internal:15672');
    assert.equal(describeTarget({ ...profile, tls: 'require', host: '::1', port: 15671 }), 'https://ops@[::1]:15671');
  });
});

describe('RabbitMQ: error mapping', () => {
  const say = (err: unknown, during?: 'maintenance'): { kind: string; message: string } => describeConnectionError(profile, err, ['hunter2'], during);
  const api = (status: number, body: string): RabbitApiError => new RabbitApiError(status, (JSON.parse(body) as { reason: string }).reason, 'GET /api/overview', body);

  it('401 login failed is a wrong password; 401 "Not management user" and 403 ask for the management tag', () => {
    assert.deepEqual(say(api(401, '{"error":"not_authorized","reason":"Login failed"}')), { kind: 'auth', message: 'RabbitMQ rejected the user name or password for http://ops@mq.internal:15672.' });
    const tag = say(api(401, '{"error":"not_authorised","reason":"Not management user"}'));
    assert.equal(tag.kind, 'permission');
    assert.match(tag.message, /lets user "ops" log in but not use the management API: tag it management/);
    assert.equal(say(api(403, '{"error":"not_authorised","reason":"Not administrator user"}')).kind, 'permission');
  });

  it('404, 400 and 5xx say what the server said; refused, reset and TLS problems are the shared lines', () => {
    assert.match(say(api(404, '{"error":"Object Not Found","reason":"Not Found"}')).message, /not found — it was deleted or renamed since it was read/);
    assert.equal(say(api(400, '{"error":"bad_request","reason":"queue \'q\' in vhost \'/\' not empty"}')).message, "RabbitMQ at http://ops@mq.internal:15672 refused the request: queue 'q' in vhost '/' not empty");
    const refused = say(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:15672'), { code: 'ECONNREFUSED' }));
    assert.deepEqual(refused, { kind: 'unreachable', message: 'Nothing is listening at http://ops@mq.internal:15672: is RabbitMQ running and the port right?' });
    assert.equal(say(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'maintenance').kind, 'connection-lost');
    assert.equal(say(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).kind, 'tls-untrusted');
    assert.equal(say(Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' })).kind, 'tls-refused');
    assert.equal(say(Object.assign(new Error('GET /api/overview timed out after 5000 ms'), { code: 'ETIMEDOUT' })).kind, 'timeout');
  });
});

describe('RabbitMQ: requests', () => {
  it('encodes each path segment: / is %2F, and dots, spaces, quotes, unicode and markup are escaped', () => {
    assert.equal(encodeSegment('/'), '%2F');
    assert.equal(encodeSegment('%2F'), '%252F');
    assert.equal(encodeSegment('..'), '%2E%2E');
    assert.equal(encodeSegment("it's (x)*!"), 'it%27s%20%28x%29%2A%21');
    assert.equal(encodeSegment('<img src=x onerror=alert(1)>'), '%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E');
    assert.equal(encodeSegment('ünï'), '%C3%BCn%C3%AF');
    assert.equal(requestPath({ path: ['queues', '/', 'a/b?c#d'], query: { 'if-empty': 'true', skip: undefined } }), '/api/queues/%2F/a%2Fb%3Fc%23d?if-empty=true');
  });

  it('shows the request as sent, never an Authorization header', () => {
    const text = requestText({ method: 'POST', path: ['queues', '/', 'q', 'get'], headers: { 'X-Reason': 'r' }, body: { count: 1 } });
    assert.equal(text, 'POST /api/queues/%2F/q/get\nX-Reason: r\n\n{\n  "count": 1\n}');
    assert.ok(!/authorization/i.test(text));
  });

  it('makes a header value one visible Latin-1 line', () => {
    assert.equal(headerValue('line one\r\nX-Injected: 1'), 'line one X-Injected: 1');
    assert.equal(headerValue('ünïcødé ✓'), '?n?c?d? ?');
    assert.equal(headerValue('x'.repeat(500)).length, 200);
  });
});

describe('RabbitMQ: operation previews', () => {
  it('purge: the exact request, the ready count, destructive, the queue name typed on production', () => {
    const op = buildPurge({ vhost: '/', name: 'orders', ready: 12_345, unacked: 7 });
    assert.equal(op.text, 'DELETE /api/queues/%2F/orders/contents');
    assert.match(op.impact, /^deletes 12,345 ready messages of queue orders \(vhost \/\) for good;.*\(7\) stay/);
    assert.deepEqual([op.risk, op.confirmName, op.language, COMMENT_PREFIX[op.language]], ['destructive', 'orders', 'http', '#']);
  });

  it('delete: if-empty / if-unused in the query and in words', () => {
    const both = buildDeleteQueue({ vhost: 'prod', name: 'q 1' }, { ifEmpty: true, ifUnused: true });
    assert.equal(both.text, 'DELETE /api/queues/prod/q%201?if-empty=true&if-unused=true');
    assert.match(both.impact, /Only if it is empty and it has no consumers: otherwise the server refuses/);
    const plain = buildDeleteQueue({ vhost: 'prod', name: 'q' }, { ifEmpty: false, ifUnused: false });
    assert.equal(plain.text, 'DELETE /api/queues/prod/q');
    assert.ok(!plain.impact.includes('Only if'));
  });

  it('close: the X-Reason header, blocking', () => {
    const op = buildCloseConnection({ name: '10.0.0.5:51234 -> 10.0.0.2:5672', user: 'app', channels: 3 }, 'drain\nfor upgrade');
    assert.equal(op.text, 'DELETE /api/connections/10.0.0.5%3A51234%20-%3E%2010.0.0.2%3A5672\nX-Reason: drain for upgrade');
    assert.equal(op.risk, 'blocking');
    assert.match(op.impact, /user app.*3 channels/);
  });

  it('peek: ack_requeue_true, a bounded count, and what requeueing does', () => {
    const op = buildPeek({ vhost: 'v', name: 'q' }, 10_000);
    assert.deepEqual(op.request.body, { count: PEEK_MAX, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: 50_000 });
    assert.match(op.text, /^POST \/api\/queues\/v\/q\/get\n\n\{/);
    assert.match(op.impact, /redelivered.*delivery-limit/);
    assert.equal(buildPeek({ vhost: 'v', name: 'q' }, 0).request.body && (buildPeek({ vhost: 'v', name: 'q' }, 0).request.body as { count: number }).count, 1);
  });

  it('policies: a definition that can drop messages is destructive; others heavy', () => {
    const cap = buildPolicySet({ vhost: '/', name: 'cap', pattern: '^orders', applyTo: 'queues', priority: 0, definition: { 'max-length': 10 } }, false);
    assert.equal(cap.text, 'PUT /api/policies/%2F/cap\n\n{\n  "pattern": "^orders",\n  "definition": {\n    "max-length": 10\n  },\n  "priority": 0,\n  "apply-to": "queues"\n}');
    assert.equal(cap.risk, 'destructive');
    assert.equal(buildPolicySet({ vhost: '/', name: 'ha', pattern: '.', applyTo: 'all', priority: 0, definition: { 'queue-mode': 'lazy' } }, true).risk, 'heavy');
    assert.equal(buildPolicyDelete('/', 'cap').text, 'DELETE /api/policies/%2F/cap');
  });
});

describe('RabbitMQ: what the API answers, mapped', () => {
  it('queues and their flags', () => {
    const [idle, unconsumed, growing] = QUEUES.map(mapQueue);
    assert.deepEqual(queueFlags(idle!), { unconsumed: false, idle: true, growing: false });
    assert.deepEqual(queueFlags(unconsumed!), { unconsumed: true, idle: false, growing: false });
    assert.deepEqual(queueFlags(growing!), { unconsumed: false, idle: false, growing: true });
    assert.equal(growing!.type, 'quorum');
  });

  it('users: tags as a list or a comma string, never the hash', () => {
    assert.deepEqual(mapUser({ name: 'a', tags: ['administrator'], password_hash: 'x' }), { name: 'a', tags: ['administrator'] });
    assert.deepEqual(mapUser({ name: 'b', tags: 'management, monitoring' }), { name: 'b', tags: ['management', 'monitoring'] });
  });

  it('connections: client, heartbeat, peer', () => {
    const c = mapConnection({ name: 'n', user: 'app', vhost: '/', channels: 2, connected_at: 1_700_000_000_000, timeout: 0, peer_host: '::1', peer_port: 5000, protocol: 'AMQP 0-9-1', client_properties: { product: 'amqplib', version: '0.10.3', platform: 'Node.JS v20', connection_name: 'orders-worker' } });
    assert.equal(c.client, 'orders-worker · amqplib 0.10.3 (Node.JS v20)');
    assert.equal(c.peer, '[::1]:5000');
    assert.equal(c.heartbeat, 0);
  });

  it('overview: message rates are "not collected" when the server disables stats', () => {
    assert.equal(mapOverview({ rabbitmq_version: '3.12.0', disable_stats: true }).ratesCollected, false);
    assert.equal(mapOverview({ rabbitmq_version: '3.10.8', rates_mode: 'basic' }).ratesCollected, true);
  });

  it('peeked messages: text, base64, truncation, as a plain-text document', () => {
    const m = mapPeeked({ payload_bytes: 100_000, redelivered: true, exchange: '', routing_key: 'q', message_count: 4, properties: [], payload: 'x'.repeat(50_000), payload_encoding: 'string' });
    assert.deepEqual([m.truncated, m.remaining, m.properties], [true, 4, {}]);
    const b = mapPeeked({ payload_bytes: 4, payload: '//4AAQ==', payload_encoding: 'base64', properties: { headers: { a: 1 } } });
    assert.deepEqual([b.encoding, b.truncated], ['base64', false]);
    const text = peekText('<img src=x onerror=alert(1)>', '/', [b]);
    assert.match(text, /^# 1 message of queue "<img src=x onerror=alert\(1\)>" in vhost "\/"/);
    assert.match(text, /payload as base64 \(not valid UTF-8\)\nproperties: \{"headers":\{"a":1\}\}\n\n\/\/4AAQ==/);
  });
});

describe('RabbitMQ: health findings from recorded API answers', () => {
  it('alarms: each node alarm is critical, with the watermark in the message', () => {
    const { findings, section } = alarmsHealth({ status: 'failed', reason: 'There are alarms in effect in the cluster' }, { status: 'ok' }, [mapNode(NODE_ALARM), mapNode(NODE_OK)]);
    assert.deepEqual(findings.map((f) => [f.id, f.severity]), [['health:alarms:memory:rabbit@mq-1', 'critical']]);
    assert.match(findings[0]!.message, /Memory alarm on rabbit@mq-1: 3\.9 GB used of a 3\.7 GB high watermark/);
    assert.equal(section.rows[0]?.['result'], 'failed: There are alarms in effect in the cluster');
  });

  it('nodes: memory near the watermark, disk near its limit, file descriptors', () => {
    const warm = { ...NODE_OK, mem_used: 3_500_000_000, disk_free: 60_000_000, fd_used: 900 };
    const { findings } = nodesHealth([mapNode(warm)]);
    assert.deepEqual(findings.map((f) => f.id), ['health:nodes:memory:rabbit@mq-2', 'health:nodes:disk:rabbit@mq-2', 'health:nodes:file descriptors:rabbit@mq-2']);
    assert.deepEqual(nodesHealth([mapNode(NODE_OK)]).findings, []);
  });

  it('queues: no consumer (purge or delete if unused), deep, unacked', () => {
    const { findings, section } = queuesHealth(QUEUES.map(mapQueue), { queueDepth: 1000, unacked: 100 }, false);
    assert.deepEqual(findings.map((f) => [f.id, f.severity, f.fixes.map((x) => x.kind)]), [
      ['health:queues:unconsumed:%2F/orders.dead', 'critical', ['purge', 'delete-queue']],
      ['health:queues:deep:billing/invoices', 'warning', ['purge']],
      ['health:queues:unacked:billing/invoices', 'warning', []],
    ]);
    assert.equal(findings[0]!.fixes[1]!.text, 'DELETE /api/queues/%2F/orders.dead?if-unused=true');
    assert.match(section.note ?? '', /Only the deepest queues/);
  });

  it('connections without heartbeat, and certificate expiry', () => {
    const conns = [mapConnection({ name: 'a', protocol: 'AMQP 0-9-1', timeout: 0 }), mapConnection({ name: 'b', protocol: 'AMQP 0-9-1', timeout: 60 }), mapConnection({ name: 'c', protocol: 'MQTT 3.1.1', timeout: 0 })];
    assert.deepEqual(connectionsHealth(conns, true).findings.map((f) => f.object), ['1 connection']);
    assert.equal(certificatesHealth({ status: 'failed', reason: 'Certificates expiring' }, 30).findings[0]?.severity, 'critical');
    assert.match(certificatesHealth({ status: 'unavailable', reason: 'HTTP 404' }, 30).section.note ?? '', /does not expose/);
  });
});

describe('RabbitMQ: definitions import preview', () => {
  it('lists what an import adds and replaces, users apart', () => {
    const current = { users: [{ name: 'app', password_hash: 'h1', tags: [] }], queues: [{ name: 'q', vhost: '/', durable: true, arguments: {} }] };
    const incoming = parseDefinitions(JSON.stringify({
      users: [{ name: 'app', password_hash: 'h2', tags: [] }, { name: 'new', password_hash: 'h', tags: ['management'] }],
      queues: [{ vhost: '/', name: 'q', arguments: {}, durable: true }, { name: '<img src=x>', vhost: '/', durable: true, arguments: {} }],
    }), 'defs.json');
    const diff = diffDefinitions(current, incoming);
    assert.deepEqual([diff.added, diff.changed, diff.usersChanged], [2, 1, ['app']]);
    assert.deepEqual(describeDiff(diff), [
      'users: 1 added, 1 changed, 0 unchanged', '  + user new', '  ~ user app',
      'queues: 1 added, 0 changed, 1 unchanged', '  + queue <img src=x> (vhost /)',
      'Users whose password hash or tags are replaced: app',
    ]);
    assert.throws(() => parseDefinitions('{"x":1}', 'f.json'), /not a RabbitMQ definitions file/);
    assert.throws(() => parseDefinitions('nope', 'f.json'), /f\.json is not JSON/);
  });
});
