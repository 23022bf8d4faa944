/**
 * Backups of any engine, as shared code sees them. Each engine that can back
 * up provides one `BackupSupport` (loaded at first use through its module's
 * `backup` hook); the catalog (catalog.ts) names, writes, lists and retires
 * the files and their manifests the same way for all of them.
 *
 * An engine's method writes to a path it is given (a temporary name in the
 * target folder) and says what it captured; the catalog hashes, renames and
 * writes the manifest. Verify restores into something throwaway and compares
 * with the facts the method recorded at backup time (`BackupSnapshot`).
 */
import type { ConnectionProfile } from '../connections/profile';
import type { Engine } from '../engine';
import type { Logger } from '../log';
import type { ContainerAccess } from './container';

/** A file (or, for PostgreSQL's directory format, a folder of files) the catalog keeps. */
export type BackupShape = 'file' | 'directory';

/** One method of backing up, as the options picker and the manifest name it. */
export interface BackupFormat {
  /** 'pg-custom', 'pg-directory', 'redis-rdb'… */
  id: string;
  label: string;
  /** Extension of the final name, with its dot: '.dump', '.dir', '.rdb'. */
  extension: string;
  shape: BackupShape;
  /** Which of BackupOptions the picker asks for with this format. */
  asks?: readonly ('content' | 'jobs')[];
  /** Offered only for a connection made from a container Upkeep knows (`profile.container`): the method runs through it. */
  needsContainer?: boolean;
  /**
   * What the method does to the server while it runs, when that is more than
   * reading (Neo4j's dump stops the container): the command shows it and
   * asks before starting, with the typed name on production.
   */
  interrupts?: string;
  /** Where this format's Verify restores, when not the support's `verifyTarget` (Neo4j's dump brings its own throwaway server). */
  verifyTarget?: 'never' | 'optional' | 'required';
  /** Where this format restores, when not the support's `restoreOn` (Neo4j's dump: only into the backed-up connection's own container). */
  restoreOn?: 'source' | 'any';
  /** The language of this format's `restoreText`, when not the support's `restoreLanguage` (Neo4j's dump: shell). */
  restoreLanguage?: 'shell' | 'cypher';
}

/**
 * The format a backup file was written in: the manifest's, else (a file from
 * outside Upkeep) the one whose extension it ends with.
 */
export function formatOfBackup(formats: readonly BackupFormat[], file: string, manifest: Pick<BackupManifest, 'format'> | undefined): BackupFormat | undefined {
  if (manifest) return formats.find((f) => f.id === manifest.format);
  return formats.find((f) => file.endsWith(f.extension));
}

/** What the user chose in the options picker; each engine reads what applies to it. */
export interface BackupOptions {
  format: string;
  /** PostgreSQL: parallel jobs (directory format only). */
  jobs?: number;
  /** PostgreSQL: 'schema' (schema only) or 'data' (data only); absent: both. */
  content?: 'schema' | 'data';
  /** PostgreSQL: only these schemas (exact names). */
  schemas?: string[];
  /** PostgreSQL: only these tables, as [schema, table] (exact names). */
  tables?: [string, string][];
}

/** Progress in words and the bytes written so far. */
export interface BackupProgress {
  phase: string;
  bytes?: number;
  /** Objects the tool reported (PostgreSQL's --verbose lines). */
  objects?: number;
}

/** Everything an engine's method needs, handed by the caller (no editor types). */
export interface BackupContext {
  profile: ConnectionProfile;
  /** From the connection service's credential path; never written to argv or logs. */
  password: string | undefined;
  signal?: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
  log: Logger;
  /** Where client tools are (settings); each engine reads its own. */
  tools: ToolSettings;
  /**
   * PostgreSQL: tables up to this many bytes get a checksum of their rows at
   * backup time, which Verify compares (the setting upkeep.backup.verifyChecksumMaxMB);
   * 0: row counts only; absent: the engine's default.
   */
  checksumMaxBytes?: number;
  /**
   * The container the server runs in (`profile.container`), reached through
   * the container engine's connection, when Upkeep knows that connection and
   * the container is running; undefined otherwise. Asked only by a method
   * that wants it (pg_dump inside the container, Redis' RDB copied out).
   */
  container?: () => Promise<ContainerAccess | undefined>;
}

/**
 * The engine's own settings under `upkeep.backup` (the keys its
 * `BackupSupport.toolSettingKeys` names: PostgreSQL's bin folder, Redis'
 * binaries folder…), by key, non-empty values only. Shared code reads the
 * keys the engine names and never interprets them.
 */
