/**
 * Restore of a Neo4j backup (APOC's Cypher export) into a database the user
 * picks, on the backed-up connection or another Neo4j connection. The file
 * is replayed as Verify replays it (backupVerify.ts: statement by statement
 * as it streams from disk, one transaction per :begin/:commit, cancel
 * between statements), but APOC's own clean-up at its end runs too, so the
 * restored nodes lose the import marker and its constraint.
 *
 * The target must be empty, or the user chose to clear it first (every node
 * and relationship deleted in batches, then every constraint and index but
 * the token lookups dropped): restoring on top of data would merge two
 * graphs and the counts could not be compared. A new database is offered
 * only where the server can make one (Enterprise: CREATE DATABASE);
 * Community has one user database. Afterwards node counts per label,
 * relationship counts per type, indexes and constraints are compared with
 * the snapshot in the backup's manifest. A cancel or a failure part-way says
 * that the database holds part of the backup: nothing claims success then.
 */
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import type * as Neo4j from 'neo4j-driver';
import type { BackupManifest, RestoreContext, RestoreDone, RestoreOptions, RestoreTargets, RestoreTargetState, VerifyResult } from '../backup/model';
import type { ConnectionProfile } from '../connections/profile';
import { Cancelled, UserFacingError } from '../errors';
import { cypherName } from './cypherNames';
import { readRows } from './schema';
import { CypherScriptReader } from './backupScript';
import { compareRestored, differencesText, equalCountsText, notEmptyReasons, readCounts, readSchema, type Neo4jSnapshotDetail, type SchemaObject } from './backupSnapshot';
import { replay, type ReplayProgress } from './backupVerify';
import { databaseStatus } from './backupDump';

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Deletes every node with its relationships, in batches (auto-commit), so a large graph is not one transaction. */
export const CLEAR_DATA = 'MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS';

/** The statements that empty a database: the data, then its constraints (with their indexes), then the other indexes. */
export function clearStatements(schema: { indexes: SchemaObject[]; constraints: SchemaObject[] }): string[] {
  return [
    CLEAR_DATA,
    ...schema.constraints.map((c) => `DROP CONSTRAINT ${cypherName(c.name)} IF EXISTS`),
    ...schema.indexes.map((i) => `DROP INDEX ${cypherName(i.name)} IF EXISTS`),
  ];
}

/** The connection restored into: the one the user picked, else the backed-up one. */
function targetOf(ctx: RestoreContext): { profile: ConnectionProfile; password: string | undefined } {
  return ctx.target ?? { profile: ctx.profile, password: ctx.password };
}

async function withDriver<T>(ctx: RestoreContext, work: (driver: Neo4j.Driver, profile: ConnectionProfile) => Promise<T>): Promise<T> {
  const { profile, password } = targetOf(ctx);
  // import(): connection.ts is a chunk of its own (the driver).
  const { openNeo4jDriver } = await import('./connection');
  const driver = await openNeo4jDriver(profile, password);
  try {
    return await work(driver, profile);
  } finally {
    await driver.close();
  }
}

/** The standard (user) databases of the server and whether it can create one (Enterprise). */
export async function serverDatabases(driver: Neo4j.Driver): Promise<{ names: string[]; canCreate: boolean; edition: string }> {
  const { neo4jServerInfo } = await import('./connection');
  const info = await neo4jServerInfo(driver);
  const rows = await readRows(driver, 'system', "SHOW DATABASES YIELD name, type WHERE type = 'standard' RETURN DISTINCT name ORDER BY name");
  const edition = info.edition.charAt(0).toUpperCase() + info.edition.slice(1);
  return { names: rows.map((r) => String(r.name)), canCreate: /enterprise/i.test(edition), edition };
}

export async function neo4jRestoreTargets(ctx: RestoreContext): Promise<RestoreTargets> {
  return withDriver(ctx, async (driver, profile) => {
    const db = await serverDatabases(driver);
    return {
      noun: 'database',
      existing: db.names,
      create: db.canCreate
        ? { allowed: true }
        : { allowed: false, reason: `"${profile.name}" runs Neo4j ${db.edition}, which has one user database: a restore goes into it (cleared first when it holds anything), or into another Neo4j connection.` },
    };
  });
}

