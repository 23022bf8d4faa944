/**
 * Database drivers are loaded at first use, never at activation: opening the
 * editor must not pay for pg, neo4j-driver, ioredis and dockerode.
 *
 * Plain `require` on purpose: the extension bundle rewrites these four names to
 * their own files under dist/drivers/ (scripts/build.mjs), and CommonJS
 * `require` behaves the same there, in tests and in every extension host.
 */
import type * as Pg from 'pg';
import type * as Neo4j from 'neo4j-driver';
import type IORedis from 'ioredis';
import type Dockerode from 'dockerode';

/** The part of pg-cursor Upkeep uses (the package ships no types). */
export interface PgCursor extends Pg.Submittable {
  read(rows: number): Promise<unknown[][]>;
  close(): Promise<void>;
}
export type PgCursorClass = new (text: string, values?: unknown[], config?: { rowMode?: 'array'; types?: Pg.CustomTypesConfig }) => PgCursor;

/** A module's main export whether it was compiled as CommonJS or from ES modules. */
function mainExport<T>(mod: unknown): T {
  const m = mod as { default?: T; __esModule?: boolean };
  return (m.default ?? mod) as T;
}

const loaded = new Set<string>();

function once<T>(name: string, load: () => T): () => Promise<T> {
  let cached: T | undefined;
  return () => {
    try {
      cached ??= load();
      loaded.add(name);
      return Promise.resolve(cached);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
}

/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading is the point of this file */
export const loadPg = once('pg', () => pgSync());
export const loadPgCursor = once('pg-cursor', () => mainExport<PgCursorClass>(require('pg-cursor')));
export const loadNeo4j = once('neo4j-driver', () => mainExport<typeof Neo4j>(require('neo4j-driver')));
export const loadRedis = once('ioredis', () => mainExport<typeof IORedis>(require('ioredis')));
export const loadDockerode = once('dockerode', () => mainExport<typeof Dockerode>(require('dockerode')));
/* eslint-enable @typescript-eslint/no-require-imports */

let pgModule: typeof Pg | undefined;

/** pg, synchronously: for its pure helpers (escapeIdentifier) where a promise would be noise. */
export function pgSync(): typeof Pg {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  pgModule ??= mainExport<typeof Pg>(require('pg'));
  loaded.add('pg');
  return pgModule;
}

/**
 * Which drivers Upkeep has loaded in this process (for the activation-cost
 * test): those loaded through this module, and any driver file of the bundle
 * that is in Node's module cache (a lazily loaded chunk has its own copy of
 * this module, so its loads are seen there).
 */
export function loadedDriverModules(): string[] {
  const bundled = Object.keys(require.cache).flatMap((file) => /[\\/]dist[\\/]drivers[\\/]([^\\/]+)\.js$/.exec(file)?.[1] ?? []);
  return [...new Set([...loaded, ...bundled])].sort();
}
