/**
 * Verify of a Neo4j backup: its SHA-256, then an import into an EMPTY Neo4j
 * server the user names (Community has one user database, so the source
 * cannot take a throwaway copy), then node counts per label, relationship
 * counts per type, indexes and constraints compared with the snapshot taken
 * at backup time.
 *
 * A target holding any node, index (besides the token lookups every database
 * has) or constraint is refused before anything is sent: Verify never deletes
 * data of the user's. The file's statements are replayed as they stream from
 * disk, transaction by transaction; APOC's own clean-up statements at its end
 * (taking its import marker off the nodes) are skipped, as the nodes are
 * deleted anyway. Afterwards everything is removed: the nodes (the server was
 * empty, so all of them came from the file) and the indexes and constraints
 * the import created. It always runs: on success, on a failure, on cancel.
 * The target must be a server nothing else writes to meanwhile.
 */
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import type * as Neo4j from 'neo4j-driver';
import type { BackupContext, BackupManifest, VerifyContext, VerifyResult } from '../backup/model';
import { checkHashes } from '../backup/files';
import { Cancelled, UserFacingError } from '../errors';
import { cypherName, toNumber } from './cypherNames';
import { readRows } from './schema';
import { CypherScriptReader, isImportCleanup, type ScriptItem } from './backupScript';
import { compareRestored, differencesText, equalCountsText, notEmptyReasons, readCounts, readSchema, type Neo4jSnapshotDetail } from './backupSnapshot';

const fmt = (n: number): string => n.toLocaleString('en-US');

/** How a replay went so far: the caller reads it after a cancel or a failure (what was committed). */
export interface ReplayProgress {
  /** Statements run (those of a transaction rolled back included until the rollback). */
  statements: number;
  /** Statements in committed transactions or run in auto-commit: what the target holds. */
  committed: number;
}

/**
 * Replays the file on the session's database, one transaction per
 * :begin/:commit; returns the statements run and the console commands
 * skipped. Verify skips APOC's clean-up statements at the end (its own
 * clean-up deletes the marked nodes); a restore runs them (`runCleanup`), so
 * the restored nodes lose APOC's import marker and its constraint.
 */
export async function replay(session: Neo4j.Session, file: string, ctx: Pick<BackupContext, 'signal' | 'onProgress'>, runCleanup = false, done: ReplayProgress = { statements: 0, committed: 0 }): Promise<{ statements: number; skipped: string[] }> {
  const reader = new CypherScriptReader();
  let tx: Neo4j.Transaction | undefined;
  let statements = 0;
  let inTx = 0;
  let bytes = 0;
  const skipped: string[] = [];
  const run = async (item: ScriptItem): Promise<void> => {
    if (ctx.signal?.aborted) throw new Cancelled();
    switch (item.kind) {
      case 'begin':
        if (tx) throw new Error('The backup file opens a transaction inside another (:begin twice).');
        tx = session.beginTransaction();
        return;
      case 'commit':
        if (!tx) throw new Error('The backup file commits a transaction it never began.');
        await tx.commit();
        tx = undefined;
        done.committed += inTx;
        inTx = 0;
        ctx.onProgress?.({ phase: `importing: ${fmt(statements)} statements run`, bytes });
        return;
      case 'rollback':
        await tx?.rollback();
        tx = undefined;
        inTx = 0;
        return;
      case 'console':
        skipped.push(item.text);
        return;
      case 'statement':
        if (!runCleanup && isImportCleanup(item.text)) return;
        await (tx ?? session).run(item.text);
        statements++;
        done.statements = statements;
        if (tx) inTx++;
        else done.committed++;
    }
  };
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const text = chunk as string;
      bytes += Buffer.byteLength(text);
      for (const item of reader.push(text)) await run(item);
      ctx.onProgress?.({ phase: `importing: ${fmt(statements)} statements run`, bytes });
    }
    for (const item of reader.end()) await run(item);
    if (tx) throw new Error('The backup file ends inside a transaction (:begin without :commit): it is truncated.');
    return { statements, skipped };
  } finally {
    if (tx) await tx.rollback().catch(() => undefined);
  }
}

/**
 * Removes what the import made: every node (with its relationships) of the
 * server that was empty before, then the constraints and indexes that were
 * not there before. Returns what
 * could not be removed, in words (empty when the target is as it was).
 */
