import { strict as assert } from 'node:assert';
import { compareIndex, compareVhost, importBody, objectIndex, splitByVhost, structuralProblems, vhostContent } from '../../src/core/rabbitmq/backupCompare';

const defs = {
  rabbit_version: '3.10.8',
  users: [{ name: 'admin', password_hash: 'h', tags: ['administrator'] }],
  vhosts: [{ name: '/' }, { name: 'a "b" <i>' }],
  permissions: [{ user: 'admin', vhost: '/', configure: '.*', write: '.*', read: '.*' }, { user: 'ghost', vhost: 'gone', configure: '', write: '', read: '' }],
  parameters: [],
  policies: [{ vhost: 'a "b" <i>', name: 'p', pattern: '^q', 'apply-to': 'queues', definition: { 'max-length': 5 }, priority: 0 }],
  queues: [{ name: 'q 1', vhost: 'a "b" <i>', durable: true, auto_delete: false, arguments: { 'x-max-length': 5 } }],
  exchanges: [{ name: 'e', vhost: 'a "b" <i>', type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} }],
  bindings: [{ source: 'e', vhost: 'a "b" <i>', destination: 'q 1', destination_type: 'queue', routing_key: 'k.#', arguments: {} }],
};

describe('RabbitMQ definitions verify: the comparison', () => {
  it('splits by vhost and rewrites the vhost of each object for the import', () => {
    const { byVhost, withoutVhost } = splitByVhost(defs);
    assert.deepEqual([...byVhost.keys()], ['a "b" <i>']);
    assert.equal(withoutVhost, 0);
    const body = importBody(byVhost.get('a "b" <i>')!, 'upkeep_verify_x', defs.rabbit_version);
    assert.equal(body['rabbit_version'], '3.10.8');
    assert.deepEqual((body['queues'] as { vhost: string }[]).map((q) => q.vhost), ['upkeep_verify_x']);
    assert.equal(defs.queues[0]?.vhost, 'a "b" <i>', 'the backup itself is not changed');
  });

  it('equal content whatever the key order and vhost field; each differing field named', () => {
    const backup = splitByVhost(defs).byVhost.get('a "b" <i>')!;
    const same = vhostContent({ queues: [{ arguments: { 'x-max-length': 5 }, auto_delete: false, durable: true, name: 'q 1' }], exchanges: defs.exchanges.map(({ vhost: _v, ...x }) => x), bindings: defs.bindings.map(({ vhost: _v, ...x }) => x), policies: defs.policies.map((p) => ({ ...p, vhost: 'upkeep_verify_x' })) });
    assert.deepEqual(compareVhost('a "b" <i>', backup, same), []);
    const other = vhostContent({ queues: [{ name: 'q 1', durable: false, auto_delete: false, arguments: {} }, { name: 'extra', durable: true, auto_delete: false, arguments: {} }], exchanges: [], bindings: same.bindings, policies: same.policies });
    assert.deepEqual(compareVhost('a "b" <i>', backup, other), [
      'queue "q 1" (vhost "a \\"b\\" <i>"): arguments {"x-max-length":5} in the backup, {} restored',
      'queue "q 1" (vhost "a \\"b\\" <i>"): durable true in the backup, false restored',
      'queue "extra" (vhost "a \\"b\\" <i>"): present after the restore, not in the backup',
      'exchange "e" (vhost "a \\"b\\" <i>"): in the backup, missing after the restore',
    ]);
  });

  it('the manifest index names what a later edit removed; reading finds permissions of unknown users and vhosts', () => {
    const index = objectIndex(defs)!;
    assert.deepEqual(index['a "b" <i>'], ['binding exchange "e" → queue "q 1" routing key "k.#"', 'exchange "e"', 'policy "p"', 'queue "q 1"']);
    assert.deepEqual(compareIndex(index, objectIndex({ ...defs, queues: [] })!), ['queue "q 1" (vhost "a \\"b\\" <i>"): in the backup at backup time, not in the file now']);
    assert.deepEqual(structuralProblems(defs), ['permissions of "ghost" on vhost "gone": the user is not in the file', 'permissions of "ghost" on vhost "gone": the vhost is not in the file']);
  });
});