export interface ToolSettings {
  readonly [key: string]: string | readonly string[] | undefined;
  /** Folders searched before PATH (tests point these at fake tools). */
  readonly extraSearchDirs?: readonly string[];
  /** Tools taken as not installed, wherever they are (the bench measures a backup without redis-check-rdb this way). */
  readonly absentTools?: readonly string[];
}

/** A string setting of `tools`, or undefined when unset or not a string. */
export function toolSetting(tools: ToolSettings, key: string): string | undefined {
  const v = tools[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Facts recorded at backup time that Verify compares against: the engine
 * writes what it can count (tables and their rows in the dump's own snapshot;
 * keys per database and a sample of values). Opaque to shared code apart from
 * the summary counts.
 */
export interface BackupSnapshot {
  /** Object counts for the manifest and the list ("12 tables, 3 schemas", "10,000 keys"). */
  counts: Record<string, number>;
  /** The engine's own detail, kept in the manifest for its Verify. */
  detail: unknown;
}

/** What an engine's method reports after writing the backup to the path it was given. */
export interface BackupWritten {
  serverVersion: string;
  tool: string;
  toolVersion: string;
  /** The command line, as text, without any secret (for the history and the manifest). */
  commandText: string;
  snapshot: BackupSnapshot;
  /** Anything the user should know (an option the server ignored, a note on what was captured). */
  notes: string[];
  /**
   * The file's SHA-256 and length, when the method hashed it while it was
   * written (follow.ts); the catalog then does not read it again, unless the
   * file's size on disk disagrees.
   */
  hashed?: { sha256: string; bytes: number };
}

export type VerifyStatus = 'passed' | 'failed' | 'not-verifiable';

export interface VerifyResult {
  status: VerifyStatus;
  at: string;
  durationMs: number;
  /** One line: "12 tables, 40,212 rows, 31 indexes equal" / the first differences / the reason. */
  summary: string;
  /** Each difference found, named ("table public.orders: 1,000 rows at backup, 990 restored"). */
  differences: string[];
  /** Where it was restored (the throwaway database or server), for the log. */
  restoredInto?: string;
}

export interface BackupManifest {
  manifestVersion: 1;
  /** The backup's file or folder name, beside the manifest. */
  file: string;
  shape: BackupShape;
  engine: Engine;
  connectionId: string;
  connectionName: string;
  /** PostgreSQL: the database; Redis: the whole server (absent). */
  database?: string;
  serverVersion: string;
  tool: string;
  toolVersion: string;
  commandText: string;
  format: string;
  options: BackupOptions;
  sizeBytes: number;
  /** SHA-256 of the file, or of each file of a directory backup (relative path → hex). */
  sha256: string | Record<string, string>;
  startedAt: string;
  endedAt: string;
  counts: Record<string, number>;
  snapshot: unknown;
  notes: string[];
  verification?: VerifyResult;
}

/** One backup of a connection as listed from its folder. */
export interface BackupEntry {
  /** Absolute path of the backup file or folder. */
  path: string;
  name: string;
  /** The manifest, when Upkeep wrote one. */
  manifest?: BackupManifest;
  /** A file that matches the naming but has no manifest: made by someone else. */
  outside: boolean;
  /** From the manifest's endedAt, or the name's timestamp. */
  takenAt: Date;
  sizeBytes: number;
}

/** Restore into a database (PostgreSQL) or a scratch server (Redis): the engine's own options. */
export interface RestoreOptions {
  /** PostgreSQL: the database to restore into. */
  database: string;
  /** Create it first (a new database). */
  create: boolean;
  /** PostgreSQL --clean: drop objects before recreating them (destructive on an existing database). */
  clean?: boolean;
  singleTransaction?: boolean;
  jobs?: number;
}

/** A restore's context: the source connection's, and the connection restored into when it is another one. */
export interface RestoreContext extends BackupContext {
  /** Restore on this connection (same engine) instead of the backed-up one. */
  target?: VerifyTarget;
}

/**
 * Where a restore may go on a connection (engines that answer
 * `restoreTargets`): what exists there, and whether a new one can be made.
 */
export interface RestoreTargets {
  /** What one target is called: 'database', 'volume'. */
  noun: string;
  /** The existing ones, by name. */
  existing: string[];
  /** Whether a new one can be created; when not, why (Neo4j Community has one user database). */
  create: { allowed: true } | { allowed: false; reason: string };
}

/** One existing target as it is now, read just before the restore is shown. */
export interface RestoreTargetState {
  /** Holds nothing the restore would have to remove. */
  empty: boolean;
  /** What it holds, in words ("12 nodes, 2 indexes"), when not empty. */
  holds?: string;
  /** What clearing it first runs (the statements or command line), for the preview. */
  clearText?: string;
  /** Why restoring into it is refused now (a running container writes to it), when it is. */
  refusal?: string;
}

/** What a restore's preview knows besides the options: the backup file, its manifest (absent for a file from outside Upkeep) and the connection restored on. */
export interface RestorePreview {
  file: string;
  manifest: BackupManifest | undefined;
  profile: ConnectionProfile;
}

/** What a restore reports when it finished. */
export interface RestoreDone {
  commandText: string;
  notes: string[];
  /** The restored target compared with the backup's snapshot (counts, checksums), when the engine compares. */
  comparison?: VerifyResult;
}

/** A server the user named to verify on, instead of the source (PostgreSQL: another server; Neo4j: an empty server). */
export interface VerifyTarget {
  profile: ConnectionProfile;
  password: string | undefined;
}

export interface VerifyContext extends BackupContext {
  /** Verify on this server instead of the source one (the command asks when the support's `verifyTarget` says so). */
  target?: VerifyTarget;
  /** Test hook: runs after the restore and before the comparison (tests delete rows here to prove a difference is found). */
  afterRestore?: (where: string) => Promise<void>;
}

/** One engine's backups: formats, the method, its verify, and (where it has one) restore. */
export interface BackupSupport {
  engine: Engine;
  formats: readonly BackupFormat[];
  /** The format offered first. */
  defaultFormat: string;
  /**
   * Verify creates something on the source server (PostgreSQL: a throwaway
   * database), so a read-only connection cannot verify there.
   */
  verifyWritesToServer: boolean;
  /**
   * Whether Verify may or must restore on a server the user names (a
   * connection of the same engine): 'never' (it brings its own scratch
   * server, as Redis does), 'optional' (the source server by default),
   * 'required' (the source cannot take a throwaway copy: Neo4j Community has
   * one user database). Absent: 'never'.
   */
  verifyTarget?: 'never' | 'optional' | 'required';
  /** Its settings under `upkeep.backup` that the command passes in `BackupContext.tools` ('pgBinDir'…). */
  toolSettingKeys?: readonly string[];
  /** What the backup captures and what Verify proves, in words (README, the options picker). */
  describe(format: string): string;
  /** Whether a backup names a database (PostgreSQL) and which ones may be picked. */
  databases?(ctx: BackupContext): Promise<string[]>;
  /** Writes the backup to `path` (a temporary name; a folder for directory shapes, not yet existing). Throws on failure or cancel. */
  write(path: string, options: BackupOptions, database: string | undefined, ctx: BackupContext): Promise<BackupWritten>;
  /** Restores into something throwaway, compares with the manifest's snapshot, removes the throwaway. Never throws for a difference. */
  verify(path: string, manifest: BackupManifest, ctx: VerifyContext): Promise<VerifyResult>;
  /** Restores into a database of the user's; the caller has asked and refused read-only already. */
  restore?(path: string, manifest: BackupManifest | undefined, options: RestoreOptions, ctx: RestoreContext): Promise<RestoreDone>;
  /** The text of the restore command, for the confirmation (no secret); `state` is the existing target's, when it exists. */
  restoreText?(path: string, options: RestoreOptions, state?: RestoreTargetState, preview?: RestorePreview): string | Promise<string>;
  /**
   * Whether the Restore command offers other connections of the engine to
   * restore into ('any': the backed-up one first) or only the backed-up one
   * ('source'). Absent: 'source'.
   */
  restoreOn?: 'source' | 'any';
  /**
   * The targets a restore may pick on the connection restored into (`ctx.target`, else the source).
   * Engines without it (PostgreSQL) are asked a name and whether it is new.
   */
  restoreTargets?(ctx: RestoreContext): Promise<RestoreTargets>;
  /** One existing target's state (empty or not; what clearing it runs). */
  restoreTargetState?(name: string, ctx: RestoreContext): Promise<RestoreTargetState>;
  /** The language of `restoreText` in the preview (absent: 'shell', a command line). */
  restoreLanguage?: 'shell' | 'cypher';
  /** What the restore does to the target, in words, for the preview (absent: PostgreSQL's wording). */
  restoreImpact?(options: RestoreOptions, state?: RestoreTargetState, preview?: RestorePreview): string;
}
