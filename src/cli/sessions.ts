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
