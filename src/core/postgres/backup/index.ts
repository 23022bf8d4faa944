/** PostgreSQL's backups for the catalog: pg_dump's custom and directory formats, Verify by pg_restore into a throwaway database, restore. */
import type { BackupSupport } from '../../backup/model';
import { commandLine } from '../../backup/childProcess';
import { restoreArgs } from './args';
import { writePgDump } from './dump';
import { restorePgDump } from './restore';
import { verifyPgDump } from './verify';
import { adminConnection, uniqueAppName } from './session';

export const postgresBackup: BackupSupport = {
  engine: 'postgres',
  formats: [
    { id: 'pg-custom', label: 'pg_dump custom format (one compressed file)', extension: '.dump', shape: 'file', asks: ['content'] },
    { id: 'pg-directory', label: 'pg_dump directory format (a folder, parallel jobs)', extension: '.dumpdir', shape: 'directory', asks: ['content', 'jobs'] },
  ],
  defaultFormat: 'pg-custom',
  verifyWritesToServer: true,
  verifyTarget: 'optional',
  toolSettingKeys: ['pgBinDir', 'pgDumpInContainer'],
  describe: () =>
    'pg_dump of one database: its schema (tables, views, sequences, indexes, constraints, functions, procedures, triggers, extensions as CREATE EXTENSION, grants) and its rows, in one consistent snapshot. Not captured: roles and tablespaces (server-wide), other databases. Verify restores it into a throwaway database (on the same server, or on a server you name) and compares every table\'s exact row count and, for tables up to the checksum limit, a digest of all its rows (both counted in the dump\'s own snapshot), and every index, constraint, trigger, function, procedure, view and sequence by name and by definition.',

  async databases(ctx) {
    const admin = await adminConnection(ctx, uniqueAppName('list'));
    try {
      const rows = await admin.query<{ datname: string }>(ctx.profile.database ?? 'postgres', 'SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1');
      return rows.map((r) => r.datname);
    } finally {
      await admin.dispose();
    }
  },
  write: (file, options, database, ctx) => writePgDump(file, options, database ?? ctx.profile.database ?? 'postgres', ctx),
  verify: verifyPgDump,
  restore: (file, _manifest, options, ctx) => restorePgDump(file, options, ctx),
  restoreText: (file, options) => `PGDATABASE=${JSON.stringify(options.database)} ${commandLine('pg_restore', restoreArgs(file, options, false))}`,
};
