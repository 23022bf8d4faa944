/**
 * What running a statement from a file produces, for every engine: columns,
 * then rows pulled a batch at a time (never the whole result at once), then a
 * summary. The results panel and the exporters only see these shapes.
 */

/**
 * One cell. `null` is SQL NULL / Cypher null (shown differently from the
 * string 'NULL'); a string is the value as the server printed it; a RichCell
 * is a structured value (Neo4j node, relationship, path, map, list, or a
 * PostgreSQL json value) with a one-line text and its JSON.
 */
export type CellValue = null | string | RichCell;

export type RichKind = 'node' | 'relationship' | 'path' | 'map' | 'list' | 'json';

export interface RichCell {
  kind: RichKind;
  /** Readable one-line form: `(:Person {name: "Ann"})`, `[:KNOWS {since: 2001}]`, `(a)-[:R]->(b)`. */
  text: string;
  /** Pretty JSON of the value, for the per-cell JSON view. */
  json: string;
}

export interface ResultColumn {
  name: string;
  /** Server type name (`integer`, `timestamp with time zone`); '' when the engine has none (Cypher). */
  type: string;
}

/** How a statement ended, once its rows are exhausted or it returned none. */
export interface StatementSummary {
  /** Command tag or kind: `SELECT`, `VACUUM`, `INSERT`; for Cypher `r`, `w`, `rw`, `s`. */
  command: string;
  /** Rows affected by a write (UPDATE 5), when the server says. */
  affected?: number;
  /** Server notices and warnings in order (`VACUUM VERBOSE` output, Neo4j notifications, Cypher counters). */
  notices: string[];
}

/**
 * What an open stream keeps on the server while it waits for "Fetch more":
 * shown on its tab, which closes the stream after a while without fetching.
 */
export interface HeldOnServer {
  /** Since when (ms since the epoch). */
  since: number;
  /** "a snapshot (open transaction)". */
  what: string;
  /** What that costs others: "VACUUM cannot remove rows deleted after it, …". */
  effect: string;
  /** Said once it is closed: "the snapshot was released". */
  released: string;
}

/**
 * A statement that has started: its columns are known; rows come from next().
 * The statement's server session stays open until the rows run out or close()
 * is called, so "fetch more" continues where the last batch ended.
 */
export interface QueryStream {
  readonly columns: ResultColumn[];
  /** Up to `max` more rows; fewer (possibly none) once the result is exhausted. */
  next(max: number): Promise<CellValue[][]>;
  /** True once every row has been read (next() then returns []). */
  readonly done: boolean;
  /** Available once done (or after close()). */
  summary(): StatementSummary;
  /** Stops reading, ends the statement on the server if still running, releases the session. Idempotent. */
  close(): Promise<void>;
  /** What the open stream holds on the server between fetches; undefined once done or closed. */
  held?(): HeldOnServer | undefined;
}

export interface RunOptions {
  /** Client-side statement timeout in ms; 0 = none. */
  statementTimeoutMs: number;
  /** Open the session read-only on the server (PostgreSQL default_transaction_read_only; Neo4j READ access mode). */
  readOnly: boolean;
  /** Identifies the session so it can be cancelled from elsewhere (PostgreSQL application_name / Neo4j tx metadata). */
  tag: string;
  /** Rows fetched per round trip while streaming. */
  batchSize?: number;
  /**
   * How long the statement may wait for a lock before it gives up, in ms;
   * 0 or absent = no limit (PostgreSQL lock_timeout). Without one, a DDL
   * statement queued behind a long transaction makes every later query on
   * the table queue behind it.
   */
  lockTimeoutMs?: number;
}
