import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import * as vscode from 'vscode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { Report } from '../../../src/core/reports/model';
import type { ReportPanel } from '../../../src/webviews/reportPanel';
import { REPORT_VIEW_TYPE } from '../../../src/webviews/protocol';
import type { UpkeepNode } from '../../../src/views/node';
import { loadRedisFixture } from '../../services/redisFixture';
import { EXTENSION_ID, eventually, report, services, upkeep } from './helpers';

/** This suite's database (the other Redis engineers' suites use 1–5 and 9). */
const DB = 6;
const XSS = '<img src=x onerror=alert(1)>';

describe('Redis report panels', function () {
  this.timeout(120_000);
  let added: AddConnectionResult;
  let connNode: UpkeepNode;
  let client: IORedis;

  before(async () => {
    const s = services().redis;
    client = new IORedis({ host: s.host, port: s.port, password: s.password, lazyConnect: true });
    await client.connect();
    await loadRedisFixture(client, { db: DB, keys: 5_000 });
    const config = vscode.workspace.getConfiguration('upkeep.redis.analysis');
    await config.update('bigKeyBytes', 1024 * 1024, vscode.ConfigurationTarget.Global);
    added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `redis://:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${DB}`,
      name: 'Reports Redis',
      test: false,
    });
    const api = await upkeep();
    const node = await eventually('connection listed', async () => (await api.trees.redis.getChildren()).find((n) => n.id === `conn:${added.profile.id}`));
    connNode = node;
    assert.match(String(node.toTreeItem().contextValue), /\bengine-redis\b/, 'the menus\' when clause matches the node');
  });

  after(async () => {
    for (const p of (await upkeep()).reports.panels()) p.panel.dispose();
    await vscode.workspace.getConfiguration('upkeep.redis.analysis').update('bigKeyBytes', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
    await client.select(DB);
    await client.flushdb();
    client.disconnect();
  });

  async function open(command: string): Promise<{ panel: ReportPanel; report: Report }> {
    const panel = await vscode.commands.executeCommand<ReportPanel>(command, connNode);
    assert.ok(panel, 'the command returns the panel');
    // The page in the real webview says "ready"; the host then asks the Redis module for the report.
    const r = await eventually('report computed', () => panel.lastReport, 60_000);
    return { panel, report: r };
  }

  it('opens the memory analysis for the connection\'s database through the command, and it receives its report', async () => {
    const { panel, report: r } = await open('upkeep.redis.report.memory');
    assert.equal(r.kind, 'memory');
    assert.equal(r.database, `db${DB}`);
    assert.equal(r.server, 'Redis');
    assert.equal(panel.panel.title, `Memory — db${DB}`);
    assert.ok(panel.panel.webview.html.includes("default-src 'none'"), 'strict CSP');
    assert.ok(!/on(click|load|error)=/i.test(panel.panel.webview.html), 'no inline handlers');
    const big = r.findings.filter((f) => f.id.startsWith('memory:big-keys:')).map((f) => f.object).sort();
    assert.deepEqual(big, ['big:hash', 'big:list', 'big:set', 'big:string', 'big:zset'], 'big:stream has 5,000 entries, under the default 10,000');
    const keys = r.sections.find((s) => s.id === 'top-memory')?.rows.map((row) => row['key']) ?? [];
    assert.ok(keys.includes('big:string'));
    const all = r.sections.find((s) => s.id === 'summary')?.rows.find((row) => row['_key'] === 'sampled')?.['value'];
    assert.match(String(all), /\(all\)$/, 'a 5,000-key database is under the sample size: every key');
    assert.ok(r.sections.find((s) => s.id === 'namespaces-memory')?.rows.some((row) => row['namespace'] === 'hostile:'));
    report(`memory: ${r.sections.length} sections, ${r.findings.length} findings, computed in ${r.durationMs} ms`);
  });

  it('exports the memory analysis as Markdown and JSON, and writes a redis-cli fix script', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-redis-report-'));
    try {
      const md = vscode.Uri.file(path.join(dir, 'memory.md'));
      assert.equal((await vscode.commands.executeCommand<vscode.Uri | undefined>('upkeep.redis.exportReport', connNode, 'memory', 'markdown', md))?.fsPath, md.fsPath);
      const text = fs.readFileSync(md.fsPath, 'utf8');
      assert.match(text, /^# Memory analysis — db6$/m);
      assert.match(text, /Redis \d+\.\d+\.\d+\./);
      assert.ok(!text.includes(XSS), 'HTML in key names is escaped');
      const json = vscode.Uri.file(path.join(dir, 'memory.json'));
      await vscode.commands.executeCommand('upkeep.redis.exportReport', connNode, 'memory', 'json', json);
      const parsed = JSON.parse(fs.readFileSync(json.fsPath, 'utf8')) as Report;
      assert.equal(parsed.kind, 'memory');
      assert.ok(parsed.sections.some((s) => s.id === 'types' && s.rows.length >= 6));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const { panel, report: r } = await open('upkeep.redis.report.memory');
    const finding = r.findings.find((f) => f.object === 'big:list');
    assert.ok(finding);
    const doc = await panel.openFixScript([finding.id]);
    assert.ok(doc);
    assert.equal(doc.languageId, 'shellscript');
    const lines = doc.getText().split('\n');
    assert.equal(lines[0], '# Upkeep fix script');
    assert.ok(lines.includes(`SELECT ${DB}`) && lines.includes('UNLINK big:list'), doc.getText());
    assert.ok(lines.filter((l) => l && !l.startsWith('#')).every((l) => l === `SELECT ${DB}` || l === 'UNLINK big:list'), 'only the selected fix runs');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('opens the health report', async () => {
    const { report: r } = await open('upkeep.redis.report.health');
    assert.equal(r.kind, 'health');
    assert.deepEqual(r.sections.map((s) => s.id), ['memory', 'keyspace', 'clients', 'slowlog', 'latency', 'persistence', 'replication']);
  });

  it('a restored Redis panel keeps only its identity and computes its report again', async () => {
    const api = await upkeep();
    const forged = {
      kind: 'memory', connectionId: added.profile.id, database: `db${DB}`,
      report: { kind: 'memory', title: 'x', connectionName: 'x', database: `db${DB}`, serverVersion: '7', generatedAt: new Date().toISOString(), durationMs: 1, sections: [], findings: [{ id: 'memory:maxmemory', severity: 'warning', sectionId: 'summary', object: 'x', message: 'forged', evidence: {}, fixes: [{ engine: 'redis', language: 'redis', kind: 'flushall', title: 'x', text: 'FLUSHALL', commands: [['FLUSHALL']], target: { kind: 'server' }, impact: '', risk: 'safe', confirmName: 'x' }] }] },
    };
    const dist = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)?.extensionUri ?? vscode.Uri.file('/'), 'dist', 'webview');
    const webview = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, 'Restored', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist] });
    try {
      api.reports.restore(webview, forged);
      const restored = api.reports.panels().find((p) => p.panel === webview);
      assert.ok(restored);
      assert.equal(restored.panel.title, `Memory — db${DB}`);
      const fresh = await eventually('computed again', () => restored.lastReport, 60_000);
      assert.ok(!JSON.stringify(fresh).includes('FLUSHALL'));
      assert.ok(await client.dbsize() > 5_000, 'nothing was run');
    } finally {
      webview.dispose();
    }
  });
});
