import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import neo4j, { type Integer, type Record as Neo4jRecord } from 'neo4j-driver';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { OperationPreview } from '../../../src/app/prompter';
import type { BatchOutcome } from '../../../src/core/operations/operation';
import type { UpkeepNode } from '../../../src/views/node';
import type { EngineTreeProvider } from '../../../src/views/treeProvider';
import { label, report, services, upkeep } from './helpers';

const P = `UpkE${process.pid}`;

async function child(tree: EngineTreeProvider, parent: UpkeepNode | undefined, name: string): Promise<UpkeepNode> {
  const children = await tree.getChildren(parent);
  const found = children.find((c) => label(c) === name);
  if (!found) throw new Error(`no "${name}" under ${parent ? label(parent) : 'the root'}: ${children.map(label).join(', ')}`);
  return found;
}

async function cypher(text: string): Promise<Neo4jRecord[]> {
  const s = services().neo4j;
  const driver = neo4j.driver(s.url, neo4j.auth.basic(s.user, s.password));
  try {
    const session = driver.session({ database: 'neo4j' });
    try {
      return (await session.run(text)).records;
    } finally {
      await session.close();
    }
  } finally {
    await driver.close();
  }
}

async function countOf(text: string): Promise<number> {
  return ((await cypher(text))[0]?.get(0) as Integer).toNumber();
}

async function indexNames(): Promise<string[]> {
  return (await cypher(`SHOW INDEXES YIELD name WHERE name STARTS WITH '${P}' RETURN name`)).map((r) => String(r.get('name')));
}

