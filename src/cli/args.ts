/**
 * The command line, read into data: which command, its options, checked
 * before anything connects. `--name value` and `--name=value` both work; an
 * unknown option or a missing value is a usage error (exit 64). A password is
 * never taken from argv: other users can read a process's arguments.
 */
import { CliError } from './errors';

export const HEALTH_FORMATS = ['text', 'json', 'junit'] as const;
export const REPORT_FORMATS = ['md', 'html', 'json', 'csv'] as const;
export type HealthFormat = (typeof HEALTH_FORMATS)[number];
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface GlobalOptions {
  config?: string;
  verbose: boolean;
  /** --password-file PATH: the password of this run's connections, from a file only its owner can read. */
  passwordFile?: string;
}

export const COMMANDS = ['health', 'report', 'run'] as const;
export type CommandName = (typeof COMMANDS)[number];

export type Command =
  | { command: 'help'; topic?: CommandName }
  | { command: 'version' }
  | (GlobalOptions & {
      command: 'health';
      connections: string[];
      format: HealthFormat;
      /** Each connection's and endpoint's time limit, seconds. */
      timeoutS?: number;
      /** true/false: --emoji/--no-emoji; undefined: when stdout is a UTF-8 terminal. */
      emoji?: boolean;
    })
  | (GlobalOptions & {
      command: 'report';
      report: string;
      /** Required by an engine's report; a report over every connection (backups) narrows to it. */
      connection?: string;
      database?: string;
      format: ReportFormat;
      out?: string;
      force: boolean;
    })
  | (GlobalOptions & {
      command: 'run';
      /** A name of runOperations.ts (checked when the command runs). */
      operation: string;
      connection: string;
      database?: string;
      target?: string;
      /** Blocking or destructive operations, and any on a production profile, run only with it. */
      yes: boolean;
      /** backup: the folder to write to, instead of the connection's backup folder. */
      folder?: string;
      /** backup: verify the new backup (and apply retention once it passes). */
      verify?: true;
      /** backup --verify: the connection Verify restores on, for engines that verify on a server the user names. */
      verifyOn?: string;
    });

interface OptionSpec {
  /** Takes a value. */
  value: boolean;
  repeat?: boolean;
}

const GLOBAL: Record<string, OptionSpec> = { config: { value: true }, verbose: { value: false }, help: { value: false }, 'password-file': { value: true } };
const OPTIONS: Record<CommandName, Record<string, OptionSpec>> = {
  health: { ...GLOBAL, connection: { value: true, repeat: true }, format: { value: true }, timeout: { value: true }, emoji: { value: false }, 'no-emoji': { value: false } },
  report: { ...GLOBAL, connection: { value: true }, database: { value: true }, format: { value: true }, out: { value: true }, force: { value: false } },
  run: { ...GLOBAL, connection: { value: true }, database: { value: true }, target: { value: true }, yes: { value: false }, folder: { value: true }, verify: { value: false }, 'verify-on': { value: true } },
};

const usage = (message: string): CliError => new CliError(message, 'usage');

/** Options that would carry a secret: refused whatever the command, with where the secret goes instead. */
function refuseSecret(name: string): void {
  // A file's path, not a secret: the file is read, mode-checked, once.
  if (name === 'password-file') return;
  if (/pass|secret|token|credential/i.test(name)) {
    throw usage(`--${name}: passwords are never taken on the command line (other users can read it); set UPKEEP_PASSWORD_<CONNECTION ID> or the profile's passwordEnv variable, use --password-file PATH (mode 0600), or ~/.pgpass`);
  }
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw usage(`--${option} ${value}: use one of ${allowed.join(', ')}`);
}

