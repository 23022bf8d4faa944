/**
 * The operations `upkeep run` offers: the guides' scheduled maintenance, each
 * a name mapped to the engine whose Operation it builds and to the engine's
 * own builder (core/postgres/maintenance.ts, core/redis/operations.ts). This
 * table is the only place in the CLI that knows an engine's operations; the
 * run itself (runCommand.ts) goes through the engine module's executor hook.
 */
import type { Engine, EngineSession } from '../core/engine';
import type { Operation } from '../core/operations/operation';
import type { PostgresConnection } from '../core/postgres/connection';
import { featuresFor } from '../core/postgres/features';
import { buildAnalyze, buildReindex, buildVacuum, type OpTarget } from '../core/postgres/maintenance';
import { buildBgsave } from '../core/redis/operations';
import { CliError } from './errors';

export interface BuildInput {
  session: EngineSession;
  /** --database, else the profile's, else the engine's default. */
  database: string;
  /** --target as given. */
  target?: string;
}

export interface RunOperationSpec {
  name: string;
  engine: Engine;
  /** One line for the help. */
  summary: string;
  /** What --target takes, for the help; undefined: no target. */
  targetHelp?: string;
  build(input: BuildInput): Promise<Operation>;
}

/**
 * `schema.table`, `table` (schema public) or quoted parts as SQL writes them
 * (`"my schema"."a.b"`, a doubled "" inside quotes is one quote).
 */
export function parseQualifiedName(text: string): { schema: string; name: string } {
  const parts: string[] = [];
  let i = 0;
  while (i <= text.length) {
    let part = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new CliError(`--target ${text}: a quote is not closed`, 'usage');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += text[i];
        i++;
      }
      if (i < text.length && text[i] !== '.') throw new CliError(`--target ${text}: expected a dot after the quoted name`, 'usage');
    } else {
      const dot = text.indexOf('.', i);
      part = text.slice(i, dot < 0 ? undefined : dot);
      i = dot < 0 ? text.length : dot;
    }
    if (!part) throw new CliError(`--target ${text}: an empty name`, 'usage');
    parts.push(part);
    i++;
  }
  if (parts.length === 1) return { schema: 'public', name: parts[0] ?? '' };
  if (parts.length === 2) return { schema: parts[0] ?? '', name: parts[1] ?? '' };
  throw new CliError(`--target ${text}: give schema.name (quote a name that holds a dot: "a.b")`, 'usage');
}

async function pgFeatures(input: BuildInput): Promise<{ conn: PostgresConnection; f: ReturnType<typeof featuresFor> }> {
  const conn = input.session as PostgresConnection;
  return { conn, f: featuresFor((await conn.serverInfo(input.database)).versionNum) };
}

/** A table target, or the whole database when no --target is given. */
function tableOrDatabase(input: BuildInput): OpTarget {
  if (input.target === undefined) return { kind: 'database', database: input.database };
  const { schema, name } = parseQualifiedName(input.target);
  return { kind: 'table', database: input.database, schema, name };
}

/** A table or an index, as the catalog says; a name that is neither is an error before anything runs. */
async function tableOrIndex(conn: PostgresConnection, input: BuildInput): Promise<OpTarget> {
  if (input.target === undefined) throw new CliError('reindex needs --target schema.table or schema.index', 'usage');
  const { schema, name } = parseQualifiedName(input.target);
  const rows = await conn.query<{ relkind: string }>(input.database, 'SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2', [schema, name]);
  const kind = rows[0]?.relkind;
  if (kind === 'i') return { kind: 'index', database: input.database, schema, name };
  if (kind === 'r' || kind === 'm' || kind === 'p') return { kind: 'table', database: input.database, schema, name };
  throw new CliError(`--target ${input.target}: no table or index of that name in ${input.database}`, 'usage');
}

export const RUN_OPERATIONS: readonly RunOperationSpec[] = [
  {
    name: 'vacuum',
    engine: 'postgres',
    summary: 'VACUUM (ANALYZE) of the database, or of one table',
    targetHelp: '[schema.]table (default: the whole database)',
    async build(input) {
      const { f } = await pgFeatures(input);
      return buildVacuum(tableOrDatabase(input), { analyze: true }, f);
    },
  },
  {
    name: 'vacuum-full',
    engine: 'postgres',
    summary: 'VACUUM (FULL, ANALYZE) of one table: rewrites it, blocking reads and writes (needs --yes)',
    targetHelp: '[schema.]table (required)',
    async build(input) {
      if (input.target === undefined) throw new CliError('vacuum-full needs --target schema.table', 'usage');
      const { f } = await pgFeatures(input);
      return buildVacuum(tableOrDatabase(input), { full: true, analyze: true }, f);
    },
  },
  {
    name: 'analyze',
    engine: 'postgres',
    summary: 'ANALYZE of the database, or of one table',
    targetHelp: '[schema.]table (default: the whole database)',
    async build(input) {
      const { f } = await pgFeatures(input);
      return buildAnalyze(tableOrDatabase(input), {}, f);
    },
  },
  {
    name: 'reindex',
    engine: 'postgres',
    summary: 'REINDEX … CONCURRENTLY of a table\'s indexes or of one index (PostgreSQL 12+)',
    targetHelp: '[schema.]table or [schema.]index (required)',
    async build(input) {
      const { conn, f } = await pgFeatures(input);
      return buildReindex(await tableOrIndex(conn, input), { concurrently: true }, f);
    },
  },
  {
    name: 'bgsave',
    engine: 'redis',
    summary: 'BGSAVE: an RDB snapshot, waited for until it is written',
    build: () => Promise.resolve(buildBgsave()),
  },
];

/**
 * `upkeep run backup`: not an engine Operation but the backup catalog's run
 * (backupCommand.ts), for every engine whose module has backups.
 */
export const BACKUP_OPERATION = 'backup';
export const BACKUP_SUMMARY = 'a backup as the editor makes it: pg_dump (custom format), Redis RDB,\n               Neo4j APOC export, RabbitMQ definitions, a Docker volume';

export function findRunOperation(name: string): RunOperationSpec | undefined {
  return RUN_OPERATIONS.find((o) => o.name === name);
}
