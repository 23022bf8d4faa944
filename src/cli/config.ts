/**
 * The CLI's configuration: the same profiles, endpoints and thresholds as the
 * editor, from a file the user names (`--config`, `UPKEEP_CONFIG`) or the
 * editor's own user settings. Profiles go through the editor's validation
 * (normalizeProfile), so a profile the editor would refuse is refused here
 * with the same words.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeProfile, type ConnectionProfile } from '../core/connections/profile';
import type { SettingsReader } from '../core/engine';
import { parseEndpoints } from '../core/health/endpoints';
import type { HealthEndpoint } from '../core/health/model';
import { lookup, parseJsonc, settingsReader, userSettingsCandidates } from './settingsFile';
import { CliError } from './errors';

export interface CliConfig {
  /** The file the settings came from. */
  file: string;
  /** Whether it is an editor's own user settings (its storage folder sits next to it). */
  editorSettings: boolean;
  profiles: ConnectionProfile[];
  endpoints: HealthEndpoint[];
  settings: SettingsReader;
  /** One line per entry that was left out, and why. */
  warnings: string[];
}

/** Reads the configuration: `explicit` (from --config or UPKEEP_CONFIG) or the first editor settings file that exists. */
export async function loadConfig(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>, home: string = os.homedir()): Promise<CliConfig> {
  const named = explicit ?? (env['UPKEEP_CONFIG'] || undefined);
  let file: string | undefined;
  if (named) file = path.resolve(named.startsWith('~/') ? path.join(home, named.slice(2)) : named);
  else {
    for (const candidate of userSettingsCandidates(env, home)) {
      if (await fs.stat(candidate).then((s) => s.isFile(), () => false)) {
        file = candidate;
        break;
      }
    }
    if (!file) throw new CliError(`no configuration: give --config FILE (or UPKEEP_CONFIG), or add connections in VS Code (looked in ${userSettingsCandidates(env, home).slice(0, 2).join(', ')})`);
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = parseJsonc(text);
  } catch (err) {
    throw new CliError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CliError(`${file}: expected an object of settings ({ "upkeep.connections": [ … ] })`);
  return { file, editorSettings: !named, ...readSettings(raw as Record<string, unknown>) };
}

/** Profiles, endpoints and the settings reader from one parsed settings object. */
export function readSettings(raw: Readonly<Record<string, unknown>>): Omit<CliConfig, 'file' | 'editorSettings'> {
  const warnings: string[] = [];
  const profiles: ConnectionProfile[] = [];
  const list = lookup(raw, 'upkeep.connections');
  if (list !== undefined && !Array.isArray(list)) warnings.push('upkeep.connections is not a list: no connections read');
  const seen = new Set<string>();
  (Array.isArray(list) ? list : []).forEach((entry: unknown, i) => {
    const { profile, problems } = normalizeProfile(entry);
    const label = typeof entry === 'object' && entry !== null && typeof (entry as { name?: unknown }).name === 'string' ? `"${(entry as { name: string }).name}"` : `#${i + 1}`;
    if (!profile) warnings.push(`connection ${label} left out: ${problems.join(' ')}`);
    else if (seen.has(profile.id)) warnings.push(`connection ${label} left out: its id ${profile.id} is used by an earlier one`);
    else {
      seen.add(profile.id);
      profiles.push(profile);
    }
  });
  const { endpoints, problems } = parseEndpoints(lookup(raw, 'upkeep.health.endpoints'));
  warnings.push(...problems.map((p) => `left out: ${p}`));
  return { profiles, endpoints, settings: settingsReader(raw), warnings };
}


/** The profiles `names` select (by id or name, in the order given); every profile when none is given. */
export function selectProfiles(profiles: readonly ConnectionProfile[], names: readonly string[]): ConnectionProfile[] {
  if (!names.length) return [...profiles];
  return names.map((name) => findProfile(profiles, name));
}

/** The one profile with this id, else with this name. */
export function findProfile(profiles: readonly ConnectionProfile[], name: string): ConnectionProfile {
  const byId = profiles.find((p) => p.id === name);
  if (byId) return byId;
  const byName = profiles.filter((p) => p.name === name);
  if (byName.length === 1 && byName[0]) return byName[0];
  if (byName.length > 1) throw new CliError(`${byName.length} connections are named "${name}": give its id instead (${byName.map((p) => p.id).join(', ')})`, 'usage');
  const known = profiles.map((p) => `"${p.name}"`).join(', ');
  throw new CliError(`no connection "${name}"${known ? `: known are ${known}` : ': the configuration has none'}`, 'usage');
}

/**
 * The storage folder of the editor's Upkeep next to a settings file it uses
 * (`…/User/globalStorage/upkeep-dev.upkeep`), so the CLI finds the backups
 * the editor wrote with the default folder.
 */
export function editorStorageDir(settingsFile: string): string {
  return path.join(path.dirname(settingsFile), 'globalStorage', 'upkeep-dev.upkeep');
}

/** The backup folder of a connection, as the editor chooses it: its own setting, else upkeep.backup.folder, else `<storage>/backups`. */
