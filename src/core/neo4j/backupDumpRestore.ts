/**
 * Restore of a Neo4j dump (neo4j-admin database dump, backupDump.ts) into
 * the server it was made from, through the server's own container
 * (`profile.container`): `neo4j-admin database load` can only replace a
 * database the server does not have open, and Community cannot stop one
 * database on its own, so the container is stopped, a one-shot container of
 * its image with its volumes (`--volumes-from`), no network and no secret
 * gets the dump put into it through the archive API and loads it with
 * `--overwrite-destination=true`, and the container is ALWAYS started again
 * (also after a failure or a cancel) and waited for until Bolt answers.
 *
 * Everything that can be checked is checked before anything stops: the
 * file starts as a dump, its SHA-256 equals the manifest's, the database
 * exists, and a database that holds anything is replaced only when the user
 * chose to (`RestoreOptions.clean`). Afterwards the database is compared
 * with the manifest's snapshot, as the export's restore does.
 */
import * as path from 'node:path';
import type { BackupManifest, RestoreContext, RestoreDone, RestoreOptions, RestorePreview, RestoreTargetState } from '../backup/model';
import type { ContainerAccess, ContainerControl } from '../backup/container';
import { commandLine } from '../backup/childProcess';
import { checkHashes } from '../backup/files';
import { Cancelled, UserFacingError } from '../errors';
import { compareWithManifest, serverDatabases, stateOf } from './backupRestore';
import { databaseFailure, databaseStatus, dumpKindOf, waitForBolt, whileStopped } from './backupDump';
import { ADMIN_ENTRYPOINT, adminFailure, dumpFileName, dumpProgress, IMAGE_DATA_DIR, loadArgs, LOAD_DIR, stoppedRunText } from './dumpTool';

/** How long the restored database may take to come online after Bolt answers (recovery, index population). */
const ONLINE_WAIT_MS = 300_000;

/** The refusals that need nothing but the options and the connection (the preview shows them before anything is read). */
function refusal(options: RestoreOptions, preview: RestorePreview): string | undefined {
  const { profile } = preview;
  if (!profile.container) {
    return `"${profile.name}" was not added from a container Upkeep knows: a dump is restored with neo4j-admin database load in the server's own container (stopped for the load), so it is offered only for connections made from a Docker container. Load it by hand with neo4j-admin database load into a stopped server, or restore a Cypher export instead. Nothing was changed.`;
  }
  if (profile.readOnly) return `"${profile.name}" is a read-only connection: the restore was refused and nothing was stopped or changed.`;
  if (options.create) return `A dump is loaded into an existing database of "${profile.name}" (it replaces it): pick one, not a new database. Nothing was changed.`;
  return undefined;
}

/** The shell equivalent of the image the one-shot runs: the server container's own image id. */
const imageOf = (container: string): string => `"$(docker inspect --format '{{.Image}}' ${commandLine(container, [])})"`;

/** The docker steps of the load, as a shell would run them. */
export function loadCommandLines(container: string, image: string, database: string): string[] {
  return stoppedRunText(container, image, loadArgs(database, LOAD_DIR), `# with the dump put in as ${LOAD_DIR}/${dumpFileName(database)}`);
}

/** What the confirmation shows: every step, what is replaced and lost, what is not touched. */
export function dumpRestoreText(file: string, options: RestoreOptions, state: RestoreTargetState | undefined, preview: RestorePreview): string {
  const why = refusal(options, preview);
  if (why) throw new UserFacingError(why);
  const container = preview.profile.container?.name ?? '';
  const db = JSON.stringify(options.database);
  const holds = state && !state.empty ? ` (it holds ${state.holds ?? 'data'} now)` : '';
  return [
    `# Restore ${path.basename(file)} (neo4j-admin database dump) into database ${db} of "${preview.profile.name}", through its container ${JSON.stringify(container)}`,
    `# First, before anything is stopped: the file must start as a Neo4j dump${preview.manifest ? ' and its SHA-256 equal the manifest\'s' : ' (there is no manifest: its SHA-256 cannot be checked)'}.`,
    `# The container ${JSON.stringify(container)} is STOPPED: the server answers no one until the load is done and it has started again.`,
    ...loadCommandLines(container, imageOf(container), options.database),
    `# Database ${db} is REPLACED by the dump's contents: everything in it that is not in the dump is lost${holds}; this cannot be undone.`,
    '# Other databases and the system database (users, roles, privileges) are not touched.',
    '# The container is started again also after a failure or a cancel; then Upkeep waits until Bolt answers and the database is online,',
    '# and compares node counts per label, relationship counts per type, indexes and constraints with the backup\'s manifest.',
  ].join('\n');
}

