import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pgClient } from '../../support/pg';
import type { AddConnectionResult } from '../../../src/commands/connectionCommands';
import type { OperationPreview, OutcomeNotice } from '../../../src/app/prompter';
import type { BackupNowResult } from '../../../src/commands/backup/index';
import type { BackupEntry, VerifyResult } from '../../../src/core/backup/model';
import type { UpkeepNode } from '../../../src/views/node';
import { openRedis } from '../../../src/core/redis/connection';
import { startCutProxy } from '../../support/cutProxy';
import { eventually, label, report, services, upkeep } from './helpers';

describe('Backups through the commands', function () {
  this.timeout(180_000);
  const previews: OperationPreview[] = [];
  const notices: OutcomeNotice[] = [];
  let pg: AddConnectionResult;
  let pgRo: AddConnectionResult;
  let redis: AddConnectionResult;
  let folder: string;
  const db = `upkeep_bk_ext_${process.pid}`;
  const restored = `${db}_restored`;

  before(async () => {
    const s = services().postgres;
    const admin = await pgClient(s);
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${db}`);
    } finally {
      await admin.end();
    }
    const c = await pgClient(s, db);
    try {
      await c.query(`CREATE TABLE "Order ""Lines"" <b>" (id int PRIMARY KEY, note text); INSERT INTO "Order ""Lines"" <b>" SELECT g, 'ü' || g FROM generate_series(1, 3000) g;`);
    } finally {
      await c.end();
    }
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-ext-'));
    const url = `postgres://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`;
    pg = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Backup PG' });
    pgRo = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url, name: 'Backup PG (read-only)', readOnly: true });
    const r = services().redis;
    redis = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', { url: `redis://:${encodeURIComponent(r.password)}@${r.host}:${r.port}/0`, name: 'Backup Redis' });
    const rc = await openRedis({ ...redis.profile, database: '2' }, r.password);
    try {
      await rc.flushdb();
      await rc.set('bk:<b>"ü"', 'one');
      await rc.hset('bk:hash with space', 'f', 'v');
      await rc.rpush(Buffer.from([0x62, 0x6b, 0x00, 0xff]), 'x', 'y');
    } finally {
      rc.disconnect();
    }
    const api = await upkeep();
    api.setPrompter({
      confirmOperation: (p) => {
        previews.push(p);
        return Promise.resolve(true);
      },
      showOutcome: (n) => {
        notices.push(n);
        return Promise.resolve(undefined);
      },
    });
  });

  after(async () => {
    const api = await upkeep();
    api.setPrompter(undefined);
    for (const c of [pg, pgRo, redis]) await vscode.commands.executeCommand('upkeep.removeConnection', c.profile.id, { confirm: false });
    const admin = await pgClient(services().postgres);
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    fs.rmSync(folder, { recursive: true, force: true });
    const rc = await openRedis({ ...redis.profile, database: '2' }, services().redis.password);
    await rc.flushdb().finally(() => rc.disconnect());
  });

  async function databaseNode(): Promise<UpkeepNode> {
    const api = await upkeep();
    const conn = (await api.trees.postgres.getChildren(undefined)).find((n) => label(n) === 'Backup PG');
    assert.ok(conn, 'the connection node');
    const dbNode = (await api.trees.postgres.getChildren(conn)).find((n) => label(n) === db);
    assert.ok(dbNode, 'the database node');
    return dbNode;
  }

  it('backs up a PostgreSQL database from its tree node, verifies it by a restore, records history', async () => {
    const node = await databaseNode();
    const result = await vscode.commands.executeCommand<BackupNowResult>('upkeep.backup.backupNow', node, { options: { format: 'pg-custom' }, folder });
    assert.ok(result, 'the command returned its result');
    assert.equal(result.verification?.status, 'passed', result.verification?.summary);
    assert.equal(result.manifest.database, db);
    assert.equal(result.manifest.counts['rows'], 3000);
    assert.ok(fs.existsSync(result.path) && fs.existsSync(`${result.path}.upkeep.json`));
    assert.match(notices.at(-1)?.message ?? '', /Back up upkeep_bk_ext_\d+: .* written to .* — verified\./);
    report(`PostgreSQL backup: ${path.basename(result.path)}, ${result.verification?.summary}`);
    const api = await upkeep();
    const history = await api.history.read(pg.profile.id);
    assert.deepEqual(history.slice(0, 2).map((h) => [h.kind, h.status]), [['verify', 'done'], ['backup', 'done']]);
    assert.ok(!JSON.stringify(history).includes(services().postgres.password));
    // Verify again through its own command, and list.
    const again = await vscode.commands.executeCommand<VerifyResult>('upkeep.backup.verify', undefined, { connectionId: pg.profile.id, database: db, path: result.path, folder });
    assert.equal(again?.status, 'passed');
    const listed = await vscode.commands.executeCommand<BackupEntry[]>('upkeep.backup.list', undefined, { connectionId: pg.profile.id, folder, show: false });
    assert.deepEqual(listed?.map((e) => [path.basename(e.path), e.manifest?.verification?.status]), [[path.basename(result.path), 'passed']]);
  });

  it('restores into a new database after the confirmation, and refuses a restore on a read-only connection', async () => {
    const [entry] = (await vscode.commands.executeCommand<BackupEntry[]>('upkeep.backup.list', undefined, { connectionId: pg.profile.id, folder, show: false })) ?? [];
    assert.ok(entry);
    await vscode.commands.executeCommand('upkeep.backup.restore', undefined, { connectionId: pg.profile.id, database: db, path: entry.path, into: restored, create: true });
    const preview = previews.at(-1);
    assert.equal(preview?.risk, 'heavy');
    assert.match(preview?.ops[0]?.text ?? '', /^PGDATABASE="upkeep_bk_ext_\d+_restored" pg_restore --verbose --no-password --dbname= /);
    assert.ok(!preview?.ops[0]?.text.includes(services().postgres.password));
    const c = await pgClient(services().postgres, restored);
    try {
      assert.equal((await c.query<{ n: number }>('SELECT count(*)::int AS n FROM "Order ""Lines"" <b>"')).rows[0]?.n, 3000);
    } finally {
      await c.end();
    }
    // Into the existing one with --clean: destructive, named for production's typed confirmation.
    await vscode.commands.executeCommand('upkeep.backup.restore', undefined, { connectionId: pg.profile.id, database: db, path: entry.path, into: restored, create: false, clean: true });
    assert.equal(previews.at(-1)?.risk, 'destructive');
    assert.equal(previews.at(-1)?.ops[0]?.confirmName, restored);
    const before = previews.length;
    const refused = await vscode.commands.executeCommand('upkeep.backup.restore', undefined, { connectionId: pgRo.profile.id, database: db, path: entry.path, into: restored, create: false, clean: true });
    assert.equal(refused, undefined);
    assert.equal(previews.length, before, 'nothing was asked, nothing sent');
  });

  it('a read-only PostgreSQL connection backs up but does not create a verify database on its server', async () => {
    const result = await vscode.commands.executeCommand<BackupNowResult>('upkeep.backup.backupNow', undefined, { connectionId: pgRo.profile.id, database: db, options: { format: 'pg-custom' }, folder });
    assert.equal(result?.verification?.status, 'not-verifiable');
    assert.match(result?.verification?.summary ?? '', /read-only/);
  });

  it('backs up a Redis connection and verifies it in a scratch server', async () => {
    const api = await upkeep();
    const node = (await api.trees.redis.getChildren(undefined)).find((n) => label(n) === 'Backup Redis');
    assert.ok(node, 'the Redis connection node');
    const result = await vscode.commands.executeCommand<BackupNowResult>('upkeep.backup.backupNow', node, { folder });
    assert.equal(result?.verification?.status, 'passed', result?.verification?.summary);
    assert.equal(result?.manifest.engine, 'redis');
    assert.ok((result?.manifest.counts['keys'] ?? 0) >= 3);
    assert.match(result?.verification?.summary ?? '', /[1-9]\d* sampled values equal/);
    report(`Redis backup: ${path.basename(result?.path ?? '')}, ${result?.verification?.summary}`);
    const history = await api.history.read(redis.profile.id);
    assert.deepEqual(history.slice(0, 2).map((h) => [h.kind, h.status]), [['verify', 'done'], ['backup', 'done']]);
    assert.ok(history[1]?.text.startsWith('REDISCLI_AUTH=… '));
    assert.ok(!JSON.stringify(history).includes(services().redis.password));
  });

  it('a link that drops mid-backup: one line naming the lost connection, nothing kept, a failed backup in the history, and the connection marked as failing', async () => {
    const s = services().rabbitmq;
    const proxy = await startCutProxy({ host: s.host, port: s.managementPort });
    const api = await upkeep();
    const added = await vscode.commands.executeCommand<AddConnectionResult>('upkeep.addConnection', {
      engine: 'rabbitmq', url: `http://${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}@127.0.0.1:${proxy.port}`, name: 'Cut <b>"rabbit"</b>',
    });
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'upkeep-bk-ext-cut-'));
    try {
      // The first answers pass (the connection works); the link drops once the definitions start to arrive.
      void proxy.cutAfter(200, { refuse: true });
      // The command shows its failure as one line (registerCommand) and returns nothing; the history keeps that line.
      const result = await vscode.commands.executeCommand('upkeep.backup.backupNow', undefined, { connectionId: added.profile.id, folder: own });
      assert.equal(result, undefined);
      assert.deepEqual(fs.readdirSync(own), []);
      const [last] = await api.history.read(added.profile.id);
      assert.deepEqual([last?.kind, last?.status], ['backup', 'failed']);
      assert.match(last?.message ?? '', /^The backup of "Cut <b>"rabbit"<\/b>" failed: The connection to RabbitMQ at .* was lost \(server shut down or restarted\)\. Nothing was kept\.$/);
      const status = await eventually('the connection marked as failing', () => {
        const st = api.connections.status(added.profile.id);
        return st.state === 'error' ? st : undefined;
      });
      assert.equal(status.problem.kind, 'connection-lost', status.problem.message);
      report(`backup with its link cut: ${last?.message ?? ''}`);
    } finally {
      await proxy.close();
      await vscode.commands.executeCommand('upkeep.removeConnection', added.profile.id, { confirm: false });
      fs.rmSync(own, { recursive: true, force: true });
    }
  });
});
