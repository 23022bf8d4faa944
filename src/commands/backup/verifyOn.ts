/**
 * Where Verify restores, when the engine's backups may or must be verified
 * on a server the user names (`BackupSupport.verifyTarget`): a connection of
 * the same engine, from the arguments (tests, other commands) or picked.
 * 'required' never offers the backed-up connection itself; 'optional' offers
 * it first (its default). Read-only connections are not offered: Verify
 * writes there.
 */
import type { ConnectionProfile } from '../../core/connections/profile';
import type { BackupSupport } from '../../core/backup/model';
import type { ProfileStore } from '../../connections/profileStore';
import { engineModule } from '../../core/engines';
import { UserFacingError } from '../../core/errors';
import { pick } from '../pick';

/**
 * The connection to verify on, or undefined for the engine's own way (its
 * scratch server, the source server, or — when 'required' and there is no
 * other connection — a "not verifiable here" the engine words).
 */
export async function chooseVerifyServer(support: BackupSupport, source: ConnectionProfile, profiles: ProfileStore, targetConnectionId: string | undefined): Promise<ConnectionProfile | undefined> {
  const mode = support.verifyTarget ?? 'never';
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
  const others = profiles.byEngine(source.engine).map((s) => s.profile).filter((p) => p.id !== source.id && !p.readOnly);
  if (mode === 'required' && !others.length) return undefined;
  const items: { label: string; description: string; value: ConnectionProfile | undefined }[] = others.map((p) => ({ label: p.name, description: engineModule(p.engine).describeTarget?.(p) ?? `${p.host ?? ''}:${p.port ?? ''}`, value: p }));
  if (mode === 'optional') items.unshift({ label: source.name, description: 'the backed-up server', value: undefined });
  const question = mode === 'required'
    ? `Verify restores into which ${label} server? It must be empty; what Verify imports is removed afterwards.`
    : `Verify restores on which ${label} server?`;
  return pick(items, question);
}
