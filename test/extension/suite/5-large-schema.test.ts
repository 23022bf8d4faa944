import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { recreateDatabase } from '../../support/pg';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { UpkeepNode } from '../../../src/views/node';
import { label, report, services, upkeep } from './helpers';

describe('A schema with 10,000 tables', function () {
  this.timeout(180_000);
  let added: AddConnectionResult;
  const db = 'upkeep_wide';

  before(async () => {
    const s = services().postgres;
    const c = await recreateDatabase(s, db);
    await c.query('CREATE SCHEMA wide');
    // In batches: one transaction for all of them would need more lock slots than the server has.
    for (let batch = 0; batch < 5; batch++) {
      await c.query(`DO $$ BEGIN FOR i IN ${batch * 2000 + 1}..${(batch + 1) * 2000} LOOP EXECUTE format('CREATE TABLE wide.%I (id int)', 't' || lpad(i::text, 5, '0')); END LOOP; END $$`);
    }
    await c.end();
    added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${db}`,
      name: 'Wide PG',
      test: false,
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
  });

  it('expands a page at a time, with "Load more…" for the rest', async () => {
    const api = await upkeep();
    const tree = api.trees.postgres;
    const conn = (await tree.getChildren()).find((n) => label(n) === 'Wide PG');
    assert.ok(conn);
    const dbNode = (await tree.getChildren(conn)).find((n) => label(n) === db);
    assert.ok(dbNode);
    const schema = (await tree.getChildren(dbNode)).find((n) => label(n) === 'wide');
    assert.ok(schema);
    assert.equal(schema.toTreeItem().description, '10k tables');
    const started = Date.now();
    const first = await tree.getChildren(schema);
    const firstMs = Date.now() - started;
    assert.equal(first.length, 501, '500 tables and the "Load more…" node');
    assert.equal(label(first[0] as UpkeepNode), 't00001');
    const more = first[500] as UpkeepNode;
    assert.equal(label(more), 'Load more…');
    assert.equal(more.toTreeItem().description, '500 of 10k shown');
    await vscode.commands.executeCommand('upkeep.loadMore', more);
    const second = await tree.getChildren(schema);
    assert.equal(second.length, 1001);
    assert.equal(label(second[999] as UpkeepNode), 't01000');
    report(`first page of 10,000 tables through the tree provider: ${firstMs} ms (npm run bench measures it against psql)`);
  });
});