describe('Neo4j tree and operations', function () {
  this.timeout(120_000);
  const previews: OperationPreview[] = [];
  let rw: AddConnectionResult;
  let ro: AddConnectionResult;

  before(async () => {
    await cypher(`UNWIND range(1, 3) AS i CREATE (:\`${P}Ext\` {k: i})-[:\`${P}LINK\`]->(:\`${P}Other\`)`);
    await cypher(`UNWIND range(1, 5) AS i CREATE (:\`${P}Lonely\` {i: i})`);
    await cypher(`CREATE INDEX \`${P}_ext_k\` FOR (n:\`${P}Ext\`) ON (n.k)`);
    await cypher('CALL db.awaitIndexes(30)');
    const s = services().neo4j;
    const url = `bolt://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}`;
    rw = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Ext Neo4j' });
    ro = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Ext Neo4j (read-only)', readOnly: true });
    (await upkeep()).setPrompter({
      confirmOperation: (p) => {
        previews.push(p);
        return Promise.resolve(true);
      },
      showOutcome: () => Promise.resolve(undefined),
    });
  });

  after(async () => {
    (await upkeep()).setPrompter(undefined);
    for (const r of [rw, ro]) if (r?.profile) await vscode.commands.executeCommand('upkeep.removeConnection', r.profile.id, { confirm: false });
    for (const name of await indexNames()) await cypher(`DROP INDEX \`${name}\``);
    for (const l of ['Ext', 'Other', 'Lonely']) await cypher(`MATCH (n:\`${P}${l}\`) DETACH DELETE n`);
  });

  it('expands to server facts, databases (system hidden), labels with counts, relationship types and indexes', async () => {
    const tree = (await upkeep()).trees.neo4j;
    const conn = await child(tree, undefined, 'Ext Neo4j');
    const top = await tree.getChildren(conn);
    assert.match(label(top[0] as UpkeepNode), /^Neo4j 5\.\d+\.\d+ community$/);
    assert.match(String((top[0] as UpkeepNode).toTreeItem().description), /nodes · .* relationships · APOC /);
    assert.deepEqual(top.slice(1).map(label), ['neo4j'], 'the system database is hidden');
    const db = await child(tree, conn, 'neo4j');
    assert.deepEqual((await tree.getChildren(db)).map(label), ['Labels', 'Relationship types', 'Indexes', 'Constraints', 'Transactions']);
    const ext = await child(tree, await child(tree, db, 'Labels'), `${P}Ext`);
    assert.equal(ext.toTreeItem().description, '3 nodes');
    assert.equal(ext.toTreeItem().contextValue, 'upkeep.neo4j.label');
    assert.equal((await child(tree, await child(tree, db, 'Relationship types'), `${P}LINK`)).toTreeItem().description, '3 relationships');
    const ix = await child(tree, await child(tree, db, 'Indexes'), `${P}_ext_k`);
    assert.match(String(ix.toTreeItem().description), new RegExp(`^RANGE · :${P}Ext\\(k\\)`));
    assert.equal(ix.toTreeItem().contextValue, 'upkeep.neo4j.index');
    report(`Neo4j tree: ${top.map(label).join(', ')}; index ${label(ix)}: ${String(ix.toTreeItem().description)}`);
  });

  it('a status-only redraw of the connection hands back the same children (a context menu keeps its node); a refresh loads new ones', async () => {
    const api = await upkeep();
    const tree = api.trees.neo4j;
    const conn = await child(tree, undefined, 'Ext Neo4j');
    const first = await tree.getChildren(conn);
    // The workbench redraws an expanded connection when its status flips (checking → connected) and asks for its children again.
    api.connections.setStatus(rw.profile.id, { state: 'checking' });
    assert.deepEqual(await tree.getChildren(conn), first, 'the same node objects while checking');
    api.connections.setStatus(rw.profile.id, { state: 'connected', summary: 'again', checkedAt: Date.now() });
    const again = await tree.getChildren(conn);
    assert.ok(again.every((n, i) => n === first[i]), 'the same node objects once connected');
    tree.refresh(conn);
    const fresh = await tree.getChildren(conn);
    assert.ok(fresh.length === first.length && fresh.every((n, i) => n !== first[i] && n.id === first[i]?.id), 'a refresh builds new nodes with the same ids');
  });

  it('a read-only connection refuses every write before asking or sending anything', async () => {
    const tree = (await upkeep()).trees.neo4j;
    const db = await child(tree, await child(tree, undefined, 'Ext Neo4j (read-only)'), 'neo4j');
    const ix = await child(tree, await child(tree, db, 'Indexes'), `${P}_ext_k`);
    const lonely = await child(tree, await child(tree, db, 'Labels'), `${P}Lonely`);
    const count = previews.length;
    const runs: [string, unknown[]][] = [
      ['upkeep.neo4j.dropIndex', [ix]], ['upkeep.neo4j.rebuildIndex', [ix]], ['upkeep.neo4j.deleteOrphans', [lonely]],
      ['upkeep.neo4j.createIndex', [lonely, { type: 'RANGE', properties: ['i'], name: `${P}_ro` }]],
      ['upkeep.neo4j.findDuplicates', [lonely, { properties: ['i'], createConstraint: true }]],
    ];
    for (const [command, args] of runs) assert.equal(await vscode.commands.executeCommand<BatchOutcome | undefined>(command, ...args), undefined, command);
    assert.equal(previews.length, count, 'no preview was shown');
    assert.deepEqual(await (await upkeep()).history.read(ro.profile.id), []);
    assert.deepEqual((await indexNames()).sort(), [`${P}_ext_k`]);
    assert.equal(await countOf(`MATCH (n:\`${P}Lonely\`) RETURN count(n) AS c`), 5);
  });

  it('drops an index through the flow: preview with the exact Cypher, destructive, history', async () => {
    const api = await upkeep();
    const tree = api.trees.neo4j;
    const db = await child(tree, await child(tree, undefined, 'Ext Neo4j'), 'neo4j');
    const ix = await child(tree, await child(tree, db, 'Indexes'), `${P}_ext_k`);
    const result = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.neo4j.dropIndex', ix);
    assert.equal(result?.outcomes[0]?.status, 'done');
    const preview = previews.at(-1);
    assert.deepEqual([preview?.ops[0]?.text, preview?.risk], [`DROP INDEX \`${P}_ext_k\``, 'destructive']);
    assert.deepEqual(await indexNames(), []);
    const history = await api.history.read(rw.profile.id);
    assert.deepEqual([history[0]?.engine, history[0]?.text, history[0]?.status], ['neo4j', `DROP INDEX \`${P}_ext_k\``, 'done']);
  });

  it('creates an index from a label and waits for ONLINE; deletes orphans of a label after a counted preview', async () => {
    const tree = (await upkeep()).trees.neo4j;
    const db = await child(tree, await child(tree, undefined, 'Ext Neo4j'), 'neo4j');
    const lonely = await child(tree, await child(tree, db, 'Labels'), `${P}Lonely`);
    const created = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.neo4j.createIndex', lonely, { type: 'TEXT', properties: ['i'], name: `${P}_lonely_i` });
    assert.equal(created?.outcomes[0]?.status, 'done');
    assert.equal(previews.at(-1)?.ops[0]?.text, `CREATE TEXT INDEX \`${P}_lonely_i\` FOR (n:\`${P}Lonely\`) ON (n.\`i\`)`);
    assert.equal((await cypher(`SHOW INDEXES YIELD name, state WHERE name = '${P}_lonely_i' RETURN state`))[0]?.get('state') as string, 'ONLINE');
    const deleted = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.neo4j.deleteOrphans', lonely);
    assert.equal(deleted?.outcomes[0]?.status, 'done');
    assert.equal(previews.at(-1)?.title, `Delete 5 orphaned nodes with label ${P}Lonely`);
    assert.equal(previews.at(-1)?.risk, 'destructive');
    assert.equal(await countOf(`MATCH (n:\`${P}Lonely\`) RETURN count(n) AS c`), 0);
    assert.equal(await countOf(`MATCH (n:\`${P}Ext\`) RETURN count(n) AS c`), 3, 'connected nodes stay');
  });
});