export async function stateOf(driver: Neo4j.Driver, database: string): Promise<RestoreTargetState & { schema: { indexes: SchemaObject[]; constraints: SchemaObject[] } }> {
  const counts = await readCounts(driver, database);
  const schema = await readSchema(driver, database);
  const reasons = notEmptyReasons(counts, schema);
  const rels = counts.relationships ? [`${fmt(counts.relationships)} relationship${counts.relationships === 1 ? '' : 's'}`] : [];
  return {
    empty: reasons.length === 0,
    ...(reasons.length ? { holds: [reasons[0] ?? '', ...rels, ...reasons.slice(1)].filter(Boolean).join(', ') } : {}),
    clearText: clearStatements(schema).map((s) => `${s};`).join('\n'),
    schema,
  };
}

export async function neo4jRestoreTargetState(name: string, ctx: RestoreContext): Promise<RestoreTargetState> {
  return withDriver(ctx, async (driver) => {
    // An offline database (a dump's load cancelled part-way) cannot be read: it counts as holding something, so replacing it is asked for.
    const status = await databaseStatus(driver, name);
    if (status && status.status !== 'online') return { empty: false, holds: `nothing readable: it is ${status.status}${status.message ? ` (${status.message})` : ''}` };
    const { schema: _schema, ...state } = await stateOf(driver, name);
    return state;
  });
}

/** The first statements of the file, for the preview (read from its first 64 KB). */
async function firstStatements(file: string, count: number): Promise<string[]> {
  const reader = new CypherScriptReader();
  const out: string[] = [];
  for await (const chunk of createReadStream(file, { encoding: 'utf8', start: 0, end: 65_535 })) {
    for (const item of reader.push(chunk as string)) {
      if (item.kind === 'statement' && out.length < count) out.push(item.text.length > 300 ? `${item.text.slice(0, 300)} …` : item.text);
    }
  }
  return out;
}

export async function neo4jRestoreText(file: string, options: RestoreOptions, state?: RestoreTargetState): Promise<string> {
  const lines = [`// Restore ${path.basename(file)} into database ${cypherName(options.database)}`];
  if (options.create) lines.push('// on the system database:', `CREATE DATABASE ${cypherName(options.database)} WAIT;`);
  if (options.clean && state?.clearText) lines.push(`// clear database ${cypherName(options.database)} first (cannot be undone):`, state.clearText);
  lines.push('// then every statement of the file, as it streams from disk, in the transactions it writes (:begin … :commit), APOC\'s removal of its import marker included. The first ones:');
  lines.push(...(await firstStatements(file, 6)).map((s) => `${s};`), '// …', '// then: node counts per label, relationship counts per type, indexes and constraints compared with the backup\'s manifest.');
  return lines.join('\n');
}

export function neo4jRestoreImpact(options: RestoreOptions, state?: RestoreTargetState): string {
  const into = `database ${JSON.stringify(options.database)}`;
  if (options.create) return `creates ${into} and imports the backup into it`;
  if (options.clean && state && !state.empty) return `DELETES everything in ${into} (${state.holds ?? 'its data'}: every node, relationship, constraint and index but the token lookups) and imports the backup into it; cannot be undone`;
  return `imports the backup into the empty ${into}`;
}

/** The restored database compared with the snapshot taken at backup time. */
export async function compareWithManifest(driver: Neo4j.Driver, database: string, manifest: BackupManifest | undefined, into: string, started: number): Promise<VerifyResult> {
  const detail = manifest?.snapshot as Neo4jSnapshotDetail | undefined;
  const result = (status: VerifyResult['status'], summary: string, differences: string[] = []): VerifyResult => ({ status, at: new Date().toISOString(), durationMs: Date.now() - started, summary, differences, restoredInto: into });
  if (!detail?.before) return result('not-verifiable', 'The backup has no Upkeep manifest with counts: the restore was not compared.');
  const { restored, differences } = await compareRestored(driver, database, detail);
  if (differences.length) return result('failed', `${differencesText(differences, ' from the backup')}.`, differences);
  return result('passed', `${equalCountsText(detail, restored)}.`);
}

