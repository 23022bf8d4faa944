import type { PostgresConnection } from './connection';
import type { OpTarget } from './maintenance';

/** Size and tuple counts of an operation's target, before and after it runs. */
export interface TargetStats {
  sizeBytes: number | null;
  liveTuples?: number | null;
  deadTuples?: number | null;
}

export async function measureTarget(conn: PostgresConnection, target: OpTarget): Promise<TargetStats | undefined> {
  switch (target.kind) {
    case 'table': {
      const rows = await conn.query<{ size: string; live: string | null; dead: string | null }>(
        target.database,
        `SELECT pg_total_relation_size(c.oid) AS size, s.n_live_tup AS live, s.n_dead_tup AS dead
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
          WHERE n.nspname = $1 AND c.relname = $2`,
        [target.schema, target.name],
      );
      const r = rows[0];
      return r ? { sizeBytes: Number(r.size), liveTuples: r.live === null ? null : Number(r.live), deadTuples: r.dead === null ? null : Number(r.dead) } : undefined;
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
