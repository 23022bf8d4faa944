/**
 * The offline Neo4j backup: `neo4j-admin database dump` run through the
 * server's own container, for connections made from a container Upkeep
 * knows (`profile.container`). Neo4j refuses to dump a database that is in
 * use (Community cannot stop one database on its own), so the container is
 * stopped for the dump — the command asks first — and ALWAYS started again
 * afterwards, also after a failure or a cancel, and waited for until Bolt
 * answers.
 *
 * Counts per label and relationship type, indexes and constraints are read
 * before the stop (nothing can change while it is stopped). The dump runs in
 * a one-shot container of the server's image with the server's volumes
 * (`--volumes-from`, writable: the tool takes the store's lock), without a
 * network and without any secret; its stdout streams into the temporary
 * file. Cancel kills the one-shot (which is then removed) and restarts the server.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import type * as Neo4j from 'neo4j-driver';
import type { BackupContext, BackupWritten } from '../backup/model';
import type { ContainerAccess, ContainerControl } from '../backup/container';
import { commandLine } from '../backup/childProcess';
import { Cancelled, UserFacingError } from '../errors';
import type { ConnectionProfile } from '../connections/profile';
import { readCounts, readSchema, snapshotCounts, type Neo4jSnapshotDetail } from './backupSnapshot';
import { ADMIN_ENTRYPOINT, adminFailure, dumpArgs, dumpKind, dumpProgress, IMAGE_DATA_DIR, STOP_GRACE_SECONDS, stoppedRunText } from './dumpTool';
import { readRows } from './schema';

/** How long the restarted server may take until Bolt answers (recovery of a big store can be slow). */
const RESTART_WAIT_MS = 300_000;

/** The container of a profile, or a clear refusal. */
export async function dumpContainer(ctx: BackupContext): Promise<ContainerAccess> {
  const ref = ctx.profile.container;
  if (!ref) {
    throw new UserFacingError(`"${ctx.profile.name}" was not added from a container Upkeep knows: neo4j-admin database dump runs in the server's own container (stopped for the dump), so this method is offered only for connections made from a Docker container. Use the Cypher export (APOC) to back up this server. Nothing was written.`);
  }
  const access = await ctx.container?.().catch(() => undefined);
  if (!access) throw new UserFacingError(`Container "${ref.name}" is not running, or its Docker connection is not available: the dump needs the running server's container (to read the counts, then stop it). Nothing was written.`);
  return access;
}

/**
 * Waits until the profile's server answers a query through Bolt; throws with
 * the last failure after `ms`, or at once with the reason `giveUp` finds
 * (the container stopped, the database failed) after a failed attempt.
 */
