/**
 * The Neo4j backup method: APOC's Cypher export of the whole database
 * (`apoc.export.cypher.all` with `stream: true`), whose batches of
 * statements arrive as rows and are appended to the file one by one, so the
 * export is never held in memory. The driver pulls a couple of rows at a
 * time, so a slow disk slows the export on the server instead of filling
 * memory here. Cancel stops between batches (and interrupts a wait for the
 * next one): the transaction is rolled back and the session closed.
 *
 * Before it starts: APOC must be there, and no name may contain a backtick
 * (APOC 5 writes such names unescaped, which breaks the file and could change
 * what its statements do on restore). Counts per label and relationship
 * type are read just before and just after the export; indexes and
 * constraints before.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type * as Neo4j from 'neo4j-driver';
import type { BackupContext, BackupWritten } from '../backup/model';
import { Cancelled, UserFacingError } from '../errors';
import { toNumber } from './cypherNames';
import { readRows } from './schema';
import { readCounts, readSchema, shownName, snapshotCounts, type Neo4jSnapshotDetail } from './backupSnapshot';

/** Statements per row of the stream (APOC's batchSize); each row is one write to the file. */
export const EXPORT_BATCH = 10_000;
/** Rows the driver asks for at a time: two batches in flight at most. */
const FETCH_ROWS = 2;

export const EXPORT_QUERY = 'CALL apoc.export.cypher.all(null, $config) YIELD nodes, relationships, cypherStatements RETURN nodes, relationships, cypherStatements';
/**
 * Rows per UNWIND statement. Each statement's text is new to the server (its
 * values are literals), so each is parsed and planned: APOC's default of 20
 * made the import spend most of its time planning; past a few hundred rows
 * parsing one statement grows faster than its rows (measured on 5.26).
 */
export const UNWIND_ROWS = 100;
export const exportConfig = (): Record<string, unknown> => ({ stream: true, format: 'cypher-shell', batchSize: EXPORT_BATCH, useOptimizations: { type: 'UNWIND_BATCH', unwindBatchSize: UNWIND_ROWS } });

/** APOC's version when its Cypher export can be called, undefined otherwise. */
export async function apocExportVersion(driver: Neo4j.Driver, database: string | undefined): Promise<string | undefined> {
  const [row] = await readRows(driver, database, "SHOW PROCEDURES YIELD name WHERE name = 'apoc.export.cypher.all' RETURN count(*) AS n");
  if (!toNumber(row?.n)) return undefined;
  const [v] = await readRows(driver, database, 'RETURN apoc.version() AS v').catch(() => [] as Record<string, unknown>[]);
  return typeof v?.v === 'string' ? v.v : 'present';
}

/** A name APOC writes into its schema statements as is (constraints, full-text and vector indexes keep their names). */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names APOC's export would write wrongly, in words: labels, relationship
 * types and property keys (in use) holding a backtick, which it does not
 * double; names of constraints and full-text or vector indexes that are not
 * plain identifiers, which it writes without backticks at all.
 */
export async function backtickNames(driver: Neo4j.Driver, database: string | undefined): Promise<string[]> {
  const [row] = await readRows(driver, database, [
    'CALL db.labels() YIELD label WITH collect(label) AS labels',
    'CALL db.relationshipTypes() YIELD relationshipType WITH labels, collect(relationshipType) AS types',
    'CALL db.propertyKeys() YIELD propertyKey WITH labels, types, collect(propertyKey) AS keys',
    'RETURN labels, types, keys',
  ].join(' '));
  const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const schema = await readSchema(driver, database);
  // db.propertyKeys() lists every key ever created; only the ones still in use reach the export.
  const keys: string[] = [];
  for (const key of names(row?.keys).filter((k) => k.includes('`'))) {
    const [used] = await readRows(driver, database, 'RETURN EXISTS { MATCH (n) WHERE n[$key] IS NOT NULL } OR EXISTS { MATCH ()-[r]->() WHERE r[$key] IS NOT NULL } AS used', { key });
    if (used?.used === true) keys.push(key);
  }
  const found = [
    ...names(row?.labels).map((n) => ['label', n]),
    ...names(row?.types).map((n) => ['relationship type', n]),
    ...keys.map((n) => ['property key', n]),
  ].filter(([, n]) => n?.includes('`'));
  const named = [
    ...schema.indexes.filter((i) => i.type === 'FULLTEXT' || i.type === 'VECTOR').map((i) => [`${i.type.toLowerCase()} index`, i.name]),
    ...schema.constraints.map((c) => ['constraint', c.name]),
  ].filter(([, n]) => !PLAIN_NAME.test(n ?? ''));
  found.push(...named);
  return found.map(([what, n]) => `${what} ${shownName(n ?? '')}`);
}

function write(out: WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => out.write(text, (err) => (err ? reject(err) : resolve())));
}

