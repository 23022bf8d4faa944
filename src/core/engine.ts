/**
 * What an engine is and can do, as shared code sees it. Each engine folder
 * (core/postgres, core/neo4j, …) exports one EngineModule from its engine.ts;
 * core/engines.ts is the one list of them. Shared code asks the module and
 * never switches on an engine's name.
 *
 * A module is small on purpose: identity and profile rules are data, and every
 * hook that needs a driver or a large piece of code loads it at first use.
 */
import type { ConnectionProblem, ErrorDuring } from './connections/errors';
import type { OperationExecutor } from './operations/operation';
import type { Logger } from './log';
import type { StatementRisk } from './query/risk';
import type { QueryStream, RunOptions } from './query/types';
import type { ConnectionProfile, TlsMode } from './connections/profile';
import type { CellValue, Report } from './reports/model';
import type { BackupSupport } from './backup/model';
import type { ContainerAccess } from './backup/container';
import type { EngineHealth } from './health/model';

/** The engines' ids, in the order their views appear. Adding an engine adds its id here and its module in engines.ts. */
export const ENGINE_IDS = ['postgres', 'neo4j', 'redis', 'docker', 'rabbitmq'] as const;
export type Engine = (typeof ENGINE_IDS)[number];

/** One profile field the add-connection wizard asks for after the address. */
export interface ProfileField {
  key: 'database' | 'user';
  prompt: string;
  /** Value offered when the profile has none. */
  default?: string;
  /** A problem with the typed value, in words; undefined when it is fine. Empty input is always allowed. */
  validate?: (value: string) => string | undefined;
}

/** How a URL scheme maps onto a profile of this engine. */
export interface UrlScheme {
  tls: TlsMode;
  /** Neo4j: routing (`neo4j`) or direct (`bolt`). */
  scheme?: 'neo4j' | 'bolt';
}

/** The fields a pasted URL sets (id, name and flags come from the wizard). */
export type UrlFields = Omit<Partial<ConnectionProfile>, 'id'> & { engine: Engine };

/** An error reduced to what mapping needs: its code and its message (with causes folded in). */
export interface ErrorFacts {
  code: string;
  message: string;
}

/**
 * Problems every engine words the same way: an engine's error mapping may
 * return just the kind, and the shared code says it (connections/errors.ts).
 */
export type WordedProblem = 'auth' | 'unknown-database' | 'connection-lost' | 'permission';

export interface EngineModule extends EngineHooks {
  id: Engine;
  /** "PostgreSQL". */
  label: string;
  defaultPort: number;
  /** URL schemes (with the colon: `postgres:`) a pasted connection URL may use. */
  urlSchemes: Readonly<Record<string, UrlScheme>>;
  /** An example URL for the wizard's hint. */
  urlExample: string;
  /** Whether profiles of this engine carry a password. */
  usesPassword: boolean;
  /** Whether the wizard asks for a TLS mode (Docker's comes from its URL scheme). */
  asksTls: boolean;
  /**
   * Where the server is, when it is not host and port: Docker's unix socket.
   * The wizard asks "socket path or host:port" with this default.
   */
  socket?: { defaultPath: string; prompt: string };
  /** Fields the wizard asks for after host and port. */
  fields: readonly ProfileField[];
  /** Default user offered by the wizard. */
  defaultUser?: string;
  /**
   * Driver codes that mean "unreachable" but only after the shared socket,
   * TLS and timeout rules had their say (a wrapper code with many causes).
   */
  unreachableCodes?: readonly string[];
  /** Driver codes that mean "no permission", asked after the shared TLS rules (a rejection may be about TLS). */
  permissionCodes?: readonly string[];

  /** `user@host:port/db`, or what stands for it (a socket URL). Never contains a secret. */
  describeTarget?(p: ConnectionProfile): string;
  /** The name the wizard offers for a new profile, when not `describeTarget` without the user. */
  defaultName?(p: ConnectionProfile): string;
  /** Engine-specific problems of a profile, in words (shared checks are done already). */
  validate?(p: Partial<ConnectionProfile>): string[];
  /**
   * The engine's part of reading a pasted URL (after scheme, host, port, user
   * and password): its path and query. `text` is the URL as pasted.
   */
  parseUrl?(url: URL, fields: UrlFields, text: string): UrlFields;
  /** A URL that the shared parser can't read (Docker's unix://). Returns undefined to let the shared parser go on. */
  parseSpecialUrl?(scheme: string, text: string): UrlFields | undefined;

