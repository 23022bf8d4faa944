/**
 * Where Verify restores, when the engine's backups may or must be verified
 * on a server the user names (`BackupSupport.verifyTarget`): a connection of
 * the same engine, from the arguments (tests, other commands) or picked —
 * and picked only when `ask` (the user started Verify; the verify that
 * follows a backup, and callers that name the backup, never stop to ask).
 * 'optional' verifies on the source unless it is read-only (then the others
 * are offered); 'required' never offers the backed-up connection itself.
 * Read-only connections are not offered: Verify writes there.
 */
import type { ConnectionProfile } from '../../core/connections/profile';
import type { BackupSupport } from '../../core/backup/model';
import type { ProfileStore } from '../../connections/profileStore';
import { engineModule } from '../../core/engines';
import { verifyTargetMode } from '../../core/backup/verifyRules';
import { UserFacingError } from '../../core/errors';
import { pick } from '../pick';

/**
 * The connection to verify on, or undefined for the engine's own way (its
 * scratch server, the source server, or — when 'required' and there is no
 * other connection — a "not verifiable here" the engine words).
 */
export async function chooseVerifyServer(support: BackupSupport, format: string, source: ConnectionProfile, profiles: ProfileStore, targetConnectionId: string | undefined, ask: boolean): Promise<ConnectionProfile | undefined> {
  const mode = verifyTargetMode(support, format);
  if (mode === 'never') return undefined;
  const label = engineModule(source.engine).label;
  if (targetConnectionId !== undefined) {
    if (targetConnectionId === source.id) {
      if (mode === 'required') throw new UserFacingError(`Verify of a ${label} backup needs another server than the backed-up one ("${source.name}").`);
      return undefined;
    }
    const stored = profiles.get(targetConnectionId);
    if (!stored) throw new UserFacingError(`No connection with id ${targetConnectionId}.`);
    if (stored.profile.engine !== source.engine) throw new UserFacingError(`"${stored.profile.name}" is not a ${label} connection: Verify restores a ${label} backup into a ${label} server.`);
    if (stored.profile.readOnly) throw new UserFacingError(`"${stored.profile.name}" is a read-only connection and Verify restores into it: nothing was sent.`);
    return stored.profile;
  }
  // The source is the default of 'optional' when Verify may write there; nothing to ask then.
  if (mode === 'optional' && !source.readOnly) return undefined;
  if (!ask) return undefined;
  const others = profiles.byEngine(source.engine).map((s) => s.profile).filter((p) => p.id !== source.id && !p.readOnly);
  if (!others.length) return undefined;
  const items = others.map((p) => ({ label: p.name, description: engineModule(p.engine).describeTarget?.(p) ?? `${p.host ?? ''}:${p.port ?? ''}`, value: p }));
  const question = mode === 'required'
    ? `Verify restores into which ${label} server? It must be empty; what Verify imports is removed afterwards.`
    : `"${source.name}" is read-only: Verify restores on which other ${label} server?`;
  return pick(items, question);
}