export function dumpRestoreImpact(options: RestoreOptions, state: RestoreTargetState | undefined, preview: RestorePreview | undefined): string {
  const container = JSON.stringify(preview?.profile.container?.name ?? '');
  const lost = state && !state.empty ? `what it holds now (${state.holds ?? 'its data'}) is lost` : 'anything in it that is not in the dump is lost';
  return `STOPS container ${container} (the server is unavailable until the load is done and it has started again) and REPLACES database ${JSON.stringify(options.database)} with the dump's contents: ${lost}; cannot be undone. Other databases are not touched`;
}

/** The file is a dump and the one the manifest describes: checked before anything is stopped. */
async function checkDumpFile(file: string, manifest: BackupManifest | undefined): Promise<string> {
  const kind = await dumpKindOf(file);
  if (!kind) throw new UserFacingError(`${path.basename(file)} is not a Neo4j dump (it does not start with DZV1, DGV1 or a gzip header): nothing was stopped or changed.`);
  if (manifest && (await checkHashes(file, manifest.shape, manifest.sha256)).length) {
    throw new UserFacingError(`${path.basename(file)} changed since it was written (its SHA-256 differs from the manifest's): the restore was refused; nothing was stopped or changed.`);
  }
  return kind;
}

/** The container, or a clear refusal. */
async function restoreContainer(ctx: RestoreContext): Promise<ContainerAccess> {
  const access = await ctx.container?.().catch(() => undefined);
  if (!access) throw new UserFacingError(`Container "${ctx.profile.container?.name ?? ''}" is not running, or its Docker connection is not available: the restore needs the running server's container (to check the database, then stop it). Nothing was changed.`);
  if (!access.control.mountTargets.includes(IMAGE_DATA_DIR)) {
    throw new UserFacingError(`${access.describe} keeps no volume or bind mount at ${IMAGE_DATA_DIR}, where the neo4j image keeps its store: a load from a container beside it would not reach the store. Nothing was stopped or changed.`);
  }
  return access;
}

/** Whether the database exists and may be replaced (empty, or the user chose to replace what it holds). */
async function checkDatabase(ctx: RestoreContext, options: RestoreOptions): Promise<void> {
  const { openNeo4jDriver } = await import('./connection');
  const driver = await openNeo4jDriver(ctx.profile, ctx.password);
  try {
    const db = await serverDatabases(driver);
    const database = options.database;
    if (database === 'system') throw new UserFacingError('The system database is not restored from a dump: pick a user database. Nothing was changed.');
    if (!db.names.includes(database)) throw new UserFacingError(`There is no database ${JSON.stringify(database)} on "${ctx.profile.name}" (it has ${db.names.map((n) => JSON.stringify(n)).join(', ')}): a dump replaces an existing database. Nothing was changed.`);
    // A database left offline (a cancelled load) cannot be read: it is replaced only when chosen, like one that holds anything.
    const status = await databaseStatus(driver, database);
    if (status?.status !== 'online') {
      if (!options.clean) throw new UserFacingError(`Database ${JSON.stringify(database)} on "${ctx.profile.name}" is ${status?.status ?? 'unknown'}${status?.message ? ` (${status.message})` : ''}: the load replaces it only when you choose to. Nothing was changed.`);
      return;
    }
    const state = await stateOf(driver, database);
    if (!state.empty && !options.clean) {
      throw new UserFacingError(`Database ${JSON.stringify(database)} on "${ctx.profile.name}" is not empty (${state.holds ?? ''}): the load replaces what it holds only when you choose to. Nothing was changed.`);
    }
  } finally {
    await driver.close();
  }
}