export async function waitForBolt(profile: ConnectionProfile, password: string | undefined, ms: number, giveUp: () => Promise<string | undefined> = () => Promise.resolve(undefined)): Promise<void> {
  const { openNeo4jDriver } = await import('./connection');
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    const driver = await openNeo4jDriver({ ...profile, connectTimeoutMs: Math.min(profile.connectTimeoutMs, 5_000) }, password);
    try {
      // The system database takes administration commands only.
      await readRows(driver, profile.database || undefined, profile.database === 'system' ? 'SHOW DEFAULT DATABASE YIELD name RETURN name' : 'RETURN 1 AS ok');
      return;
    } catch (err) {
      last = (err as Error).message.split('\n')[0] ?? '';
      // It answers, but not to this password: waiting longer changes nothing.
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('Neo.ClientError.Security.')) throw new Error(`Bolt answers but refuses the login: ${last}`);
    } finally {
      await driver.close().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`Bolt did not answer within ${Math.round(ms / 1000)} s (last: ${last})`);
    const reason = await giveUp();
    if (reason) throw new Error(`${reason} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Why a database will not come online, from the system database
 * (`SHOW DATABASE`: offline or quarantined, with the server's message);
 * undefined while it starts, is online, or the server does not answer yet.
 */
export async function databaseFailure(profile: ConnectionProfile, password: string | undefined, database: string): Promise<string | undefined> {
  const { openNeo4jDriver } = await import('./connection');
  const driver = await openNeo4jDriver({ ...profile, connectTimeoutMs: Math.min(profile.connectTimeoutMs, 5_000) }, password);
  try {
    const s = await databaseStatus(driver, database);
    return s && s.status !== 'online' && s.status !== 'starting' && s.message !== '' ? `database ${JSON.stringify(database)} is ${s.status}: ${s.message}` : undefined;
  } catch {
    return undefined;
  } finally {
    await driver.close().catch(() => undefined);
  }
}

/** A database's status from the system database (`SHOW DATABASE`): 'online', 'offline', 'starting'… with the server's message; undefined when there is none of that name. */
export async function databaseStatus(driver: Neo4j.Driver, database: string): Promise<{ status: string; message: string } | undefined> {
  const rows = await readRows(driver, 'system', 'SHOW DATABASE $db YIELD currentStatus, statusMessage RETURN currentStatus, statusMessage', { db: database });
  // A cluster lists one row per server: the worst one says why it is not online.
  const row = rows.find((r) => r.currentStatus !== 'online') ?? rows[0];
  return row ? { status: String(row.currentStatus), message: typeof row.statusMessage === 'string' ? row.statusMessage : '' } : undefined;
}

export function dumpCommandText(name: string, image: string, database: string, file: string): string {
  return stoppedRunText(name, image.replace(/^sha256:/, '').slice(0, 12), dumpArgs(database), `> ${commandLine(file, [])}`).join('; ');
}

/** What a file is, from its first bytes (dumpKind): undefined when it is not a Neo4j dump. */
export async function dumpKindOf(file: string): Promise<string | undefined> {
  const handle = await fs.open(file, 'r');
  const head = Buffer.alloc(4);
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  return dumpKind(head);
}

/** How the work done while the container was stopped ended, and whether it runs and answers again. */
export interface StoppedOutcome<T> {
  value: T | undefined;
  /** The stop or the work failed (or was cancelled). */
  failure: Error | undefined;
  /** The container could not be started again, or Bolt did not answer. */
  restart: Error | undefined;
}

/**
 * Stops the server's container, runs `work`, and ALWAYS starts the container
 * again (a failed stop may have stopped it all the same) and waits until
 * Bolt answers on `waitOn` (the profile, or a database of its server). The
 * caller words the outcome: a dump and a restore lose different things.
 */
export async function whileStopped<T>(access: ContainerAccess, ctx: BackupContext, work: () => Promise<T>, waitOn: ConnectionProfile = ctx.profile): Promise<StoppedOutcome<T>> {
  const control = access.control;
  let value: T | undefined;
  let failure: Error | undefined;
  ctx.onProgress?.({ phase: `stopping ${access.describe}` });
  try {
    await control.stop(STOP_GRACE_SECONDS);
    value = await work();
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  }
  ctx.onProgress?.({ phase: `starting ${access.describe} again and waiting for Bolt` });
  const restart = await control
    .start()
    .then(() => waitForBolt(waitOn, ctx.password, RESTART_WAIT_MS, async () => ((await control.running().catch(() => false)) ? undefined : 'the container stopped while starting')))
    .then(() => undefined, (err: unknown) => err as Error);
  return { value, failure, restart };
}

async function runDump(control: ContainerControl, database: string, file: string, ctx: BackupContext): Promise<string> {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  let res;
  try {
    res = await control.runOnce(
      { purpose: 'neo4j-dump', entrypoint: ADMIN_ENTRYPOINT, cmd: dumpArgs(database), mounts: 'same', network: 'none' },
      {
        stdout: out,
        onStderrLine: (line) => {
          const p = dumpProgress(line);
          if (p) ctx.onProgress?.({ phase: `dumping: ${p}` });
        },
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      },
    );
  } finally {
    await new Promise<void>((resolve) => (out.closed ? resolve() : out.end(() => resolve())));
  }
  if (res.exitCode !== 0) throw new UserFacingError(`neo4j-admin database dump failed (exit ${String(res.exitCode)}): ${adminFailure(res.stderr)}`);
  const kind = await dumpKindOf(file);
  if (!kind) throw new UserFacingError(`neo4j-admin database dump wrote something that is not a dump: ${adminFailure(res.stderr)}`);
  return kind;
}

export async function writeDump(file: string, ctx: BackupContext): Promise<BackupWritten> {
  if (ctx.signal?.aborted) throw new Cancelled();
  const access = await dumpContainer(ctx);
  const control = access.control;
  if (!control.mountTargets.includes(IMAGE_DATA_DIR)) {
    throw new UserFacingError(`${access.describe} keeps no volume or bind mount at ${IMAGE_DATA_DIR}, where the neo4j image keeps its store: a dump from a container beside it would not see the store. Nothing was stopped or written.`);
  }
  const { neo4jServerInfo, openNeo4jDriver } = await import('./connection');
  const driver = await openNeo4jDriver(ctx.profile, ctx.password);
  let detail: Neo4jSnapshotDetail;
  let version: string;
  try {
    ctx.onProgress?.({ phase: 'reading counts, indexes and constraints' });
    const database = ctx.profile.database || undefined;
    const info = await neo4jServerInfo(driver, database);
    if (info.database === 'system') throw new UserFacingError('The system database (users, roles, the list of databases) is not dumped by this method: pick the connection of a user database.');
    const counts = await readCounts(driver, database);
    const schema = await readSchema(driver, database);
    // Stopped while dumped: the counts before are the counts after. No APOC is involved.
    detail = { database: info.database, edition: info.edition, apocVersion: '', before: counts, after: counts, indexes: schema.indexes, constraints: schema.constraints, exported: { nodes: counts.nodes, relationships: counts.relationships } };
    version = `${info.version} ${info.edition}`;
  } finally {
    await driver.close();
  }
  if (ctx.signal?.aborted) throw new Cancelled('Backup cancelled before the container was stopped: nothing was written.');

  const { value: kind, failure, restart } = await whileStopped(access, ctx, () => {
    ctx.onProgress?.({ phase: 'dumping' });
    return runDump(control, detail.database, file, ctx);
  });
  if (restart) {
    const before = failure ? ` The dump had ${ctx.signal?.aborted ? 'been cancelled' : `failed: ${failure.message}`}.` : ' The dump was complete but is not kept, so that this is not missed: back up again once the server runs.';
    throw new UserFacingError(`${access.describe} was stopped for the dump and could not be started again: ${restart.message}. Start it by hand (docker start).${before}`);
  }
  if (failure) {
    if (ctx.signal?.aborted) throw new Cancelled(`Backup cancelled: the dump was stopped, nothing was kept, and ${access.describe} runs again.`);
    throw failure;
  }
  return {
    serverVersion: version,
    tool: 'neo4j-admin database dump',
    toolVersion: `from the image of ${access.describe} (${kind ?? ''})`,
    commandText: dumpCommandText(ctx.profile.container?.name ?? '', control.image, detail.database, file),
    snapshot: { counts: snapshotCounts(detail), detail },
    notes: [`${access.describe} was stopped for the dump and started again.`],
  };
}
