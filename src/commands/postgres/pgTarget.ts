/** What a PostgreSQL command acts on: from the tree node it was invoked on, or picked step by step from the palette. */
import type { ConnectionProfile } from '../../core/connections/profile';
import { listDatabases, listSchemas, listTables } from '../../core/postgres/catalog';
import { listIndexes } from '../../core/postgres/objects';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import type { PgConnectionNode, PgDatabaseNode, PgSchemaNode, PgTableNode } from '../../views/postgres/nodes';
import type { PgIndexNode } from '../../views/postgres/objectNodes';
import { nodeOfKind, type UpkeepNode } from '../../views/node';
import { UserFacingError } from '../../core/errors';
import { pick } from '../pick';

export type PgTargetKind = 'connection' | 'database' | 'schema' | 'table' | 'index';

export interface PgTarget {
  kind: PgTargetKind;
  profile: ConnectionProfile;
  database: string;
  schema?: string;
  table?: string;
  index?: string;
  /** The tree node it came from, to refresh after the operation. */
  node?: UpkeepNode;
}

export function targetFromNode(node: unknown): PgTarget | undefined {
  const index = nodeOfKind<PgIndexNode>(node, 'pg-index');
  if (index) {
    const table = index.parent as PgTableNode;
    return { kind: 'index', profile: table.profile, database: table.database, schema: index.index.schema, table: index.index.table, index: index.index.name, node: index };
  }
  const table = nodeOfKind<PgTableNode>(node, 'pg-table');
  if (table) return { kind: 'table', profile: table.profile, database: table.database, schema: table.table.schema, table: table.table.name, node: table };
  const schema = nodeOfKind<PgSchemaNode>(node, 'pg-schema');
  if (schema) {
    const db = schema.databaseNode;
    return { kind: 'schema', profile: db.connection.profile, database: db.database.name, schema: schema.schema.name, node: schema };
  }
  const database = nodeOfKind<PgDatabaseNode>(node, 'pg-database');
  if (database) return { kind: 'database', profile: database.connection.profile, database: database.database.name, node: database };
  const connection = nodeOfKind<PgConnectionNode>(node, 'pg-connection');
  if (connection) return { kind: 'connection', profile: connection.profile, database: connection.profile.database ?? 'postgres', node: connection };
  return undefined;
}


/** The target from the invoking node if it is one of `kinds`, else asked for in the palette. */
export async function resolveTarget(node: unknown, kinds: PgTargetKind[], profiles: ProfileStore, connections: ConnectionService): Promise<PgTarget> {
  const fromNode = targetFromNode(node);
  if (fromNode && kinds.includes(fromNode.kind)) return fromNode;
  if (fromNode) throw new UserFacingError(`This action works on a ${kinds.join(' or ')}, not a ${fromNode.kind}.`);

  const pgs = profiles.byEngine('postgres');
  const profile = await pick(pgs.map((s) => ({ label: s.profile.name, description: s.profile.readOnly ? 'read-only' : s.profile.production ? 'production' : '', value: s.profile })), 'Which PostgreSQL connection?');
  const conn = await connections.postgres(profile);
  if (kinds.includes('connection') && kinds.length === 1) return { kind: 'connection', profile, database: profile.database ?? 'postgres' };
  const database = await pick((await listDatabases(conn)).filter((d) => d.allowConnections).map((d) => ({ label: d.name, value: d.name })), 'Which database?');
  const wantDeeper = kinds.some((k) => k === 'schema' || k === 'table' || k === 'index');
  if (kinds.includes('database') && !wantDeeper) return { kind: 'database', profile, database };
  const schema = await pick((await listSchemas(conn, database)).map((s) => ({ label: s.name, description: `${s.tableCount} tables`, value: s.name })), 'Which schema?');
  if (kinds.includes('schema') && !kinds.includes('table') && !kinds.includes('index')) return { kind: 'schema', profile, database, schema };
  const tables = await listTables(conn, database, schema, { limit: 5000 });
  const table = await pick(tables.items.map((t) => ({ label: t.name, value: t.name })), 'Which table?');
  if (!kinds.includes('index')) return { kind: 'table', profile, database, schema, table };
  const index = await pick((await listIndexes(conn, database, schema, table)).map((i) => ({ label: i.name, description: i.definition, value: i.name })), 'Which index?');
  return { kind: 'index', profile, database, schema, table, index };
}