  /**
   * A file where users already keep this engine's passwords (PostgreSQL's
   * pgpass); profiles with `passwordSource: 'pgpass'` read it. Loads its code at first use.
   */
  passwordFile?: PasswordFileSupport;

  /** "Test connection": connects, authenticates, reads the server version, closes; returns a one-line summary. Throws the driver's error. */
  probe(profile: ConnectionProfile, password: string | undefined): Promise<string>;
  /**
   * The engine's own error codes as one-line problems, asked before the
   * shared socket/TLS/auth rules. Undefined: not one of its codes.
   */
  describeError?(facts: ErrorFacts, ctx: { label: string; where: string; server: string; profile: ConnectionProfile; during?: ErrorDuring }): ConnectionProblem | WordedProblem | undefined;
}

/** An engine's password file, as the connection code asks it. */
export interface PasswordFileSupport {
  /** "password file (pgpass)": how messages and the wizard name it. */
  label: string;
  /** Where it is and how it is matched, for the wizard. */
  hint: string;
  /** The password the file gives this profile, if any; never throws for a missing or unreadable file. */
  lookup(profile: ConnectionProfile, env: Readonly<Record<string, string | undefined>>, home: string): Promise<PasswordFileLookup>;
}

export interface PasswordFileLookup {
  /** The file that was (or would have been) read. */
  file: string;
  password?: string;
  /** What the lookup searched for, for messages ("db.internal:5432:app:alice"). Never a secret. */
  searched: string;
  /** Why the file was ignored (libpq's own warnings: not a plain file, group or world access). */
  warning?: string;
}

/**
 * The hooks later engines fill in; each is optional and each loads its code at
 * first use. `session` is what the editor keeps open per connection for this
 * engine (a PostgresConnection, a driver…), made by `openSession`.
 */
export interface EngineHooks {
  /** Opens what the engine's catalog reads and operations share for one connection. */
  openSession?(profile: ConnectionProfile, password: string | undefined, options?: SessionOptions): Promise<EngineSession>;
  /** The executor that runs this engine's Operations on a session. */
  executor?(session: EngineSession, settings: ExecutorSettings): Promise<OperationExecutor>;
  /** Statements from files (CodeLens, Run, Explain) in this engine's language. */
  statements?: StatementSupport;
  /** The report panels this engine offers (the panel host, its restore, Run, fix scripts and exports are shared). */
  reports?: EngineReports;
  /**
   * A container engine (Docker): the state of one of its containers, so a
   * connection made from a container can say "container stopped" instead of
   * a network error. Undefined when the container no longer exists.
   */
  containerState?(session: EngineSession, id: string): Promise<{ state: string; running: boolean } | undefined>;
  /**
   * A container engine: exec and file copy in one of its running containers,
   * for backups of a server that runs there (pg_dump inside the container,
   * an RDB copied out). Undefined when the container is gone or not running.
   */
  containerAccess?(session: EngineSession, id: string): Promise<ContainerAccess | undefined>;
  /** Backups of this engine (method, verify by restore, restore), loaded at first use; the catalog (core/backup) is shared. */
  backup?(): Promise<BackupSupport>;
  /**
   * Where the server keeps its data, as this machine sees it, when it is
   * this very server running here (PostgreSQL: data_directory, whose
   * postmaster.pid names the profile's port); undefined when it cannot be
   * read or proven. The backups report compares its disk with the backup folder's.
   */
  dataDirectory?(session: EngineSession): Promise<string | undefined>;
  /**
   * Cheap health checks of one connection (status bar, Health panel, `upkeep
   * health`), loaded at first use. Without it a connection is checked for
   * being reachable only.
   */
  health?(): Promise<EngineHealth>;
}

/** One report an engine offers. */
export interface ReportKindInfo {
  /** Stable id, kept in a panel's saved state: 'bloat', 'memory'… */
  id: string;
  /** Short, for tabs, menus and pickers: "Memory". */
  title: string;
  /** The report's own title: "Memory analysis". */
  longTitle: string;
  /**
   * A heavier run offered on demand beside Refresh (Redis: analyse every key
   * instead of a sample); the host asks with `warning` first and passes
   * `{ full: true }` as the run's options.
   */
  fullRun?: { label: string; warning: string };
}

