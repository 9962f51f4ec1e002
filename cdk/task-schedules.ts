/**
 * The schedules of a TaskQueue: the timer (one-time schedules for tasks due beyond SQS's
 * 15 minutes), and the recurring schedules (one per periodic job, invoking the scheduler
 * function, and the reconciler's).
 */
import { acknowledgePayloadWildcards, payloadAccess } from './payload-bucket.js';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { type CfnSchedule, type CfnScheduleGroup, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { INDEX } from '../lib/keys.js';
import { type EventBridgeSchedule, eventBridgeSchedule, schedulerInput } from '../lib/eventbridge-schedule.js';
import type { Job } from '../lib/job.js';
import type { JobRegistry } from '../lib/registry.js';
import { SETTINGS } from '../lib/settings.js';
import { FUNCTIONS } from './defaults.js';
import { indexQueryStatement, queueSendStatements, tableStatement } from './permissions.js';
import { deadLettersStatement, routesStatement } from './routed-queues.js';
import { createFunctionSchedule, createScheduleGroup, createSchedulerRole, invokeStatements } from './schedules.js';
import { FUNCTION_ENTRIES, createTaskFunction } from './task-function.js';
import { sharedFunctionOptions, type TaskQueueCore } from './task-queue-core.js';

/** The timer: the group of the one-time `at()` schedules, and the role they send to the queue as. */
export interface Timer {
  readonly group: CfnScheduleGroup;
  readonly role: Role;
}

/** A periodic job and the EventBridge schedule that fires it. */
export interface PeriodicSchedule {
  readonly job: Job;
  readonly schedule: EventBridgeSchedule;
}

/** The recurring schedules and the functions they invoke. */
export interface RecurringSchedules {
  /** The group of the periodic jobs' schedules and the reconciler's. */
  readonly scheduleGroup: CfnScheduleGroup;
  /** Fires the periodic jobs; absent when there are none. */
  readonly schedulerFunction?: NodejsFunction;
  /** One schedule per periodic job, by job name. */
  readonly periodicSchedules: Record<string, CfnSchedule>;
  readonly reconciler: NodejsFunction;
  readonly reconcileSchedule: CfnSchedule;
}

/**
 * The periodic jobs of the jobs module and their schedules. Called before any resource:
 * a periodic job EventBridge cannot express fails the synth with the periodic issue's
 * message (ScheduleError, naming the job). The schedules hold nothing that depends on
 * when the synth ran (no start date), so a template deploys the same at any later time.
 */
export function periodicSchedulesOf(jobs: JobRegistry): PeriodicSchedule[] {
  return jobs.periodic().map((job) => ({ job, schedule: eventBridgeSchedule(job) }));
}

/**
 * The timer: one-time schedules (lib/aws/eventbridge-timer.ts) send a task's envelope
 * straight to the queue as its role, or to the dead-letter queue what they could not
 * deliver within their retry policy (the envelope is a task message there: the DLQ alarm
 * and `redrive_dead_letters` apply). The group goes with the queue when the stack is
 * deleted: its schedules are deferred messages of that queue.
 */
export function createTimer(scope: Construct, queue: IQueue, deadLetterQueue: IQueue): Timer {
  const group = createScheduleGroup(scope, 'TimerScheduleGroup');
  const role = createSchedulerRole(scope, 'TimerRole', {
    description: 'skytask timer: one-time schedules send due tasks to the task queue, undeliverable ones to the DLQ',
    group,
    statements: [...queueSendStatements(queue), ...queueSendStatements(deadLetterQueue)],
  });
  return { group, role };
}

/**
 * The recurring schedules: periodic jobs and the reconciler. Deleted with the stack:
 * they are configuration, made again by the next deploy.
 */
export function createRecurringSchedules(
  scope: Construct,
  core: TaskQueueCore,
  periodic: PeriodicSchedule[],
): RecurringSchedules {
  const scheduleGroup = createScheduleGroup(scope, 'ScheduleGroup');
  const { schedulerFunction, periodicSchedules } = createPeriodicSchedules(scope, core, scheduleGroup, periodic);
  const { reconciler, reconcileSchedule } = createReconciler(scope, core, scheduleGroup);
  return { scheduleGroup, schedulerFunction, periodicSchedules, reconciler, reconcileSchedule };
}

/** The scheduler function, and one schedule per periodic job invoking it; nothing when there are none. */
function createPeriodicSchedules(
  scope: Construct,
  core: TaskQueueCore,
  group: CfnScheduleGroup,
  periodic: PeriodicSchedule[],
): Pick<RecurringSchedules, 'schedulerFunction' | 'periodicSchedules'> {
  const periodicSchedules: Record<string, CfnSchedule> = {};
  if (!periodic.length) return { periodicSchedules };
  const deadLetterQueue = core.scheduleDeadLetterQueue;
  const fn = createTaskFunction(scope, 'Scheduler', {
    ...sharedFunctionOptions(core),
    entry: FUNCTION_ENTRIES.scheduler,
    description: 'skytask scheduler: EventBridge Scheduler fires the periodic jobs here',
    timeout: FUNCTIONS.scheduler.timeout,
    memorySize: FUNCTIONS.scheduler.memorySize,
    environment: core.environment,
    // A fire queues a task with no delay: no timer.
    statements: [
      // The task record and its non-overlap lock, the schedule entry's run.
      tableStatement(core.table, ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem']),
      routesStatement(core.routes, ['sqs:SendMessage']),
    ],
    // A fire is idempotent per slot: retrying it is safe.
    async: { retryAttempts: FUNCTIONS.scheduler.asyncRetryAttempts, deadLetterQueue },
  }).fn;
  const role = createSchedulerRole(scope, 'PeriodicScheduleRole', {
    description: 'skytask periodic schedules: invoke the scheduler function',
    group,
    statements: invokeStatements(fn, deadLetterQueue),
  });
  for (const { job, schedule } of periodic) {
    periodicSchedules[job.name] = createFunctionSchedule(scope, `Periodic-${job.name}`, {
      group,
      deadLetterQueue,
      role,
      fn,
      schedule,
      input: schedulerInput(job.name),
      description: `skytask periodic job ${job.name}`,
    });
  }
  return { schedulerFunction: fn, periodicSchedules };
}

/** The reconciler function and the schedule that runs it every `reconcileEvery`. */
function createReconciler(
  scope: Construct,
  core: TaskQueueCore,
  group: CfnScheduleGroup,
): Pick<RecurringSchedules, 'reconciler' | 'reconcileSchedule'> {
  const { props: p, scheduleDeadLetterQueue: deadLetterQueue } = core;
  const payloads = payloadAccess(core.payloadBucket, 'reconciler');
  const made = createTaskFunction(scope, 'Reconciler', {
    ...sharedFunctionOptions(core),
    entry: FUNCTION_ENTRIES.reconciler,
    description: 'skytask reconciler: sends again the messages of tasks that have not progressed',
    timeout: FUNCTIONS.reconciler.timeout,
    memorySize: FUNCTIONS.reconciler.memorySize,
    environment: {
      ...core.environment,
      [SETTINGS.reconcileAfter.env]: String(p.reconcileAfter.toSeconds()),
      [SETTINGS.maxResends.env]: String(p.maxResends),
      [SETTINGS.dlqUrl.env]: core.deadLetterQueue.queueUrl,
      ...payloads.environment,
    },
    // No timer: it re-sends a task only once it is past due (eta + reconcileAfter), so
    // never beyond SQS's 15 minutes. (Arming far-future tasks again is the local stack's
    // restart recovery, not this run.)
    statements: [
      // Unfinished tasks: the job names, keys from the job index, items in batches.
      indexQueryStatement(core.table, [INDEX.byJob.name]),
      // markResent, endIdle (which reads the head first), setSendError; releasing the lock
      // of a task it ends; the task of a dead letter (a Query of its items).
      tableStatement(core.table, ['BatchGetItem', 'GetItem', 'Query', 'UpdateItem', 'DeleteItem']),
      routesStatement(core.routes, ['sqs:SendMessage']),
      // The dead-letter sweep: read letters, make them visible again (lib/tasks/dead-letter-sweep.ts).
      deadLettersStatement(core.routes, [
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
      ]),
      // A task it ends has its payload objects tagged to expire.
      ...payloads.statements,
    ],
    async: { retryAttempts: FUNCTIONS.reconciler.asyncRetryAttempts, deadLetterQueue },
  });
  acknowledgePayloadWildcards(made.role, core.payloadBucket, 'reconciler');
  const reconciler = made.fn;
  const reconcileSchedule = createFunctionSchedule(scope, 'ReconcileSchedule', {
    group,
    deadLetterQueue,
    role: createSchedulerRole(scope, 'ReconcileScheduleRole', {
      description: 'skytask reconciler schedule: invoke the reconciler function',
      group,
      statements: invokeStatements(reconciler, deadLetterQueue),
    }),
    fn: reconciler,
    schedule: { expression: ScheduleExpression.rate(p.reconcileEvery).expressionString, timezone: 'UTC' },
    input: {},
    description: 'skytask reconciler',
  });
  return { reconciler, reconcileSchedule };
}
