/** PostgreSQL's OperationExecutor: MaintenanceOps run by runner.ts on the connection's own sessions. */
import { formatBytes } from '../format';
import type { Logger } from '../log';
import type { OperationExecutor, RunCallbacks } from '../operations/operation';
import type { PostgresConnection } from './connection';
import type { MaintenanceOp, OpTarget } from './maintenance';
import { measureTarget } from './measure';
import { runMaintenanceBatch, type BatchOutcome } from './runner';

export function postgresExecutor(conn: PostgresConnection, settings: { lockTimeoutMs: number; concurrentLockTimeoutMs?: number; log?: Logger }): OperationExecutor<MaintenanceOp> {
  return {
    async sizeText(target: OpTarget): Promise<string | undefined> {
      const stats = await measureTarget(conn, target).catch(() => undefined);
      return stats?.sizeBytes != null ? formatBytes(stats.sizeBytes) : undefined;
    },
    run(ops: MaintenanceOp[], cb: RunCallbacks<MaintenanceOp>): Promise<BatchOutcome> {
      return runMaintenanceBatch(conn, ops, {
        signal: cb.signal,
        onStep: cb.onStep,
        onProgress: cb.onProgress,
        lockTimeoutMs: settings.lockTimeoutMs,
        concurrentLockTimeoutMs: settings.concurrentLockTimeoutMs,
        log: settings.log,
      });
    },
  };
}
