import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import IORedis from 'ioredis';
import * as vscode from 'vscode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { HealthRun, HealthSeverity } from '../../../src/core/health/model';
import { report, services, upkeep } from './helpers';

const XSS = '<img src=x onerror=alert(1)>';
const PROD = `Notify prod Redis ${XSS}`;
const DEV = 'Notify dev Redis';
const ENDPOINT = 'Notify API';

/**
 * The healthy → critical notification in the extension host, on real
 * transitions: two connections to the test Redis (one marked production, one
 * not) go critical when the server's maxmemory is set below what it uses
 * (noeviction: writes refused), and an HTTP endpoint of this test answers 200,
 * then 500. The monitor's record of the notifications it showed (the test
 * API's health.notified()) is read after each pair of runs.
 */
describe('Health: a notification when a connection goes from healthy to critical', function () {
  this.timeout(120_000);
  const added: AddConnectionResult[] = [];
  let server: http.Server;
  let status = 200;
  let client: IORedis;
  let policy = 'noeviction';
  let maxmemory = '0';

  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration();

  /** Puts the server (and the endpoint) into a critical state, or back. */
  async function critical(on: boolean): Promise<void> {
    status = on ? 500 : 200;
    await client.config('SET', 'maxmemory', on ? '1' : maxmemory);
  }

  /** One run; the worst state of this suite's subjects by name, and the notifications it raised. */
  async function run(): Promise<{ worst: Map<string, HealthSeverity>; notices: string[] }> {
    const api = await upkeep();
    const before = api.health.notified().length;
    const r = await vscode.commands.executeCommand<HealthRun>('upkeep.health.run');
    const worst = new Map(r.subjects.filter((s) => [PROD, DEV, ENDPOINT].includes(s.subject.name)).map((s) => [s.subject.name, s.worst]));
    // The notifications of this run only; the other suites' subjects are not ours, so not asserted on.
    const notices = api.health.notified().slice(before).filter((m) => [PROD, DEV, ENDPOINT].some((n) => m.startsWith(`Upkeep: ${n} went`)));
    return { worst, notices };
  }

  /** A healthy run, then a critical one: the notifications of the second. */
  async function transition(): Promise<string[]> {
    await critical(false);
    const ok = await run();
    assert.deepEqual([...ok.worst.entries()].sort(), [[DEV, 'ok'], [ENDPOINT, 'ok'], [PROD, 'ok']].sort(), 'healthy first');
    assert.deepEqual(ok.notices, [], 'no notification while healthy');
    await critical(true);
    const bad = await run();
    assert.deepEqual([...bad.worst.entries()].sort(), [[DEV, 'critical'], [ENDPOINT, 'critical'], [PROD, 'critical']].sort(), 'then critical');
    for (const n of bad.notices) report(`notification: ${n}`);
    return bad.notices.sort();
  }

  before(async () => {
    const s = services().redis;
    client = new IORedis({ host: s.host, port: s.port, password: s.password, lazyConnect: true });
    await client.connect();
    const get = async (key: string): Promise<string | undefined> => ((await client.config('GET', key)) as string[])[1];
    maxmemory = (await get('maxmemory')) ?? '0';
    policy = (await get('maxmemory-policy')) ?? 'noeviction';
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    server = http.createServer((_req, res) => void res.writeHead(status).end(status === 200 ? 'ok' : 'down'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // No backup folder is filled here: backup age is not judged by this suite.
    await config().update('upkeep.health.checkBackups', false, vscode.ConfigurationTarget.Global);
    await config().update('upkeep.health.endpoints', [{ name: ENDPOINT, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health` }], vscode.ConfigurationTarget.Global);
    const url = `redis://:${encodeURIComponent(s.password)}@${s.host}:${s.port}/0`;
    added.push(await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: PROD, production: true, test: false }));
    added.push(await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: DEV, test: false }));
    assert.equal(added[0]?.profile.production, true);
    assert.equal(added[1]?.profile.production, false);
  });

  after(async () => {
    await client?.config('SET', 'maxmemory', maxmemory).catch(() => undefined);
    await client?.config('SET', 'maxmemory-policy', policy).catch(() => undefined);
    client?.disconnect();
    for (const key of ['upkeep.health.checkBackups', 'upkeep.health.endpoints', 'upkeep.health.notify']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    for (const a of added) await vscode.commands.executeCommand('upkeep.removeConnection', a.profile.id, { confirm: false });
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('by default (production): only the production connection; not the other one, not the endpoint', async () => {
    await config().update('upkeep.health.notify', undefined, vscode.ConfigurationTarget.Global);
    assert.equal(config().get('upkeep.health.notify'), 'production', 'the default');
    const notices = await transition();
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(notices[0] ?? '', /^Upkeep: Notify prod Redis <img src=x onerror=alert\(1\)> went from healthy to critical — Memory: .* maxmemory \(.*policy noeviction.*critical at 100 %: writes refused\)$/);
  });

  it('a connection that stays critical is not notified again', async () => {
    const again = await run();
    assert.equal(again.worst.get(PROD), 'critical');
    assert.deepEqual(again.notices, []);
  });

  it('with "all": every connection and the endpoint', async () => {
    await config().update('upkeep.health.notify', 'all', vscode.ConfigurationTarget.Global);
    const notices = await transition();
    assert.deepEqual(notices.map((m) => m.replace(/ went from .*/, '')).sort(), [`Upkeep: ${DEV}`, `Upkeep: ${ENDPOINT}`, `Upkeep: ${PROD}`].sort());
    assert.ok(notices.some((m) => m.startsWith(`Upkeep: ${ENDPOINT} went from healthy to critical — HTTP status: HTTP 500`)), notices.join('\n'));
  });

  it('with "off": none, not even production', async () => {
    await config().update('upkeep.health.notify', 'off', vscode.ConfigurationTarget.Global);
    assert.deepEqual(await transition(), []);
  });
});
