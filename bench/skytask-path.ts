/**
 * skytask's own path, as the floor's counterpart: producers call `queueTasks` with ten tasks
 * at a time (records, then one SendMessageBatch), and the local poller hands batches to the
 * Lambda consumer handler (`functions/consumer.ts`: claim, the job, fenced finish), then
 * deletes the handled messages in batches.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createConsumerHandler } from '../functions/consumer-handler.js';
import type { Runtime } from '../lib/runtime.js';
import type { Task } from '../lib/task.js';
import { startPoller } from '../local/poller.js';
import { diffCalls, type LoadOptions } from './floor.js';
import { kwargsOfSize, type PhaseResult, until } from './phase.js';

export interface SkytaskSetup {
  runtime: Runtime;
  queueArn: string;
  calls: () => Map<string, number>;
}

/** Queue `tasks` no-op tasks ten at a time from `producers` loops; the ids queued. */
async function produce(runtime: Runtime, o: LoadOptions): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: o.producers }, async () => {
      while (next < o.tasks) {
        const batch = Array.from({ length: Math.min(10, o.tasks - next) }, () => next++);
        const results = await runtime.backend.queueTasks(
          batch.map((i) => ({ job: 'noop', kwargs: kwargsOfSize(i, o.kwargsBytes) })),
        );
        for (const r of results) {
          if (!r.ok || !r.task) throw new Error(`bench: a task was not queued: ${r.ok ? 'held back' : r.error}`);
          ids.push(r.task.id);
        }
      }
    }),
  );
  return ids;
}

/** The tasks by id, 100 a read. */
export async function readTasks(runtime: Runtime, ids: string[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    tasks.push(...(await runtime.backend.getTasks({ ids: ids.slice(i, i + 100), limit: 100 })).tasks);
  }
  return tasks;
}

/** One skytask phase: `tasks` tasks through `queueTasks`, the poller and the consumer handler at once. */
export async function runSkytask(s: SkytaskSetup, o: LoadOptions): Promise<PhaseResult> {
  const inner = createConsumerHandler(s.runtime.consumer);
  let handled = 0;
  const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse | undefined> => {
    const response = await inner(event, context);
    handled += event.Records.length - (response?.batchItemFailures?.length ?? 0);
    return response;
  };
  const before = s.calls();
  const t0 = performance.now();
  const poller = startPoller({
    queue: s.runtime.queue,
    handler,
    concurrency: o.concurrency,
    logger: s.runtime.logger,
    queueArn: s.queueArn,
    waitSeconds: 1,
  });
  const ids = await produce(s.runtime, o);
  await until(() => handled >= o.tasks);
  const seconds = (performance.now() - t0) / 1000;
  const calls = diffCalls(s.calls(), before);
  await poller.stop();
  const tasks = await readTasks(s.runtime, ids);
  const unfinished = tasks.filter((t) => t.status !== 'SUCCESS').length;
  if (tasks.length !== o.tasks || unfinished)
    throw new Error(`bench: ${unfinished} of ${o.tasks} tasks did not succeed`);
  const latenciesMs = tasks.map((t) => (t.timeEnded! - t.timeQueued) * 1000).sort((a, b) => a - b);
  return { label: 'skytask', tasks: o.tasks, seconds, latenciesMs, calls };
}
