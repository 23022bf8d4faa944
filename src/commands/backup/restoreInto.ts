/**
 * Where a restore goes, for engines that list their targets
 * (`BackupSupport.restoreTargets`: Neo4j databases, Docker volumes): the
 * connection (Neo4j may restore on another of the engine's connections),
 * then a new target — offered first, and only where the engine can make
 * one — or an existing one. An existing target that holds anything is said
 * to, and the restore goes on only with the explicit choice to clear it
 * first (given in the arguments, or picked); without that choice it is
 * refused before anything is sent. Read-only connections are never offered.
 */
import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { BackupSupport, RestoreContext, RestoreOptions, RestoreTargetState } from '../../core/backup/model';
import type { ProfileStore } from '../../connections/profileStore';
import { engineModule } from '../../core/engines';
import { Cancelled, UserFacingError } from '../../core/errors';
import { pick } from '../pick';

/** The connection a restore goes to: from the arguments, else picked among the engine's writable connections (the backed-up one first). */
export async function chooseRestoreConnection(source: ConnectionProfile, profiles: ProfileStore, targetConnectionId: string | undefined): Promise<ConnectionProfile> {
  const label = engineModule(source.engine).label;
  if (targetConnectionId !== undefined) {
    if (targetConnectionId === source.id) return source;
    const stored = profiles.get(targetConnectionId);
    if (!stored) throw new UserFacingError(`No connection with id ${targetConnectionId}.`);
    if (stored.profile.engine !== source.engine) throw new UserFacingError(`"${stored.profile.name}" is not a ${label} connection: a ${label} backup restores into a ${label} server.`);
    return stored.profile;
  }
  const others = profiles.byEngine(source.engine).map((s) => s.profile).filter((p) => p.id !== source.id && !p.readOnly);
  if (!others.length) return source;
  const all = source.readOnly ? others : [source, ...others];
  return pick(
    all.map((p) => ({ label: p.name, description: `${p.id === source.id ? 'the backed-up connection · ' : ''}${engineModule(p.engine).describeTarget?.(p) ?? `${p.host ?? ''}:${p.port ?? ''}`}`, value: p })),
    `Restore into which ${label} connection?`,
  );
}

export interface RestoreIntoArgs {
  into?: string;
  create?: boolean;
  clean?: boolean;
}

async function askName(noun: string, suggested: string): Promise<string> {
  const name = await vscode.window.showInputBox({ title: `Name of the new ${noun}`, value: suggested, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : `Give a ${noun} name.`) });
  if (!name) throw new Cancelled();
  return name.trim();
}

/** The target and whether to create or clear it, asked or from the arguments; with the existing target's state for the preview. */
export async function chooseRestoreInto(support: BackupSupport, on: ConnectionProfile, ctx: RestoreContext, args: RestoreIntoArgs | undefined, suggested: string): Promise<{ options: RestoreOptions; state?: RestoreTargetState }> {
  if (!support.restoreTargets || !support.restoreTargetState) throw new UserFacingError(`Upkeep does not list ${on.engine} restore targets.`);
  const targets = await support.restoreTargets(ctx);
  const { noun } = targets;
  let into = args?.into;
  let create = args?.create;
  if (into === undefined) {
    const items: { label: string; description?: string; value: { name: string | undefined; create: boolean } }[] = targets.existing.map((name) => ({ label: name, description: `existing ${noun}`, value: { name, create: false } }));
    if (targets.create.allowed) items.unshift({ label: `New ${noun}…`, description: 'the restore creates it', value: { name: undefined, create: true } });
    const why = targets.create.allowed ? '' : ` (${targets.create.reason})`;
    const chosen = await pick(items, `Restore into which ${noun} on "${on.name}"?${why}`);
    create = chosen.create;
    into = chosen.name ?? (await askName(noun, suggested));
  }
  create ??= !targets.existing.includes(into);
  if (create && !targets.create.allowed) throw new UserFacingError(`${targets.create.reason} Nothing was changed.`);
  if (create && targets.existing.includes(into)) throw new UserFacingError(`The ${noun} ${into} already exists on "${on.name}": pick it as an existing ${noun} or give another name. Nothing was changed.`);
  if (!create && !targets.existing.includes(into)) throw new UserFacingError(`There is no ${noun} ${into} on "${on.name}". Nothing was changed.`);
  if (create) return { options: { database: into, create: true, clean: false } };
  const state = await support.restoreTargetState(into, ctx);
  if (state.refusal) throw new UserFacingError(state.refusal);
  let clean = false;
  if (!state.empty) {
    const refusal = `The ${noun} ${into} on "${on.name}" is not empty (it holds ${state.holds ?? 'data'}): a restore replaces what it holds only when you choose to clear it first. Nothing was changed.`;
    if (args?.clean === false || (args?.into !== undefined && args.clean === undefined)) throw new UserFacingError(refusal);
    clean = args?.clean === true || (await pick(
      [
        { label: `Clear ${noun} ${into} first, then restore`, description: `deletes what it holds: ${state.holds ?? 'data'}`, value: true },
        { label: 'Cancel', description: 'nothing is changed', value: false },
      ],
      `The ${noun} ${into} is not empty (${state.holds ?? 'data'}). Clear it before the restore?`,
    ));
    if (!clean) throw new Cancelled();
  }
  return { options: { database: into, create: false, clean }, state };
}