export async function restoreExport(file: string, manifest: BackupManifest | undefined, options: RestoreOptions, ctx: RestoreContext): Promise<RestoreDone> {
  const started = Date.now();
  if (ctx.signal?.aborted) throw new Cancelled();
  return withDriver(ctx, async (driver, profile) => {
    if (profile.readOnly) throw new UserFacingError(`"${profile.name}" is a read-only connection: the restore was refused and nothing was sent to the server.`);
    const database = options.database;
    const into = `database ${JSON.stringify(database)} on "${profile.name}"`;
    const db = await serverDatabases(driver);
    const notes: string[] = [];
    const commandText = [`// Restore ${path.basename(file)} into ${into}`];
    if (options.create) {
      if (!db.canCreate) throw new UserFacingError(`"${profile.name}" runs Neo4j ${db.edition}, which cannot create databases: restore into its database (cleared first) or into another connection. Nothing was changed.`);
      if (db.names.includes(database)) throw new UserFacingError(`Database ${JSON.stringify(database)} already exists on "${profile.name}": pick it as an existing database or give another name. Nothing was changed.`);
      ctx.onProgress?.({ phase: `creating database ${database}` });
      const create = `CREATE DATABASE ${cypherName(database)} WAIT`;
      const session = driver.session({ database: 'system', defaultAccessMode: 'WRITE' });
      try {
        await session.run(create);
      } finally {
        await session.close();
      }
      commandText.push(`${create};`);
    } else if (!db.names.includes(database)) {
      throw new UserFacingError(`There is no database ${JSON.stringify(database)} on "${profile.name}" (it has ${db.names.map((n) => JSON.stringify(n)).join(', ')}). Nothing was changed.`);
    }
    ctx.onProgress?.({ phase: `checking database ${database}` });
    const state = await stateOf(driver, database);
    let cleared = false;
    if (!state.empty) {
      if (!options.clean) throw new UserFacingError(`${into} is not empty (${state.holds ?? ''}): a restore goes into an empty database, so choose to clear it first (that deletes what it holds) or pick another. Nothing was changed.`);
      ctx.onProgress?.({ phase: `clearing database ${database}` });
      const session = driver.session({ database, defaultAccessMode: 'WRITE' });
      try {
        for (const statement of clearStatements(state.schema)) await session.run(statement);
      } finally {
        await session.close();
      }
      cleared = true;
      commandText.push(state.clearText ?? '');
      const again = await stateOf(driver, database);
      if (!again.empty) throw new UserFacingError(`${into} still holds ${again.holds ?? 'data'} after clearing it (something else writes to it?): nothing of the backup was imported.`);
    }
    if (ctx.signal?.aborted) throw new Cancelled(`Restore cancelled before the import${cleared ? `: ${into} was cleared and holds nothing of the backup` : ': nothing was changed'}.`);
    commandText.push(`// the file's statements, in its transactions (${path.basename(file)})`);
    const done: ReplayProgress = { statements: 0, committed: 0 };
    const session = driver.session({ database, defaultAccessMode: 'WRITE' });
    // A cancel during a long statement: closing the session stops it (and rolls back its transaction).
    const onAbort = (): void => void session.close().catch(() => undefined);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    let replayed: { statements: number; skipped: string[] };
    try {
      replayed = await replay(session, file, ctx, true, done);
    } catch (err) {
      const partial = `${into} is PARTIAL: it holds ${fmt(done.committed)} committed statement${done.committed === 1 ? '' : 's'} of the backup${cleared ? ' (it was cleared first)' : ''}. Do not use it as restored: clear it and restore again.`;
      if (ctx.signal?.aborted) throw new Cancelled(`Restore cancelled: ${partial}`);
      throw new UserFacingError(`The restore into ${into} failed at statement ${fmt(done.statements + 1)}: ${((err as Error).message.split('\n')[0] ?? '')}. ${partial}`);
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort);
      await session.close().catch(() => undefined);
    }
    if (replayed.skipped.length) notes.push(`${replayed.skipped.length} console commands of the file were not sent: ${replayed.skipped.slice(0, 3).join(', ')}.`);
    ctx.onProgress?.({ phase: 'comparing counts, indexes and constraints with the backup' });
    const comparison = await compareWithManifest(driver, database, manifest, into, started);
    return { commandText: commandText.join('\n'), notes, comparison };
  });
}
