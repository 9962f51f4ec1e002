import { createConsumerHandler } from '../functions/consumer-handler.js';
import type { JobRegistry, Runtime, SkytaskConfig } from '../lib/index.js';
import { createConsumer } from '../lib/consumer/consumer.js';
import { DEFAULT_QUEUE, type JobQueue } from '../lib/job-queue.js';
import { isRoutedQueue } from '../lib/routed-queue.js';
import { envNumber, SETTINGS } from '../lib/settings.js';
import { type Poller, startPoller } from './poller.js';

/** The ARN the local records carry for an SQS queue name (the emulator's account and region). */
const localArn = (sqsName: string) => `arn:aws:sqs:us-east-1:000000000000:${sqsName}`;

/**
 * What the event source mappings do on AWS, locally: one poller per routed queue (docs/routing.md),
 * over its lanes, with its own consumer — the queue's `concurrency` (locally also its messages
 * in flight) and `timeout` (what each batch may run) — or the default queue's settings
 * (SKYTASK_CONCURRENCY, SKYTASK_CONSUMER_TIMEOUT). Without routed queues, one poller over the
 * one queue. Returns them as one: in flight, running tasks and stop summed over all.
 */
export function startLanePollers(runtime: Runtime, config: SkytaskConfig, registry: JobRegistry) {
  const { queue, logger } = runtime;
  const defaultTimeout = envNumber(SETTINGS.consumerTimeout);
  const consumers = [runtime.consumer];
  const pollers: Poller[] = [];
  if (!isRoutedQueue(queue)) {
    const handler = createConsumerHandler(runtime.consumer);
    const { concurrency } = config;
    const queueArn = localArn(config.queueUrl.split('/').pop()!);
    pollers.push(startPoller({ queue, queueArn, handler, concurrency, timeoutSeconds: defaultTimeout, logger }));
  } else {
    const settings = new Map<string, JobQueue>(registry.queues().map((q) => [q.name, q]));
    for (const name of new Set(queue.lanes.map((lane) => lane.queue))) {
      const declared = settings.get(name);
      const concurrency = declared?.concurrency ?? config.concurrency;
      const consumer =
        name === DEFAULT_QUEUE
          ? runtime.consumer
          : createConsumer({
              ...runtime,
              concurrency,
              leaseSeconds: config.leaseSeconds,
              maxReceiveCount: config.maxReceiveCount,
            });
      if (consumer !== runtime.consumer) consumers.push(consumer);
      const lanes = queue.lanes
        .filter((lane) => lane.queue === name)
        .map((lane) => ({ priority: lane.priority, queue: lane.port, queueArn: localArn(lane.sqsName) }));
      const timeoutSeconds = declared?.timeout ?? defaultTimeout;
      pollers.push(
        startPoller({ lanes, handler: createConsumerHandler(consumer), concurrency, timeoutSeconds, logger }),
      );
    }
  }
  return {
    inFlight: () => pollers.reduce((sum, p) => sum + p.inFlight(), 0),
    runningTasks: () => consumers.flatMap((c) => c.runningTasks()),
    /** Stop every poller; true if every running batch ended within `graceSeconds`. */
    async stop(graceSeconds?: number): Promise<boolean> {
      const ended = await Promise.all(pollers.map((p) => p.stop(graceSeconds)));
      return ended.every(Boolean);
    },
  };
}
