import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  AlarmWidget,
  Dashboard,
  GraphWidget,
  type IWidget,
  MathExpression,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { METRIC, METRICS_SERVICE } from '../lib/metrics.js';
import type { TaskQueueAlarms } from './alarms.js';

/**
 * The task metrics' CloudWatch namespace for a TaskQueue: `skytask/` and the construct's
 * path (`skytask/MyStack/Tasks`), so two queues in one account keep their metrics apart.
 * CloudWatch's rule: 1-255 of `A-Z a-z 0-9 . - _ / # :` (other characters become `-`).
 */
export function metricsNamespaceOf(scope: Construct): string {
  return `skytask/${scope.node.path}`.replace(/[^A-Za-z0-9.\-_/#:]/g, '-').slice(0, 255);
}

/** The alarms' titles on the dashboard. */
const ALARM_TITLES: Record<keyof TaskQueueAlarms, string> = {
  deadLetters: 'Dead letters',
  scheduleDeadLetters: 'Schedule dead letters',
  consumerErrors: 'Consumer errors',
  consumerThrottles: 'Consumer throttles',
  oldestMessage: 'Oldest message age (s)',
};

/**
 * One graph line per job: a CloudWatch SEARCH over the namespace, so jobs added later show
 * without a deploy of the dashboard. `stat`: Sum for counts, a percentile for times.
 */
function perJob(namespace: string, metric: string, stat: string, period: Duration): MathExpression {
  return new MathExpression({
    expression: `SEARCH('{"${namespace}",job,service} MetricName="${metric}" service="${METRICS_SERVICE}"', '${stat}', ${period.toSeconds()})`,
    usingMetrics: {},
    period,
    label: '',
  });
}

/** The rows of the task metrics' graphs, per job. */
function metricRows(namespace: string): IWidget[][] {
  const minute = Duration.minutes(1);
  const counts = (title: string, metric: string): GraphWidget =>
    new GraphWidget({ title, left: [perJob(namespace, metric, 'Sum', minute)], width: 8, height: 6 });
  const times = (title: string, metric: string): GraphWidget =>
    new GraphWidget({
      title,
      left: [perJob(namespace, metric, 'p50', minute), perJob(namespace, metric, 'p99', minute)],
      leftYAxis: { label: 'ms', showUnits: false },
      width: 12,
      height: 6,
    });
  return [
    [
      new TextWidget({
        markdown: `# skytask tasks\nPer job, a minute at a time, in namespace \`${namespace}\` (docs/observability.md).`,
        width: 24,
        height: 2,
      }),
    ],
    [counts('Started', METRIC.started), counts('Succeeded', METRIC.succeeded), counts('Failed', METRIC.failed)],
    [counts('Retried', METRIC.retried), counts('Revoked', METRIC.revoked)],
    [
      times('Run duration (p50, p99)', METRIC.runDuration),
      times('Queue wait: due to start (p50, p99)', METRIC.queueWait),
    ],
  ];
}

/**
 * A CloudWatch dashboard of a TaskQueue: the task metrics per job (lib/metrics.ts) — started,
 * succeeded, failed, retried, revoked a minute, run duration and queue wait (p50, p99) —,
 * when the construct has metrics (`namespace`), and the alarms — the construct's and each
 * routed queue's dead letters (`routedDeadLetters`) —: their states, and each alarm's metric
 * against its threshold.
 */
export function createTaskDashboard(
  scope: Construct,
  options: { namespace?: string; alarms: TaskQueueAlarms; routedDeadLetters?: { queue: string; alarm: Alarm }[] },
): Dashboard {
  const { namespace, alarms, routedDeadLetters = [] } = options;
  const titled = [
    ...Object.entries(alarms).map(([key, alarm]) => ({ title: ALARM_TITLES[key as keyof TaskQueueAlarms], alarm })),
    ...routedDeadLetters.map(({ queue, alarm }) => ({ title: `Dead letters: queue "${queue}"`, alarm })),
  ];
  const alarmRows: IWidget[][] = [
    [new AlarmStatusWidget({ title: 'Alarms', alarms: titled.map((t) => t.alarm), width: 24, height: 3 })],
    titled.map(({ title, alarm }) => new AlarmWidget({ title, alarm, width: 8, height: 5 })),
  ];
  const dashboard = new Dashboard(scope, 'Dashboard', { defaultInterval: Duration.hours(3) });
  for (const row of [...(namespace ? metricRows(namespace) : []), ...alarmRows]) dashboard.addWidgets(...row);
  return dashboard;
}
