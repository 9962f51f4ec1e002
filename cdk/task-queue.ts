import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CfnOutput } from 'aws-cdk-lib';
import type { HttpApi, HttpRoute, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus, IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import type { IGrantable, Grant, Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { CfnSchedule, CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { createPayloadBucket } from './payload-bucket.js';
import { Construct } from 'constructs';
import { createAlarmTopic, createAlarms, createDeadLetterAlarm, type TaskQueueAlarms } from './alarms.js';
import { createConsumerFunction } from './consumer-function.js';
import { checkJobs, resolveProps } from './resolve-props.js';
import { createRpcApi, createRpcFunction } from './rpc-api.js';
import { baseEnvironment, type TaskQueueCore } from './task-queue-core.js';
import type { TaskQueueProps } from './task-queue-props.js';
import { createTaskQueues } from './task-queues.js';
import { jobsOf } from './schedules.js';
import {
  createRoutedQueues,
  queuesEnvironment,
  type RoutedQueueResources,
  routedQueueSettings,
} from './routed-queues.js';
import { SETTINGS } from '../lib/settings.js';
import { createRecurringSchedules, createTimer, periodicSchedulesOf } from './task-schedules.js';
import { createEventBus, grantPutEvents, type TaskEventFilter, taskEventRule } from './task-events.js';
import { createTaskTable } from './task-table.js';
import { createTaskDashboard, metricsNamespaceOf } from './task-dashboard.js';

export type { TaskQueueJwtOptions, TaskQueueProps } from './task-queue-props.js';

/**
 * skytask on AWS: the task table, the payload bucket, the task queue and its dead-letter queue, the consumer
 * function, the JSON-RPC function behind an authorized HTTP API, one EventBridge
 * Scheduler schedule per periodic job (invoking the scheduler function), the reconciler
 * on a schedule, the timer for tasks due beyond SQS's 15 minutes (a schedule group and
 * the role its one-time schedules send to the queue as), alarms, task metrics (EMF) and a
 * CloudWatch dashboard.
 *
 * @example
 * new TaskQueue(this, 'Tasks', { jobs: 'src/jobs.ts' });
 */
export class TaskQueue extends Construct {
  public readonly table: Table;
  /** Kwargs and results over a task item's budget (docs/payloads.md). */
  public readonly payloadBucket: Bucket;
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly consumer: NodejsFunction;
  /**
   * Every routed queue (docs/routing.md), the default queue first: its settings, its lanes
   * (one SQS queue per priority), its dead-letter queue with its alarm, and its consumer function.
   * The default queue's default lane, dead-letter queue, alarm and consumer are `queue`,
   * `deadLetterQueue`, `alarms.deadLetters`, `consumer`.
   */
  public readonly routes: readonly (RoutedQueueResources & {
    readonly consumer: NodejsFunction;
    readonly deadLetterAlarm: Alarm;
  })[];
  public readonly rpcFunction: NodejsFunction;
  /** Fires the periodic jobs; absent when the jobs module has none. */
  public readonly schedulerFunction?: NodejsFunction;
  public readonly reconciler: NodejsFunction;
  /** The group of the recurring schedules: the periodic jobs' and the reconciler's. */
  public readonly scheduleGroup: CfnScheduleGroup;
  /** One schedule per periodic job, by job name. */
  public readonly periodicSchedules: Record<string, CfnSchedule>;
  public readonly reconcileSchedule: CfnSchedule;
  /**
   * Where the recurring schedules put a run they could not invoke, and where the
   * scheduler and reconciler functions put a run that failed: `{ "job", "time" }` fires
   * (safe to replay: a fire is idempotent per slot) and reconciler runs.
   */
  public readonly scheduleDeadLetterQueue: Queue;
  /** The timer: the group of the one-time `at()` schedules, and the role they send to the queue as. */
  public readonly timer: { group: CfnScheduleGroup; role: Role };
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  /** `POST /rpc`: every JSON-RPC method. */
  public readonly rpcRoute: HttpRoute;
  /** `POST /rpc/read`: the read methods only (`grantRead`). */
  public readonly readRoute: HttpRoute;
  public readonly accessLogs: LogGroup;
  public readonly alarmTopic: ITopic;
  public readonly alarms: TaskQueueAlarms;
  /** The absolute path of the jobs module bundled into the functions. */
  public readonly jobsPath: string;
  /** `https://…/rpc` */
  public readonly rpcUrl: string;
  /** `https://…/rpc/read`: the read-only route. */
  public readonly readUrl: string;
  /** Where task events go (the `events` prop); absent without it. */
  public readonly eventBus?: IEventBus;
  /** What every skytask function needs: table, queue URL, task retention, the metrics' namespace. */
  public readonly environment: Record<string, string>;
  /** The task metrics' CloudWatch namespace; absent with `metrics: false`. */
  public readonly metricsNamespace?: string;
  /** The CloudWatch dashboard; absent with `dashboard: false`. */
  public readonly dashboard?: Dashboard;

  /**
   * The steps, in the order the resources were always created (the template does not
   * depend on it, but a diff of two synths reads better): table, queues, timer, consumer,
   * RPC function, recurring schedules, API, alarms, outputs.
   */
  constructor(scope: Construct, id: string, props: TaskQueueProps) {
    super(scope, id);
    const p = resolveProps(props);
    this.jobsPath = existingJobsPath(p.jobs);
    const jobs = jobsOf(this.jobsPath);
    const settings = routedQueueSettings(p, jobs.queues());
    checkJobs(jobs.all(), settings);
    const periodic = periodicSchedulesOf(jobs);

    this.table = createTaskTable(this, p.removalPolicy);
    const queues = createTaskQueues(this, p);
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.scheduleDeadLetterQueue = queues.scheduleDeadLetterQueue;
    this.timer = createTimer(this, this.queue, this.deadLetterQueue);
    this.payloadBucket = createPayloadBucket(this, p);
    const routes = createRoutedQueues(this, p, settings, queues);
    this.metricsNamespace = p.metrics ? metricsNamespaceOf(this) : undefined;
    this.environment = {
      ...baseEnvironment(this.table, queues, p),
      [SETTINGS.queues.env]: queuesEnvironment(this, routes),
      // Every function that ends tasks counts them: the consumer, revokes over RPC, the reconciler.
      ...(this.metricsNamespace ? { [SETTINGS.metricsNamespace.env]: this.metricsNamespace } : {}),
    };
    this.eventBus = createEventBus(this, p.events, this.environment);
    const core: TaskQueueCore = {
      ...queues,
      routes,
      props: p,
      jobsPath: this.jobsPath,
      table: this.table,
      payloadBucket: this.payloadBucket,
      environment: this.environment,
    };

    this.consumer = createConsumerFunction(this, core);
    const consumers = routes.map((route, n) =>
      n === 0 ? this.consumer : createConsumerFunction(homeOf(route), core, route),
    );
    this.rpcFunction = createRpcFunction(this, core, this.timer);
    const recurring = createRecurringSchedules(this, core, periodic);
    this.scheduleGroup = recurring.scheduleGroup;
    this.schedulerFunction = recurring.schedulerFunction;
    this.periodicSchedules = recurring.periodicSchedules;
    this.reconciler = recurring.reconciler;
    this.reconcileSchedule = recurring.reconcileSchedule;
    // Every consumer (each routed queue has its own), and the functions that end tasks otherwise.
    grantPutEvents(this.eventBus, [...consumers, this.rpcFunction, this.schedulerFunction, this.reconciler]);

    const api = createRpcApi(this, p, this.rpcFunction);
    this.accessLogs = api.accessLogs;
    this.api = api.api;
    this.stage = api.stage;
    this.rpcRoute = api.rpcRoute;
    this.readRoute = api.readRoute;
    this.rpcUrl = api.rpcUrl;
    this.readUrl = api.readUrl;

    const watched = createMonitoring(this, core, this.consumer, this.metricsNamespace);
    this.alarmTopic = watched.alarmTopic;
    this.alarms = watched.alarms;
    this.dashboard = watched.dashboard;
    this.routes = routes.map((route, n) => ({
      ...route,
      consumer: consumers[n],
      deadLetterAlarm: watched.deadLetterAlarms[n],
    }));
    this.createOutputs();
  }

  /**
   * Allow a principal every JSON-RPC method: execute-api:Invoke on `POST /rpc`, and on
   * `POST /rpc/read`. IAM authorization only: with a JWT authorizer, tokens decide.
   */
  public grantInvoke(grantee: IGrantable): Grant {
    return this.rpcRoute.grantInvoke(grantee).combine(this.readRoute.grantInvoke(grantee));
  }

  /**
   * Allow a principal the read methods only (`ping`, `job_list`, `next_scheduled_tasks`,
   * `get_task`, `get_tasks`, `wait_for_task`, `num_tasks`, `queue_stats`, `list_dead_letters`):
   * execute-api:Invoke on `POST /rpc/read`, whose calls of any other method are refused
   * (-32601). IAM authorization only: with a JWT authorizer, `jwt.readScopes` decide.
   */
  public grantRead(grantee: IGrantable): Grant {
    return this.readRoute.grantInvoke(grantee);
  }

  /**
   * Send task events to targets (aws-cdk-lib/aws-events-targets: a Lambda function, an SQS
   * queue, a Step Functions state machine, …) with a rule on the construct's bus: the kinds
   * and jobs `filter` names, all of them when it names none. Throws without the `events`
   * prop. Targets get each event at least once: deduplicate by `detail.event_id`
   * (docs/events.md).
   *
   * @example tasks.onTaskEvent('Failures', { kinds: ['failed', 'deadLettered'] }, new SqsQueue(failures));
   */
  public onTaskEvent(id: string, filter: TaskEventFilter, ...targets: IRuleTarget[]): Rule {
    return taskEventRule(this, id, this.eventBus, filter, targets);
  }

  private createOutputs(): void {
    new CfnOutput(this, 'RpcUrl', { value: this.rpcUrl, description: 'JSON-RPC endpoint (POST)' });
    new CfnOutput(this, 'RpcReadUrl', {
      value: this.readUrl,
      description: 'JSON-RPC endpoint, read methods only (POST)',
    });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl, description: 'Task queue' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'Task table' });
  }
}

/** A routed queue's own resources live in its scope (`Queue-<name>`), its dead-letter queue's. */
const homeOf = (route: RoutedQueueResources) => route.deadLetterQueue.node.scope as Construct;

/**
 * The alarm topic (the props', or a new one), the alarms, one more on each routed queue's
 * dead-letter queue (`deadLetterAlarms`, in the order of `core.routes`: the default queue's is
 * `alarms.deadLetters`), and the CloudWatch dashboard unless `dashboard: false`.
 */
function createMonitoring(scope: Construct, core: TaskQueueCore, consumer: NodejsFunction, namespace?: string) {
  const p = core.props;
  const alarmTopic = p.alarmTopic ?? createAlarmTopic(scope);
  const action = new SnsAction(alarmTopic);
  const { oldestMessageAgeThreshold } = p;
  const alarms = createAlarms(scope, { action, queues: core, consumer, oldestMessageAgeThreshold });
  const deadLetterAlarms = core.routes.map((route, n) =>
    n === 0
      ? alarms.deadLetters
      : createDeadLetterAlarm(homeOf(route), action, route.deadLetterQueue, route.settings.name),
  );
  const routedDeadLetters = core.routes
    .slice(1)
    .map((r, n) => ({ queue: r.settings.name, alarm: deadLetterAlarms[n + 1] }));
  const dashboard = p.dashboard ? createTaskDashboard(scope, { namespace, alarms, routedDeadLetters }) : undefined;
  return { alarmTopic, alarms, deadLetterAlarms, dashboard };
}

/** The jobs module's absolute path; a missing module fails the synth before any resource. */
function existingJobsPath(jobs: string): string {
  const path = resolve(jobs);
  if (!existsSync(path)) throw new Error(`TaskQueue: the jobs module "${path}" does not exist`);
  return path;
}