/** Reads argv (without node and the script). */
export function parseArgs(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    const topic = first === 'help' ? rest[0] : undefined;
    return (COMMANDS as readonly string[]).includes(topic ?? '') ? { command: 'help', topic: topic as CommandName } : { command: 'help' };
  }
  if (first === '--version' || first === '-V' || first === 'version') return { command: 'version' };
  if (!(COMMANDS as readonly string[]).includes(first)) {
    if (first.startsWith('-')) refuseSecret(first.replace(/^-+/, ''));
    throw usage(`unknown command "${first}": use health, report or run (upkeep --help)`);
  }
  const command = first as CommandName;
  const specs = OPTIONS[command];
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '-h') return { command: 'help', topic: command };
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') throw usage(`unknown option ${arg} (upkeep ${first} --help)`);
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    refuseSecret(name);
    const spec = specs[name];
    if (!spec) throw usage(`unknown option --${name} for ${first} (upkeep ${first} --help)`);
    let value: string;
    if (!spec.value) {
      if (eq >= 0) throw usage(`--${name} takes no value`);
      value = '';
    } else if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = rest[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw usage(`--${name} needs a value`);
      value = next;
      i++;
    }
    const list = values.get(name) ?? [];
    if (list.length && !spec.repeat) throw usage(`--${name} given twice`);
    values.set(name, [...list, value]);
  }
  if (values.has('help')) return { command: 'help', topic: command };
  const one = (name: string): string | undefined => values.get(name)?.[0];
  const global: GlobalOptions = { verbose: values.has('verbose') };
  const config = one('config');
  if (config !== undefined) global.config = config;
  const passwordFile = one('password-file');
  if (passwordFile !== undefined) {
    if (!passwordFile) throw usage('--password-file needs a file name');
    global.passwordFile = passwordFile;
  }

  if (first === 'health') {
    if (positional.length) throw usage(`health takes no arguments, only options (got "${positional[0] ?? ''}"): name connections with --connection`);
    const cmd: Command = {
      ...global,
      command: 'health',
      // --connection a,b and --connection a --connection b: names with a comma can use the id.
      connections: (values.get('connection') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean),
      format: oneOf('format', one('format') ?? 'text', HEALTH_FORMATS),
    };
    const timeout = one('timeout');
    if (timeout !== undefined) {
      const s = Number(timeout);
      if (!Number.isFinite(s) || s <= 0 || s > 3600) throw usage(`--timeout ${timeout}: give seconds, more than 0 and at most 3600`);
      cmd.timeoutS = s;
    }
    if (values.has('emoji') && values.has('no-emoji')) throw usage('--emoji and --no-emoji together');
    if (values.has('emoji')) cmd.emoji = true;
    if (values.has('no-emoji')) cmd.emoji = false;
    return cmd;
  }

  if (command === 'run') return runCommand(global, positional, one, values.has('yes'), values.has('verify'));

  const [report, ...extra] = positional;
  if (!report) throw usage('which report? upkeep report <name> --connection NAME (upkeep report --help lists them)');
  if (extra.length) throw usage(`one report at a time (got "${report}" and "${extra[0] ?? ''}")`);
  const cmd: Command = { ...global, command: 'report', report, format: oneOf('format', one('format') ?? 'md', REPORT_FORMATS), force: values.has('force') };
  const connection = one('connection');
  if (connection !== undefined) {
    if (!connection) throw usage('--connection needs a name');
    cmd.connection = connection;
  }
  const database = one('database');
  if (database !== undefined) cmd.database = database;
  const out = one('out');
  if (out !== undefined) {
    if (!out) throw usage('--out needs a file name');
    cmd.out = out;
  }
  if (cmd.force && !cmd.out) throw usage('--force only goes with --out FILE');
  return cmd;
}

function runCommand(global: GlobalOptions, positional: string[], one: (name: string) => string | undefined, yes: boolean, verify: boolean): Command {
  const [operation, ...extra] = positional;
  if (!operation) throw usage('which operation? upkeep run <operation> --connection NAME (upkeep run --help lists them)');
  if (extra.length) throw usage(`one operation at a time (got "${operation}" and "${extra[0] ?? ''}")`);
  const connection = one('connection');
  if (!connection) throw usage(`run ${operation} needs --connection NAME`);
  const cmd: Command = { ...global, command: 'run', operation, connection, yes };
  const database = one('database');
  if (database !== undefined) {
    if (!database) throw usage('--database needs a name');
    cmd.database = database;
  }
  const target = one('target');
  if (target !== undefined) {
    if (!target) throw usage('--target needs a name');
    cmd.target = target;
  }
  // The backup's own options: with another operation they would be silently ignored.
  const folder = one('folder');
  const verifyOn = one('verify-on');
  if (operation !== 'backup') {
    const given = [folder !== undefined && '--folder', verify && '--verify', verifyOn !== undefined && '--verify-on'].filter(Boolean);
    if (given.length) throw usage(`${given.join(', ')}: only for run backup`);
    return cmd;
  }
  if (folder !== undefined) {
    if (!folder) throw usage('--folder needs a folder name');
    cmd.folder = folder;
  }
  if (verify) cmd.verify = true;
  if (verifyOn !== undefined) {
    if (!verifyOn) throw usage('--verify-on needs a connection name');
    if (!verify) throw usage('--verify-on goes with --verify');
    cmd.verifyOn = verifyOn;
  }
  return cmd;
}
