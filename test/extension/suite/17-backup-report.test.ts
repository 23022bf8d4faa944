import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { BackupNowResult } from '../../../src/commands/backup/index';
import type { BackupManifest } from '../../../src/core/backup/model';
import type { Finding, Report } from '../../../src/core/reports/model';
import type { ReportPanel } from '../../../src/webviews/reportPanel';
import { REPORT_VIEW_TYPE } from '../../../src/webviews/protocol';
import { EXTENSION_ID, eventually, report, services, upkeep } from './helpers';

const XSS = '<img src=x onerror=alert(1)>';
const DAY = 86_400_000;

/** The report's next computation (Refresh, or the one after an action). */
function next(panel: ReportPanel): Promise<Report | undefined> {
  return new Promise((resolve) => {
    const sub = panel.onDidSettle((r) => {
      sub.dispose();
      resolve(r);
    });
  });
}

describe('Backups report through its command', function () {
  this.timeout(240_000);
  let pg: AddConnectionResult;
  let redis: AddConnectionResult;
  let folder: string;
  let panel: ReportPanel;
  const pgName = `Report PG ${XSS}`;
  const backup = vscode.workspace.getConfiguration('upkeep.backup');

  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-report-ext-'));
    await backup.update('folder', folder, vscode.ConfigurationTarget.Global);
    await backup.update('verifyAfterBackup', false, vscode.ConfigurationTarget.Global);
    const s = services().postgres;
    pg = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`, name: pgName });
    const r = services().redis;
    redis = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `redis://:${encodeURIComponent(r.password)}@${r.host}:${r.port}/0`, name: 'Report Redis' });
    const api = await upkeep();
    api.setPrompter({ confirmOperation: () => Promise.resolve(true), showOutcome: () => Promise.resolve(undefined) });
    // A fresh PostgreSQL backup, verified.
    const done = await vscode.commands.executeCommand<BackupNowResult>('upkeep.backup.backupNow', undefined, { connectionId: pg.profile.id, database: s.database, options: { format: 'pg-custom' }, verify: true });
    assert.equal(done?.verification?.status, 'passed', done?.verification?.summary);
  });

  after(async () => {
    const api = await upkeep();
    api.setPrompter(undefined);
    for (const p of api.reports.panels()) p.panel.dispose();
    for (const c of [pg, redis]) await vscode.commands.executeCommand('upkeep.removeConnection', c.profile.id, { confirm: false });
    await backup.update('folder', undefined, vscode.ConfigurationTarget.Global);
    await backup.update('verifyAfterBackup', undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  const mine = (r: Report, name: string): Finding[] => r.findings.filter((f) => f.object === name || f.object.startsWith(`${name} / `));
  const rules = (r: Report, name: string): string[] => mine(r, name).map((f) => f.id.split(':').at(-1) ?? '').filter((x) => x !== 'same-disk').sort();

  it('opens from the palette command over every connection: the verified backup, and "no backup" with Back up now for Redis', async () => {
    assert.ok((await vscode.commands.getCommands(true)).includes('upkeep.backup.report'));
    const opened = await vscode.commands.executeCommand<ReportPanel>('upkeep.backup.report');
    assert.ok(opened, 'the command returns the panel');
    panel = opened;
    assert.equal(panel.panel.title, 'Backups report');
    assert.ok(panel.panel.webview.html.includes("default-src 'none'"), 'strict CSP');
    assert.match(panel.panel.webview.html, /script-src 'nonce-[^']+'/);
    const r = await eventually('backups report computed', () => panel.lastReport, 60_000);
    assert.equal(r.kind, 'backups');
    const row = r.sections[0]?.rows.find((x) => x['connection'] === pgName);
    assert.match(String(row?.['verification']), /^passed /);
    assert.deepEqual(rules(r, pgName), []);
    assert.deepEqual(rules(r, 'Report Redis'), ['none']);
    assert.equal(mine(r, 'Report Redis')[0]?.actions?.[0]?.title, 'Back up now');
    // The same command reveals the same panel.
    assert.equal(await vscode.commands.executeCommand<ReportPanel>('upkeep.backup.report'), panel);
  });

  it('Back up now from a finding runs the backup command with the report\'s arguments; the report reads the folder again', async () => {
    const f = mine(panel.lastReport as Report, 'Report Redis').find((x) => x.id.endsWith(':none'));
    assert.ok(f);
    const settled = next(panel);
    await panel.handle({ type: 'runAction', findingId: f.id, actionIndex: 0 });
    const r = await settled;
    assert.ok(r, 'recomputed');
    // verifyAfterBackup is off: the new backup was never verified.
    assert.deepEqual(rules(r, 'Report Redis'), ['never-verified']);
    const history = r.sections[1]?.rows.filter((x) => x['series'] === 'Report Redis');
    assert.equal(history?.length, 1);
  });

  it('Verify now from the never-verified finding verifies that file; the finding goes', async () => {
    const f = mine(panel.lastReport as Report, 'Report Redis').find((x) => x.id.endsWith(':never-verified'));
    assert.ok(f);
    assert.equal(f.actions?.[0]?.command, 'upkeep.backup.verify');
    const settled = next(panel);
    await panel.handle({ type: 'runAction', findingId: f.id, actionIndex: 0 });
    const r = await settled;
    assert.ok(r);
    assert.deepEqual(rules(r, 'Report Redis'), []);
    assert.match(String(r.sections[0]?.rows.find((x) => x['connection'] === 'Report Redis')?.['verification']), /^passed /);
    report(`Backups report: ${r.sections[0]?.rows.length} rows, ${r.findings.length} findings after Back up now and Verify now`);
  });

  it('Refresh reads the manifests again: a backup whose manifest now says 10 days ago is stale', async () => {
    const manifestFile = fs.readdirSync(folder).find((n) => n.endsWith('.dump.upkeep.json'));
    assert.ok(manifestFile);
    const file = path.join(folder, manifestFile);
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
    const shift = (iso: string): string => new Date(Date.parse(iso) - 10 * DAY).toISOString();
    fs.writeFileSync(file, JSON.stringify({ ...m, startedAt: shift(m.startedAt), endedAt: shift(m.endedAt) }));
    const settled = next(panel);
    await panel.handle({ type: 'refresh' });
    const r = await settled;
    assert.ok(r);
    assert.deepEqual(rules(r, pgName), ['stale']);
    assert.deepEqual(mine(r, pgName).find((f) => f.id.endsWith(':stale'))?.actions?.[0]?.args, { connectionId: pg.profile.id, folder, database: services().postgres.database });
  });

  it('runs only the commands the report allows, from its own report (never what a page sends)', async () => {
    const r = panel.lastReport as Report;
    const forgedUrl = `redis://127.0.0.1:${services().redis.port}/0`;
    const forged: Report = { ...r, findings: [{ ...r.findings[0] as Finding, id: 'forged', actions: [{ title: 'Add', command: 'upkeep.addConnection', args: { url: forgedUrl, name: 'forged by a report' } }] }] };
    // The host's own report with a command it does not allow (a page cannot even send one: it sends ids).
    Object.assign(panel as unknown as { report: Report }, { report: forged });
    const api = await upkeep();
    await panel.handle({ type: 'runAction', findingId: 'forged', actionIndex: 0 });
    await panel.handle({ type: 'runAction', findingId: 'no such finding', actionIndex: 0 });
    assert.ok(!api.profiles.all().some((s) => s.profile.name === 'forged by a report'), 'the command was not run');
  });

  it('comes back after a reload from its saved state and computes the report again', async () => {
    const api = await upkeep();
    const dist = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)?.extensionUri ?? vscode.Uri.file('/'), 'dist', 'webview');
    panel.panel.dispose();
    const webview = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, 'Restored', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist] });
    try {
      api.reports.restore(webview, { kind: 'backups', connectionId: '', database: '', report: { findings: [{ id: 'x', actions: [{ command: 'upkeep.removeConnection' }] }] } });
      const restored = api.reports.panels().find((p) => p.panel === webview);
      assert.ok(restored, 'restored');
      assert.equal(webview.title, 'Backups report');
      const r = await eventually('computed again on the host', () => restored.lastReport, 60_000);
      assert.ok(r.sections[0]?.rows.some((x) => x['connection'] === pgName));
      assert.ok(!JSON.stringify(r).includes('upkeep.removeConnection'));
    } finally {
      webview.dispose();
    }
  });
});
