/**
 * Server functions the classifier knows by name. A SELECT is only a read when
 * the functions it calls are: `SELECT pg_terminate_backend(123)` ends another
 * session, `SELECT nextval('s')` advances a sequence. Functions are matched on
 * their last name part, so `pg_catalog.pg_terminate_backend` and an
 * extension's `public.dblink_exec` are found too. Functions of the user's own
 * are not known here: the server's read-only mode is what stops them on
 * read-only profiles (and on Export's re-run).
 */
import type { Risk } from '../operations/operation';

export interface ActingFunction {
  risk: Risk;
  /** Why it is not a read, for the confirmation and the read-only refusal. */
  does: string;
  /** Reaches beyond the statement (another session, the server's configuration, another server): asked first on production. */
  asks?: true;
}

const replicationSlotLoss = 'its consumer (a standby or a logical subscriber) loses changes it has not read yet';

/** Functions that change something when called, with what they do. */
export const ACTING_FUNCTIONS: Readonly<Record<string, ActingFunction>> = {
  // Other sessions.
  pg_terminate_backend: { risk: 'destructive', does: 'ends another session; its open transaction is rolled back' },
  pg_cancel_backend: { risk: 'safe', does: "cancels another session's running statement", asks: true },
  // Advisory locks: held until the statement's session ends; others asking for the same key wait meanwhile.
  pg_advisory_lock: { risk: 'safe', does: 'takes an advisory lock: other sessions asking for the same key wait' },
  pg_advisory_lock_shared: { risk: 'safe', does: 'takes a shared advisory lock: sessions asking for the key exclusively wait' },
  pg_advisory_xact_lock: { risk: 'safe', does: 'takes an advisory lock: other sessions asking for the same key wait' },
  pg_advisory_xact_lock_shared: { risk: 'safe', does: 'takes a shared advisory lock: sessions asking for the key exclusively wait' },
  pg_try_advisory_lock: { risk: 'safe', does: 'takes an advisory lock when it is free' },
  pg_try_advisory_lock_shared: { risk: 'safe', does: 'takes a shared advisory lock when it is free' },
  pg_try_advisory_xact_lock: { risk: 'safe', does: 'takes an advisory lock when it is free' },
  pg_try_advisory_xact_lock_shared: { risk: 'safe', does: 'takes a shared advisory lock when it is free' },
  pg_advisory_unlock: { risk: 'safe', does: 'releases an advisory lock' },
  pg_advisory_unlock_shared: { risk: 'safe', does: 'releases a shared advisory lock' },
  pg_advisory_unlock_all: { risk: 'safe', does: 'releases advisory locks' },
  // Settings and server state.
  set_config: { risk: 'safe', does: 'changes a setting of the session' },
  pg_reload_conf: { risk: 'safe', does: "makes every server process re-read the server's configuration files", asks: true },
  pg_rotate_logfile: { risk: 'safe', does: "switches the server's log file", asks: true },
  pg_switch_wal: { risk: 'safe', does: 'forces a switch to a new WAL file', asks: true },
  pg_create_restore_point: { risk: 'safe', does: 'writes a named restore point into the WAL', asks: true },
  pg_log_standby_snapshot: { risk: 'safe', does: 'writes a snapshot record into the WAL', asks: true },
  pg_logical_emit_message: { risk: 'safe', does: 'writes a message into the WAL', asks: true },
  pg_promote: { risk: 'destructive', does: 'promotes a standby: it stops following its primary for good' },
  pg_wal_replay_pause: { risk: 'safe', does: 'pauses WAL replay on a standby: it falls behind its primary until resumed', asks: true },
  pg_wal_replay_resume: { risk: 'safe', does: 'resumes WAL replay on a standby', asks: true },
  pg_backup_start: { risk: 'safe', does: 'starts a base backup', asks: true },
  pg_backup_stop: { risk: 'safe', does: 'ends a base backup', asks: true },
  pg_start_backup: { risk: 'safe', does: 'starts a base backup', asks: true },
  pg_stop_backup: { risk: 'safe', does: 'ends a base backup', asks: true },
  pg_stat_reset: { risk: 'safe', does: "resets the database's statistics (what autovacuum and the reports read)", asks: true },
  pg_stat_reset_shared: { risk: 'safe', does: 'resets server-wide statistics', asks: true },
  pg_stat_reset_single_table_counters: { risk: 'safe', does: "resets a table's statistics", asks: true },
  pg_stat_reset_single_function_counters: { risk: 'safe', does: "resets a function's statistics", asks: true },
  pg_stat_reset_slru: { risk: 'safe', does: 'resets SLRU statistics', asks: true },
  pg_stat_reset_replication_slot: { risk: 'safe', does: "resets a replication slot's statistics", asks: true },
  pg_stat_reset_subscription_stats: { risk: 'safe', does: "resets a subscription's statistics", asks: true },
  pg_stat_statements_reset: { risk: 'safe', does: 'empties pg_stat_statements', asks: true },
  pg_notify: { risk: 'safe', does: 'sends a notification to every listening session', asks: true },
  // Replication.
  pg_drop_replication_slot: { risk: 'destructive', does: `drops a replication slot: ${replicationSlotLoss}` },
  pg_replication_slot_advance: { risk: 'destructive', does: `moves a replication slot forward: ${replicationSlotLoss}` },
  pg_logical_slot_get_changes: { risk: 'destructive', does: `consumes a logical slot's changes: ${replicationSlotLoss}` },
  pg_logical_slot_get_binary_changes: { risk: 'destructive', does: `consumes a logical slot's changes: ${replicationSlotLoss}` },
  pg_create_physical_replication_slot: { risk: 'safe', does: 'creates a replication slot: the server keeps WAL for it until it is dropped (disk can fill)', asks: true },
  pg_create_logical_replication_slot: { risk: 'safe', does: 'creates a replication slot: the server keeps WAL for it until it is dropped (disk can fill)', asks: true },
  pg_copy_physical_replication_slot: { risk: 'safe', does: 'creates a replication slot: the server keeps WAL for it until it is dropped (disk can fill)', asks: true },
  pg_copy_logical_replication_slot: { risk: 'safe', does: 'creates a replication slot: the server keeps WAL for it until it is dropped (disk can fill)', asks: true },
  pg_replication_origin_create: { risk: 'safe', does: 'creates a replication origin', asks: true },
  pg_replication_origin_drop: { risk: 'destructive', does: 'drops a replication origin and the progress it recorded' },
  pg_replication_origin_advance: { risk: 'destructive', does: 'moves a replication origin forward: changes before it are skipped' },
  // Sequences.
  nextval: { risk: 'safe', does: 'advances a sequence (never rolled back)' },
  setval: { risk: 'safe', does: "sets a sequence's value: later inserts may collide or skip", asks: true },
  // Large objects.
  lo_unlink: { risk: 'destructive', does: 'deletes a large object' },
  lo_create: { risk: 'safe', does: 'creates a large object' },
  lo_creat: { risk: 'safe', does: 'creates a large object' },
  lo_from_bytea: { risk: 'safe', does: 'creates a large object' },
  lo_import: { risk: 'safe', does: "creates a large object from a file on the server's disk", asks: true },
  lo_export: { risk: 'safe', does: "writes a large object to a file on the server's disk", asks: true },
  lo_put: { risk: 'safe', does: 'writes into a large object' },
  lowrite: { risk: 'safe', does: 'writes into a large object' },
  lo_truncate: { risk: 'destructive', does: 'truncates a large object' },
  // Files (adminpack) and other servers (dblink): what they do is outside what Upkeep can read.
  pg_file_write: { risk: 'safe', does: "writes a file on the server's disk", asks: true },
  pg_file_unlink: { risk: 'destructive', does: "deletes a file on the server's disk" },
  pg_file_rename: { risk: 'safe', does: "renames a file on the server's disk", asks: true },
  pg_file_sync: { risk: 'safe', does: "flushes a file on the server's disk" },
  dblink_exec: { risk: 'safe', does: 'runs a statement on another server, which Upkeep cannot judge', asks: true },
  dblink: { risk: 'safe', does: 'runs a query on another server, which Upkeep cannot judge', asks: true },
  dblink_send_query: { risk: 'safe', does: 'runs a query on another server, which Upkeep cannot judge', asks: true },
  dblink_connect: { risk: 'safe', does: 'opens a connection to another server' },
  dblink_connect_u: { risk: 'safe', does: 'opens a connection to another server' },
  pg_import_system_collations: { risk: 'safe', does: "adds collations to the catalog from the operating system's" },
};

/**
 * Common volatile functions: an ADD COLUMN whose default calls one gives each
 * existing row its own value, so the table is rewritten. The server knows
 * every function's volatility; without a catalog round trip Upkeep knows
 * these by name, so a volatile function of the user's own is not recognised.
 */
export const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'random',
  'random_normal',
  'setseed',
  'clock_timestamp',
  'timeofday',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'gen_random_bytes',
  'nextval',
]);

/** Column types whose default is nextval(): adding such a column fills every row. */
export const SERIAL_TYPES: ReadonlySet<string> = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);
