/**
 * Redis's report commands: which connection and database a node means (the
 * connection node: the profile's database; a database node: its own), or
 * picked in the palette; the panels and exports are the shared report host's.
 * Required the first time an `upkeep.redis.report*` command runs.
 */
import type * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import { parseRedisInfo, type RedisSession } from '../../core/redis/connection';
import { parseKeyspace } from '../../core/redis/keyspaceCounts';
import { redisReports } from '../../core/redis/reports/hook';
import { UserFacingError } from '../../core/errors';
import type { ConnectionService } from '../../connections/connectionService';
import type { ProfileStore } from '../../connections/profileStore';
import { nodeOfKind, type UpkeepNode } from '../../views/node';
import type { ReportPanel } from '../../webviews/reportPanel';
import type { ReportPanels } from '../../webviews/reportPanels';
import { EXPORT_FORMATS, type ExportFormat } from '../../webviews/protocol';
import { pick } from '../pick';

export type RedisReportKind = 'memory' | 'health';

/** A node with a Redis profile, and its database when it is a database node (contract: 'redis-db' has `db`). */
interface ProfileNode {
  profile: ConnectionProfile;
  db?: number;
}

export interface RedisReportTarget {
  profile: ConnectionProfile;
  db: number;
}

/** The connection and database of a tree node: a 'redis-db' node, the Redis connection node, or undefined. */
export function reportTargetOf(node: unknown): RedisReportTarget | undefined {
  const db = nodeOfKind<UpkeepNode & ProfileNode>(node, 'redis-db');
  if (db && typeof db.db === 'number') return { profile: db.profile, db: db.db };
  const conn = nodeOfKind<UpkeepNode & ProfileNode>(node, 'redis-connection') ?? nodeOfKind<UpkeepNode & ProfileNode>(node, 'connection');
  if (conn?.profile.engine === 'redis') return { profile: conn.profile, db: conn.profile.database ? Number(conn.profile.database) : 0 };
  return undefined;
}


export class RedisReportCommands {
  constructor(private readonly panels: () => ReportPanels, private readonly connections: ConnectionService, private readonly profiles: ProfileStore) {}

  /** From the node, or asked: which Redis connection, then which database (those with keys, and the profile's own). */
  async target(node?: unknown): Promise<RedisReportTarget> {
    if (node !== undefined) {
      const t = reportTargetOf(node);
      if (t) return t;
      throw new UserFacingError('Redis reports open on a Redis connection or one of its databases.');
    }
    const redis = this.profiles.byEngine('redis');
    const profile = await pick(redis.map((s) => ({ label: s.profile.name, description: s.profile.readOnly ? 'read-only' : s.profile.production ? 'production' : '', value: s.profile })), 'Which Redis connection?');
    const own = profile.database ? Number(profile.database) : 0;
    const session = (await this.connections.session(profile)) as RedisSession;
    const dbs: { db: number; keys: number }[] = parseKeyspace(parseRedisInfo(await session.client.info('keyspace')));
    if (!dbs.some((d) => d.db === own)) dbs.unshift({ db: own, keys: 0 });
    const db = await pick(dbs.sort((a, b) => a.db - b.db).map((d) => ({ label: `db${d.db}`, description: `${d.keys.toLocaleString('en-US')} keys`, value: d.db })), 'Which database?');
    return { profile, db };
  }

  async open(node?: unknown, kind?: RedisReportKind): Promise<ReportPanel> {
    const k = kind ?? (await pick(redisReports.kinds.map((x) => ({ label: x.longTitle, value: x.id as RedisReportKind })), 'Which report?'));
    const t = await this.target(node);
    return this.panels().show(k, t.profile.id, `db${t.db}`);
  }

  /** Computes a report without a panel and saves it (for the palette, and for scripts). */
  async export(node?: unknown, kind?: RedisReportKind, format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const k = kind ?? (await pick(redisReports.kinds.map((x) => ({ label: x.longTitle, value: x.id as RedisReportKind })), 'Which report?'));
    const f = format ?? (await pick((Object.keys(EXPORT_FORMATS) as ExportFormat[]).map((x) => ({ label: EXPORT_FORMATS[x].label, value: x })), 'Export as'));
    const t = await this.target(node);
    return this.panels().export(k, t.profile.id, `db${t.db}`, f, target);
  }
}
