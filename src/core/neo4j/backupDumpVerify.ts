/**
 * Verify of a Neo4j dump: its SHA-256, then `neo4j-admin database load` into
 * a throwaway volume (a one-shot container of the source container's image,
 * no network, the dump put into it through the archive API), then a
 * throwaway server of the same image on that volume, on a free port of this
 * machine's loopback (the host's network; so the Docker engine must run on
 * this machine), with a random password. Counts per label and relationship
 * type, indexes and constraints are compared with the manifest. The
 * throwaway container and volume are removed in a finally: after a pass, a
 * failure or a cancel. The source server is not touched.
 */
import { randomBytes } from 'node:crypto';
import type { BackupManifest, VerifyContext, VerifyResult } from '../backup/model';
import type { ContainerControl } from '../backup/container';
import { freeLocalPort } from '../backup/freePort';
import type { ConnectionProfile } from '../connections/profile';
import { Cancelled } from '../errors';
import { compareRestored, differencesText, equalCountsText } from './backupSnapshot';
import { recordedSnapshot } from './backupVerify';
import { databaseFailure, waitForBolt } from './backupDump';
import { ADMIN_ENTRYPOINT, adminFailure, CARRIED_ENV, serverLogLines, dumpFileName, IMAGE_DATA_DIR, loadArgs, LOAD_DIR, throwawayServerEnv } from './dumpTool';

const START_WAIT_MS = 240_000;

/** Runs `work` with a throwaway volume and removes it (and the server, once named) whatever happens. */
async function withThrowaway<T>(control: ContainerControl, ctx: VerifyContext, work: (volume: string, named: (server: string) => void) => Promise<T>): Promise<T> {
  const volume = await control.createVolume('neo4j-verify');
  let server: string | undefined;
  try {
    return await work(volume, (s) => (server = s));
  } finally {
    ctx.onProgress?.({ phase: 'removing the throwaway container and volume' });
    if (server) await control.removeContainer(server).catch((err: unknown) => ctx.log.warn(`Verify could not remove container ${server ?? ''}: ${(err as Error).message}`));
    await control.removeVolume(volume).catch((err: unknown) => ctx.log.warn(`Verify could not remove volume ${volume}: ${(err as Error).message}`));
  }
}

export async function verifyDump(file: string, manifest: BackupManifest, ctx: VerifyContext): Promise<VerifyResult> {
  const started = Date.now();
  let into: string | undefined;
  const result = (status: VerifyResult['status'], summary: string, differences: string[] = []): VerifyResult => ({
    status, at: new Date().toISOString(), durationMs: Date.now() - started, summary, differences, ...(into ? { restoredInto: into } : {}),
  });
  const detail = await recordedSnapshot(file, manifest, ctx, result);
  if ('status' in detail) return detail;
  const ref = ctx.profile.container;
  const access = ref ? await ctx.container?.().catch(() => undefined) : undefined;
  if (!access) {
    return result('not-verifiable', `Verify of a dump loads it with the neo4j-admin of the server's image, found through its container${ref ? `: container "${ref.name}" is not running or its Docker connection is not available` : `, and "${ctx.profile.name}" names none`}.`);
  }
  const control = access.control;
  if (!control.local) return result('not-verifiable', `Verify of a dump starts a throwaway Neo4j on this machine's loopback (the host's network): the Docker engine of ${access.describe} runs elsewhere.`);
  const database = detail.database;
  try {
    return await withThrowaway(control, ctx, async (volume, named) => {
      into = `a throwaway container of ${access.describe}'s image (volume ${volume})`;
      ctx.onProgress?.({ phase: 'loading the dump into a throwaway volume' });
      const load = await control.runOnce(
        { purpose: 'neo4j-verify-load', entrypoint: ADMIN_ENTRYPOINT, cmd: loadArgs(database, LOAD_DIR), mounts: { volume, at: IMAGE_DATA_DIR }, network: 'none', put: { file, dir: LOAD_DIR, name: dumpFileName(database) } },
        ctx.signal ? { signal: ctx.signal } : {},
      );
      if (load.exitCode !== 0) {
        const why = adminFailure(load.stderr);
        return result('failed', `neo4j-admin database load refused the dump: ${why}`, [`load: ${why}`]);
      }
      const port = await freeLocalPort();
      // Hex: a password starting with - would be read as an option by neo4j-admin dbms set-initial-password (the image's entrypoint runs it).
      const password = randomBytes(16).toString('hex');
      ctx.onProgress?.({ phase: `starting a throwaway Neo4j on 127.0.0.1:${port}` });
      const server = await control.startServer({ purpose: 'neo4j-verify', cmd: ['neo4j'], env: throwawayServerEnv(port, password, database, control.env(CARRIED_ENV)), mounts: { volume, at: IMAGE_DATA_DIR } });
      named(server);
      into = `throwaway container ${server} (volume ${volume}, 127.0.0.1:${port})`;
      const profile: ConnectionProfile = { id: `verify-${server}`, engine: 'neo4j', name: server, host: '127.0.0.1', port, user: 'neo4j', scheme: 'bolt', database, tls: 'disable', readOnly: true, production: false, connectTimeoutMs: 5_000 };
      try {
        await waitForBolt(profile, password, START_WAIT_MS, async () => {
          if (ctx.signal?.aborted) return 'cancelled';
          if (!(await control.running(server).catch(() => false))) return 'the container stopped while starting';
          // A store the server cannot open (a damaged dump) leaves the database offline, not starting: no use waiting.
          return databaseFailure(profile, password, database);
        });
      } catch (err) {
        if (ctx.signal?.aborted) throw new Cancelled();
        const logs = serverLogLines(await control.logsTail(server)).join(' · ');
        return result('failed', `The loaded dump did not start as a server: ${(err as Error).message}${logs ? ` (${logs})` : ''}`, [`start: ${(err as Error).message}`]);
      }
      if (ctx.signal?.aborted) throw new Cancelled();
      const { openNeo4jDriver } = await import('./connection');
      const driver = await openNeo4jDriver(profile, password);
      try {
        await ctx.afterRestore?.(into);
        ctx.onProgress?.({ phase: 'comparing counts, indexes and constraints' });
        const { restored, differences } = await compareRestored(driver, database, detail);
        const summary = differences.length ? `${differencesText(differences)}.` : `Loaded into ${into}: ${equalCountsText(detail, restored)}.`;
        return result(differences.length ? 'failed' : 'passed', summary, differences);
      } finally {
        await driver.close();
      }
    });
  } catch (err) {
    if (ctx.signal?.aborted) throw new Cancelled('Verify cancelled: the throwaway container and volume were removed.');
    throw err;
  }
}

