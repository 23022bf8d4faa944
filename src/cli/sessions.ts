/**
 * Opening a connection from the CLI: the engine's probe first (it connects
 * and authenticates; some engines' sessions connect only at their first
 * query, so opening one proves nothing), then the engine's session for the
 * checks or the report. Failures come back as the connection error mapping
 * words them, with the CLI's password hint where it applies.
 */
import type { ConnectionProfile } from '../core/connections/profile';
import type { EngineSession, SessionOptions, SettingsReader } from '../core/engine';
import { engineModule } from '../core/engines';
import type { Logger } from '../core/log';
import type { CliPasswords } from './passwords';

export interface OpenedSession {
  session: EngineSession;
  /** What the probe said: "PostgreSQL 15.8". */
  summary: string;
  release(): Promise<void>;
}

/** The editor's settings defaults for catalog reads (package.json's upkeep.catalog.*, and its minimums). */
export const CATALOG_DEFAULTS = { lockTimeoutMs: 3_000, statementTimeoutMs: 30_000 } as const;
const CATALOG_MINIMUMS = { lockTimeoutMs: 100, statementTimeoutMs: 1_000 } as const;

/**
 * The catalog limits the editor gives its sessions (connectionService's
 * catalogLimits): `upkeep.catalog.lockTimeoutMs` and
 * `upkeep.catalog.statementTimeoutMs` from the settings file, else the same
 * defaults. A value the editor's schema would refuse (not a whole number, under
 * its minimum) counts as unset, as it would in the editor.
 */
export function catalogLimitsFrom(settings: SettingsReader | undefined): NonNullable<SessionOptions['catalog']> {
  const read = (key: keyof typeof CATALOG_DEFAULTS): number => {
    const v = settings?.get<number>(`upkeep.catalog.${key}`, CATALOG_DEFAULTS[key]) ?? CATALOG_DEFAULTS[key];
    return Number.isInteger(v) && v >= CATALOG_MINIMUMS[key] ? v : CATALOG_DEFAULTS[key];
  };
  return { lockTimeoutMs: read('lockTimeoutMs'), statementTimeoutMs: read('statementTimeoutMs') };
}

export interface CliSessionOptions {
  log?: Logger;
  /** The settings file's reader: its catalog limits go to the session, as the editor's do. */
  settings?: SettingsReader;
}

/**
 * Opens a session with the editor's catalog limits (lock_timeout and
 * statement_timeout of every catalog read: a size measured before a VACUUM
 * gives up on someone's ACCESS EXCLUSIVE lock instead of waiting for it).
 */
export async function openCliSession(profile: ConnectionProfile, password: string | undefined, passwords: CliPasswords, opts: CliSessionOptions = {}): Promise<OpenedSession> {
  const engine = engineModule(profile.engine);
  if (!engine.openSession) throw new Error(`${engine.label} connections cannot be opened outside the editor yet.`);
  let summary: string;
  try {
    summary = await engine.probe(profile, password);
  } catch (err) {
    throw passwords.explain(profile, err, password);
  }
  const catalog = catalogLimitsFrom(opts.settings);
  opts.log?.debug(`catalog reads of ${profile.name}: lock_timeout ${catalog.lockTimeoutMs} ms, statement_timeout ${catalog.statementTimeoutMs} ms (upkeep.catalog.*)`);
  const session = await engine.openSession(profile, password, { catalog, ...(opts.log ? { log: opts.log } : {}) });
  return { session, summary, release: () => session.dispose() };
}

/** Resolves with `work`, or with undefined once `ms` passes (the work is left to finish or fail on its own). */
async function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const DATA_DIRECTORY_DEADLINE_MS = 4_000;

/**
 * The data directory of a server, for the backups report's same-disk check:
 * the engine's `dataDirectory` hook on a session of its own, a few seconds at
 * most; a server that does not answer, or an engine without the hook, is
 * just not compared.
 */
export async function dataDirectoryOf(profile: ConnectionProfile, passwords: CliPasswords, opts: CliSessionOptions = {}): Promise<string | undefined> {
  const engine = engineModule(profile.engine);
  if (!engine.dataDirectory) return undefined;
  const log = opts.log;
  const opening = passwords.passwordFor(profile).then((password) => openCliSession(profile, password, passwords, opts));
  let taken = false;
  try {
    const opened = await within(DATA_DIRECTORY_DEADLINE_MS, opening);
    if (!opened) return undefined;
    taken = true;
    try {
      return await within(DATA_DIRECTORY_DEADLINE_MS, engine.dataDirectory(opened.session));
    } finally {
      await opened.release().catch(() => undefined);
    }
  } catch (err) {
    log?.debug(`Backups report: no data directory for ${profile.name}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  } finally {
    // A session that opens after the deadline is closed when it does.
    if (!taken) void opening.then((late) => late.release()).catch(() => undefined);
  }
}
