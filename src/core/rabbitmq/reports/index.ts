/**
 * RabbitMQ's reports as the panel host runs them (the `rabbitmq-reports`
 * chunk). Every read is one API request that the report's AbortSignal
 * cancels, so Cancel stops exactly the report's work.
 */
import type { Report } from '../../reports/model';
import type { ReportRequest } from '../../engine';
import type { RabbitSession } from '../connection';
import type { RabbitOp } from '../operation';
import { buildRabbitHealthReport, thresholdsFrom } from './health';

export { buildRabbitHealthReport } from './health';

export async function runRabbitReport(kind: string, req: ReportRequest): Promise<Report<RabbitOp>> {
  if (kind !== 'health') throw new Error(`RabbitMQ has no "${kind}" report.`);
  const session = req.session as RabbitSession;
  return buildRabbitHealthReport({ api: session.api, connectionName: req.profile.name, signal: req.signal, thresholds: thresholdsFrom(req.settings) });
}
