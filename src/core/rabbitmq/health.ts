/**
 * RabbitMQ's cheap health checks (the module's `health` hook): the alarms
 * check endpoint, and one page of the deepest queues for queues holding
 * messages with no consumer. Two requests; the full picture is the report's.
 */
import type { EngineHealth, HealthCheck, HealthRequest } from '../health/model';
import { formatCount } from '../format';
import type { RabbitSession } from './connection';
import { healthCheck } from './reports/health';
import { queueFlags, readQueues } from './resources';

const report = (profileId: string): HealthCheck['explain'] => ({ title: 'RabbitMQ health report', command: 'upkeep.rabbitmq.report.health', args: [{ connectionId: profileId }] });

export const rabbitHealth: EngineHealth = {
  async check(req: HealthRequest): Promise<HealthCheck[]> {
    const { api } = req.session as RabbitSession;
    const explain = report(req.profile.id);
    const alarms = await healthCheck(api, ['alarms'], req.signal);
    const checks: HealthCheck[] = [
      {
        id: 'alarms',
        title: 'Alarms',
        severity: alarms.status === 'ok' ? 'ok' : alarms.status === 'failed' ? 'critical' : 'unknown',
        reason: alarms.status === 'ok' ? 'no memory or disk alarm in the cluster' : alarms.status === 'failed' ? `alarm in effect, publishers blocked: ${alarms.reason}` : `the alarms check is not available (${alarms.reason})`,
        ...(explain ? { explain } : {}),
      },
    ];
    const page = await readQueues(api, undefined, { page: 1, pageSize: 100, sort: 'messages', sortReverse: true }, req.signal);
    const unconsumed = page.items.filter((q) => queueFlags(q).unconsumed);
    const first = unconsumed[0];
    checks.push({
      id: 'queues-without-consumers',
      title: 'Queues without consumers',
      severity: unconsumed.length ? 'warning' : 'ok',
      reason: first
        ? `${formatCount(unconsumed.length)}${page.pageCount > 1 ? '+' : ''} queue${unconsumed.length === 1 ? '' : 's'} with messages and no consumer (deepest: ${first.name} in vhost ${first.vhost}, ${formatCount(first.messages)} messages)`
        : 'every queue with messages has a consumer',
      ...(explain ? { explain } : {}),
    });
    return checks;
  },
};