async function removeImported(driver: Neo4j.Driver, database: string | undefined, before: { indexes: string[]; constraints: string[] }): Promise<string[]> {
  const session = driver.session({ defaultAccessMode: 'WRITE', ...(database ? { database } : {}) });
  const left: string[] = [];
  try {
    // The server was empty when the import began, so every node on it now came from the file: APOC marks most
    // imported nodes, but MERGEs those of a label with a uniqueness constraint on its key without the mark.
    // Auto-commit, in batches: a large import is not deleted in one transaction.
    await session.run('MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
    const now = await readSchema(driver, database);
    for (const name of now.all.constraints.filter((n) => !before.constraints.includes(n))) {
      await session.run(`DROP CONSTRAINT ${cypherName(name)} IF EXISTS`).catch((err: unknown) => void left.push(`constraint ${JSON.stringify(name)}: ${(err as Error).message}`));
    }
    const after = await readSchema(driver, database);
    for (const name of after.all.indexes.filter((n) => !before.indexes.includes(n))) {
      await session.run(`DROP INDEX ${cypherName(name)} IF EXISTS`).catch((err: unknown) => void left.push(`index ${JSON.stringify(name)}: ${(err as Error).message}`));
    }
    const [row] = await readRows(driver, database, 'RETURN COUNT { () } AS n');
    if (toNumber(row?.n)) left.push(`${fmt(toNumber(row?.n))} nodes`);
  } finally {
    await session.close();
  }
  return left;
}

/**
 * What every Neo4j Verify checks first: the file's SHA-256 against the
 * manifest, then that the manifest holds counts to compare with. Returns the
 * snapshot, or the result that ends the Verify (`result` words it).
 */
export async function recordedSnapshot(file: string, manifest: BackupManifest, ctx: VerifyContext, result: (status: VerifyResult['status'], summary: string, differences?: string[]) => VerifyResult): Promise<Neo4jSnapshotDetail | VerifyResult> {
  ctx.onProgress?.({ phase: 'checking the SHA-256' });
  if ((await checkHashes(file, manifest.shape, manifest.sha256)).length) {
    return result('failed', 'The backup changed since it was written: SHA-256 differs from the manifest.', [`${path.basename(file)}: SHA-256 differs from the manifest`]);
  }
  const detail = manifest.snapshot as Neo4jSnapshotDetail | undefined;
  if (!detail?.before) return result('not-verifiable', 'The manifest holds no counts to compare with (a backup from outside Upkeep).');
  return detail;
}

export async function verifyExport(file: string, manifest: BackupManifest, ctx: VerifyContext): Promise<VerifyResult> {
  const started = Date.now();
  const target = ctx.target;
  const into = target ? `Neo4j "${target.profile.name}" (${target.profile.host ?? 'localhost'}:${target.profile.port ?? ''}${target.profile.database ? `/${target.profile.database}` : ''})` : undefined;
  const result = (status: VerifyResult['status'], summary: string, differences: string[] = []): VerifyResult => ({
    status, at: new Date().toISOString(), durationMs: Date.now() - started, summary, differences, ...(into ? { restoredInto: into } : {}),
  });
  const detail = await recordedSnapshot(file, manifest, ctx, result);
  if ('status' in detail) return detail;
  if (!target) {
    return result('not-verifiable', 'Verify of a Neo4j backup imports it into an empty Neo4j server you name (Neo4j Community has one user database, so the source cannot take a throwaway copy): add one as a connection and pick it.');
  }
  const same = (target.profile.host ?? 'localhost') === (ctx.profile.host ?? 'localhost') && (target.profile.port ?? 7687) === (ctx.profile.port ?? 7687) && (target.profile.database ?? '') === (ctx.profile.database ?? '');
  if (same) throw new UserFacingError(`"${target.profile.name}" is the backed-up database itself: Verify needs another, empty Neo4j server.`);
  if (target.profile.readOnly) throw new UserFacingError(`"${target.profile.name}" is a read-only connection and Verify imports into it: nothing was sent.`);

  const { openNeo4jDriver } = await import('./connection');
  const driver = await openNeo4jDriver(target.profile, target.password);
  const database = target.profile.database || undefined;
  let touched = false;
  let before: { indexes: string[]; constraints: string[] } = { indexes: [], constraints: [] };
  try {
    ctx.onProgress?.({ phase: `checking that ${into} is empty` });
    const counts = await readCounts(driver, database);
    const schema = await readSchema(driver, database);
    const reasons = notEmptyReasons(counts, schema);
    if (reasons.length) throw new UserFacingError(`${into} is not empty (${reasons.join(', ')}): Verify imports only into an empty Neo4j server and never deletes data of yours. Nothing was imported.`);
    before = schema.all;
    touched = true;
    const session = driver.session({ defaultAccessMode: 'WRITE', ...(database ? { database } : {}) });
    // A cancel during a long statement: closing the session stops it (and rolls back its transaction).
    const onAbort = (): void => void session.close().catch(() => undefined);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    let replayed;
    try {
      replayed = await replay(session, file, ctx);
    } catch (err) {
      // A statement the server rejects (syntax, a constraint the data breaks) is the backup's fault: a failed verify, not an error.
      const code = (err as { code?: unknown }).code;
      if (ctx.signal?.aborted || typeof code !== 'string' || !code.startsWith('Neo.ClientError.') || code.startsWith('Neo.ClientError.Security.')) throw err;
      const message = (err as Error).message.split('\n')[0] ?? '';
      return await finish(result('failed', `The import into ${into} failed: ${message}`, [`import: ${message}`]));
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort);
      await session.close().catch(() => undefined);
    }
    if (ctx.signal?.aborted) throw new Cancelled();
    await ctx.afterRestore?.(into ?? '');
    ctx.onProgress?.({ phase: 'comparing counts, indexes and constraints' });
    const { restored, differences } = await compareRestored(driver, database, detail);
    const skipped = replayed.skipped.length ? ` (${replayed.skipped.length} console commands skipped: ${replayed.skipped.slice(0, 2).join(', ')})` : '';
    const summary = differences.length ? differencesText(differences) : `Imported into ${into}: ${equalCountsText(detail, restored)}`;
    return await finish(result(differences.length ? 'failed' : 'passed', `${summary}${skipped}.`, differences));
  } catch (err) {
    if (touched) await finish(undefined);
    if (ctx.signal?.aborted) throw new Cancelled(`Verify cancelled: what it had imported into ${into} was removed.`);
    throw err;
  } finally {
    await driver.close();
  }

  /** The clean-up, always after an import began; what it could not remove goes into the result (or the log on failure). */
  async function finish(r: VerifyResult | undefined): Promise<VerifyResult> {
    touched = false;
    ctx.onProgress?.({ phase: `removing what was imported into ${into}` });
    const left = await removeImported(driver, database, before).catch((err: unknown) => [`the clean-up failed: ${(err as Error).message}`]);
    if (left.length) ctx.log.warn(`Verify left on ${into}: ${left.join('; ')}. Remove it by hand.`);
    if (!r) return result('failed', '');
    return left.length ? { ...r, summary: `${r.summary} Could not remove from ${into}: ${left.join('; ')}.` } : r;
  }
}
