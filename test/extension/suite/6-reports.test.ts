import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { recreateDatabase } from '../../support/pg';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { Report } from '../../../src/core/reports/model';
import type { ReportKind } from '../../../src/core/postgres/reports/model';
import type { ReportPanel } from '../../../src/webviews/reportPanel';
import type { UpkeepNode } from '../../../src/views/node';
import { eventually, label, report, services, upkeep } from './helpers';

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
