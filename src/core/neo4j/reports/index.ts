/**
 * Neo4j's reports as the panel host runs them (the `neo4j-reports` chunk), on
 * the session's driver for the report's database. Each read is short, so an
 * abort is honoured between them: the run rejects as soon as the signal fires
 * and its remaining reads are not started.
 */
import type * as Neo4j from 'neo4j-driver';
import type { ReportRequest } from '../../engine';
import { Cancelled } from '../../errors';
import type { Neo4jSession } from '../connection';
import { buildSchemaReport, collectSchemaData, type Neo4jReport } from './schema';

export { buildSchemaReport } from './schema';

/** A driver whose sessions refuse to start once `signal` has aborted (the reads in flight finish; they are short). */
function abortableDriver(driver: Neo4j.Driver, signal: AbortSignal): Neo4j.Driver {
  return new Proxy(driver, {
    get(target, prop, receiver) {
      if (prop === 'session') {
        return (...args: Parameters<Neo4j.Driver['session']>) => {
          if (signal.aborted) throw new Cancelled('Report cancelled.');
          return target.session(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function runNeo4jReport(kind: string, req: ReportRequest): Promise<Neo4jReport> {
  if (kind !== 'neo4j-schema') throw new Error(`Neo4j has no "${kind}" report.`);
  if (req.signal.aborted) throw new Cancelled('Report cancelled.');
  const driver = abortableDriver((req.session as Neo4jSession).driver, req.signal);
  const startedAt = Date.now();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = (): void => reject(new Cancelled('Report cancelled.'));
    req.signal.addEventListener('abort', onAbort);
  });
  try {
    const data = await Promise.race([collectSchemaData(driver, req.database), aborted]);
    return buildSchemaReport(data, { connectionName: req.profile.name, database: req.database, startedAt });
  } finally {
    if (onAbort) req.signal.removeEventListener('abort', onAbort);
  }
}
