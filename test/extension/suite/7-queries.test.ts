import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pgClient } from '../../support/pg';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { StatementPreview } from '../../../src/app/prompter';
import type { TabSnapshot } from '../../../src/webviews/resultsPanel';
import { eventually, report, services, upkeep } from './helpers';

const SQL_FILE = `-- upkeep: connection=Query PG
-- Rows, then maintenance, then a psql meta-command, then a destructive statement.
SELECT id, v, note FROM public.q_rows ORDER BY id;

VACUUM (VERBOSE) public.q_rows;

\\dt public.*

DELETE FROM public.q_rows;
`;

async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

async function rowCount(): Promise<number> {
  const c = await pgClient(services().postgres);
  try {
    return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM public.q_rows')).rows[0]?.n ?? -1;
  } finally {
    await c.end();
  }
}

describe('Statements from .sql and .cypher files', function () {
  this.timeout(90_000);
  const asked: StatementPreview[] = [];
  let answer = false;
  let rw: AddConnectionResult;
  let ro: AddConnectionResult;
  let neo: AddConnectionResult;
  let dir: string;

  before(async () => {
    const s = services().postgres;
    const c = await pgClient(s);
    await c.query(`DROP TABLE IF EXISTS public.q_rows;
      CREATE TABLE public.q_rows (id int PRIMARY KEY, v text, note text);
      INSERT INTO public.q_rows SELECT g, 'v' || g, CASE WHEN g = 2 THEN NULL WHEN g = 3 THEN 'NULL' ELSE 'n' END FROM generate_series(1, 250) g;`);
    await c.end();
    const url = `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`;
    rw = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Query PG' });
    ro = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Query PG RO', readOnly: true });
    const n = services().neo4j;
    neo = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `bolt://${n.user}:${encodeURIComponent(n.password)}@${n.host}:${n.port}`, name: 'Query Neo4j' });
    const api = await upkeep();
    api.setPrompter({
      confirmOperation: () => Promise.resolve(false),
      confirmStatement: (p) => {
        asked.push(p);
        return Promise.resolve(answer);
      },
    });
    dir = fs.mkdtempSync(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '/tmp', 'queries-'));
  });

  after(async () => {
    const api = await upkeep();
    api.setPrompter(undefined);
    await vscode.workspace.getConfiguration('upkeep.results').update('maxRows', undefined, vscode.ConfigurationTarget.Global);
    for (const r of [rw, ro, neo]) await vscode.commands.executeCommand('upkeep.removeConnection', r.profile.id, { confirm: false });
  });

  async function openFile(name: string, content: string): Promise<vscode.TextDocument> {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    return doc;
  }

  it('shows Run / Run on… / Explain lenses on each statement and "Not sent" on the psql meta-command; the status bar shows the bound connection', async () => {
    const doc = await openFile('maintenance-q.sql', SQL_FILE);
    const lenses = await eventually('code lenses', async () => {
      const l = await lensesOf(doc.uri);
      return l.length >= 8 ? l : undefined;
    });
    const byLine = new Map<number, string[]>();
    for (const l of lenses) byLine.set(l.range.start.line, [...(byLine.get(l.range.start.line) ?? []), l.command?.title ?? '']);
    assert.deepEqual(byLine.get(2), ['$(play) Run', 'Run on…', 'Explain', 'Explain Analyze'], 'SELECT');
    assert.deepEqual(byLine.get(4), ['$(play) Run', 'Run on…'], 'VACUUM: no EXPLAIN');
    assert.match(byLine.get(6)?.[0] ?? '', /Not sent: psql meta-command/);
    assert.deepEqual(byLine.get(8), ['$(play) Run', 'Run on…', 'Explain', 'Explain Analyze'], 'DELETE');
    const api = await upkeep();
    assert.equal(api.fileConnections.statusText(), '$(database) Query PG');
    report(`code lenses: ${lenses.length} on ${byLine.size} statements; status bar "${api.fileConnections.statusText() ?? ''}"`);
  });

  it('▶ Run on the SELECT fills the results panel: columns with types, NULL apart from the string NULL, max-rows then fetch more', async () => {
    await vscode.workspace.getConfiguration('upkeep.results').update('maxRows', 100, vscode.ConfigurationTarget.Global);
    const doc = await openFile('maintenance-q.sql', SQL_FILE);
    const lens = (await lensesOf(doc.uri)).find((l) => l.command?.command === 'upkeep.query.run');
    assert.ok(lens?.command);
    const api = await upkeep();
    const snap = await vscode.commands.executeCommand<TabSnapshot>(lens.command.command, ...((lens.command.arguments ?? []) as unknown[]));
    assert.ok(snap, 'the run returned its tab');
    assert.ok(api.results.visible, 'the results panel is open');
    assert.deepEqual(snap.columns.map((c) => `${c.name}:${c.type}`), ['id:integer', 'v:text', 'note:text']);
    assert.equal(snap.status, 'more');
    assert.equal(snap.rowCount, 100);
    assert.deepEqual(snap.preview.slice(0, 3), [['1', 'v1', 'n'], ['2', 'v2', null], ['3', 'v3', 'NULL']]);
    await api.results.handle({ type: 'fetchMore', tabId: snap.id });
    assert.equal(api.results.snapshot(snap.id)?.rowCount, 200);
    await api.results.handle({ type: 'fetchMore', tabId: snap.id });
    const last = api.results.snapshot(snap.id);
    assert.equal(last?.rowCount, 250);
    assert.equal(last?.status, 'done');
    const csv = vscode.Uri.file(path.join(dir, 'all.csv'));
    await api.results.handle({ type: 'export', tabId: snap.id, format: 'csv' }, csv);
    const lines = fs.readFileSync(csv.fsPath, 'utf8').trim().split('\r\n');
    assert.equal(lines.length, 251);
    assert.equal(lines[2], '2,v2,');
    report(`results: ${snap.rowCount} rows in ${snap.durationMs} ms, then fetch more to ${last?.rowCount ?? 0}; export wrote ${lines.length - 1} rows`);
  });

  it('VACUUM (VERBOSE) runs from the file in autocommit and its server messages reach the tab', async () => {
    const doc = await openFile('maintenance-q.sql', SQL_FILE);
    const snap = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 1);
    assert.equal(snap.status, 'done', snap.message);
    assert.equal(snap.summary?.command, 'VACUUM');
    assert.ok(snap.summary?.notices.some((n) => /vacuuming/.test(n)), snap.summary?.notices.join('\n'));
    assert.equal(asked.length, 0, 'a plain VACUUM is safe: no question');
  });

  it('a destructive statement asks first; declining sends nothing', async () => {
    const doc = await openFile('maintenance-q.sql', SQL_FILE);
    answer = false;
    const result = await vscode.commands.executeCommand<TabSnapshot | undefined>('upkeep.query.run', doc.uri, 3);
    assert.equal(result, undefined);
    const q = asked.at(-1);
    assert.equal(q?.risk, 'destructive');
    assert.match(q?.reasons.join(' ') ?? '', /DELETE without WHERE removes every row of public\.q_rows/);
    assert.equal(await rowCount(), 250, 'nothing was deleted');
  });

  it('a readOnly connection refuses a write before anything is sent', async () => {
    const doc = await openFile('unbound-q.sql', 'SELECT count(*) AS n FROM public.q_rows;\nUPDATE public.q_rows SET v = v WHERE id = 1;\n');
    const api = await upkeep();
    await api.fileConnections.remember(doc.uri, ro.profile.id);
    assert.equal(api.fileConnections.statusText(), '$(database) Query PG RO');
    const before = asked.length;
    const tabs = api.results.tabIds().length;
    const refused = await vscode.commands.executeCommand<TabSnapshot | undefined>('upkeep.query.run', doc.uri, 1);
    assert.equal(refused, undefined);
    assert.equal(asked.length, before, 'no question: refused outright');
    assert.equal(api.results.tabIds().length, tabs, 'no tab: nothing ran');
    const read = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
    assert.deepEqual(read.preview, [['250']], 'reads still run');
  });

  it('Cancel stops SELECT pg_sleep(60) on the server within 2 s', async () => {
    const doc = await openFile('sleep-q.sql', '-- upkeep: connection=Query PG\nSELECT pg_sleep(60);\n');
    const api = await upkeep();
    const known = new Set(api.results.tabIds());
    const running = vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
    const tabId = await eventually('the running tab', () => api.results.tabIds().find((id) => !known.has(id)));
    const c = await pgClient(services().postgres);
    try {
      await eventually('pg_sleep running on the server', async () => (await c.query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(60)'")).rows.length > 0);
      const started = Date.now();
      await api.results.handle({ type: 'cancel', tabId });
      await eventually('pg_sleep gone', async () => (await c.query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(60)'")).rows.length === 0, 5_000);
      const ms = Date.now() - started;
      assert.ok(ms < 2_000, `stopped after ${ms} ms`);
      const snap = await running;
      assert.equal(snap.status, 'cancelled');
      report(`cancel from the results panel: pg_sleep(60) gone from pg_stat_activity ${ms} ms after Cancel`);
    } finally {
      await c.end();
    }
  });

  it('Cypher files: lenses, rows from Neo4j, nodes shown with labels and properties, DETACH DELETE without LIMIT asks first', async () => {
    const doc = await openFile(
      'graph-q.cypher',
      "// upkeep: connection=Query Neo4j\nCREATE (a:QTest {name: 'Ann'})-[:KNOWS {since: 2001}]->(b:QTest {name: 'Bob'}) RETURN a, b;\n:param x => 1\nMATCH p = (:QTest)-[:KNOWS]->(:QTest) RETURN p, 1 AS one;\nMATCH (n:QTest) DETACH DELETE n;\n",
    );
    const lenses = await eventually('cypher lenses', async () => {
      const l = await lensesOf(doc.uri);
      return l.length >= 7 ? l : undefined;
    });
    assert.ok(lenses.some((l) => /Not sent/.test(l.command?.title ?? '')), 'the :param console command is flagged');
    assert.ok(!lenses.some((l) => l.command?.title === 'Explain'), 'no SQL Explain on Cypher');
    const created = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
    assert.equal(created.status, 'done', created.message);
    const a = created.preview[0]?.[0];
    assert.ok(a && typeof a === 'object' && a.kind === 'node', JSON.stringify(a));
    assert.match(a.text, /^\(:QTest \{name: "Ann"\}\)$/);
    assert.ok(created.summary?.notices.some((n) => /2 nodes created/.test(n)), created.summary?.notices.join('\n'));
    const path1 = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 2);
    const p = path1.preview[0]?.[0];
    assert.ok(p && typeof p === 'object' && p.kind === 'path');
    assert.match(p.text, /\(:QTest \{name: "Ann"\}\)-\[:KNOWS \{since: 2001\}\]->\(:QTest \{name: "Bob"\}\)/);
    answer = true;
    const before = asked.length;
    const del = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 3);
    assert.equal(asked.length, before + 1);
    assert.equal(asked.at(-1)?.risk, 'destructive');
    assert.equal(del.status, 'done', del.message);
    answer = false;
  });

  it('Run All runs each statement into its own tab and stops at the first failure, which names its line in the file', async () => {
    const doc = await openFile('run-all-q.sql', '-- upkeep: connection=Query PG\nSELECT 1 AS a;\nSELECT \'x\' AS b;\nSELECT 1\n  FROM nowhere_at_all;\nSELECT 4 AS d;\n');
    const lenses = await eventually('run-all lens', async () => (await lensesOf(doc.uri)).find((l) => /Run All \(4 statements\)/.test(l.command?.title ?? '')));
    assert.equal(lenses.range.start.line, 0);
    const snaps = await vscode.commands.executeCommand<TabSnapshot[]>('upkeep.query.runAll', doc.uri);
    assert.deepEqual(snaps.map((s) => s.status), ['done', 'done', 'failed'], 'the fourth never ran');
    assert.equal(new Set(snaps.map((s) => s.id)).size, 3, 'one tab per statement');
    assert.deepEqual(snaps[1]?.preview, [['x']]);
    assert.match(snaps[2]?.message ?? '', /relation "nowhere_at_all" does not exist/);
    assert.match(snaps[2]?.message ?? '', /\(line 5, column 8 of .*run-all-q\.sql\)/);
  });

  it('copy from the grid goes to the clipboard; a connection that cannot be reached fails the tab with one clear line', async () => {
    const api = await upkeep();
    await api.results.handle({ type: 'copy', what: 'row', text: '1\tv1\tn' });
    assert.equal(await vscode.env.clipboard.readText(), '1\tv1\tn');
    const s = services().postgres;
    const dead = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `postgres://${s.user}:x@127.0.0.1:1/${s.database}`, name: 'Query PG nowhere' });
    try {
      const doc = await openFile('dead-q.sql', '-- upkeep: connection=Query PG nowhere\nSELECT 1;\n');
      const snap = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
      assert.equal(snap.status, 'failed');
      assert.match(snap.message ?? '', /^Nothing is listening at upkeep@127\.0\.0\.1:1\/upkeep_test: is PostgreSQL running/);
    } finally {
      await vscode.commands.executeCommand('upkeep.removeConnection', dead.profile.id, { confirm: false });
    }
  });

  it('the setting turns the lenses off', async () => {
    const doc = await openFile('maintenance-q.sql', SQL_FILE);
    const cfg = vscode.workspace.getConfiguration('upkeep.codeLens');
    await cfg.update('enabled', false, vscode.ConfigurationTarget.Global);
    try {
      await eventually('no lenses', async () => (await lensesOf(doc.uri)).length === 0);
    } finally {
      await cfg.update('enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await eventually('lenses back', async () => (await lensesOf(doc.uri)).length > 0);
  });
});
