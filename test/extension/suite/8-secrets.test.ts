import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { ProbeResult } from '../../../src/core/connections/probe';
import type { UpkeepNode } from '../../../src/views/node';
import { ConnectionService } from '../../../src/connections/connectionService';
import { CredentialResolver } from '../../../src/connections/credentials';
import { bindingOf } from '../../../src/core/connections/credentials';
import { KnownSecrets } from '../../../src/core/connections/redact';
import { silentLogger } from '../../../src/core/log';
import { eventually, filesContaining, label, report, services, upkeep } from './helpers';

/**
 * A stand-in for "another host": a TCP server on 127.0.0.1 that records every
 * byte it receives and, like a PostgreSQL server with `password` auth, asks
 * for the password in clear text — so a client that would send it, does.
 */
async function listeningRecorder(): Promise<{ port: number; bytes(): Buffer; connections(): number; close(): Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let answered = false;
    socket.on('data', (data) => {
      chunks.push(data);
      if (answered) {
        // The client's answer (its password, if it sends one) is recorded; nothing more to say.
        socket.destroy();
        return;
      }
      // An SSLRequest (8 bytes, code 80877103) gets "no TLS"; the startup message gets AuthenticationCleartextPassword.
      if (data.length === 8 && data.readInt32BE(4) === 80877103) {
        socket.write('N');
        return;
      }
      answered = true;
      const auth = Buffer.alloc(9);
      auth.write('R', 0);
      auth.writeInt32BE(8, 1);
      auth.writeInt32BE(3, 5);
      socket.write(auth);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    bytes: () => Buffer.concat(chunks),
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

type RawProfile = Record<string, unknown>;

async function setWorkspaceConnections(list: RawProfile[] | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('upkeep').update('connections', list, vscode.ConfigurationTarget.Workspace);
}

function workspaceConnections(): RawProfile[] {
  const value = vscode.workspace.getConfiguration('upkeep').inspect<RawProfile[]>('connections')?.workspaceValue;
  return Array.isArray(value) ? [...value] : [];
}

describe('Secrets stay where they belong', function () {
  this.timeout(90_000);
  const id = `shared-${Date.now().toString(36)}`;
  let recorder: Awaited<ReturnType<typeof listeningRecorder>>;
  let before: RawProfile[];

  beforeEach(() => {
    before = workspaceConnections();
  });
  afterEach(async () => {
    await setWorkspaceConnections(before.length ? before : undefined);
  });
  after(async () => {
    await recorder?.close();
    await vscode.commands.executeCommand('upkeep.removeConnection', id, { confirm: false }).then(undefined, () => undefined);
  });

  it('a workspace profile reusing the id of a user profile never receives its password', async () => {
    const api = await upkeep();
    const s = services().postgres;
    recorder = await listeningRecorder();

    // The user's own connection, password in secret storage.
    const mine = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`,
      profile: { id },
      name: 'Mine',
      scope: 'user',
    });
    assert.ok(mine.test?.ok, JSON.stringify(mine.test));

    // A repository's .vscode/settings.json with the same id, pointing at another host.
    await setWorkspaceConnections([
      ...before,
      { id, engine: 'postgres', name: 'Shared "repo" <b>db</b>', host: '127.0.0.1', port: recorder.port, user: s.user, database: s.database, tls: 'disable' },
    ]);
    await eventually('the workspace profile wins', () => api.profiles.get(id)?.scope === 'workspace');

    // The tree renders it: the node checks itself as soon as it is drawn.
    const node = await eventually('listed', async () => (await api.trees.postgres.getChildren()).find((n) => label(n) === 'Shared "repo" <b>db</b>'));
    node.toTreeItem();
    const status = await eventually('checked', () => {
      const st = api.connections.status(id);
      return st.state !== 'unknown' && st.state !== 'checking' ? st : undefined;
    });
    // An explicit Test Connection, and expanding the node.
    const tested = await vscode.commands.executeCommand<ProbeResult>('upkeep.testConnection', id);
    const children = await api.trees.postgres.getChildren(node);

    const received = recorder.bytes();
    assert.ok(!received.includes(s.password), 'the other host received the password');
    assert.ok(!received.includes(encodeURIComponent(s.password)));

    assert.equal(status.state === 'error' && status.problem.kind, 'password-elsewhere', JSON.stringify(status));
    const tooltip = (node.toTreeItem().tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /the password stored under its id belongs to PostgreSQL user/);
    assert.match(String(node.toTreeItem().contextValue), /password-elsewhere/);
    assert.ok(!tested.ok);
    assert.equal(tested.problem.kind, 'password-elsewhere');
    assert.match(tested.problem.message, new RegExp(`port ${s.port} → ${recorder.port}`));
    assert.equal(children[0]?.toTreeItem().command?.command, 'upkeep.confirmPasswordTarget');
    report(`other host: ${recorder.connections()} connections, ${received.length} bytes received, no password`);
  });

  it('after the user confirms the new place, the password goes there (the recorder would have caught it)', async () => {
    const api = await upkeep();
    const s = services().postgres;
    await setWorkspaceConnections([
      ...before,
      { id, engine: 'postgres', name: 'Shared again', host: '127.0.0.1', port: recorder.port, user: s.user, database: s.database, tls: 'disable' },
    ]);
    await eventually('the workspace profile wins', () => api.profiles.get(id)?.profile.name === 'Shared again');
    assert.equal(await vscode.commands.executeCommand<boolean>('upkeep.confirmPasswordTarget', id, { confirm: false }), true);
    await vscode.commands.executeCommand<ProbeResult>('upkeep.testConnection', id);
    await eventually('the password arrived', () => recorder.bytes().includes(s.password));

    // Now bound to the other host, the user's own profile asks before sending it back to the real server.
    await setWorkspaceConnections(before.length ? before : undefined);
    await eventually('the user profile is back', () => api.profiles.get(id)?.scope === 'user');
    const back = await vscode.commands.executeCommand<ProbeResult>('upkeep.testConnection', id);
    assert.ok(!back.ok && back.problem.kind === 'password-elsewhere', JSON.stringify(back));
  });
});

describe('Passwords from the environment and the password file', function () {
  this.timeout(60_000);
  const envName = `UPKEEP_TEST_PG_PASSWORD_${process.pid}`;
  const made: string[] = [];
  let dir: string;
  const savedPgpassFile = process.env['PGPASSFILE'];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-ext-pgpass-'));
  });
  after(async () => {
    delete process.env[envName];
    if (savedPgpassFile === undefined) delete process.env['PGPASSFILE'];
    else process.env['PGPASSFILE'] = savedPgpassFile;
    for (const id of made) await vscode.commands.executeCommand('upkeep.removeConnection', id, { confirm: false });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const urlWithoutPassword = (): string => {
    const s = services().postgres;
    return `postgres://${s.user}@${s.host}:${s.port}/${s.database}`;
  };

  it('a profile with passwordSource env connects with the variable, and nothing stores its value', async () => {
    const api = await upkeep();
    const s = services().postgres;
    process.env[envName] = s.password;
    const added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: urlWithoutPassword(),
      profile: { passwordSource: 'env', passwordEnv: envName },
      name: 'From env',
      scope: 'user',
    });
    made.push(added.profile.id);
    assert.ok(added.test?.ok, JSON.stringify(added.test));
    assert.equal(await api.secrets.getPassword(added.profile.id), undefined, 'not copied into secret storage');
    const settings = JSON.stringify(vscode.workspace.getConfiguration('upkeep').inspect('connections'));
    assert.ok(settings.includes(envName) && !settings.includes(s.password));

    // The variable unset: the status says which variable is missing.
    delete process.env[envName];
    const missing = await vscode.commands.executeCommand<ProbeResult>('upkeep.testConnection', added.profile.id);
    assert.ok(!missing.ok);
    assert.match(missing.problem.message, new RegExp(`environment variable ${envName}, which is not set`));
  });

  it('a workspace profile naming a variable asks once before sending its value', async () => {
    const s = services().postgres;
    process.env[envName] = s.password;
    const added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: urlWithoutPassword(),
      profile: { passwordSource: 'env', passwordEnv: envName },
      name: 'Workspace env',
      scope: 'workspace',
    });
    made.push(added.profile.id);
    assert.ok(added.test && !added.test.ok);
    assert.equal(added.test.problem.kind, 'password-elsewhere');
    assert.match(added.test.problem.message, new RegExp(`asks for the environment variable ${envName}`));
    assert.equal(await vscode.commands.executeCommand<boolean>('upkeep.confirmPasswordTarget', added.profile.id, { confirm: false }), true);
    const allowed = await vscode.commands.executeCommand<ProbeResult>('upkeep.testConnection', added.profile.id);
    assert.ok(allowed.ok, JSON.stringify(allowed));
  });

  it('a profile with passwordSource pgpass connects with the matching line of PGPASSFILE', async () => {
    const s = services().postgres;
    const file = path.join(dir, 'pgpass');
    const esc = (t: string): string => t.replace(/[\\:]/g, (c) => `\\${c}`);
    fs.writeFileSync(file, `# test\n${s.host}:${s.port}:*:${esc(s.user)}:${esc(s.password)}\n`, { mode: 0o600 });
    process.env['PGPASSFILE'] = file;
    const added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: urlWithoutPassword(),
      profile: { passwordSource: 'pgpass' },
      name: 'From pgpass',
      scope: 'user',
    });
    made.push(added.profile.id);
    assert.ok(added.test?.ok, JSON.stringify(added.test));

    // The same file readable by the group: ignored, as libpq does, and the message says so.
    fs.chmodSync(file, 0o640);
    const ignored = await vscode.commands.executeCommand<ProbeResult>('upkeep.testConnection', added.profile.id);
    assert.ok(!ignored.ok);
    assert.match(ignored.problem.message, /group or world access/);
    const api = await upkeep();
    const node = (await api.trees.postgres.getChildren()).find((n: UpkeepNode) => label(n) === 'From pgpass');
    assert.ok(node);
  });
});

