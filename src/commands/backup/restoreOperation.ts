/**
 * The Operation shown before a restore (restoreCommand.ts): the engine's
 * text and impact, and the risk — destructive whenever something of the
 * user's is replaced; into a new or empty target heavy, or blocking when
 * the format stops the server (Neo4j's dump). Kept apart from the command
 * (no editor API) so unit tests check it.
 */
import type { BackupFormat, RestoreOptions, RestorePreview, RestoreTargetState } from '../../core/backup/model';
import type { Operation } from '../../core/operations/operation';
import type { BackupTarget } from './target';

/** The Operation shown before a restore: its exact command line and what it does to the target. */
export function restoreOperation(t: BackupTarget, file: string, options: RestoreOptions, text: string, state?: RestoreTargetState, preview?: RestorePreview, format?: BackupFormat): Operation {
  const into = options.database;
  const impact = t.support.restoreImpact
    ? t.support.restoreImpact(options, state, preview)
    : options.create
    ? `creates database ${into} and restores the backup into it`
    : options.clean
      ? `drops every object of the backup that exists in database ${into} and recreates it from the backup: their current rows are replaced; sessions using them wait or fail`
      : `restores into the existing database ${into}: the backup's rows are added to tables that exist, and objects that exist already make pg_restore report errors`;
  return {
    engine: t.profile.engine,
    target: { kind: 'database', database: into } as Operation['target'],
    kind: 'restore',
    title: `Restore ${file.split('/').pop() ?? file} into ${into}`,
    text,
    language: format?.restoreLanguage ?? t.support.restoreLanguage ?? 'shell',
    impact,
    // Into a new or empty target nothing of the user's is removed (a format that stops the server blocks everyone meanwhile); otherwise what it holds is replaced.
    risk: options.create || (t.support.restoreImpact && state?.empty) ? (format?.interrupts ? 'blocking' : 'heavy') : 'destructive',
    confirmName: into,
    ...(format?.interrupts ? { cancelNote: 'Cancel stops the restore; the server is started again either way.' } : {}),
  };
}
