import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pgClient } from '../../support/pg';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { UpkeepNode } from '../../../src/views/node';
import { eventually, filesContaining, label, report, services, upkeep } from './helpers';

describe('PostgreSQL connection end to end', function () {
  this.timeout(60_000);
  const schema = 'Ext "Test" Ω';
  let result: AddConnectionResult;

  before(async () => {
    const s = services().postgres;
    const c = await pgClient(s);
    await c.query(`DROP SCHEMA IF EXISTS ${c.escapeIdentifier(schema)} CASCADE`);
    await c.query(`CREATE SCHEMA ${c.escapeIdentifier(schema)}`);
    await c.query(`CREATE TABLE ${c.escapeIdentifier(schema)}.orders WITH (autovacuum_enabled = false) AS SELECT g AS id FROM generate_series(1, 1000) g`);
    await c.query(`CREATE TABLE ${c.escapeIdentifier(schema)}."<b>html</b>" (id int)`);
    await c.query(`ANALYZE ${c.escapeIdentifier(schema)}.orders`);
    await c.end();
  });

  it('adds a connection through the real command and tests it', async () => {
    const s = services().postgres;
    result = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`,
      name: 'Test PG',
      production: true,
      scope: 'user',
    });
    assert.ok(result.test?.ok, JSON.stringify(result.test));
    report(`Test connection: ${result.test.ok ? result.test.summary : ''}`);
  });

  it('keeps the password in SecretStorage only', async () => {
    const api = await upkeep();
    const password = services().postgres.password;
    assert.equal(await api.secrets.getPassword(result.profile.id), password, 'found in SecretStorage');

    const inspected = vscode.workspace.getConfiguration('upkeep').inspect('connections');
    assert.ok(JSON.stringify(inspected?.globalValue).includes(result.profile.id), 'the profile is in user settings');
    assert.ok(!JSON.stringify(inspected).includes(password), 'not in settings (any scope)');
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('upkeep')).includes(password));
    assert.ok(!JSON.stringify(api.storedState()).includes(password), 'not in globalState/workspaceState');

    // And not on disk where settings and state live (the runner tells us the user-data dir).
    const userData = process.env['UPKEEP_USER_DATA_DIR'];
    if (userData) {
      const settingsFile = path.join(userData, 'User', 'settings.json');
      assert.ok(fs.readFileSync(settingsFile, 'utf8').includes(result.profile.id), 'settings.json holds the profile');
      const hits = filesContaining(userData, password);
      assert.deepEqual(hits, [], 'no file under the user-data folder holds the password');
      report(`searched ${userData} for the password: not found; settings.json holds the profile`);
    }
  });

  it('shows the connection in the PostgreSQL view with its status', async () => {
    const api = await upkeep();
    const roots = await api.trees.postgres.getChildren();
    const node = roots.find((r) => label(r) === 'Test PG');
    assert.ok(node, 'listed');
    const item = await eventually('connected status', () => {
      const i = node.toTreeItem();
      return (i.iconPath as vscode.ThemeIcon).id === 'server' ? i : undefined;
    });
    assert.match(String(item.description), /production/);
    assert.match(String(item.contextValue), /production/);
  });

  it('expands databases → schemas → tables with estimated rows and size', async () => {
    const api = await upkeep();
    const tree = api.trees.postgres;
    const conn = (await tree.getChildren()).find((r) => label(r) === 'Test PG');
    assert.ok(conn);
    const dbs = await tree.getChildren(conn);
    const db = dbs.find((d) => label(d) === services().postgres.database);
    assert.ok(db, `databases: ${dbs.map(label).join(', ')}`);
    const schemas = await tree.getChildren(db);
    const sch = schemas.find((s) => label(s) === schema);
    assert.ok(sch, `schemas: ${schemas.map(label).join(', ')}`);
    const tables = await tree.getChildren(sch);
    assert.deepEqual(tables.map(label).sort(), ['<b>html</b>', 'orders']);
    const orders = tables.find((t) => label(t) === 'orders');
    assert.match(String(orders?.toTreeItem().description), /^\d+(\.\d)? kB · ~1,000 rows · 0% dead · vacuumed never · analyzed (just now|\d+ min ago)$/);
    report(`orders: ${String(orders?.toTreeItem().description)}`);
  });

  it('a wrong password shows as an error status with the reason', async () => {
    const api = await upkeep();
    const s = services().postgres;
    const bad = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `postgres://${s.user}:wrong-password@${s.host}:${s.port}/${s.database}`,
      name: 'Bad PG',
    });
    assert.ok(bad.test && !bad.test.ok);
    assert.equal(bad.test.problem.kind, 'auth');
    const node = (await api.trees.postgres.getChildren()).find((r) => label(r) === 'Bad PG');
    assert.ok(node);
    const item = node.toTreeItem();
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match((item.tooltip as vscode.MarkdownString).value, /rejected the user name or password/);
    const children = await api.trees.postgres.getChildren(node);
    assert.match(label(children[0] as UpkeepNode), /Click to enter the password/);
    assert.equal(children[0]?.toTreeItem().command?.command, 'upkeep.setPassword');
    await vscode.commands.executeCommand('upkeep.removeConnection', bad.profile.id, { confirm: false });
  });

  it('saves a workspace-scoped connection in .vscode/settings.json without its password', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test host opens a folder');
    const s = services().postgres;
    const shared = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`,
      name: 'Team PG',
      scope: 'workspace',
      readOnly: true,
      test: false,
    });
    const file = path.join(folder.uri.fsPath, '.vscode', 'settings.json');
    const text = await eventually('workspace settings written', () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
    assert.ok(text.includes('Team PG'));
    assert.ok(text.includes('"readOnly": true'));
    assert.ok(!text.includes(s.password));
    await vscode.commands.executeCommand('upkeep.removeConnection', shared.profile.id, { confirm: false });
    assert.ok(!fs.readFileSync(file, 'utf8').includes('Team PG'));
  });

  it('removes a connection and its secret', async () => {
    const api = await upkeep();
    await vscode.commands.executeCommand('upkeep.removeConnection', result.profile.id, { confirm: false });
    assert.equal(await api.secrets.getPassword(result.profile.id), undefined);
    assert.equal(api.profiles.get(result.profile.id), undefined);
  });
});
