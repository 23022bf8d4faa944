/**
 * Neo4j backups (the `neo4j-backup` chunk): APOC's Cypher export streamed to
 * a file (backupExport.ts), verified by importing it into an empty Neo4j
 * server the user names (backupVerify.ts), restored into a database the user
 * picks (backupRestore.ts).
 *
 * Not offered: `neo4j-admin database dump`. It needs the admin tool beside the
 * server's store (a container Upkeep knows, or the server's machine) and a
 * stopped database on Community; Upkeep does not run it yet.
 */
import type { BackupSupport } from '../backup/model';
import { writeExport } from './backupExport';
import { verifyExport } from './backupVerify';
import { neo4jRestoreImpact, neo4jRestoreTargets, neo4jRestoreTargetState, neo4jRestoreText, restoreExport } from './backupRestore';

export const NEO4J_DESCRIPTION =
  'An online export of the connection\'s database as Cypher statements (APOC core\'s apoc.export.cypher.all, streamed to this machine batch by batch, in the format cypher-shell reads): every node with its labels and properties, every relationship with its type and properties, the indexes and the constraints. ' +
  'Not captured: users and roles, the system database and other databases, index usage statistics, the names of range, text and point indexes (APOC writes them without a name, so they get new ones on restore). Byte-array properties come back as lists of numbers. Needs APOC core on the server; names APOC would write wrongly are refused before anything is written: labels, relationship types and property keys holding a backtick (APOC does not escape it), and names of constraints and full-text indexes other than letters, digits and _ (APOC writes them unquoted). ' +
  'Verify imports the file into an empty Neo4j server you name (another connection), compares node counts per label, relationship counts per type, indexes and constraints with the database at backup time, and then removes everything it imported. It proves that the file restores and holds as many nodes and relationships of each kind as the database had, not that every property value is equal. ' +
  'Restore imports the file into a database you pick, on this connection or another Neo4j connection: an empty one, or one you choose to clear first (every node, relationship, constraint and index deleted); a new database only on Enterprise (Community has one user database). The same counts are compared afterwards; a cancel part-way leaves the database partial and says so.';

export const neo4jBackup: BackupSupport = {
  engine: 'neo4j',
  formats: [{ id: 'neo4j-cypher', label: 'Cypher statements (APOC export, streamed)', extension: '.cypher', shape: 'file' }],
  defaultFormat: 'neo4j-cypher',
  // Verify writes to the server the user names, never to the source.
  verifyWritesToServer: false,
  // Community has one user database: the copy needs another, empty server.
  verifyTarget: 'required',
  describe: () => NEO4J_DESCRIPTION,
  write: (file, _options, _database, ctx) => writeExport(file, ctx),
  verify: verifyExport,
  restoreOn: 'any',
  restoreLanguage: 'cypher',
  restore: restoreExport,
  restoreText: neo4jRestoreText,
  restoreTargets: neo4jRestoreTargets,
  restoreTargetState: neo4jRestoreTargetState,
  restoreImpact: neo4jRestoreImpact,
};
