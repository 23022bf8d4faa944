import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, report, upkeep } from './helpers';

describe('Activation', () => {
  it(`activates in a real VS Code (${vscode.version}) and loads no driver`, async () => {
    report(`vscode.version = ${vscode.version}, appHost = ${vscode.env.appHost}, appName = ${vscode.env.appName}`);
    const api = await upkeep();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    assert.deepEqual(api.loadedDrivers(), [], 'no database driver is loaded at activation');
  });

  it('contributes the five views and the connection commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['upkeep.addConnection', 'upkeep.editConnection', 'upkeep.removeConnection', 'upkeep.testConnection', 'upkeep.postgres.addConnection', 'upkeep.docker.refresh', 'upkeep.rabbitmq.refresh', 'upkeep.rabbitmq.purge']) {
      assert.ok(commands.includes(id), id);
    }
    const api = await upkeep();
    assert.deepEqual(Object.keys(api.trees).sort(), ['docker', 'neo4j', 'postgres', 'rabbitmq', 'redis']);
    for (const tree of Object.values(api.trees)) assert.deepEqual(await tree.getChildren(), [], 'empty at first');
  });
});
