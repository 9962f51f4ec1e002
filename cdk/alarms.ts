import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { TaskQueues } from './task-queues.js';

/** The alarms of a TaskQueue, each on a one-minute period, missing data not breaching. */
export interface TaskQueueAlarms {
  readonly deadLetters: Alarm;
  readonly scheduleDeadLetters: Alarm;
  readonly consumerErrors: Alarm;
  readonly consumerThrottles: Alarm;
  readonly oldestMessage: Alarm;
}

/**
 * Not encrypted: CloudWatch alarms cannot publish to a topic under the AWS managed key
 * (aws/sns), and the messages carry alarm names and states, no task data. Pass
 * `alarmTopic` for a topic under a customer managed key that allows cloudwatch.amazonaws.com.
 */
export function createAlarmTopic(scope: Construct): Topic {
  return new Topic(scope, 'AlarmTopic', { displayName: 'skytask alarms', enforceSSL: true });
}

const period = Duration.minutes(1);

/** An alarm in `scope` when `metric` passes `threshold` (default 0) in one period, sent to `action`. */
function newAlarm(
  scope: Construct,
  action: IAlarmAction,
  alarm: { id: string; description: string; metric: Alarm['metric']; threshold?: number },
): Alarm {
  const created = new Alarm(scope, alarm.id, {
    alarmDescription: alarm.description,
    metric: alarm.metric,
    threshold: alarm.threshold ?? 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  created.addAlarmAction(action);
  return created;
}

/**
 * The alarm on a dead-letter queue holding a message, `DeadLetterAlarm` in `scope`: the
 * default queue's, and each routed queue's (`queue`: its name, docs/routing.md).
 */
export function createDeadLetterAlarm(
  scope: Construct,
  action: IAlarmAction,
  deadLetterQueue: IQueue,
  queue?: string,
): Alarm {
  const which = queue ? `the dead-letter queue of routed queue "${queue}"` : 'the dead-letter queue';
  return newAlarm(scope, action, {
    id: 'DeadLetterAlarm',
    description: `skytask: messages in ${which} (tasks that failed to be delivered maxReceiveCount times)`,
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
  });
}

/** Dead letters (tasks and schedules), consumer errors and throttles, and the age of the oldest message. */
export function createAlarms(
  scope: Construct,
  options: { action: IAlarmAction; queues: TaskQueues; consumer: IFunction; oldestMessageAgeThreshold: Duration },
): TaskQueueAlarms {
  const { queues, consumer, oldestMessageAgeThreshold } = options;
  const alarm = (id: string, description: string, metric: Alarm['metric'], threshold = 0) =>
    newAlarm(scope, options.action, { id, description, metric, threshold });
  return {
    deadLetters: createDeadLetterAlarm(scope, options.action, queues.deadLetterQueue),
    scheduleDeadLetters: alarm(
      'ScheduleDeadLetterAlarm',
      "skytask: a periodic job's fire or a reconciler run failed (messages in the schedule dead-letter queue)",
      queues.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
    ),
    consumerErrors: alarm(
      'ConsumerErrorsAlarm',
      'skytask: the consumer function failed (a job failure is a FAILURE task, not a function error)',
      consumer.metricErrors({ period, statistic: 'Sum' }),
    ),
    consumerThrottles: alarm(
      'ConsumerThrottlesAlarm',
      'skytask: the consumer function was throttled',
      consumer.metricThrottles({ period, statistic: 'Sum' }),
    ),
    oldestMessage: alarm(
      'OldestMessageAlarm',
      `skytask: a task message has waited over ${oldestMessageAgeThreshold.toHumanString()}`,
      queues.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      oldestMessageAgeThreshold.toSeconds(),
    ),
  };
}
