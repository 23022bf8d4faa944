/**
 * Opening a connection from the CLI: the engine's probe first (it connects
 * and authenticates; some engines' sessions connect only at their first
 * query, so opening one proves nothing), then the engine's session for the
 * checks or the report. Failures come back as the connection error mapping
 * words them, with the CLI's password hint where it applies.
 */
import type { ConnectionProfile } from '../core/connections/profile';
import type { EngineSession } from '../core/engine';
import { engineModule } from '../core/engines';
import type { Logger } from '../core/log';
import type { CliPasswords } from './passwords';

export interface OpenedSession {
  session: EngineSession;
  /** What the probe said: "PostgreSQL 15.8". */
  summary: string;
  release(): Promise<void>;
}

export async function openCliSession(profile: ConnectionProfile, password: string | undefined, passwords: CliPasswords, log?: Logger): Promise<OpenedSession> {
  const engine = engineModule(profile.engine);
  if (!engine.openSession) throw new Error(`${engine.label} connections cannot be opened outside the editor yet.`);
  let summary: string;
  try {
    summary = await engine.probe(profile, password);
  } catch (err) {
    throw passwords.explain(profile, err, password);
  }
  const session = await engine.openSession(profile, password, log ? { log } : {});
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
export async function dataDirectoryOf(profile: ConnectionProfile, passwords: CliPasswords, log?: Logger): Promise<string | undefined> {
  const engine = engineModule(profile.engine);
  if (!engine.dataDirectory) return undefined;
  const opening = passwords.passwordFor(profile).then((password) => openCliSession(profile, password, passwords, log));
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
