/**
 * Passwords for the CLI, from the places that work without the editor: the
 * variable `UPKEEP_PASSWORD_<CONNECTION ID>` first (the CLI's own, so a cron
 * line can set it without touching the profile), then the profile's own
 * source (its environment variable, or the engine's password file such as
 * ~/.pgpass). The editor's secret storage cannot be read outside the editor:
 * a profile that relies on it and whose server asks for a password is told
 * apart ("could not check", with the variable to set). Never from argv.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import type { ConnectionProfile } from '../core/connections/profile';
import { describeSource, passwordSourceOf } from '../core/connections/credentials';
import { describeConnectionError } from '../core/connections/errors';
import type { KnownSecrets } from '../core/connections/redact';
import { engineModule } from '../core/engines';
import { CliError } from './errors';

/** `UPKEEP_PASSWORD_` and the id upper-cased, every character but A–Z and 0–9 as `_`. */
export function passwordVariable(profile: Pick<ConnectionProfile, 'id'>): string {
  return `UPKEEP_PASSWORD_${profile.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Thrown instead of connecting when there is no usable password. Named like
 * core's PasswordWithheld, so connection-error mapping passes its message on
 * as it is (describeConnectionError), and a health run marks the connection
 * "could not check".
 */
export class NoPassword extends Error {
  override name = 'PasswordWithheld';
  readonly kind = 'password-elsewhere' as const;
}

/** The variable that names a password file when --password-file is not given. */
export const PASSWORD_FILE_VARIABLE = 'UPKEEP_PASSWORD_FILE';

/** Whether a file of this mode may hold a password: no permission at all for its group or others (0600, 0400 or stricter). */
export function privateMode(mode: number): boolean {
  return (mode & 0o077) === 0;
}

/**
 * The password in `file`: read once, through the descriptor whose mode was
 * checked; refused when its group or others have any permission on it. Its
 * first line is the password (a trailing newline is not part of it).
 */
export async function readPasswordFile(file: string, exitCode?: number): Promise<string> {
  const fail = (why: string): CliError => new CliError(`password file ${file}: ${why}`, 'failure', exitCode);
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    throw fail(`cannot open it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw fail('not a regular file');
    const mode = stat.mode & 0o777;
    if (!privateMode(mode)) throw fail(`its mode is ${mode.toString(8).padStart(4, '0')}, so others may read it; allow only its owner (chmod 600) — refused`);
    const text = await handle.readFile('utf8');
    const password = text.split(/\r?\n/)[0] ?? '';
    if (!password) throw fail('its first line is empty');
    return password;
  } finally {
    await handle.close();
  }
}

export class CliPasswords {
  /** Why a password file gave a profile nothing, to say if the server then asks for a password. */
  private readonly misses = new Map<string, string>();
  /** The password of --password-file, for every connection of this run that takes one. */
  private fromFile: string | undefined;

  constructor(
    private readonly known: KnownSecrets,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
    private readonly home: string = os.homedir(),
  ) {}

  /** Uses `password` (from the file the user named) for every connection of this run. */
  useFilePassword(password: string): void {
    this.known.add(password);
    this.fromFile = password;
  }

  /** The password to send, undefined to try without one (the server may not ask), or NoPassword. */
  async passwordFor(profile: ConnectionProfile): Promise<string | undefined> {
    const engine = engineModule(profile.engine);
    if (!engine.usesPassword) return undefined;
    if (this.fromFile !== undefined) return this.fromFile;
    const own = this.variable(passwordVariable(profile));
    if (own !== undefined) return own;
    const source = passwordSourceOf(profile);
    if (source === 'env') {
      const value = this.variable(profile.passwordEnv ?? '');
      if (value === undefined) throw new NoPassword(`“${profile.name}” takes its password from ${describeSource(profile)}, which is not set here; set it, or ${passwordVariable(profile)}`);
      return value;
    }
    if (source === 'pgpass' && engine.passwordFile) {
      const found = await engine.passwordFile.lookup(profile, this.env, this.home);
      if (found.password) {
        this.known.add(found.password);
        return found.password;
      }
      // As libpq: no line for it means trying without a password; the server says whether that is enough.
      const why = found.warning ? `${found.warning}, so it is ignored` : `no line there matches ${found.searched}`;
      this.misses.set(profile.id, `It takes its password from the ${engine.passwordFile.label} ${found.file}, but ${why}.`);
      return undefined;
    }
    // Secret storage: unreadable here; the server may still need none (a Redis without requirepass).
    return undefined;
  }

  /**
   * The error to report for a failure to connect: an authentication failure of
   * a profile whose password only the editor can read says so, and which
   * variable to set; anything else is the error itself.
   */
  explain(profile: ConnectionProfile, err: unknown, password: string | undefined): unknown {
    const source = passwordSourceOf(profile);
    if (password !== undefined || (source !== 'secretStorage' && !this.misses.has(profile.id)) || !engineModule(profile.engine).usesPassword) return err;
    const problem = describeConnectionError(profile, err, this.known.list());
    if (problem.kind !== 'auth') return err;
    const miss = this.misses.get(profile.id);
    if (miss) return new NoPassword(`${problem.message} ${miss} Add one, or set ${passwordVariable(profile)}.`);
    const file = engineModule(profile.engine).passwordFile;
    const others = file ? `a passwordEnv variable or the ${file.label}` : 'a passwordEnv variable';
    return new NoPassword(
      `${problem.message} Its password is kept in the editor's secret storage, which only the editor can read: set ${passwordVariable(profile)} in the environment (or give the profile ${others}).`,
    );
  }

  private variable(name: string): string | undefined {
    const value = name && Object.hasOwn(this.env, name) ? this.env[name] : undefined;
    if (typeof value !== 'string' || value === '') return undefined;
    this.known.add(value);
    return value;
  }
}