/** The load in a one-shot container with the stopped server's volumes; `onLoading` once it has started (the store is touched from then on). */
async function runLoad(control: ContainerControl, database: string, file: string, ctx: RestoreContext, onLoading: () => void): Promise<void> {
  ctx.onProgress?.({ phase: 'copying the dump into a one-shot container' });
  const res = await control.runOnce(
    { purpose: 'neo4j-restore-load', entrypoint: ADMIN_ENTRYPOINT, cmd: loadArgs(database, LOAD_DIR), mounts: 'same', network: 'none', put: { file, dir: LOAD_DIR, name: dumpFileName(database) } },
    {
      onStart: () => {
        onLoading();
        ctx.onProgress?.({ phase: `loading the dump into database ${database}` });
      },
      onStderrLine: (line) => {
        const p = dumpProgress(line);
        if (p) ctx.onProgress?.({ phase: `loading the dump into database ${database}: ${p}` });
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    },
  );
  if (res.exitCode !== 0) throw new UserFacingError(`neo4j-admin database load failed (exit ${String(res.exitCode)}): ${adminFailure(res.stderr)}`);
}

export async function restoreDump(file: string, manifest: BackupManifest | undefined, options: RestoreOptions, ctx: RestoreContext): Promise<RestoreDone> {
  const started = Date.now();
  if (ctx.signal?.aborted) throw new Cancelled();
  const profile = ctx.profile;
  if (ctx.target && ctx.target.profile.id !== profile.id) {
    throw new UserFacingError(`A dump is restored only into the server of the backed-up connection's own container ("${profile.name}"), not into "${ctx.target.profile.name}". Nothing was changed.`);
  }
  const why = refusal(options, { file, manifest, profile });
  if (why) throw new UserFacingError(why);
  const access = await restoreContainer(ctx);
  const control = access.control;
  const database = options.database;
  const db = JSON.stringify(database);
  ctx.onProgress?.({ phase: 'checking the dump and its SHA-256' });
  const kind = await checkDumpFile(file, manifest);
  ctx.onProgress?.({ phase: `checking database ${database}` });
  await checkDatabase(ctx, options);
  if (ctx.signal?.aborted) throw new Cancelled('Restore cancelled before the container was stopped: nothing was changed.');

  let loading = false;
  // Bolt is waited for on the system database: the restored one is checked on its own afterwards, with the server's reason if it stays offline.
  const outcome = await whileStopped(access, ctx, () => runLoad(control, database, file, ctx, () => (loading = true)), { ...profile, database: 'system' });
  const cancelled = ctx.signal?.aborted === true;
  const left = outcome.failure
    ? loading
      ? `Database ${db} may be partial or empty (neo4j-admin replaces it as it loads): restore again before using it.`
      : `Database ${db} was not touched (the load had not started).`
    : `The load had finished: database ${db} holds the dump's contents.`;
  if (outcome.restart) {
    throw new UserFacingError(`${access.describe} was stopped for the restore and could not be started again: ${outcome.restart.message}. Start it by hand (docker start). ${outcome.failure ? `The restore had ${cancelled ? 'been cancelled' : `failed: ${outcome.failure.message}`}. ` : ''}${left}`);
  }
  if (outcome.failure) {
    if (cancelled) throw new Cancelled(`Restore cancelled: the load was stopped and ${access.describe} runs again. ${left}`);
    throw new UserFacingError(`The restore of ${path.basename(file)} failed: ${outcome.failure.message}. ${access.describe} runs again. ${left}`);
  }
  ctx.onProgress?.({ phase: `waiting until database ${database} is online` });
  const restored = { ...profile, database };
  await waitForBolt(restored, ctx.password, ONLINE_WAIT_MS, () => databaseFailure(profile, ctx.password, database)).catch((err: unknown) => {
    throw new UserFacingError(`${access.describe} runs again, but the restored database ${db} did not come online: ${(err as Error).message}. ${left}`);
  });
  ctx.onProgress?.({ phase: 'comparing counts, indexes and constraints with the backup' });
  const { openNeo4jDriver } = await import('./connection');
  const driver = await openNeo4jDriver(restored, ctx.password);
  try {
    const into = `database ${db} on "${profile.name}"`;
    const comparison = await compareWithManifest(driver, database, manifest, into, started);
    return {
      commandText: loadCommandLines(profile.container?.name ?? '', control.image.replace(/^sha256:/, '').slice(0, 12), database).join('\n'),
      notes: [`${access.describe} was stopped for the restore and started again; the ${kind} replaced database ${db}.`],
      comparison,
    };
  } finally {
    await driver.close();
  }
}
