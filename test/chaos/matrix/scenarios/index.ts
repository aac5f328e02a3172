import type { Scenario } from '../types.js';
import { pauseWithRestarts } from './deliveryLimit.js';
import { failurePathFails } from './failurePath.js';
import { reusedJobIds } from './ledgerReset.js';
import { brokerLostTwoJobs } from './lostMessages.js';
import { pgOutageConsumer, pgOutageProducer, rabbitOutageConsumer, rabbitOutageProducer } from './outages.js';
import { redisFlushDuringPlanning, redisStallDuringPlanning } from './planning.js';
import { rollbackOrder, stalledConsumerAcrossCancelRollback } from './rollback.js';
import { overLargeRange } from './rangeSize.js';

/** Every scenario of the fault matrix, in the order the full matrix runs them. */
export const SCENARIOS: Scenario[] = [
  redisFlushDuringPlanning,
  redisStallDuringPlanning,
  rollbackOrder,
  stalledConsumerAcrossCancelRollback,
  pgOutageProducer,
  pgOutageConsumer,
  rabbitOutageProducer,
  rabbitOutageConsumer,
  reusedJobIds,
  failurePathFails,
  pauseWithRestarts,
  brokerLostTwoJobs,
  overLargeRange,
];
