import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import Redis from 'ioredis';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { InputQuestion, OperationPreview, OutcomeNotice, PickQuestion } from '../../../src/app/prompter';
import type { BatchOutcome } from '../../../src/core/operations/operation';
import type { RedisOp } from '../../../src/core/redis/operation';
import { report, services, upkeep } from './helpers';

/** The answers a user would give, in order; every question asked is recorded. */
class ScriptedPrompter {
  readonly previews: OperationPreview[] = [];
  readonly notices: OutcomeNotice[] = [];
  readonly asked: string[] = [];
  answers: string[] = [];
  confirm = true;

  confirmOperation(p: OperationPreview): Promise<boolean> {
    this.previews.push(p);
    return Promise.resolve(this.confirm);
  }
  showOutcome(n: OutcomeNotice): Promise<string | undefined> {
    this.notices.push(n);
    return Promise.resolve(undefined);
  }
  pick<T>(q: PickQuestion<T>): Promise<T | undefined> {
    this.asked.push(q.placeHolder);
    const want = this.answers.shift();
    const item = q.items.find((i) => i.label === want);
    if (!item) throw new Error(`"${q.placeHolder}": no choice "${want ?? ''}" among ${q.items.map((i) => i.label).join(', ')}`);
    return Promise.resolve(item.value);
  }
  input(q: InputQuestion): Promise<string | undefined> {
    this.asked.push(q.prompt);
    return Promise.resolve(this.answers.shift());
  }
}

async function keysOf(client: Redis): Promise<Set<string>> {
  const out = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) out.add(k);
  } while (cursor !== '0');
  return out;
}