/** Settings as the editor has them, by full key ('upkeep.reports.bloatPercent'); core never reads vscode itself. */
export interface SettingsReader {
  get<T>(key: string, fallback: T): T;
}

/** What a report is computed from: the editor's session for the profile, and its limits. */
export interface ReportRequest {
  /** The editor's session for the profile (engine modules open their own connection from it when they need one). */
  session: EngineSession;
  profile: ConnectionProfile;
  /** The report's database as the engine names it ("app", "db0"). */
  database: string;
  /** Aborting stops the report's work on the server (its queries cancelled, its connection closed). */
  signal: AbortSignal;
  settings: SettingsReader;
  /** A folder of the extension's own where a report may keep history (PostgreSQL's capacity snapshots). */
  storageDir: string;
  log?: Logger;
  /** Options of this run: `{ full: true }` for a kind's `fullRun`. */
  options?: Readonly<Record<string, unknown>>;
}

/** An action on one row of a report's table (PostgreSQL: measure a relation's bloat exactly). */
export interface ReportRowAction {
  /** The column's header: "Exact". */
  column: string;
  /** The button: "Measure exactly". */
  label: string;
  /** Its tooltip. */
  title: string;
  /** The modal question before it runs, or undefined when the row has nothing to act on. */
  confirm(sectionId: string, row: Readonly<Record<string, CellValue>>): { message: string; detail: string; button: string } | undefined;
  /** Runs it and returns the text shown in the row. */
  run(req: ReportRequest, sectionId: string, row: Readonly<Record<string, CellValue>>): Promise<string>;
}

/** An engine's reports: what it offers, and how each is computed. Code loads at first use. */
export interface EngineReports {
  kinds: readonly ReportKindInfo[];
  /** Computes one report; rejects when `req.signal` aborts. */
  build(kind: string, req: ReportRequest): Promise<Report>;
  /** The row action of a report kind, if it has one (loaded with the report code). */
  rowAction?(kind: string): Promise<ReportRowAction | undefined>;
}

/** What the editor passes when it opens a session: its catalog limits and its log. */
export interface SessionOptions {
  /** Timeouts of catalog (browsing) reads. */
  catalog?: { lockTimeoutMs: number; statementTimeoutMs: number };
  log?: Logger;
}

/** A connection's open handle, owned by the editor's connection service. */
export interface EngineSession {
  dispose(): Promise<void>;
}

/** Editor settings an executor reads (each engine takes what applies to it). */
export interface ExecutorSettings {
  /** PostgreSQL: lock_timeout of a maintenance session. */
  lockTimeoutMs: number;
  /** PostgreSQL: lock_timeout of the CONCURRENTLY forms, which wait for older transactions (0: wait until they end). */
  concurrentLockTimeoutMs?: number;
  log?: Logger;
}

/** How a statement from a file is run: as is, under EXPLAIN, or under EXPLAIN ANALYZE (which executes it). */
export type RunMode = 'run' | 'explain' | 'explain-analyze';

/** One statement of a file as the engine's splitter reads it. */
export interface StatementPart {
  /** false: a psql meta-command, COPY FROM STDIN, a console command, unterminated text… never sent. */
  runnable: boolean;
  text: string;
  start: number;
  end: number;
  /** Why a flagged statement is not sent. */
  note?: string;
}

/** What the engine thinks of a statement before anything is sent. */
export interface StatementJudgement extends StatementRisk {
  /** Set when the statement may not run in this mode at all: the reason, for the user. */
  refusal?: string;
  /** The exact text that will be sent for the mode (EXPLAIN … around it). */
  sent: string;
  /** The engine's own analysis, handed back to `start`. */
  analysis?: unknown;
}

export interface StatementStart extends RunOptions {
  text: string;
  mode: RunMode;
  judgement: StatementJudgement;
  /** The profile's database, when it has one. */
  database?: string;
  /** Aborting stops the statement on the server, even before the stream exists. */
  signal?: AbortSignal;
}

/** Statements typed in files of one language run on this engine. */
export interface StatementSupport {
  /** The editor's language id of those files ('sql', 'cypher'). */
  languageId: string;
  /** Which run modes the CodeLens offers besides Run. */
  explains: boolean;
  split(text: string): Promise<StatementPart[]>;
  judge(text: string, mode: RunMode): Promise<StatementJudgement>;
  /** Starts the statement on a session of its own (autocommit), streaming its rows. */
  start(session: EngineSession, req: StatementStart): Promise<QueryStream>;
}
