import type { ProgressView } from './maintenance';

export interface OpProgress {
  phase: string;
  /** 0–100, or null when the server gives no total for this phase. */
  percent: number | null;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0);

function ratio(done: unknown, total: unknown): number | null {
  const t = num(total);
  if (!t) return null;
  return Math.max(0, Math.min(100, (100 * num(done)) / t));
}

/** Reads a pg_stat_progress_* row (as JSON) into a phase and a percentage. */
export function readProgress(view: ProgressView, row: Record<string, unknown>): OpProgress {
  const phase = typeof row['phase'] === 'string' ? row['phase'] : 'running';
  switch (view) {
    case 'vacuum':
      // Scanning, then vacuuming the heap; index phases have no block counts.
      if (phase === 'vacuuming heap') return { phase, percent: ratio(row['heap_blks_vacuumed'], row['heap_blks_total']) };
      if (phase === 'scanning heap') return { phase, percent: ratio(row['heap_blks_scanned'], row['heap_blks_total']) };
      return { phase, percent: null };
    case 'analyze':
      return { phase, percent: ratio(row['sample_blks_scanned'], row['sample_blks_total']) };
    case 'cluster':
      return { phase, percent: ratio(row['heap_blks_scanned'], row['heap_blks_total']) };
    case 'create_index':
      return { phase, percent: num(row['blocks_total']) ? ratio(row['blocks_done'], row['blocks_total']) : ratio(row['tuples_done'], row['tuples_total']) };
  }
}

export const PROGRESS_VIEWS: Record<ProgressView, string> = {
  vacuum: 'pg_stat_progress_vacuum',
  analyze: 'pg_stat_progress_analyze',
  cluster: 'pg_stat_progress_cluster',
  create_index: 'pg_stat_progress_create_index',
};
