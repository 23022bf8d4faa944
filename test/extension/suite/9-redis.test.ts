import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type IORedis from 'ioredis';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import { openRedis } from '../../../src/core/redis/connection';
import type { UpkeepNode } from '../../../src/views/node';
import { loadRedisFixture } from '../../services/redisFixture';
import { eventually, label, report, services, upkeep } from './helpers';

/** The tree's extension-host suite has db 10 (integration: 9; redis-ops 1–5, redis-reports 6–8). */
const DB = 10;
const XSS = '<img src=x onerror=alert(1)>';

describe('Redis view end to end', function () {
  this.timeout(90_000);
  let client: IORedis;
  let added: AddConnectionResult;

  const children = async (node?: UpkeepNode): Promise<UpkeepNode[]> => (await upkeep()).trees.redis.getChildren(node);
  const find = async (parent: UpkeepNode | undefined, text: string): Promise<UpkeepNode> => {
    const all = await children(parent);
    const hit = all.find((n) => label(n) === text);
    assert.ok(hit, `"${text}" not among: ${all.map(label).slice(0, 30).join(' | ')}`);
    return hit;
  };
  /** The db node, with every page of its keys read (each "Load more…" clicked through its command). */
  const loadAll = async (db: UpkeepNode): Promise<UpkeepNode[]> => {
    for (let i = 0; i < 500; i++) {
      const nodes = await children(db);
      const more = nodes.find((n) => n.nodeKind === 'redis-load-more');
      if (!more) return nodes;
      await vscode.commands.executeCommand('upkeep.redis.loadMore', more);
    }
    throw new Error('Load more never ended');
  };
  const connection = async (): Promise<UpkeepNode> => find(undefined, 'Tree Redis');

  before(async () => {
    const s = services().redis;
    client = await openRedis({ id: 'fixture', engine: 'redis', name: 'fixture', host: s.host, port: s.port, tls: 'disable', readOnly: false, production: false, connectTimeoutMs: 5_000 }, s.password);
    await loadRedisFixture(client, { db: DB, keys: 20_000 });
    await client.set('json:doc', JSON.stringify({ name: 'Ada', tags: ['a', 'b'] }));
    added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `redis://:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${DB}`,
      name: 'Tree Redis',
    });
    assert.ok(added.test?.ok, JSON.stringify(added.test));
  });

  after(async () => {
    await vscode.commands.executeCommand('upkeep.redis.clearFilter');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (added) await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
    await client?.flushdb();
    client?.disconnect();
  });

  it('shows the server facts on the connection node', async () => {
    const conn = await connection();
    const item = await eventually('facts in the description', () => {
      const i = conn.toTreeItem();
      return /Redis \d+\.\d+/.test(String(i.description)) ? i : undefined;
    });
    assert.match(String(item.description), /master · .* \(no maxmemory\) · \d+ clients/);
    assert.equal(conn.nodeKind, 'redis-connection');
    assert.match(String(item.contextValue), /upkeep\.connection engine-redis/);
    report(`connection: ${String(item.description)}`);
  });

  it('turns the connection into a warning when memory is above the threshold', async () => {
    const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
    await client.call('CONFIG', 'SET', 'maxmemory', String(Math.round(used * 1.5)));
    const settings = vscode.workspace.getConfiguration('upkeep.redis');
    try {
      // A changed upkeep.redis setting re-reads the view: new connection nodes, one INFO each.
      await settings.update('memoryWarnPercent', 50, vscode.ConfigurationTarget.Global);
      // Polled on one node: each listing of the roots makes new ones, each reading its facts afresh.
      const conn = await connection();
      const item = await eventually('warning icon', () => {
        const i = conn.toTreeItem();
        return (i.iconPath as vscode.ThemeIcon).id === 'warning' ? i : undefined;
      });
      assert.match(String(item.description), /of [\d.]+ MB \(6\d%\)/);
      assert.match((item.tooltip as vscode.MarkdownString).value, /Memory at 6\d\\?% of maxmemory/);
    } finally {
      await client.call('CONFIG', 'SET', 'maxmemory', '0');
      await settings.update('memoryWarnPercent', undefined, vscode.ConfigurationTarget.Global);
    }
    const after = await connection();
    await eventually('back to the status icon', () => (after.toTreeItem().iconPath as vscode.ThemeIcon).id === 'server' && /Redis/.test(String(after.toTreeItem().description)));
  });

  it('expands connection → databases → namespaces → keys', async () => {
    const conn = await connection();
    const db = await find(conn, `db${DB}`);
    assert.equal(db.nodeKind, 'redis-db');
    assert.match(String(db.toTreeItem().description), /^20,0\d\d keys · 8,\d{3} expiring · profile's database/);
    const first = await children(db);
    assert.ok(first.some((n) => n.nodeKind === 'redis-load-more'), 'the first page ends with Load more…');
    assert.ok(first.some((n) => label(n) === 'user:' && /\+ keys so far$/.test(String(n.toTreeItem().description))), 'counts from the pages read so far');
    const all = await loadAll(db);
    const user = all.find((n) => label(n) === 'user:');
    assert.equal(user?.toTreeItem().description, '6,000 keys', 'exact once the walk ended');
    assert.ok(all.some((n) => label(n) === XSS && n.nodeKind === 'redis-key'), 'the HTML name is a key label, as text');
    const cache = await find(db, 'cache:');
    const page = await find(cache, 'page:');
    const keys = await children(page);
    const key = keys.find((n) => n.nodeKind === 'redis-key');
    assert.ok(key, keys.map(label).join(' | '));
    assert.match(label(key), /^cache:page:\d+$/);
    assert.match(String(key.toTreeItem().description), /^string · TTL [\d.]+ d · \d+ B$/);
    report(`${label(key)}: ${String(key.toTreeItem().description)}`);
  });

  it('opens a key, a JSON string and a big list in read-only editors, paged', async () => {
    const conn = await connection();
    const db = await find(conn, `db${DB}`);
    await loadAll(db);
    const users = await loadAll(await find(db, 'user:'));
    const user7 = users.find((n) => label(n) === 'user:7');
    assert.ok(user7);
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('upkeep.redis.openKey', user7);
    assert.equal(doc.uri.scheme, 'upkeep-redis-value');
    assert.match(doc.getText(), /^# Redis hash user:7 \(db 10\) — read-only\n# 3 fields · TTL no expiry/);
    assert.match(doc.getText(), /\nname\tUser 7\nemail\tuser7@example\.com\nvisits\t7\n/);
    const json = (await loadAll(await find(db, 'json:'))).find((n) => label(n) === 'json:doc');
    const jsonDoc = await vscode.commands.executeCommand<vscode.TextDocument>('upkeep.redis.openKey', json);
    assert.equal(jsonDoc.languageId, 'jsonc');
    assert.match(jsonDoc.getText(), /\n\{\n {2}"name": "Ada",/);
    const bigList = (await loadAll(await find(db, 'big:'))).find((n) => label(n) === 'big:list');
    const listDoc = await vscode.commands.executeCommand<vscode.TextDocument>('upkeep.redis.openKey', bigList);
    assert.match(listDoc.getText(), /# — 500 of 100k items shown; more with "Load More"/);
    assert.ok(!listDoc.getText().includes('item-500'));
    await vscode.commands.executeCommand('upkeep.redis.loadMore', listDoc.uri);
    await eventually('the next page appended', () => listDoc.getText().includes('499\titem-499\n500\titem-500') && listDoc.getText().includes('1,000 of 100k items'));
  });

  it('filters by pattern and type from the view title, shown in the view', async () => {
    await vscode.commands.executeCommand('upkeep.redis.filter', { pattern: 'tags:1*', type: 'set' });
    let db = await find(await connection(), `db${DB}`);
    assert.match(String(db.toTreeItem().description), /filter: MATCH tags:1\* · TYPE set/);
    const all = await loadAll(db);
    assert.deepEqual(all.map(label), ['tags:']);
    const tags = await loadAll(await find(db, 'tags:'));
    assert.equal(tags.length, 111, 'tags:1, tags:10–19, tags:100–199 of 1,000');
    assert.ok(tags.every((n) => /^tags:1/.test(label(n)) && String(n.toTreeItem().description).startsWith('set')));

    await vscode.commands.executeCommand('upkeep.redis.filter', { type: 'zset' });
    db = await find(await connection(), `db${DB}`);
    assert.deepEqual((await loadAll(db)).map(label), ['big:', 'rank:']);

    await vscode.commands.executeCommand('upkeep.redis.filter', { pattern: 'nothing:here:*' });
    db = await find(await connection(), `db${DB}`);
    assert.deepEqual((await loadAll(db)).map(label), ['No keys match MATCH nothing:here:*']);

    await vscode.commands.executeCommand('upkeep.redis.clearFilter');
    db = await find(await connection(), `db${DB}`);
    assert.ok(!String(db.toTreeItem().description).includes('filter'));
    assert.ok((await children(db)).length > 5);
  });
});
