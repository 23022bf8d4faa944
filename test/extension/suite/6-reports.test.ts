import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pgClient, recreateDatabase } from '../../support/pg';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { Report } from '../../../src/core/reports/model';
import type { ReportKind } from '../../../src/core/postgres/reports/model';
import type { ReportPanel } from '../../../src/webviews/reportPanel';
import { REPORT_VIEW_TYPE } from '../../../src/webviews/protocol';
import type { UpkeepNode } from '../../../src/views/node';
import { EXTENSION_ID, eventually, label, report, services, upkeep } from './helpers';

const DB = 'upkeep_reports_ext';
const XSS = '<img src=x onerror=alert(1)>';

describe('Report panels', function () {
  this.timeout(120_000);
  let added: AddConnectionResult;
  let dbNode: UpkeepNode;

  before(async () => {
    const s = services().postgres;
    const c = await recreateDatabase(s, DB);
    await c.query(`CREATE TABLE public.bloated (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
      INSERT INTO public.bloated SELECT g, repeat('b', 120) FROM generate_series(1, 60000) g;
      DELETE FROM public.bloated WHERE id % 2 = 0;
      ANALYZE public.bloated;
      CREATE INDEX bloated_v_ix ON public.bloated (v);
      CREATE TABLE public.${c.escapeIdentifier(XSS)} (id int);
      INSERT INTO public.${c.escapeIdentifier(XSS)} SELECT g FROM generate_series(1, 10) g;`);
    await c.end();
    await vscode.workspace.getConfiguration('upkeep.reports').update('bloatMinBytes', 0, vscode.ConfigurationTarget.Global);
    added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${DB}`,
      name: 'Reports PG',
      test: false,
    });
    const api = await upkeep();
    const conn = (await api.trees.postgres.getChildren()).find((n) => label(n) === 'Reports PG');
    assert.ok(conn);
    const db = (await api.trees.postgres.getChildren(conn)).find((n) => label(n) === DB);
    assert.ok(db);
    dbNode = db;
  });

  after(async () => {
    for (const p of (await upkeep()).reports.panels()) p.panel.dispose();
    await vscode.workspace.getConfiguration('upkeep.reports').update('bloatMinBytes', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
  });

  async function open(kind: ReportKind): Promise<{ panel: ReportPanel; report: Report }> {
    const panel = await vscode.commands.executeCommand<ReportPanel>(`upkeep.pg.report.${kind}`, dbNode);
    assert.ok(panel, 'the command returns the panel');
    // The page in the real webview says "ready"; the host then computes and posts the report.
    const r = await eventually(`${kind} report computed`, () => panel.lastReport, 60_000);
    return { panel, report: r };
  }

  for (const kind of ['bloat', 'indexes', 'health', 'capacity'] as const) {
    it(`opens the ${kind} panel, and it receives its data`, async () => {
      const { panel, report: r } = await open(kind);
      assert.equal(r.kind, kind);
      assert.equal(r.database, DB);
      assert.ok(r.sections.length > 0);
      assert.ok(panel.panel.webview.html.includes("default-src 'none'"), 'strict CSP');
      assert.match(panel.panel.webview.html, /script-src 'nonce-[^']+'/);
      assert.ok(!/on(click|load|error)=/i.test(panel.panel.webview.html), 'no inline handlers');
      report(`${kind}: ${r.sections.length} sections, ${r.findings.length} findings, computed in ${r.durationMs} ms`);
    });
  }

  it('the health report\'s dead tuples follow upkeep.health.minDeadTuples, as the tree\'s warnings do', async () => {
    const { panel, report: before } = await open('health');
    const finding = (r: Report | undefined): Report['findings'][number] | undefined => r?.findings.find((f) => f.sectionId === 'dead-tuples' && f.rowKey === 'public.bloated');
    const count = Number(finding(before)?.evidence['dead']);
    assert.ok(count > 10_000, `half of 60,000 rows deleted: ${before.findings.map((f) => f.id).join(', ')}`);
    const health = vscode.workspace.getConfiguration('upkeep.health');
    await health.update('minDeadTuples', count + 1, vscode.ConfigurationTarget.Global);
    try {
      assert.equal(finding(await panel.compute()), undefined, 'one more than there are: no finding');
      await health.update('minDeadTuples', count, vscode.ConfigurationTarget.Global);
      assert.ok(finding(await panel.compute()), 'exactly as many: a finding');
    } finally {
      await health.update('minDeadTuples', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('the bloat report finds the half-deleted table, and the fix script holds the expected statements', async () => {
    const { panel, report: r } = await open('bloat');
    const finding = r.findings.find((f) => f.object.includes('bloated') && !f.object.includes('_ix'));
    assert.ok(finding, `findings: ${r.findings.map((f) => f.object).join(', ')}`);
    const idx = await open('indexes');
    const unused = idx.report.findings.find((f) => f.object.includes('bloated_v_ix'));
    assert.ok(unused, 'unused index found');
    const doc = await panel.openFixScript([finding.id]);
    assert.ok(doc);
    assert.equal(doc.languageId, 'sql');
    assert.match(doc.getText(), /VACUUM \(ANALYZE\) "public"\."bloated";/);
    const idxDoc = await idx.panel.openFixScript([unused.id]);
    assert.match(idxDoc?.getText() ?? '', /DROP INDEX CONCURRENTLY IF EXISTS "public"\."bloated_v_ix";/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('"Run" on a finding goes through the maintenance flow and the report recomputes', async () => {
    const api = await upkeep();
    const previews: string[] = [];
    api.setPrompter({
      confirmOperation: (p) => {
        previews.push(p.ops[0]?.text ?? '');
        return Promise.resolve(true);
      },
    });
    try {
      const { panel, report: before } = await open('bloat');
      const finding = before.findings.find((f) => f.object === 'public.bloated');
      assert.ok(finding, before.findings.map((f) => f.object).join(', '));
      const settled = new Promise<unknown>((resolve) => panel.onDidSettle(resolve));
      await panel.handle({ type: 'runFix', findingId: finding.id, fixIndex: 0 });
      await settled;
      assert.deepEqual(previews, ['VACUUM (ANALYZE) "public"."bloated"'], 'the same preview and confirmation as the tree');
      assert.notEqual(panel.lastReport?.generatedAt, before.generatedAt, 'recomputed after the fix');
    } finally {
      api.setPrompter(undefined);
    }
  });

  it('a restored panel never runs SQL its page kept: it computes the report again and runs the host\'s own fix', async () => {
    const api = await upkeep();
    const previews: string[] = [];
    api.setPrompter({
      confirmOperation: (p) => {
        previews.push(...p.ops.map((op) => op.text));
        return Promise.resolve(false);
      },
    });
    // What a page could write into its saved state: a real finding's id with a fix of its own making.
    const forgedFix = {
      engine: 'postgres', kind: 'vacuum', title: 'VACUUM (ANALYZE) public.bloated', text: 'DROP TABLE public.bloated', sql: 'DROP TABLE public.bloated', language: 'sql',
      impact: 'none', lockLevel: 'none', risk: 'safe', confirmName: 'bloated', autocommit: true, lock: { level: 'none', effect: '' },
      target: { kind: 'table', database: DB, schema: 'public', name: 'bloated' },
    };
    const findingId = 'bloat:tables:public.bloated';
    const saved = {
      kind: 'bloat', connectionId: added.profile.id, database: DB,
      report: {
        kind: 'bloat', title: 'Table and index bloat', connectionName: 'Reports PG', database: DB, serverVersion: '15', generatedAt: new Date().toISOString(), durationMs: 1, sections: [],
        findings: [{ id: findingId, severity: 'warning', sectionId: 'tables', rowKey: 'public.bloated', object: 'public.bloated', message: 'forged', evidence: {}, fixes: [forgedFix] }],
      },
    };
    // As VS Code recreates it after a reload: the saved panel's options (its scripts come from dist/webview).
    const dist = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)?.extensionUri ?? vscode.Uri.file('/'), 'dist', 'webview');
    const webview = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, 'Restored', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist] });
    try {
      // The path the serializer takes after a reload.
      api.reports.restore(webview, saved);
      const restored = api.reports.panels().find((p) => p.panel === webview);
      assert.ok(restored, 'restored for an existing connection');
      await restored.handle({ type: 'runFix', findingId, fixIndex: 0 });
      assert.deepEqual(previews, [], 'nothing is offered to run before the host has its own report');
      const fresh = await eventually('report computed again on the host', () => restored.lastReport, 60_000);
      assert.ok(!JSON.stringify(fresh).includes('DROP TABLE'), 'the saved findings were not taken');
      assert.notEqual(fresh.findings.find((f) => f.id === findingId)?.message, 'forged');
      await restored.handle({ type: 'runFix', findingId, fixIndex: 0 });
      assert.deepEqual(previews, ['VACUUM (ANALYZE) "public"."bloated"'], 'the fix built on the host for that finding');
      const c = await pgClient(services().postgres, DB);
      const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('public.bloated')::text AS t`);
      await c.end();
      assert.equal(exists.rows[0]?.t, 'bloated', 'the table is still there');
    } finally {
      api.setPrompter(undefined);
      webview.dispose();
    }
  });

  it('a table someone holds in ACCESS EXCLUSIVE mode is listed with its holder; the others as usual', async () => {
    const name = 'locked ``` <b>';
    const c = await pgClient(services().postgres, DB);
    await c.query(`CREATE TABLE public.${c.escapeIdentifier(name)} (id int PRIMARY KEY); INSERT INTO public.${c.escapeIdentifier(name)} SELECT generate_series(1, 1000)`);
    const locker = await pgClient(services().postgres, DB);
    const pid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE public.${c.escapeIdentifier(name)} IN ACCESS EXCLUSIVE MODE`);
    try {
      const api = await upkeep();
      const schema = (await api.trees.postgres.getChildren(dbNode)).find((n) => label(n) === 'public');
      assert.ok(schema);
      const tables = await api.trees.postgres.getChildren(schema);
      const shown = tables.map(label);
      assert.ok(shown.includes('bloated') && shown.includes(name), `every table is listed: ${shown.join(', ')}`);
      const item = tables.find((t) => label(t) === name)?.toTreeItem();
      assert.ok(item);
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'lock');
      assert.match(String(item.description), new RegExp(`^locked by pid ${String(pid)} \\(LOCK TABLE .*\\) for .* · [\\d.]+ (B|kB|MB) \\(est\\.\\)`));
      assert.match(String(item.contextValue), /\blocked\b/);
      const tooltip = (item.tooltip as vscode.MarkdownString).value;
      assert.ok(tooltip.includes(`held by backend ${String(pid)}`), tooltip);
      // The holder's statement holds three backticks: its code block is fenced with four.
      assert.ok(tooltip.includes(`\n\`\`\`\`sql\nLOCK TABLE public."locked \`\`\` <b>" IN ACCESS EXCLUSIVE MODE\n\`\`\`\`\n`), tooltip);
      assert.equal((tables.find((t) => label(t) === 'bloated')?.toTreeItem().iconPath as vscode.ThemeIcon).id === 'lock', false);
      report(`locked table: ${String(item.description)}`);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
      await c.query(`DROP TABLE public.${c.escapeIdentifier(name)}`);
      await c.end();
    }
  });

  it('exports a report from the command without a panel', async () => {
    const file = vscode.Uri.file(path.join(os.tmpdir(), `upkeep-report-${Date.now()}.md`));
    const saved = await vscode.commands.executeCommand<vscode.Uri | undefined>('upkeep.pg.exportReport', dbNode, 'health', 'markdown', file);
    assert.equal(saved?.fsPath, file.fsPath);
    const text = fs.readFileSync(file.fsPath, 'utf8');
    assert.match(text, /^# /m);
    assert.ok(text.replace(/\\/g, '').includes(DB), 'names the database');
    fs.rmSync(file.fsPath);
  });
});
