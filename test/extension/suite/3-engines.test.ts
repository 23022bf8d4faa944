import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { Engine } from '../../../src/core/connections/profile';
import { eventually, report, services, upkeep } from './helpers';

describe('Test connection for every engine', function () {
  this.timeout(60_000);

  const cases: [Engine, () => string][] = [
    ['postgres', () => { const s = services().postgres; return `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`; }],
    ['neo4j', () => { const s = services().neo4j; return `bolt://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}`; }],
    ['redis', () => { const s = services().redis; return `redis://:${encodeURIComponent(s.password)}@${s.host}:${s.port}/0`; }],
    ['docker', () => `unix://${services().docker.socketPath}`],
    // http:// is Docker's too: the RabbitMQ view's Add Connection names its engine, as here.
    ['rabbitmq', () => { const s = services().rabbitmq; return `http://${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}@${s.host}:${s.managementPort}`; }],
  ];

  for (const [engine, url] of cases) {
    it(`${engine}: adds, tests and shows a connected node`, async () => {
      const api = await upkeep();
      const added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { engine, url: url(), name: `It ${engine}` });
      assert.ok(added.test?.ok, JSON.stringify(added.test));
      report(`${engine}: ${added.test.ok ? added.test.summary : ''}`);
      const again = await vscode.commands.executeCommand<{ ok: boolean }>('upkeep.testConnection', added.profile.id);
      assert.ok(again.ok);
      const node = await eventually('node listed', async () => (await api.trees[engine].getChildren()).find((n) => n.id === `conn:${added.profile.id}`));
      assert.equal((node.toTreeItem().iconPath as vscode.ThemeIcon).id, 'server');
      await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
    });
  }

  it('redis with a wrong password shows an error status', async () => {
    const api = await upkeep();
    const s = services().redis;
    const added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `redis://:nope@${s.host}:${s.port}`, name: 'Bad Redis' });
    assert.ok(added.test && !added.test.ok);
    assert.equal(added.test.problem.kind, 'auth');
    const node = (await api.trees.redis.getChildren()).find((n) => n.id === `conn:${added.profile.id}`);
    assert.equal((node?.toTreeItem().iconPath as vscode.ThemeIcon).id, 'error');
    await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
  });

  it('drivers were loaded only once used', async () => {
    const api = await upkeep();
    assert.deepEqual(api.loadedDrivers().sort(), ['dockerode', 'ioredis', 'neo4j-driver', 'pg']);
  });
});
