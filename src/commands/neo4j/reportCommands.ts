/**
 * Neo4j's report command: which connection and database a node means (a
 * database node: its own; the connection node: the profile's database, or
 * "neo4j"), or picked in the palette; the panel, its fixes (run through the
 * shared operation flow) and exports are the shared report host's.
 * Required the first time an `upkeep.neo4j.report*` command runs.
 */
import type * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { Neo4jSession } from '../../core/neo4j/connection';
import { listDatabases } from '../../core/neo4j/schema';
import { UserFacingError } from '../../core/errors';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { nodeOfKind, type UpkeepNode } from '../../views/node';
import type { ReportPanel } from '../../webviews/reportPanel';
import type { ReportPanels } from '../../webviews/reportPanels';
import { EXPORT_FORMATS, type ExportFormat } from '../../webviews/protocol';
import { pick } from '../pick';

export const NEO4J_SCHEMA_REPORT = 'neo4j-schema';
const DEFAULT_DATABASE = 'neo4j';

export interface Neo4jReportTarget {
  profile: ConnectionProfile;
  database: string;
}

/** The connection and database of a tree node (contract: 'neo4j-database' has `profile` and `database.name`), or undefined. */
export function reportTargetOf(node: unknown): Neo4jReportTarget | undefined {
  const db = nodeOfKind<UpkeepNode & { profile: ConnectionProfile; database?: { name?: unknown } }>(node, 'neo4j-database');
  if (db && typeof db.database?.name === 'string') return { profile: db.profile, database: db.database.name };
  const conn = nodeOfKind<UpkeepNode & { profile: ConnectionProfile }>(node, 'neo4j-connection') ?? nodeOfKind<UpkeepNode & { profile: ConnectionProfile }>(node, 'connection');
  if (conn?.profile.engine === 'neo4j') return { profile: conn.profile, database: conn.profile.database || DEFAULT_DATABASE };
  return undefined;
}


export class Neo4jReportCommands {
  constructor(private readonly panels: () => ReportPanels, private readonly connections: ConnectionService, private readonly profiles: ProfileStore) {}

  /** From the node, or asked: which Neo4j connection, then which of its online databases (the system database left out). */
  async target(node?: unknown): Promise<Neo4jReportTarget> {
    if (node !== undefined) {
      const t = reportTargetOf(node);
      if (t) return t;
      throw new UserFacingError('The Neo4j schema report opens on a Neo4j connection or one of its databases.');
    }
    const neo4j = this.profiles.byEngine('neo4j');
    const profile = await pick(neo4j.map((s) => ({ label: s.profile.name, description: s.profile.readOnly ? 'read-only' : s.profile.production ? 'production' : '', value: s.profile })), 'Which Neo4j connection?');
    const session = (await this.connections.session(profile)) as Neo4jSession;
    const dbs = (await listDatabases(session.driver)).filter((d) => d.type !== 'system' && d.status === 'online');
    if (dbs.length === 1 && dbs[0]) return { profile, database: dbs[0].name };
    const database = await pick(dbs.map((d) => ({ label: d.name, description: [d.isDefault ? 'default' : '', d.isHome ? 'home' : ''].filter(Boolean).join(' · '), value: d.name })), 'Which database?');
    return { profile, database };
  }

  async open(node?: unknown): Promise<ReportPanel> {
    const t = await this.target(node);
    return this.panels().show(NEO4J_SCHEMA_REPORT, t.profile.id, t.database);
  }

  /** Computes the report without a panel and saves it (for the palette, and for scripts). */
  async export(node?: unknown, format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const f = format ?? (await pick((Object.keys(EXPORT_FORMATS) as ExportFormat[]).map((x) => ({ label: EXPORT_FORMATS[x].label, value: x })), 'Export as'));
    const t = await this.target(node);
    return this.panels().export(NEO4J_SCHEMA_REPORT, t.profile.id, t.database, f, target);
  }
}
