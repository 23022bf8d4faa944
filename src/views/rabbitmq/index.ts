/** RabbitMQ's tree: connection → overview, nodes, virtual hosts (queues, exchanges), connections, channels, policies, users. */
import type { EngineViews } from '../registry';
import { RabbitConnectionNode } from './nodes';

export const rabbitmqViews: EngineViews = {
  connectionNode: (profile, scope, ctx) => new RabbitConnectionNode(profile, scope, ctx),
};
