import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { Client } from 'pg';
import { pgClient } from '../../support/pg';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { OperationPreview, OutcomeNotice } from '../../../src/app/prompter';
import type { BatchOutcome } from '../../../src/core/postgres/runner';
import type { UpkeepNode } from '../../../src/views/node';
import type { EngineTreeProvider } from '../../../src/views/treeProvider';
import { eventually, label, report, services, upkeep } from './helpers';

async function child(tree: EngineTreeProvider, parent: UpkeepNode | undefined, name: string): Promise<UpkeepNode> {
  const children = await tree.getChildren(parent);
  const found = children.find((c) => label(c) === name);
  if (!found) throw new Error(`no "${name}" under ${parent ? label(parent) : 'the root'}: ${children.map(label).join(', ')}`);
  return found;
}

async function tableNode(tree: EngineTreeProvider, connection: string, table: string): Promise<UpkeepNode> {
  const conn = await child(tree, undefined, connection);
  const db = await child(tree, conn, services().postgres.database);
  const schema = await child(tree, db, 'public');
  return child(tree, schema, table);
}

describe('PostgreSQL maintenance from the tree', function () {
  this.timeout(90_000);
  const previews: OperationPreview[] = [];
  const notices: OutcomeNotice[] = [];
  let rw: AddConnectionResult;
  let ro: AddConnectionResult;

  before(async () => {
    const s = services().postgres;
    const c = await pgClient(s);
    await c.query(`DROP TABLE IF EXISTS public.ext_bloat;
      CREATE TABLE public.ext_bloat (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
      INSERT INTO public.ext_bloat SELECT g, repeat('z', 80) FROM generate_series(1, 20000) g;
      ANALYZE public.ext_bloat;
      DELETE FROM public.ext_bloat WHERE id % 3 <> 0;
      CREATE INDEX ext_bloat_v_ix ON public.ext_bloat (v);
      DROP TABLE IF EXISTS public."A ext table";
      CREATE TABLE public."A ext table" (id int);`);
    if ((s.versionNum ?? 0) >= 150000) await c.query('SELECT pg_stat_force_next_flush()');
    await c.query('SELECT 1');
    await c.end();
    const url = `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`;
    rw = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Maint PG' });
    ro = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Maint PG (read-only)', readOnly: true });
    const api = await upkeep();
    api.setPrompter({
      confirmOperation: (p) => {
        previews.push(p);
        return Promise.resolve(true);
      },
      // Takes a clean-up when one is offered, as a user clicking its button would.
      showOutcome: (n) => {
        notices.push(n);
        return Promise.resolve(n.actions.find((a) => a.startsWith('Drop ')));
      },
    });
  });

  after(async () => {
    const api = await upkeep();
    api.setPrompter(undefined);
    for (const r of [rw, ro]) await vscode.commands.executeCommand('upkeep.removeConnection', r.profile.id, { confirm: false });
    const c = await pgClient(services().postgres);
    await c.query('DROP TABLE IF EXISTS public."A ext table"');
    await c.end();
  });

  it('shows a warning on the bloated table, with dead tuples and ages in its description', async () => {
    const api = await upkeep();
    const node = await eventually('dead tuples visible', async () => {
      const n = await tableNode(api.trees.postgres, 'Maint PG', 'ext_bloat');
      return (n.toTreeItem().iconPath as vscode.ThemeIcon).id === 'warning' ? n : undefined;
    });
    const item = node.toTreeItem();
    assert.match(String(item.description), /67% dead · vacuumed never · analyzed (just now|\d+ min ago)/);
    assert.match(String(item.contextValue), /\bwarning\b/);
    report(`ext_bloat: ${String(item.description)}`);
    const indexes = await api.trees.postgres.getChildren(node);
    const ix = indexes.find((i) => label(i) === 'ext_bloat_v_ix');
    assert.match(String(ix?.toTreeItem().description), /0 scans · unused/);
    assert.match(String(indexes.find((i) => label(i) === 'ext_bloat_pkey')?.toTreeItem().description), /primary key/);
  });

  it('runs VACUUM from the table\'s context command after the confirmation, and the warning clears', async () => {
    const api = await upkeep();
    const node = await tableNode(api.trees.postgres, 'Maint PG', 'ext_bloat');
    const result = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.pg.vacuum', node, { options: { analyze: true } });
    assert.ok(result, 'ran');
    const preview = previews.at(-1);
    assert.equal(preview?.ops[0]?.text, 'VACUUM (ANALYZE) "public"."ext_bloat"');
    assert.equal(preview.ops[0]?.lockLevel, 'SHARE UPDATE EXCLUSIVE');
    assert.equal(preview.risk, 'safe');
    assert.match(preview.sizeText, /\d+(\.\d)? (kB|MB)/);
    const outcome = result.outcomes[0];
    assert.equal(outcome?.status, 'done');
    report(`VACUUM: dead tuples ${outcome?.before?.deadTuples ?? '?'} → ${outcome?.after?.deadTuples ?? '?'} in ${outcome?.durationMs ?? '?'} ms`);
    const after = await eventually('warning cleared after refresh', async () => {
      const n = await tableNode(api.trees.postgres, 'Maint PG', 'ext_bloat');
      return (n.toTreeItem().iconPath as vscode.ThemeIcon).id !== 'warning' ? n : undefined;
    });
    assert.match(String(after.toTreeItem().description), /0% dead · vacuumed just now · analyzed just now/);
    const history = await api.history.read(rw.profile.id);
    assert.equal(history[0]?.text, 'VACUUM (ANALYZE) "public"."ext_bloat"');
    assert.equal(history[0]?.status, 'done');
    const conn = await child(api.trees.postgres, undefined, 'Maint PG');
    await vscode.commands.executeCommand('upkeep.pg.showHistory', conn);
    const shown = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(shown, /# Maintenance history — Maint PG/);
    assert.ok(shown.includes('VACUUM (ANALYZE) "public"."ext_bloat"'), 'the history page lists the run');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('a read-only connection refuses before asking or sending anything', async () => {
    const api = await upkeep();
    const count = previews.length;
    const node = await tableNode(api.trees.postgres, 'Maint PG (read-only)', 'ext_bloat');
    const filenode = async (): Promise<number | undefined> => {
      const c = await pgClient(services().postgres);
      try {
        return (await c.query<{ f: number }>(`SELECT relfilenode AS f FROM pg_class WHERE oid = 'public.ext_bloat'::regclass`)).rows[0]?.f;
      } finally {
        await c.end();
      }
    };
    const before = await filenode();
    const result = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.pg.vacuum', node, { options: { full: true } });
    assert.equal(result, undefined);
    assert.equal(previews.length, count, 'no preview was even shown');
    assert.deepEqual(await api.history.read(ro.profile.id), []);
    assert.equal(await filenode(), before, 'the table was not rewritten: VACUUM FULL never reached the server');
  });

  it('heavy work asks even with confirmSafeOperations off: CHECKPOINT, VACUUM (FREEZE) of the database and ANALYZE of a schema reach the prompter as heavy; a table VACUUM runs without asking', async () => {
    const api = await upkeep();
    const tree = api.trees.postgres;
    const settings = vscode.workspace.getConfiguration('upkeep.maintenance');
    await settings.update('confirmSafeOperations', false, vscode.ConfigurationTarget.Global);
    try {
      const count = previews.length;
      const table = await tableNode(tree, 'Maint PG', 'ext_bloat');
      const vacuum = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.pg.vacuum', table, { options: {} });
      assert.equal(vacuum?.outcomes[0]?.status, 'done');
      assert.equal(previews.length, count, 'a safe VACUUM of one table ran without asking');

      const conn = await child(tree, undefined, 'Maint PG');
      const checkpoint = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.pg.checkpoint', conn);
      assert.equal(checkpoint?.outcomes[0]?.status, 'done');
      assert.equal(previews.length, count + 1, 'CHECKPOINT asked');
      assert.deepEqual([previews.at(-1)?.ops[0]?.text, previews.at(-1)?.risk], ['CHECKPOINT', 'heavy']);

      const db = await child(tree, conn, services().postgres.database);
      const freeze = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.pg.vacuum', db, { options: { freeze: true } });
      assert.equal(freeze?.outcomes[0]?.status, 'done');
      assert.deepEqual([previews.at(-1)?.ops[0]?.text, previews.at(-1)?.risk], ['VACUUM (FREEZE)', 'heavy']);

      const schema = await child(tree, db, 'public');
      const analyze = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.pg.analyze', schema);
      assert.ok(analyze?.outcomes.length && analyze.outcomes.every((o) => o.status === 'done'));
      const batch = previews.at(-1);
      // The schema's first table is named with spaces ("A ext table"): the batch's title still reads right.
      assert.match(batch?.title ?? '', /^ANALYZE of \d+ tables in schema public$/);
      assert.equal(batch?.risk, 'heavy', 'the schema-wide batch is heavy');
      assert.ok(batch?.ops.every((op) => op.risk === 'safe'), 'though each table\'s ANALYZE alone is safe');
      assert.equal(previews.length, count + 3);
    } finally {
      await settings.update('confirmSafeOperations', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a failed CREATE UNIQUE INDEX CONCURRENTLY names the invalid index it left and offers its DROP INDEX CONCURRENTLY, which runs through the same flow', async () => {
    const api = await upkeep();
    const c = await pgClient(services().postgres);
    try {
      await c.query(`DROP TABLE IF EXISTS public.ext_dupes; CREATE TABLE public.ext_dupes (id int, code text); INSERT INTO public.ext_dupes SELECT g, 'same' FROM generate_series(1, 50) g;`);
      const node = await eventually('ext_dupes listed', async () => tableNode(api.trees.postgres, 'Maint PG', 'ext_dupes'));
      const result = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.pg.createIndex', node, { columns: ['code'], name: 'ext_dupes_code_uq', unique: true });
      assert.equal(result?.outcomes[0]?.status, 'failed');
      const notice = await eventually('the outcome message', () => notices.find((n) => n.message.includes('ext_dupes_code_uq')));
      assert.equal(notice.severity, 'error');
      assert.match(notice.message, /failed: .*It left the invalid index public\.ext_dupes_code_uq behind: queries never use it, but every write to public\.ext_dupes still updates it/);
      assert.deepEqual(notice.actions, ['Drop public.ext_dupes_code_uq', 'Show Log']);
      // The stub took the offer: the drop is previewed like any destructive operation, then runs.
      const drop = await eventually('the drop previewed', () => previews.find((p) => p.ops[0]?.text === 'DROP INDEX CONCURRENTLY IF EXISTS "public"."ext_dupes_code_uq"'));
      assert.equal(drop.risk, 'destructive');
      await eventually('the invalid index dropped on the server', async () => (await c.query<{ r: string | null }>(`SELECT to_regclass('public.ext_dupes_code_uq')::text AS r`)).rows[0]?.r === null);
      const history = await api.history.read(rw.profile.id);
      const failed = history.find((e) => e.text.startsWith('CREATE UNIQUE INDEX CONCURRENTLY "ext_dupes_code_uq"'));
      assert.equal(failed?.status, 'failed');
      assert.match(failed.message ?? '', /left the invalid index public\.ext_dupes_code_uq behind/);
    } finally {
      await c.query('DROP TABLE IF EXISTS public.ext_dupes');
      await c.end();
    }
  });

  it('offers DROP INDEX CONCURRENTLY on an unused index and runs it as destructive', async () => {
    const api = await upkeep();
    const table = await tableNode(api.trees.postgres, 'Maint PG', 'ext_bloat');
    const ix = (await api.trees.postgres.getChildren(table)).find((i) => label(i) === 'ext_bloat_v_ix');
    assert.match(String(ix?.toTreeItem().contextValue), /\bunused\b/);
    const result = await vscode.commands.executeCommand<BatchOutcome | undefined>('upkeep.pg.dropIndex', ix);
    assert.equal(result?.outcomes[0]?.status, 'done');
    assert.equal(previews.at(-1)?.risk, 'destructive');
    const left = (await api.trees.postgres.getChildren(await tableNode(api.trees.postgres, 'Maint PG', 'ext_bloat'))).map(label);
    assert.deepEqual(left, ['ext_bloat_pkey']);
  });

  it('lists sessions, roles and extensions under the database', async () => {
    const api = await upkeep();
    const tree = api.trees.postgres;
    const db = await child(tree, await child(tree, undefined, 'Maint PG'), services().postgres.database);
    const roles = await tree.getChildren(await child(tree, db, 'Roles'));
    assert.match(String(roles.find((r) => label(r) === services().postgres.user)?.toTreeItem().description), /superuser · login/);
    const exts = (await tree.getChildren(await child(tree, db, 'Extensions'))).map(label);
    assert.ok(exts.includes('pg_stat_statements') && exts.includes('pgstattuple'), exts.join(', '));
    // A session of the test's own, with an application_name anyone could set, idle in a transaction
    // (the server keeps 63 bytes of it, so the image tag is a short one).
    const hostile = '</code>` ``` **x** [a](command:upkeep.removeConnection) <img>';
    const s = services().postgres;
    const mine = new Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, application_name: hostile });
    mine.on('error', () => undefined);
    await mine.connect();
    try {
      const pid = (await mine.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      await mine.query('BEGIN');
      await mine.query("SELECT '``` **y**' AS x");
      const sessions = await tree.getChildren(await child(tree, db, 'Sessions'));
      const node = sessions.find((n) => label(n).split(' ')[0] === String(pid));
      assert.ok(node, `the test's session ${String(pid)} is listed: ${sessions.map(label).join(', ')}`);
      const item = node.toTreeItem();
      assert.match(String(item.description), /^idle in transaction · /, 'with its state');
      assert.ok(String(item.description).includes(hostile), 'the description is plain text: the name as it is');
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning', 'idle in a transaction warns');
      assert.ok(!/\bown\b/.test(String(item.contextValue)), 'not marked as Upkeep\'s');
      const md = item.tooltip as vscode.MarkdownString;
      assert.ok(!md.isTrusted && !md.supportHtml, 'no command links, no HTML');
      assert.ok(md.value.includes('\\<\\/code\\>\\` \\`\\`\\` \\*\\*x\\*\\* \\[a\\]\\(command\\:upkeep\\.removeConnection\\) \\<img\\>'), md.value);
      assert.ok(!/(^|[^\\])(\[a\]|<img|<\/code>|\*\*x)/.test(md.value), `nothing unescaped: ${md.value}`);
      assert.ok(md.value.includes("\n````sql\nSELECT '``` **y**' AS x\n````\n"), `the query in a fence it cannot close: ${md.value}`);

      // Upkeep's own sessions are marked, and they are exactly the server's sessions named Upkeep.
      const upkeepPids = (await mine.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'Upkeep' AND datname = current_database()")).rows.map((r) => String(r.pid));
      const own = sessions.filter((n) => /\bown\b/.test(String(n.toTreeItem().contextValue))).map((n) => label(n).split(' ')[0]);
      assert.ok(own.length >= 1, 'the session that listed them is there');
      assert.ok(own.every((p) => upkeepPids.includes(p ?? '')), `own ${own.join(', ')} ⊆ Upkeep's ${upkeepPids.join(', ')}`);
      assert.match((sessions.find((n) => label(n).split(' ')[0] === own[0])?.toTreeItem().tooltip as vscode.MarkdownString).value, /^Backend \d+ \(Upkeep\)/);
    } finally {
      await mine.query('ROLLBACK').catch(() => undefined);
      await mine.end();
    }
  });
});
