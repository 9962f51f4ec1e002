/**
 * Routed queues and priorities (docs/routing.md quotes this file; a test checks the quotes).
 * A ten-minute report and a 50 ms webhook, each on a consumer sized for it.
 */
import { defineJob, defineQueue } from 'skytask';

// Declared once; every job that names it shares its queues and its consumer function.
export const reports = defineQueue({
  name: 'reports',
  timeout: 900, // the consumer function's timeout, seconds
  memorySize: 2048,
  batchSize: 1, // one report per invocation
  concurrency: 1,
  maxConcurrency: 5, // at most 5 reports at once (high and default lanes each)
});

export const hooks = defineQueue({ name: 'hooks', timeout: 10, memorySize: 256, batchSize: 10, maxConcurrency: 50 });

export const monthlyReport = defineJob({
  name: 'monthly_report',
  queue: reports,
  timeLimit: 600, // must fit the queue's timeout less 3 s: checked at synth
  run: async (_ctx, { month }: { month: string }) => `report for ${month}`,
});

export const deliverWebhook = defineJob({
  name: 'deliver_webhook',
  queue: 'hooks', // by name: a queue the module declares
  priority: 'high', // its tasks' priority unless queue_task gives one
  run: async (_ctx, { url }: { url: string }) => url,
});
