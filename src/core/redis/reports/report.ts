/** Redis's reports on the shared model: their fixes are RedisOps. */
import type { Report } from '../../reports/model';
import type { RedisOp } from '../operation';

export type RedisReport = Report<RedisOp>;
