import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { HealthRun } from '../../../src/core/health/model';
import { HEALTH_VIEW_TYPE } from '../../../src/webviews/healthProtocol';
import { EXTENSION_ID, eventually, report, services, upkeep } from './helpers';

const XSS = '<img src=x onerror=alert(1)>';

describe('Health: status bar and Run Health Check', function () {
  this.timeout(120_000);
  const added: AddConnectionResult[] = [];
  let server: http.Server;
  let base = '';

  before(async () => {
    server = http.createServer((req, res) => void res.writeHead(req.url === '/ok' ? 200 : 500).end(req.url === '/ok' ? 'ok' : 'boom'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s = services();
    const c = vscode.workspace.getConfiguration();
    // No backup folder is filled by this suite: the backup age is not judged here (unit and integration tests do).
    await c.update('upkeep.health.checkBackups', false, vscode.ConfigurationTarget.Global);
    // The shared test database's cache hit ratio is whatever the earlier tiers left (big tables read from disk): not judged here.
    await c.update('upkeep.reports.cacheHitMin', 0, vscode.ConfigurationTarget.Global);
    added.push(await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `postgres://${s.postgres.user}:${encodeURIComponent(s.postgres.password)}@${s.postgres.host}:${s.postgres.port}/${s.postgres.database}`,
      name: `Health PG ${XSS}`,
      test: false,
    }));
    added.push(await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `redis://:${encodeURIComponent(s.redis.password)}@${s.redis.host}:${s.redis.port}/0`,
      name: 'Health Redis',
      test: false,
    }));
  });

  after(async () => {
    const c = vscode.workspace.getConfiguration();
    for (const key of ['upkeep.health.checkBackups', 'upkeep.health.endpoints', 'upkeep.reports.cacheHitMin']) await c.update(key, undefined, vscode.ConfigurationTarget.Global);
    for (const a of added) await vscode.commands.executeCommand('upkeep.removeConnection', a.profile.id, { confirm: false });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const mine = (run: HealthRun): HealthRun['subjects'] => run.subjects.filter((s) => (s.subject.kind === 'connection' ? added.some((a) => a.profile.id === (s.subject as { id: string }).id) : true));

  it('runs over the connections with the editor\'s passwords: both healthy', async () => {
    await vscode.workspace.getConfiguration().update('upkeep.health.endpoints', [{ name: 'api', url: `${base}/ok`, bodyMatches: '^ok$' }], vscode.ConfigurationTarget.Global);
    const run = await vscode.commands.executeCommand<HealthRun>('upkeep.health.run');
    const subjects = mine(run);
    assert.deepEqual(subjects.map((s) => s.subject.name).sort(), ['Health PG <img src=x onerror=alert(1)>', 'Health Redis', 'api'].sort());
    for (const s of subjects) assert.equal(s.worst, 'ok', `${s.subject.name}: ${JSON.stringify(s.checks)}`);
    const api = await upkeep();
    const bar = api.health.statusBar();
    assert.ok(bar.visible);
    report(`status bar: ${bar.text}`);
    if (run.worst === 'ok') assert.equal(bar.text, '$(pass) Upkeep: healthy');
  });

  it('an endpoint answering 500 makes the status bar critical, and its tooltip names it', async () => {
    await vscode.workspace.getConfiguration().update('upkeep.health.endpoints', [{ name: `fails ${XSS}`, url: `${base}/fail` }], vscode.ConfigurationTarget.Global);
    const api = await upkeep();
    const run = await vscode.commands.executeCommand<HealthRun>('upkeep.health.run');
    assert.equal(run.worst, 'critical');
    const bar = api.health.statusBar();
    report(`status bar: ${bar.text}`);
    assert.match(bar.text, /^\$\(error\) Upkeep: 1 critical/);
    assert.equal(bar.worst, 'critical');
    assert.ok(bar.tooltip.includes(`✖ fails ${XSS} — HTTP status: HTTP 500`), bar.tooltip);
    assert.equal(api.health.lastRun(), run);
  });

  it('never two runs at once: a second call while one runs gets the same run', async () => {
    const api = await upkeep();
    const [a, b] = await Promise.all([api.health.run(), vscode.commands.executeCommand<HealthRun>('upkeep.health.run')]);
    assert.equal(a, b);
  });

  it('a connection that accepts and never answers is unknown within upkeep.health.timeoutMs; the others are still checked', async () => {
    const sockets = new Set<net.Socket>();
    const stuck = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    const c = vscode.workspace.getConfiguration();
    await c.update('upkeep.health.timeoutMs', 1_500, vscode.ConfigurationTarget.Global);
    await c.update('upkeep.health.endpoints', [], vscode.ConfigurationTarget.Global);
    const hanging = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `redis://127.0.0.1:${(stuck.address() as AddressInfo).port}/0`,
      name: 'Health hanging Redis',
      test: false,
    });
    added.push(hanging);
    try {
      const run = await vscode.commands.executeCommand<HealthRun>('upkeep.health.run');
      const byName = new Map(mine(run).map((s) => [s.subject.name, s]));
      const h = byName.get('Health hanging Redis');
      assert.equal(h?.worst, 'unknown', JSON.stringify(h?.checks));
      assert.match(h?.checks[0]?.reason ?? '', /no answer within 1\.5 s/);
      assert.equal(byName.get('Health Redis')?.worst, 'ok');
      assert.equal(byName.get(`Health PG ${XSS}`)?.worst, 'ok');
      assert.match((await upkeep()).health.statusBar().text, /^\$\(question\) Upkeep: \d+ unknown$|^\$\((warning|error)\)/);
    } finally {
      await c.update('upkeep.health.timeoutMs', undefined, vscode.ConfigurationTarget.Global);
      for (const sock of sockets) sock.destroy();
      stuck.close();
    }
  });

  it('Show Health opens the panel; it is visible to the test API', async () => {
    await vscode.commands.executeCommand('upkeep.health.show');
    const api = await upkeep();
    await eventually('the Health panel is visible', () => api.health.panel()?.visible);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('a panel handed back after a reload becomes the Health panel (strict CSP, the host\'s run); a second one is closed', async () => {
    const api = await upkeep();
    const restoredBefore = api.health.panel()?.restored ?? 0;
    // As VS Code recreates it after a reload: the saved panel's options (its scripts come from dist/webview).
    const dist = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)?.extensionUri ?? vscode.Uri.file('/'), 'dist', 'webview');
    const make = (): vscode.WebviewPanel => vscode.window.createWebviewPanel(HEALTH_VIEW_TYPE, 'Restored', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [dist] });
    const panel = make();
    try {
      // The path the serializer takes (registered at activation for upkeep.health).
      api.health.restorePanel(panel);
      assert.equal(panel.title, 'Upkeep Health');
      assert.match(panel.webview.html, /content="default-src 'none'; script-src 'nonce-[^']+'; style-src /);
      await eventually('the restored page loaded under its CSP and asked for the run', () => api.health.panel()?.ready);
      assert.equal(api.health.panel()?.restored, restoredBefore + 1);
      assert.ok(api.health.panel()?.visible);
      // A run that ends while the panel is open reaches the page as finished (its Check again enabled again).
      const run = await api.health.run();
      const sent = await eventually('the page was sent the new run', () => (api.health.panel()?.sent?.startedAt === run.startedAt ? api.health.panel()?.sent : undefined));
      assert.equal(sent.running, false);
      const second = make();
      let closed = false;
      second.onDidDispose(() => (closed = true));
      api.health.restorePanel(second);
      assert.ok(closed, 'one Health panel: a second one handed back is closed');
      assert.equal(api.health.panel()?.restored, restoredBefore + 1);
    } finally {
      panel.dispose();
    }
  });
});
