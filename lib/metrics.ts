/**
 * Task metrics as CloudWatch metrics through Embedded Metric Format (EMF): one JSON line on
 * stdout per event, which CloudWatch Logs turns into metrics — no API call, no extra latency
 * (AWS: "Specification: Embedded metric format"). Lines are built by Powertools for AWS
 * Lambda's Metrics (its validation, units and EMF schema), printed here one event at a time.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Outcome } from './store.js';
import type { Task, TaskStatus } from './task.js';
import { traceFields } from './trace.js';

/** The metric names, per job (dimension `job`, with Powertools' `service`: `skytask`). */
export const METRIC = {
  started: 'TasksStarted',
  succeeded: 'TasksSucceeded',
  failed: 'TasksFailed',
  retried: 'TasksRetried',
  revoked: 'TasksRevoked',
  /** Milliseconds an attempt ran, claim to finish. */
  runDuration: 'RunDuration',
  /** Milliseconds from when a task was due (queued, or its `eta`) to its attempt's start. */
  queueWait: 'QueueWait',
} as const;

/** The `service` dimension every metric has. */
export const METRICS_SERVICE = 'skytask';

const ENDED: Partial<Record<TaskStatus, string>> = {
  SUCCESS: METRIC.succeeded,
  FAILURE: METRIC.failed,
  RETRY: METRIC.retried,
  REVOKED: METRIC.revoked,
};

/** Where the task operations report what happens to tasks (`TaskDeps.metrics`). */
export interface TaskMetrics {
  /**
   * An attempt started (claimed): `TasksStarted`, and `QueueWait` from when it was due.
   * `run` is the run's traceparent (its own span: lib/trace.ts childTraceparent).
   */
  started(task: Task, run?: string): void;
  /**
   * A task or an attempt ended, as recorded: `TasksSucceeded`, `TasksFailed`, `TasksRetried`
   * or `TasksRevoked`; with the attempt's `outcome`, its `RunDuration` too, and `run`, the
   * run's traceparent, when a run ended it.
   */
  ended(task: Task, outcome?: Outcome, run?: string): void;
}

export interface TaskMetricsOptions {
  /** The CloudWatch namespace (`SKYTASK_METRICS_NAMESPACE`): ASCII letters, digits, `. - _ / # :`, at most 255, not `AWS/…`. */
  namespace: string;
  /** Where each EMF line goes. @default a line on stdout (on Lambda: the function's log) */
  write?: (line: string) => void;
}

const ms = (seconds: number) => Math.max(0, Math.round(seconds * 1000));

/**
 * The trace properties of a metric line: the task's `trace_id`, and `span_id` only for a run's
 * own span — as the run's log lines carry it; an end without a run (a revoke over RPC, the
 * reconciler) is no span of the enqueue's caller, so it carries the trace id alone.
 */
function traceProperties(task: Task, run: string | undefined) {
  if (run) return traceFields(run);
  const { trace_id } = traceFields(task.traceparent);
  return trace_id ? { trace_id } : {};
}

/**
 * Task metrics written as EMF lines, one per event, each with the task's `job` dimension and,
 * as properties (searchable in Logs Insights, no metric of their own), its `task_id` and the
 * trace it belongs to (`trace_id`; `span_id`, the run's span, for a run's start and end:
 * lib/trace.ts).
 * @example
 * const metrics = createTaskMetrics({ namespace: 'skytask/orders' });
 * metrics.started(task); // {"_aws":{…"Metrics":[{"Name":"TasksStarted","Unit":"Count"},…]},"service":"skytask","job":"addition","TasksStarted":1,…}
 */
export function createTaskMetrics(options: TaskMetricsOptions): TaskMetrics {
  const metrics = new Metrics({ namespace: options.namespace, serviceName: METRICS_SERVICE });
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  /** One EMF line for `task`: the metrics `add` stores, its dimension and properties. */
  const emit = (task: Task, run: string | undefined, add: (m: Metrics) => void) => {
    metrics.addDimension('job', task.name);
    add(metrics);
    metrics.addMetadata('task_id', task.id);
    for (const [key, value] of Object.entries(traceProperties(task, run))) metrics.addMetadata(key, value);
    try {
      write(JSON.stringify(metrics.serializeMetrics()));
    } finally {
      metrics.clearMetrics();
      metrics.clearDimensions();
      metrics.clearMetadata();
    }
  };
  return {
    started: (task, run) =>
      emit(task, run, (m) => {
        m.addMetric(METRIC.started, MetricUnit.Count, 1);
        const due = task.eta ?? task.timeQueued;
        if (task.timeStarted !== undefined)
          m.addMetric(METRIC.queueWait, MetricUnit.Milliseconds, ms(task.timeStarted - due));
      }),
    ended(task, outcome, run) {
      const name = ENDED[task.status];
      if (!name) return;
      emit(task, run, (m) => {
        m.addMetric(name, MetricUnit.Count, 1);
        if (outcome && task.timeStarted !== undefined)
          m.addMetric(METRIC.runDuration, MetricUnit.Milliseconds, ms(outcome.time - task.timeStarted));
      });
    },
  };
}