describe('Error text reaches the log redacted', function () {
  this.timeout(30_000);

  it('a failing command whose error carries a URL password logs it (stack included) without the password', async () => {
    const userData = process.env['UPKEEP_USER_DATA_DIR'];
    assert.ok(userData, 'the runner names the user-data folder');
    const stamp = Date.now().toString(36);
    // A password with URL punctuation in it, as people paste them: the URL cannot even be parsed.
    const secret = `se/cr@t-${stamp}`;
    const marker = `marker_db_${stamp}`;
    const result = await vscode.commands.executeCommand('upkeep.addConnection', { url: `postgres://someone:${secret}@127.0.0.1:99999/${marker}`, test: false });
    assert.equal(result, undefined, 'the command failed');
    const logs = path.join(userData, 'logs');
    const files = await eventually('the failure reached the log file', () => {
      const hits = filesContaining(logs, marker);
      return hits.length ? hits : undefined;
    });
    assert.deepEqual(filesContaining(userData, secret), [], 'no file under the user-data folder holds the password');
    assert.deepEqual(filesContaining(userData, `cr@t-${stamp}`), []);
    const text = fs.readFileSync(files[0] as string, 'utf8');
    assert.match(text, new RegExp(`upkeep\\.addConnection: ConnectionUrlError: .*someone:\\*\\*\\*@127\\.0\\.0\\.1:99999/${marker}.*\\n\\s+at parseConnectionUrl`));
  });
});

