/**
 * Neo4j backups (the `neo4j-backup` chunk), two methods:
 * - APOC's Cypher export streamed to a file (backupExport.ts), online,
 *   verified by importing it into an empty Neo4j server the user names
 *   (backupVerify.ts), restored into a database the user picks
 *   (backupRestore.ts);
 * - `neo4j-admin database dump` through the server's container, offline
 *   (backupDump.ts), offered only for connections made from a container,
 *   verified by loading it into a throwaway container and volume of the same
 *   image (backupDumpVerify.ts), restored into the same server's database
 *   with neo4j-admin database load while the container is stopped
 *   (backupDumpRestore.ts).
 *
 * Which method wrote a file is the manifest's format; only a file without a
 * manifest is recognised by its extension.
 */
import { formatOfBackup, type BackupFormat, type BackupManifest, type BackupSupport, type RestoreContext, type RestoreOptions, type RestorePreview } from '../backup/model';
import { UserFacingError } from '../errors';
import { writeDump } from './backupDump';
import { dumpRestoreImpact, dumpRestoreText, restoreDump } from './backupDumpRestore';
import { verifyDump } from './backupDumpVerify';
import { writeExport } from './backupExport';
import { verifyExport } from './backupVerify';
import { neo4jRestoreImpact, neo4jRestoreTargets, neo4jRestoreTargetState, neo4jRestoreText, restoreExport } from './backupRestore';

export const NEO4J_DESCRIPTION =
  'An online export of the connection\'s database as Cypher statements (APOC core\'s apoc.export.cypher.all, streamed to this machine batch by batch, in the format cypher-shell reads): every node with its labels and properties, every relationship with its type and properties, the indexes and the constraints. ' +
  'Not captured: users and roles, the system database and other databases, index usage statistics, the names of range, text and point indexes (APOC writes them without a name, so they get new ones on restore). Byte-array properties come back as lists of numbers. Needs APOC core on the server; names APOC would write wrongly are refused before anything is written: labels, relationship types and property keys holding a backtick (APOC does not escape it), and names of constraints and full-text indexes other than letters, digits and _ (APOC writes them unquoted). ' +
  'Verify imports the file into an empty Neo4j server you name (another connection), compares node counts per label, relationship counts per type, indexes and constraints with the database at backup time, and then removes everything it imported. It proves that the file restores and holds as many nodes and relationships of each kind as the database had, not that every property value is equal. ' +
  'Restore imports the file into a database you pick, on this connection or another Neo4j connection: an empty one, or one you choose to clear first (every node, relationship, constraint and index deleted); a new database only on Enterprise (Community has one user database). The same counts are compared afterwards; a cancel part-way leaves the database partial and says so.';

export const NEO4J_DUMP_DESCRIPTION =
  'An offline copy of the connection\'s database with neo4j-admin database dump, run from the image of the server\'s own container, for connections made from a Docker container. Neo4j refuses to dump a database in use (Community cannot stop one database on its own), so the container is STOPPED for the dump: the database is unavailable meanwhile (about as long as the dump takes, plus the server\'s shutdown and start); Upkeep asks first (on production, with the connection\'s name typed), and starts the container again afterwards — also after a failure or a cancel — and waits until Bolt answers. ' +
  'Captured: the whole store of that one database as the server keeps it — every node, relationship and property exactly (byte arrays and all types included), the indexes with their names and configuration, the constraints. Not captured: the system database (users, roles, privileges, the list of databases) and other databases; index usage statistics. Needs no APOC; the dump is made by the neo4j-admin of the server\'s image (so it matches the server) in a one-shot container with the server\'s volumes (the store under /data, as in the official image) and no network; no password is used. ' +
  'Verify loads the dump with neo4j-admin database load into a throwaway volume, starts a throwaway Neo4j of the same image on it (on a free port of this machine\'s loopback: the Docker engine must run on this machine), compares node counts per label, relationship counts per type, indexes and constraints with the database at backup time, and removes the throwaway container and volume — also after a failure or a cancel. ' +
  'Restore, only into the database of the same server\'s container: the dump\'s magic and its SHA-256 (against the manifest) are checked before anything is stopped; then the container is STOPPED, a one-shot container of its image with its volumes and no network runs neo4j-admin database load --overwrite-destination=true, which REPLACES the database you pick with the dump\'s contents (everything in it that is not in the dump is lost; other databases and the system database are not touched), and the container is started again — also after a failure or a cancel — and waited for until Bolt answers and the database is online. The same counts are compared afterwards. A cancel or a failure during the load may leave that database partial or empty, and the message says so. Asked first like every restore (on production, with the name typed); refused on read-only connections.';

const FORMATS: readonly BackupFormat[] = [
  { id: 'neo4j-cypher', label: 'Cypher statements (APOC export, streamed; online)', extension: '.cypher', shape: 'file' },
  {
    id: 'neo4j-dump',
    label: 'neo4j-admin database dump (offline: stops the server\'s container)',
    extension: '.dump',
    shape: 'file',
    needsContainer: true,
    interrupts: 'stops the server\'s container for the dump: the database is unavailable until the dump is written and the server has started again (Upkeep starts it again also after a failure or a cancel)',
    verifyTarget: 'never',
    // Loaded by the server's own image into its own volumes: never another connection.
    restoreOn: 'source',
    restoreLanguage: 'shell',
  },
];

/** The file was written by neo4j-admin database dump: the manifest's format says so, or (no manifest) its extension. */
function isDump(file: string, manifest: Pick<BackupManifest, 'format'> | undefined): boolean {
  return formatOfBackup(FORMATS, file, manifest)?.id === 'neo4j-dump';
}

export const neo4jBackup: BackupSupport = {
  engine: 'neo4j',
  formats: FORMATS,
  defaultFormat: 'neo4j-cypher',
  // Verify writes to the server the user names, never to the source.
  verifyWritesToServer: false,
  // Community has one user database: the copy needs another, empty server.
  verifyTarget: 'required',
  describe: (format) => (format === 'neo4j-dump' ? NEO4J_DUMP_DESCRIPTION : NEO4J_DESCRIPTION),
  write: (file, options, _database, ctx) => (options.format === 'neo4j-dump' ? writeDump(file, ctx) : writeExport(file, ctx)),
  verify(file, manifest, ctx) {
    return isDump(file, manifest) ? verifyDump(file, manifest, ctx) : verifyExport(file, manifest, ctx);
  },
  restoreOn: 'any',
  restoreLanguage: 'cypher',
  restore(file, manifest, options: RestoreOptions, ctx: RestoreContext) {
    return isDump(file, manifest) ? restoreDump(file, manifest, options, ctx) : restoreExport(file, manifest, options, ctx);
  },
  restoreText(file, options, state, preview?: RestorePreview) {
    if (!isDump(file, preview?.manifest)) return neo4jRestoreText(file, options, state);
    if (!preview) throw new UserFacingError('The restore of a dump needs the connection it goes to (its container). Nothing was changed.');
    return dumpRestoreText(file, options, state, preview);
  },
  restoreTargets: neo4jRestoreTargets,
  restoreTargetState: neo4jRestoreTargetState,
  restoreImpact(options, state, preview) {
    return preview && isDump(preview.file, preview.manifest) ? dumpRestoreImpact(options, state, preview) : neo4jRestoreImpact(options, state);
  },
};
