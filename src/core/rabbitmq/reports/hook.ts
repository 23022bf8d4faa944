/**
 * RabbitMQ's reports as the shared panel host sees them: the kinds (data) and
 * a function that loads the report code (the `rabbitmq-reports` chunk) at first use.
 */
import type { EngineReports } from '../../engine';

export const rabbitmqReports: EngineReports = {
  kinds: [{ id: 'health', title: 'Health', longTitle: 'RabbitMQ health' }],
  async build(kind, req) {
    return (await import('./index')).runRabbitReport(kind, req);
  },
};