/** Streams the export into `file` (created, never overwritten); returns what APOC said it wrote. */
async function streamExport(driver: Neo4j.Driver, database: string | undefined, file: string, ctx: BackupContext): Promise<{ nodes: number; relationships: number }> {
  const session = driver.session({ defaultAccessMode: 'READ', fetchSize: FETCH_ROWS, ...(database ? { database } : {}) });
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', reject);
  });
  let tx: Neo4j.Transaction | undefined;
  // A cancel while the server prepares the next batch: closing the session interrupts the wait.
  const onAbort = (): void => void session.close().catch(() => undefined);
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  let nodes = 0;
  let relationships = 0;
  try {
    await opened;
    tx = await session.beginTransaction();
    for await (const rec of tx.run(EXPORT_QUERY, { config: exportConfig() })) {
      if (ctx.signal?.aborted) throw new Cancelled();
      const text = rec.get('cypherStatements') as unknown;
      if (typeof text === 'string' && text) await write(out, text.endsWith('\n') ? text : `${text}\n`);
      nodes = toNumber(rec.get('nodes'));
      relationships = toNumber(rec.get('relationships'));
      ctx.onProgress?.({ phase: `exporting: ${nodes.toLocaleString('en-US')} nodes, ${relationships.toLocaleString('en-US')} relationships`, objects: nodes + relationships });
    }
    if (ctx.signal?.aborted) throw new Cancelled();
    await tx.commit();
    tx = undefined;
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    return { nodes, relationships };
  } catch (err) {
    out.destroy();
    if (ctx.signal?.aborted) throw new Cancelled('Backup cancelled: the export was stopped on the server and nothing was kept.');
    throw err;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
    if (tx) await tx.rollback().catch(() => undefined);
    await session.close().catch(() => undefined);
  }
}

export async function writeExport(file: string, ctx: BackupContext): Promise<BackupWritten> {
  if (ctx.signal?.aborted) throw new Cancelled();
  // import(): connection.ts is a chunk of its own (the driver).
  const { neo4jServerInfo, openNeo4jDriver } = await import('./connection');
  const driver = await openNeo4jDriver(ctx.profile, ctx.password);
  const database = ctx.profile.database || undefined;
  try {
    ctx.onProgress?.({ phase: 'checking APOC and the names in the graph' });
    const apoc = await apocExportVersion(driver, database);
    if (!apoc) {
      throw new UserFacingError(`"${ctx.profile.name}" has no apoc.export.cypher.all: Upkeep backs up Neo4j through APOC core's Cypher export, so install APOC core on the server (the apoc-core jar matching the server's version in its plugins folder) and allow its procedures (dbms.security.procedures.unrestricted=apoc.*).`);
    }
    const hazards = await backtickNames(driver, database);
    if (hazards.length) {
      throw new UserFacingError(`APOC's Cypher export does not escape names holding a backtick, and writes the names of constraints and full-text indexes without quoting, so the file would not restore (and such a name could change what the restored statements do). On "${ctx.profile.name}": ${hazards.slice(0, 5).join(', ')}${hazards.length > 5 ? ', …' : ''}. Rename them (constraints and full-text indexes: letters, digits and _ only) to back up with this method. Nothing was written.`);
    }
    const info = await neo4jServerInfo(driver, database);
    ctx.onProgress?.({ phase: 'reading counts, indexes and constraints' });
    const before = await readCounts(driver, database);
    const schema = await readSchema(driver, database);
    ctx.onProgress?.({ phase: 'exporting', objects: 0 });
    const exported = await streamExport(driver, database, file, ctx);
    ctx.onProgress?.({ phase: 'reading counts again' });
    const after = await readCounts(driver, database);
    const detail: Neo4jSnapshotDetail = { database: info.database, edition: info.edition, apocVersion: apoc, before, after, indexes: schema.indexes, constraints: schema.constraints, exported };
    const notes: string[] = [];
    if (before.nodes !== after.nodes || before.relationships !== after.relationships) notes.push(`The graph changed during the export (${before.nodes} → ${after.nodes} nodes, ${before.relationships} → ${after.relationships} relationships): Verify accepts counts between the two.`);
    return {
      serverVersion: `${info.version} ${info.edition}`,
      tool: 'apoc.export.cypher.all',
      toolVersion: `APOC ${apoc}`,
      commandText: `CALL apoc.export.cypher.all(null, {stream: true, format: 'cypher-shell', batchSize: ${EXPORT_BATCH}, useOptimizations: {type: 'UNWIND_BATCH', unwindBatchSize: ${UNWIND_ROWS}}}) // on database ${info.database}, streamed to the file`,
      snapshot: { counts: snapshotCounts(detail), detail },
      notes,
    };
  } finally {
    await driver.close();
  }
}
