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
  return (await onServer<{ n: number }>('SELECT count(*)::int AS n FROM public.q_rows'))[0]?.n ?? -1;
}

/** One query on the test server, as the test's own superuser session. */
async function onServer<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = await pgClient(services().postgres);
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** The sessions (other than the asking one) running a statement that contains `marker`, with their snapshot horizon. */
async function sessionsRunning(marker: string): Promise<{ pid: number; xmin: string | null }[]> {
  return onServer("SELECT pid, backend_xmin::text AS xmin FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()", [marker]);
}

describe('Statements from .sql and .cypher files', function () {
  this.timeout(90_000);
  const asked: StatementPreview[] = [];
  let answer = false;
  let rw: AddConnectionResult;
  let ro: AddConnectionResult;
  let prod: AddConnectionResult;
  let neo: AddConnectionResult;
  let dir: string;

  before(async () => {
    const s = services().postgres;
    const c = await pgClient(s);
    await c.query(`DROP TABLE IF EXISTS public.q_rows, public.q_do_made;
      DROP SEQUENCE IF EXISTS public.q_seq CASCADE;
      CREATE SEQUENCE public.q_seq;
      CREATE OR REPLACE FUNCTION public.q_bump() RETURNS bigint LANGUAGE sql AS 'SELECT nextval(''public.q_seq'')';
      CREATE TABLE public.q_rows (id int PRIMARY KEY, v text, note text);
      INSERT INTO public.q_rows SELECT g, 'v' || g, CASE WHEN g = 2 THEN NULL WHEN g = 3 THEN 'NULL' ELSE 'n' END FROM generate_series(1, 250) g;`);
    await c.end();
    const url = `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`;
    rw = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Query PG' });
    ro = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Query PG RO', readOnly: true });
    prod = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Query PG prod', production: true });
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
    await vscode.workspace.getConfiguration('upkeep.results').update('idleCloseSeconds', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('upkeep.query').update('lockTimeoutMs', undefined, vscode.ConfigurationTarget.Global);
    await onServer('DROP TABLE IF EXISTS public.q_do_made; DROP FUNCTION IF EXISTS public.q_bump(); DROP SEQUENCE IF EXISTS public.q_seq');
    for (const r of [rw, ro, prod, neo]) await vscode.commands.executeCommand('upkeep.removeConnection', r.profile.id, { confirm: false });
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

  it('a readOnly connection refuses a write before anything is sent: the row keeps its value, and a session it would have terminated lives on', async () => {
    const victim = await pgClient(services().postgres);
    try {
      const victimPid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      const doc = await openFile(
        'unbound-q.sql',
        `SELECT count(*) AS n FROM public.q_rows;\nUPDATE public.q_rows SET v = 'written by a read-only profile' WHERE id = 1;\nSELECT pg_terminate_backend(${victimPid});\n`,
      );
      const api = await upkeep();
      await api.fileConnections.remember(doc.uri, ro.profile.id);
      assert.equal(api.fileConnections.statusText(), '$(database) Query PG RO');
      const before = asked.length;
      const tabs = api.results.tabIds().length;
      assert.equal(await vscode.commands.executeCommand<TabSnapshot | undefined>('upkeep.query.run', doc.uri, 1), undefined);
      assert.deepEqual(await onServer('SELECT v FROM public.q_rows WHERE id = 1'), [{ v: 'v1' }], 'the row keeps its value');
      // The server's read-only mode does not stop pg_terminate_backend: only the refusal before sending does.
      assert.equal(await vscode.commands.executeCommand<TabSnapshot | undefined>('upkeep.query.run', doc.uri, 2), undefined);
      assert.deepEqual((await victim.query('SELECT 1 AS alive')).rows, [{ alive: 1 }], 'the session it names is alive');
      assert.equal((await onServer('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [victimPid])).length, 1);
      assert.equal(asked.length, before, 'no question: refused outright');
      assert.equal(api.results.tabIds().length, tabs, 'no tab: nothing ran');
      const read = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
      assert.deepEqual(read.preview, [['250']], 'reads still run');
    } finally {
      await victim.end();
    }
  });

  it('Export all does not re-run a statement that acts (nextval), and re-runs a plain read read-only on the server', async () => {
    const doc = await openFile('export-q.sql', "-- upkeep: connection=Query PG\nSELECT nextval('public.q_seq') AS n;\nSELECT public.q_bump() AS n;\n");
    const api = await upkeep();
    const lastValue = async (): Promise<string | undefined> => (await onServer<{ v: string }>('SELECT last_value::text AS v FROM public.q_seq'))[0]?.v;
    const ran = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
    assert.deepEqual(ran.preview, [['1']]);
    const file = vscode.Uri.file(path.join(dir, 'nextval.csv'));
    await api.results.handle({ type: 'export', tabId: ran.id, format: 'csv' }, file);
    assert.match(api.results.snapshot(ran.id)?.lastInfo ?? '', /not a plain read: it was not re-run\. nextval\(\) advances a sequence/);
    assert.equal(await lastValue(), '1', 'the sequence did not move again');
    assert.equal(fs.existsSync(file.fsPath), false);
    // A function the classifier cannot see into looks like a read: its re-run is read-only on the server, so nextval() inside fails there.
    const bumped = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 1);
    assert.deepEqual(bumped.preview, [['2']]);
    await api.results.handle({ type: 'export', tabId: bumped.id, format: 'csv' }, file);
    assert.match(api.results.snapshot(bumped.id)?.lastInfo ?? '', /^Export failed: cannot execute nextval\(\) in a read-only transaction/);
    assert.equal(await lastValue(), '2');
  });

  it('a DO block runs unasked on an ordinary connection, asks first on production (declining sends nothing), and is refused on read-only', async () => {
    const block = 'DO $$ BEGIN CREATE TABLE public.q_do_made (i int); END $$;';
    const made = async (): Promise<boolean> => (await onServer<{ r: string | null }>("SELECT to_regclass('public.q_do_made')::text AS r"))[0]?.r !== null;
    const prodDoc = await openFile('do-prod-q.sql', `-- upkeep: connection=Query PG prod\n${block}\n`);
    answer = false;
    const before = asked.length;
    assert.equal(await vscode.commands.executeCommand<TabSnapshot | undefined>('upkeep.query.run', prodDoc.uri, 0), undefined);
    assert.equal(asked.length, before + 1, 'asked on production');
    assert.equal(asked.at(-1)?.connection.name, 'Query PG prod');
    assert.match(asked.at(-1)?.reasons.join(' ') ?? '', /DO runs a procedural block whose statements Upkeep cannot judge/);
    assert.equal(await made(), false, 'declined: nothing ran');
    const roDoc = await openFile('do-ro-q.sql', `-- upkeep: connection=Query PG RO\n${block}\n`);
    assert.equal(await vscode.commands.executeCommand<TabSnapshot | undefined>('upkeep.query.run', roDoc.uri, 0), undefined);
    assert.equal(asked.length, before + 1, 'read-only: refused without a question');
    assert.equal(await made(), false);
    const rwDoc = await openFile('do-rw-q.sql', `-- upkeep: connection=Query PG\n${block}\n`);
    const snap = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', rwDoc.uri, 0);
    assert.equal(snap.status, 'done', snap.message);
    assert.equal(asked.length, before + 1, 'not production: no question');
    assert.equal(await made(), true);
  });

  it('a statement from a file gives up waiting for a lock after upkeep.query.lockTimeoutMs, and the tab says so and names who holds it', async () => {
    await vscode.workspace.getConfiguration('upkeep.query').update('lockTimeoutMs', 2000, vscode.ConfigurationTarget.Global);
    const holder = await pgClient(services().postgres);
    try {
      await holder.query("SET application_name = 'q-lock-holder'");
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      await holder.query('BEGIN');
      await holder.query('SELECT count(*) FROM public.q_rows');
      const doc = await openFile('lock-q.sql', '-- upkeep: connection=Query PG\nALTER TABLE public.q_rows ADD COLUMN locked_out int;\n');
      const snap = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
      assert.equal(snap.status, 'failed');
      assert.match(snap.message ?? '', /^Gave up waiting for a lock after 2,000 ms \(upkeep\.query\.lockTimeoutMs\)/);
      assert.match(snap.message ?? '', new RegExp(`Held by pid ${holderPid} \\([^)]*"q-lock-holder", idle in transaction`));
      assert.equal((await onServer("SELECT 1 FROM pg_attribute WHERE attrelid = 'public.q_rows'::regclass AND attname = 'locked_out'")).length, 0, 'no column added');
      report(`lock timeout: ${(snap.message ?? '').split('\n').join(' / ')}`);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await vscode.workspace.getConfiguration('upkeep.query').update('lockTimeoutMs', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a tab holding its cursor shows the snapshot it keeps; the cursor closes after upkeep.results.idleCloseSeconds, on Close cursor and when the tab closes, and the server lets go', async () => {
    const results = vscode.workspace.getConfiguration('upkeep.results');
    await results.update('maxRows', 100, vscode.ConfigurationTarget.Global);
    await results.update('idleCloseSeconds', 2, vscode.ConfigurationTarget.Global);
    const doc = await openFile(
      'hold-q.sql',
      // More rows than one round trip reads (500): the cursor stays open on the server.
      "-- upkeep: connection=Query PG\nSELECT g, 'q_hold_idle' AS m FROM generate_series(1, 5000) g;\nSELECT g, 'q_hold_release' AS m FROM generate_series(1, 5000) g;\nSELECT g, 'q_hold_tab' AS m FROM generate_series(1, 5000) g;\n",
    );
    const api = await upkeep();
    const started = Date.now();
    const idle = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 0);
    assert.equal(idle.status, 'more');
    assert.match(idle.held?.what ?? '', /^a snapshot \(open transaction\)$/);
    assert.ok((idle.held?.since ?? 0) >= started - 1000 && (idle.held?.since ?? 0) <= Date.now());
    assert.equal(idle.held?.idleCloseSeconds, 2);
    const holding = await sessionsRunning('q_hold_idle');
    assert.equal(holding.length, 1);
    assert.ok(holding[0]?.xmin, 'the open cursor holds back the xmin horizon');
    const closed = await eventually('closed after 2 s idle', () => {
      const s = api.results.snapshot(idle.id);
      return s?.status === 'closed' ? s : undefined;
    });
    assert.equal(closed.message, 'Cursor closed after 2 s without Fetch more: the snapshot was released. Run the statement again to fetch more.');
    assert.equal(closed.held, undefined);
    assert.equal(closed.rowCount, 100, 'the rows shown stay');
    await eventually('the idle session gone from the server', async () => (await sessionsRunning('q_hold_idle')).length === 0);
    report(`idle cursor: ${closed.message ?? ''}`);

    await results.update('idleCloseSeconds', undefined, vscode.ConfigurationTarget.Global);
    const kept = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 1);
    assert.equal(kept.held?.idleCloseSeconds, 300, 'the default closes after five minutes');
    assert.equal((await sessionsRunning('q_hold_release')).length, 1);
    await api.results.handle({ type: 'release', tabId: kept.id });
    const released = api.results.snapshot(kept.id);
    assert.equal(released?.status, 'closed');
    assert.equal(released?.message, 'Cursor closed: the snapshot was released. Run the statement again to fetch more.');
    await eventually('the released session gone', async () => (await sessionsRunning('q_hold_release')).length === 0);

    const tab = await vscode.commands.executeCommand<TabSnapshot>('upkeep.query.run', doc.uri, 2);
    assert.equal(tab.status, 'more');
    assert.equal((await sessionsRunning('q_hold_tab')).length, 1);
    await api.results.handle({ type: 'closeTab', tabId: tab.id });
    await eventually('the closed tab\'s session gone', async () => (await sessionsRunning('q_hold_tab')).length === 0);
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
