/**
 * What every CLI command is given: the environment, the configuration
 * loader, the password resolver, the Ctrl+C signal, and the output streams
 * (results on stdout, warnings and errors as single lines on stderr, every
 * line cleaned of the secrets read so far).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { KnownSecrets, redactingLogger } from '../core/connections/redact';
import type { Logger } from '../core/log';
import { type CliConfig, editorStorageDir, loadConfig } from './config';
import { terminalText } from './healthOutput';
import { CliPasswords } from './passwords';
import type { CliSessionOptions } from './sessions';

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  isTty: boolean;
  stdout(text: string): Promise<void>;
  stderr(line: string): void;
  signal: AbortSignal;
  home?: string;
}

export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  isTty: boolean;
  signal: AbortSignal;
  known: KnownSecrets;
  passwords: CliPasswords;
  /** With --verbose: the engines' log lines on stderr, redacted. */
  log?: Logger;
  config(explicit: string | undefined): Promise<CliConfig>;
  /** Where reports may keep history (PostgreSQL's capacity snapshots): $UPKEEP_STORAGE, else $XDG_DATA_HOME/upkeep (~/.local/share/upkeep). */
  storageDir(config: CliConfig): string;
  /** The folder the default backup folder sits in: the editor's storage when the settings are the editor's, else storageDir. */
  backupBase(config: CliConfig): string;
  /** How every command opens a session: the settings file's catalog limits, and the --verbose log. */
  sessionOptions(config: CliConfig): CliSessionOptions;
  write(text: string): Promise<void>;
  /** A line on stderr (progress, what was written). */
  info(line: string): void;
  redact(text: string): string;
}

export function cliContext(io: CliIo, verbose: boolean): CliContext {
  const known = new KnownSecrets();
  const home = io.home ?? os.homedir();
  const err = (prefix: string) => (m: string): void => io.stderr(terminalText(known.redact(`${prefix}${m}`)));
  const log = verbose ? redactingLogger({ trace: err('trace: '), debug: err('debug: '), info: err('info: '), warn: err('warning: '), error: err('error: ') }, known) : undefined;
  let loaded: Promise<CliConfig> | undefined;
  const storageDir = (): string => io.env['UPKEEP_STORAGE'] || path.join(io.env['XDG_DATA_HOME'] || path.join(home, '.local', 'share'), 'upkeep');
  return {
    env: io.env,
    isTty: io.isTty,
    signal: io.signal,
    known,
    passwords: new CliPasswords(known, io.env, home),
    ...(log ? { log } : {}),
    config(explicit) {
      loaded ??= loadConfig(explicit, io.env, home).then((c) => {
        for (const w of c.warnings) io.stderr(terminalText(`upkeep: warning: ${c.file}: ${w}`));
        if (verbose) io.stderr(`upkeep: settings from ${c.file}: ${c.profiles.length} connection(s), ${c.endpoints.length} endpoint(s)`);
        return c;
      });
      return loaded;
    },
    storageDir,
    backupBase: (config) => (config.editorSettings ? editorStorageDir(config.file) : storageDir()),
    sessionOptions: (config) => ({ settings: config.settings, ...(log ? { log } : {}) }),
    write: (text) => io.stdout(text),
    info: (line) => io.stderr(terminalText(known.redact(`upkeep: ${line}`))),
    redact: (text) => known.redact(text),
  };
}
