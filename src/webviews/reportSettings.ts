import * as vscode from 'vscode';
import { DEFAULT_REPORT_THRESHOLDS, type ReportThresholds } from '../core/postgres/reports/model';

/** Report thresholds from settings, falling back to the maintenance guides' defaults. */
export function reportThresholds(): ReportThresholds {
  const r = vscode.workspace.getConfiguration('upkeep.reports');
  const h = vscode.workspace.getConfiguration('upkeep.health');
  const d = DEFAULT_REPORT_THRESHOLDS;
  return {
    bloatPercent: r.get('bloatPercent', d.bloatPercent),
    bloatMinBytes: r.get('bloatMinBytes', d.bloatMinBytes),
    indexBloatReindexPercent: r.get('indexBloatReindexPercent', d.indexBloatReindexPercent),
    unusedIndexMinBytes: r.get('unusedIndexMinBytes', d.unusedIndexMinBytes),
    seqScanMinRows: r.get('seqScanMinRows', d.seqScanMinRows),
    cacheHitMin: r.get('cacheHitMin', d.cacheHitMin),
    longQuerySeconds: r.get('longQuerySeconds', d.longQuerySeconds),
    wraparoundWarnAge: r.get('wraparoundWarnAge', d.wraparoundWarnAge),
    sequenceWarnPercent: r.get('sequenceWarnPercent', d.sequenceWarnPercent),
    replicationLagSeconds: r.get('replicationLagSeconds', d.replicationLagSeconds),
    replicationLagBytes: r.get('replicationLagBytes', d.replicationLagBytes),
    // The tree's dead-tuple settings, so the report and the tree's warnings agree.
    deadTuplePercent: h.get('deadTuplePercent', d.deadTuplePercent),
    minDeadTuples: h.get('minDeadTuples', d.minDeadTuples),
  };
}
