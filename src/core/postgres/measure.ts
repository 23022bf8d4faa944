import type { PostgresConnection } from './connection';
import type { OpTarget } from './maintenance';
import { getTable } from './catalog';

/** Size and tuple counts of an operation's target, before and after it runs. */
export interface TargetStats {
  sizeBytes: number | null;
  liveTuples?: number | null;
  deadTuples?: number | null;
}

export async function measureTarget(conn: PostgresConnection, target: OpTarget): Promise<TargetStats | undefined> {
  switch (target.kind) {
    case 'table': {
      const t = await getTable(conn, target.database, target.schema ?? '', target.name ?? '');
      return t ? { sizeBytes: t.totalBytes, liveTuples: t.liveTuples, deadTuples: t.deadTuples } : undefined;
    }
    case 'index': {
      const rows = await conn.query<{ size: string }>(
        target.database,
        `SELECT pg_relation_size(c.oid) AS size FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
        [target.schema, target.name],
      );
      return rows[0] ? { sizeBytes: Number(rows[0].size) } : { sizeBytes: null };
    }
    case 'schema': {
      const rows = await conn.query<{ size: string | null }>(
        target.database,
        `SELECT sum(pg_total_relation_size(c.oid)) AS size FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
        [target.schema],
      );
      return { sizeBytes: rows[0]?.size ? Number(rows[0].size) : 0 };
    }
    case 'database': {
      const rows = await conn.query<{ size: string }>(target.database, 'SELECT pg_database_size(current_database()) AS size');
      return { sizeBytes: rows[0] ? Number(rows[0].size) : null };
    }
    default:
      return undefined;
  }
}
