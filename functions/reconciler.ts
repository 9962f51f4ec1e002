/**
 * Lambda entry point: the reconciler, run on a schedule (EventBridge Scheduler). Sends
 * again the message of tasks that have not progressed (a producer that died between its
 * two writes, a lost message), with a bound on re-sends per task.
 */
import middy from '@middy/core';
import * as jobs from '#jobs';
import { configFromEnv, createLogger, createRegistry, createRuntime } from '../lib/index.js';

let run: (() => Promise<{ resent: number; failed: number }>) | undefined;
export const handler = middy().handler(async () => {
  if (!run) {
    const config = configFromEnv();
    const { backend, logger } = createRuntime(config, createRegistry(jobs), createLogger());
    // A failed run is logged and thrown: the schedule's retries and dead-letter queue take it.
    run = async () => {
      try {
        return await backend.reconcile({ olderThan: config.reconcileAfter, maxResends: config.maxResends });
      } catch (err) {
        logger.error({ err }, 'reconciler run failed');
        throw err;
      }
    };
  }
  return run();
});