describe('Untrusted workspaces and passwords saved by an earlier Upkeep', function () {
  this.timeout(60_000);
  const stamp = Date.now().toString(36);
  const userId = `legacy-user-${stamp}`;
  const wsId = `legacy-ws-${stamp}`;
  let recorder: Awaited<ReturnType<typeof listeningRecorder>>;
  let saved: RawProfile[];

  before(async () => {
    recorder = await listeningRecorder();
    saved = workspaceConnections();
  });
  after(async () => {
    await setWorkspaceConnections(saved.length ? saved : undefined);
    for (const id of [userId, wsId]) await vscode.commands.executeCommand('upkeep.removeConnection', id, { confirm: false }).then(undefined, () => undefined);
    await recorder.close();
  });

  /** The extension's SecretStorage, reached through its store the way an earlier Upkeep wrote to it (a bare password under upkeep.password.<id>). */
  async function writeLegacySecret(id: string, password: string): Promise<void> {
    const api = await upkeep();
    await (api.secrets as unknown as { storage: vscode.SecretStorage }).storage.store(`upkeep.password.${id}`, password);
  }

  it('in an untrusted workspace a workspace connection is held: no check, no test, no session reaches its server', async () => {
    const api = await upkeep();
    const s = services().postgres;
    // The extension's own (trusted) service must not check it if a view draws it meanwhile: only the untrusted one below may act.
    api.connections.setStatus(wsId, { state: 'held', reason: 'kept out of this test' });
    await setWorkspaceConnections([...saved, { id: wsId, engine: 'postgres', name: 'Untrusted ws', host: '127.0.0.1', port: recorder.port, user: s.user, database: s.database, tls: 'disable' }]);
    const stored = await eventually('listed', () => api.profiles.get(wsId));
    // code-server runs with workspace trust off (everything trusted): the same service, told the workspace is not trusted.
    const untrusted = new ConnectionService(api.profiles, api.secrets, new CredentialResolver(api.secrets, api.profiles, new KnownSecrets(), silentLogger), new KnownSecrets(), silentLogger, () => false);
    try {
      untrusted.autoCheck(stored.profile, stored.scope);
      const held = untrusted.status(wsId);
      assert.equal(held.state, 'held');
      assert.match(held.state === 'held' ? held.reason : '', /^Workspace not trusted/);
      const tested = await untrusted.check(stored.profile);
      assert.ok(!tested.ok && tested.problem.kind === 'untrusted', JSON.stringify(tested));
      await assert.rejects(untrusted.session(stored.profile), (err: Error) => err.name === 'PasswordWithheld');
      assert.equal(recorder.connections(), 0, 'nothing connected to the workspace connection\'s server');
    } finally {
      untrusted.dispose();
    }
  });

  it('a password saved before places were recorded is bound to the user-settings profile with its id, never to a workspace one', async () => {
    const api = await upkeep();
    const s = services().postgres;
    await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      url: `postgres://${s.user}@${s.host}:${s.port}/${s.database}`, profile: { id: userId }, name: 'Legacy mine', scope: 'user', test: false,
    });
    await setWorkspaceConnections([...saved, { id: wsId, engine: 'postgres', name: 'Legacy ws', host: '127.0.0.1', port: recorder.port, user: s.user, database: s.database, tls: 'disable' }]);
    await eventually('both listed', () => api.profiles.get(userId) && api.profiles.get(wsId)?.profile.name === 'Legacy ws');
    await writeLegacySecret(userId, s.password);
    await writeLegacySecret(wsId, s.password);

    // What the first password asked for does: a resolver records the places of old secrets before anything connects.
    const resolver = new CredentialResolver(api.secrets, api.profiles, new KnownSecrets(), silentLogger);
    const mine = api.profiles.get(userId)?.profile;
    const theirs = api.profiles.get(wsId)?.profile;
    assert.ok(mine && theirs);
    const forMine = await resolver.resolve(mine, 'user');
    assert.equal(forMine.kind === 'password' && forMine.password, s.password);
    const record = await api.secrets.read(userId);
    assert.deepEqual(record?.boundTo, bindingOf(mine), 'the old secret now carries its place');
    const forTheirs = await resolver.resolve(theirs, 'workspace');
    assert.equal(forTheirs.kind, 'withheld', 'no user profile owns it: nothing is sent until confirmed');
    assert.equal((await api.secrets.read(wsId))?.boundTo, undefined);
    assert.equal(recorder.connections(), 0);
  });
});