describe('Redis operations from the editor', function () {
  this.timeout(90_000);
  const prompter = new ScriptedPrompter();
  const added: AddConnectionResult[] = [];
  let admin: Redis;
  const url = (db: number): string => {
    const s = services().redis;
    return `redis://:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${db}`;
  };

  before(async () => {
    const s = services().redis;
    admin = new Redis({ host: s.host, port: s.port, password: s.password, db: 1, lazyConnect: true });
    await admin.connect();
    for (const args of [
      { url: url(1), name: 'Ops Redis' },
      { url: url(1), name: 'Ops Redis (read-only)', readOnly: true },
      { url: url(1), name: 'Ops Redis (production)', production: true },
    ]) added.push(await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', args));
    (await upkeep()).setPrompter(prompter);
  });

  after(async () => {
    (await upkeep()).setPrompter(undefined);
    for (const r of added) await vscode.commands.executeCommand('upkeep.removeConnection', r.profile.id, { confirm: false });
    for (const db of [1, 2, 3]) {
      await admin.select(db);
      await admin.flushdb();
    }
    admin.disconnect();
  });

  it('a pattern delete asked step by step shows the count and a sample in its preview, then deletes exactly the matching keys', async () => {
    await admin.select(1);
    await admin.flushdb();
    const p = admin.pipeline();
    for (let i = 0; i < 1_234; i++) p.set(`ext:${i}`, 'v');
    for (let i = 0; i < 300; i++) p.set(`keep:${i}`, 'v');
    p.set('ext*literal', 'v');
    p.set('<img src=x onerror=alert(1)>', 'v');
    await p.exec();
    const before = await keysOf(admin);
    prompter.answers = ['Ops Redis', 'db1', 'ext:*', 'Any type'];
    const result = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.deleteMatching');
    assert.deepEqual(prompter.asked.slice(0, 2), ['Which Redis connection?', 'Which database?']);
    const preview = prompter.previews.at(-1);
    assert.ok(preview, 'the preview was shown');
    assert.equal(preview.risk, 'destructive');
    assert.equal(preview.typeName, undefined, 'no typed name off production');
    assert.equal(preview.details?.[0], '1,234 keys match (counted with a full SCAN pass over the 1,536 keys of database 1).');
    assert.match(preview.details?.[1] ?? '', /^Sample \(5 of 1,234\):(\n {2}ext:\d+){5}$/);
    assert.equal(preview.sizeText, '1,234 keys match');
    assert.match(preview.ops[0]?.text ?? '', /^SELECT 1\nSCAN 0 MATCH ext:\* COUNT \d+\n/);
    report(`pattern delete preview: ${preview.details?.[0] ?? ''}`);
    assert.equal(result?.outcomes[0]?.status, 'done');
    assert.equal(result.outcomes[0]?.summary, '1,234 keys deleted (1,234 matched in the preview)');
    const after = await keysOf(admin);
    assert.deepEqual(after, new Set([...before].filter((k) => !k.startsWith('ext:'))));
    assert.ok(after.has('ext*literal') && after.has('<img src=x onerror=alert(1)>'));
    const history = await (await upkeep()).history.read(added[0]?.profile.id ?? '');
    assert.equal(history[0]?.kind, 'delete-matching');
    assert.match(history[0]?.message ?? '', /^1,234 keys deleted/);
    assert.match(prompter.notices.at(-1)?.message ?? '', /: done in .* — 1,234 keys deleted/);
  });

  it('a namespace node (the tree\'s contract) deletes its prefix literally; answering No deletes nothing', async () => {
    await admin.select(1);
    const p = admin.pipeline();
    for (let i = 0; i < 20; i++) p.set(`a*b:${i}`, 'v');
    p.set('aXb:1', 'decoy');
    await p.exec();
    const profile = added[0]?.profile;
    const node = { nodeKind: 'redis-namespace', profile, db: 1, prefix: Buffer.from('a*b:') };
    prompter.confirm = false;
    const declined = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.deleteMatching', node);
    assert.equal(declined, undefined);
    assert.equal(prompter.previews.at(-1)?.details?.[0]?.startsWith('20 keys match'), true);
    assert.equal((await keysOf(admin)).size, 300 + 2 + 20 + 1, 'nothing deleted after No');
    prompter.confirm = true;
    const result = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.deleteMatching', node);
    assert.equal(result?.outcomes[0]?.summary, '20 keys deleted (20 matched in the preview)');
    assert.ok((await keysOf(admin)).has('aXb:1'), 'the decoy an unescaped a*b:* would match is kept');
  });

  it('FLUSHDB asks for the typed name on every connection, and on production names the database to type', async () => {
    await admin.select(2);
    const p = admin.pipeline();
    for (let i = 0; i < 500; i++) p.set(`f:${i}`, 'x'.repeat(50));
    await p.exec();
    prompter.answers = ['Ops Redis (production)', 'db2'];
    const result = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.flushDb');
    const preview = prompter.previews.at(-1);
    assert.equal(preview?.title, 'FLUSHDB: delete every key of database 2');
    assert.equal(preview.typeName, 'db2');
    assert.equal(preview.connection.production, true);
    assert.match(preview.sizeText, /^500 keys of about [\d.]+ kB \(MEMORY USAGE of 200 sampled keys, scaled\); the server uses [\d.]+ MB in all$/);
    report(`FLUSHDB preview size: ${preview.sizeText}`);
    assert.equal(result?.outcomes[0]?.summary, '500 keys deleted');
    assert.equal(Number(await admin.dbsize()), 0);

    prompter.answers = ['Ops Redis', 'db2'];
    await vscode.commands.executeCommand('upkeep.redis.flushDb');
    assert.equal(prompter.previews.at(-1)?.typeName, 'db2', 'typed off production too');
  });

  it('a read-only connection refuses FLUSHDB before asking or sending it (MONITOR sees no FLUSHDB)', async () => {
    await admin.select(3);
    await admin.set('ro:keep', '1');
    const s = services().redis;
    const monitorClient = new Redis({ host: s.host, port: s.port, password: s.password, lazyConnect: true });
    await monitorClient.connect();
    const monitor = await monitorClient.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
    try {
      const count = prompter.previews.length;
      const node = { nodeKind: 'redis-db', profile: added[1]?.profile, db: 3 };
      const result = await vscode.commands.executeCommand('upkeep.redis.flushDb', node);
      assert.equal(result, undefined);
      assert.equal(prompter.previews.length, count, 'no preview was shown');
      await admin.ping();
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(seen.some((c) => /^ping/i.test(c)), 'the monitor was listening');
      assert.ok(!seen.some((c) => /^flushdb/i.test(c)), `no FLUSHDB reached the server: ${seen.filter((c) => !/^(ping|info)/i.test(c)).join(' | ')}`);
      assert.equal(await admin.get('ro:keep'), '1');
      assert.deepEqual(await (await upkeep()).history.read(added[1]?.profile.id ?? ''), []);
    } finally {
      monitor.disconnect();
      monitorClient.disconnect();
    }
  });

  it('key commands: a binary key typed in redis-cli quoting gets a TTL and is renamed with RENAMENX; a key node is deleted', async () => {
    await admin.select(3);
    await admin.flushdb();
    const bin = Buffer.from([0x62, 0x00, 0xff, 0x22]);
    await admin.set(bin, 'v');
    await admin.set('taken', 'keep');
    prompter.answers = ['Ops Redis', 'db3', '"b\\x00\\xff\\""', '90'];
    const ttl = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.expire');
    assert.equal(prompter.previews.at(-1)?.ops[0]?.text, 'SELECT 3\nEXPIRE "b\\x00\\xff\\"" 90');
    assert.equal(ttl?.outcomes[0]?.status, 'done');
    assert.ok(Number(await admin.ttl(bin)) > 80);

    prompter.answers = ['Ops Redis', 'db3', '"b\\x00\\xff\\""', 'taken', 'Keep it: rename only if the name is free'];
    const refused = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.renameKey');
    assert.equal(refused?.outcomes[0]?.status, 'failed');
    assert.match(prompter.notices.at(-1)?.message ?? '', /failed: A key named taken already exists: nothing was renamed/);
    assert.equal(await admin.get('taken'), 'keep');

    const keyNode = { nodeKind: 'redis-key', profile: added[0]?.profile, db: 3, key: bin, type: 'string' };
    await vscode.commands.executeCommand('upkeep.redis.persist', keyNode);
    assert.equal(Number(await admin.ttl(bin)), -1);
    const del = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.deleteKey', keyNode);
    assert.equal(prompter.previews.at(-1)?.risk, 'destructive');
    assert.equal(del?.outcomes[0]?.summary, '1 key deleted');
    assert.equal(await admin.exists(bin), 0);
  });

  it('BGSAVE from the connection is previewed as heavy and reports the snapshot written', async () => {
    const conn = { nodeKind: 'redis-connection', profile: added[0]?.profile };
    const result = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.bgsave', conn);
    assert.equal(prompter.previews.at(-1)?.risk, 'heavy');
    assert.equal(result?.outcomes[0]?.status, 'done', result?.outcomes[0]?.problem?.message);
    assert.match(result.outcomes[0]?.summary ?? '', /^snapshot written to \/.*dump\.rdb/);
    report(`BGSAVE: ${result.outcomes[0]?.summary ?? ''}`);
  });

  it('clients lists CLIENT LIST with Upkeep\'s tree connection marked; killClient disconnects the one picked', async () => {
    const s = services().redis;
    const victim = new Redis({ host: s.host, port: s.port, password: s.password, connectionName: 'ext-victim', lazyConnect: true, retryStrategy: () => null });
    await victim.connect();
    try {
      const id = String(await victim.client('ID'));
      prompter.answers = ['Ops Redis'];
      await vscode.commands.executeCommand('upkeep.redis.clients');
      const page = vscode.window.activeTextEditor?.document.getText() ?? '';
      assert.match(page, /^# Redis clients — Ops Redis/);
      assert.ok(page.includes('| ext-victim |'), 'the victim is listed');
      assert.match(page, /\| Upkeep \(tree\) \|/);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      const conn = { nodeKind: 'redis-connection', profile: added[0]?.profile };
      const result = await vscode.commands.executeCommand<BatchOutcome<RedisOp> | undefined>('upkeep.redis.killClient', conn, { id });
      assert.equal(prompter.previews.at(-1)?.ops[0]?.text, `CLIENT KILL ID ${id}`);
      assert.equal(result?.outcomes[0]?.status, 'done');
      await assert.rejects(victim.ping());
    } finally {
      victim.disconnect();
    }
  });
});
