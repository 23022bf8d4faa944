/**
 * Whether Verify may run, before anything is sent (pure). Verify writes
 * where it restores: on the source server when no target is named and the
 * engine's verify creates something there (`verifyWritesToServer`), else on
 * the target. So a read-only source refuses a verify on itself but not one on
 * a server the user names; a read-only target refuses; an engine that brings
 * its own scratch server takes no target; one that needs a target gets one.
 */
import type { ConnectionProfile } from '../connections/profile';
import type { BackupSupport } from './model';

/** Where Verify of a backup in `format` restores: the format's own rule, else the engine's. */
export function verifyTargetMode(support: Pick<BackupSupport, 'verifyTarget' | 'formats'>, format: string | undefined): 'never' | 'optional' | 'required' {
  return support.formats.find((f) => f.id === format)?.verifyTarget ?? support.verifyTarget ?? 'never';
}

/** Why Verify must not run here, in one sentence; undefined when it may. */
export function verifyRefusal(support: BackupSupport, source: ConnectionProfile, target: ConnectionProfile | undefined, format?: string): string | undefined {
  const mode = verifyTargetMode(support, format);
  if (target) {
    if (mode === 'never') return `Verify of a ${source.engine} backup brings its own scratch server: it does not restore on "${target.name}".`;
    if (target.engine !== source.engine) return `"${target.name}" is not a connection of the same engine as "${source.name}": Verify restores there with the same tools.`;
    if (target.readOnly) return `"${target.name}" is read-only and Verify would create a throwaway copy there: nothing was created.`;
    return undefined;
  }
  if (mode === 'required') return `Verify of this backup needs a server to restore on (the source cannot take a throwaway copy): name one.`;
  if (support.verifyWritesToServer && source.readOnly) {
    const elsewhere = mode === 'optional' ? ' Name another server to verify on.' : '';
    return `"${source.name}" is read-only and Verify restores into a throwaway copy on its server: nothing was created.${elsewhere}`;
  }
  return undefined;
}
