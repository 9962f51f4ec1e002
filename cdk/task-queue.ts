import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CfnOutput, Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  LogGroupLogDestination,
  type HttpRoute,
  type HttpStage,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable, type Grant, type Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { ScheduleExpression, type CfnSchedule, type CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { tableDefinition } from '../lib/dynamo-store.js';
import { eventBridgeSchedule, schedulerInput } from '../lib/eventbridge-schedule.js';
import { INDEX } from '../lib/keys.js';
import { SETTINGS } from '../lib/settings.js';
import { DEFAULTS, FUNCTIONS, LIMITS } from './defaults.js';
import {
  createFunctionSchedule,
  createScheduleGroup,
  createSchedulerRole,
  invokeStatements,
  periodicJobsOf,
  schedulesInGroupArn,
} from './schedules.js';
import { FUNCTION_ENTRIES, createTaskFunction } from './task-function.js';
import { checkProps, type Resolved } from './check-props.js';
import type { TaskQueueProps } from './task-queue-props.js';

export type { TaskQueueJwtOptions, TaskQueueProps } from './task-queue-props.js';

/**
 * skytask on AWS: the task table, the task queue and its dead-letter queue, the consumer
 * function, the JSON-RPC function behind an authorized HTTP API, one EventBridge
 * Scheduler schedule per periodic job (invoking the scheduler function), the reconciler
 * on a schedule, the timer for tasks due beyond SQS's 15 minutes (a schedule group and
 * the role its one-time schedules send to the queue as), and alarms.
 *
 * @example
 * new TaskQueue(this, 'Tasks', { jobs: 'src/jobs.ts' });
 */
export class TaskQueue extends Construct {
  public readonly table: Table;
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly consumer: NodejsFunction;
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
  public readonly rpcRoute: HttpRoute;
  public readonly accessLogs: LogGroup;
  public readonly alarmTopic: ITopic;
  public readonly alarms: {
    deadLetters: Alarm;
    scheduleDeadLetters: Alarm;
    consumerErrors: Alarm;
    consumerThrottles: Alarm;
    oldestMessage: Alarm;
  };
  /** The absolute path of the jobs module bundled into the functions. */
  public readonly jobsPath: string;
  /** `https://…/rpc` */
  public readonly rpcUrl: string;
  /** What every skytask function needs: table, queue URL, task retention. */
  public readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: TaskQueueProps) {
    super(scope, id);
    const p: Resolved = { ...DEFAULTS, ...withoutUndefined(props), jobs: props.jobs };
    const visibilityTimeout =
      p.visibilityTimeout ?? Duration.seconds(p.consumerTimeout.toSeconds() * LIMITS.visibilityTimeoutFactor);
    checkProps(p, visibilityTimeout);
    this.jobsPath = resolve(p.jobs);
    if (!existsSync(this.jobsPath)) throw new Error(`TaskQueue: the jobs module "${this.jobsPath}" does not exist`);
    // Before any resource: a periodic job EventBridge cannot express fails the synth with
    // the periodic issue's message (ScheduleError, naming the job).
    const startAfter = Date.now() / 1000 + p.rateStartMargin.toSeconds();
    const periodic = periodicJobsOf(this.jobsPath).map((job) => ({
      job,
      schedule: eventBridgeSchedule(job, startAfter),
    }));

    this.table = this.createTable(p.removalPolicy);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: p.deadLetterRetentionPeriod,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout,
      retentionPeriod: p.queueRetentionPeriod,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: p.maxReceiveCount },
    });
    // Its own queue, not the task DLQ: its bodies are schedule events, not task messages
    // (redrive_dead_letters would skip them forever), and they are replayed differently.
    this.scheduleDeadLetterQueue = new Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: p.deadLetterRetentionPeriod,
    });

    // The timer: one-time schedules (lib/eventbridge-timer.ts) send a task's envelope
    // straight to the queue as this role. The group goes with the queue when the stack
    // is deleted: its schedules are deferred messages of that queue.
    const timerGroup = createScheduleGroup(this, 'TimerScheduleGroup');
    this.timer = {
      group: timerGroup,
      role: createSchedulerRole(this, 'TimerRole', {
        description: 'skytask timer: one-time schedules send due tasks to the task queue',
        group: timerGroup,
        statements: this.queueSendStatements(),
      }),
    };

    const shared = { jobsPath: this.jobsPath, logRetention: p.logRetention, removalPolicy: p.removalPolicy };
    const environment = (this.environment = {
      [SETTINGS.table.env]: this.table.tableName,
      [SETTINGS.queueUrl.env]: this.queue.queueUrl,
      [SETTINGS.retentionDays.env]: String(p.taskRetentionDays),
    });

    this.consumer = createTaskFunction(this, 'Consumer', {
      ...shared,
      entry: FUNCTION_ENTRIES.consumer,
      description: 'skytask consumer: runs the tasks of the task queue',
      timeout: p.consumerTimeout,
      memorySize: p.consumerMemorySize,
      environment: {
        ...environment,
        [SETTINGS.dlqUrl.env]: this.deadLetterQueue.queueUrl,
        [SETTINGS.concurrency.env]: String(p.concurrency),
        [SETTINGS.leaseSeconds.env]: String(p.consumerTimeout.toSeconds()),
        // The consumer records FAILURE on the last delivery before SQS dead-letters it.
        [SETTINGS.maxReceiveCount.env]: String(p.maxReceiveCount),
      },
      // No timer: sub-tasks and producer messages carry no delay, and a retry or an early
      // delivery is re-sent with at most SQS's 15 minutes (the claim refuses it until due).
      statements: [
        // Claim, finish, revoke, locks, and the records of the sub-tasks a job queues.
        this.tableStatement(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']),
        new PolicyStatement({
          actions: [
            // The event source mapping polls with the function's role.
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            // A task not due yet or running elsewhere: its message comes back later.
            'sqs:ChangeMessageVisibility',
            // Sub-tasks, retries, early deliveries sent again.
            'sqs:SendMessage',
          ],
          resources: [this.queue.queueArn],
        }),
        // A body that is no task message is put aside on the DLQ.
        new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
      ],
    }).fn;
    this.consumer.addEventSourceMapping('Queue', {
      eventSourceArn: this.queue.queueArn,
      batchSize: p.batchSize,
      maxBatchingWindow: p.maxBatchingWindow.toSeconds() > 0 ? p.maxBatchingWindow : undefined,
      maxConcurrency: p.maxConcurrency,
      reportBatchItemFailures: true,
    });

    const rpc = createTaskFunction(this, 'Rpc', {
      ...shared,
      entry: FUNCTION_ENTRIES.rpc,
      description: 'skytask JSON-RPC: POST /rpc',
      timeout: p.rpcTimeout,
      memorySize: p.rpcMemorySize,
      environment: {
        ...environment,
        // queue_stats counts the dead letters; redrive_dead_letters moves them back.
        [SETTINGS.dlqUrl.env]: this.deadLetterQueue.queueUrl,
        // queue_task with a delay or eta beyond 15 minutes arms the timer.
        [SETTINGS.timerGroup.env]: timerGroup.name!,
        [SETTINGS.timerRoleArn.env]: this.timer.role.roleArn,
        [SETTINGS.queueArn.env]: this.queue.queueArn,
      },
      statements: [
        // queue_task, get_task, wait_for_task, delete_tasks, revoke_task; the redrive's
        // requeue; get_tasks and job_list (schedule entries) read items in batches.
        this.tableStatement(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchGetItem']),
        // get_tasks lists through the indexes only.
        this.indexQueryStatement([INDEX.byJob.name, INDEX.byStatus.name, INDEX.byParent.name]),
        // queue_task and the redrive send; num_tasks and queue_stats read the depth.
        ...this.queueSendStatements(['sqs:GetQueueAttributes']),
        // redrive_dead_letters receives and deletes; queue_stats reads the depth.
        new PolicyStatement({
          actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          resources: [this.deadLetterQueue.queueArn],
        }),
        // The timer: a one-time schedule in its group only, passing its role only.
        new PolicyStatement({
          actions: ['scheduler:CreateSchedule'],
          resources: [schedulesInGroupArn(this, timerGroup)],
        }),
        new PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [this.timer.role.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
      ],
    });
    this.rpcFunction = rpc.fn;
    // The one wildcard of the stack, acknowledged for this resource and this ARN only.
    Validations.of(rpc.role).acknowledge({
      id:
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:' +
        `schedule/${timerGroup.name}/*]`,
      reason:
        'The timer names each one-time schedule after its task (t-<task id>), so the names exist only at run ' +
        'time: CreateSchedule is allowed on the schedules of the timer group, and on no other group.',
    });

    // The recurring schedules: periodic jobs and the reconciler. Deleted with the stack:
    // they are configuration, made again by the next deploy.
    this.scheduleGroup = createScheduleGroup(this, 'ScheduleGroup');
    const scheduleTarget = { group: this.scheduleGroup, deadLetterQueue: this.scheduleDeadLetterQueue };

    this.periodicSchedules = {};
    if (periodic.length) {
      const fn = (this.schedulerFunction = createTaskFunction(this, 'Scheduler', {
        ...shared,
        entry: FUNCTION_ENTRIES.scheduler,
        description: 'skytask scheduler: EventBridge Scheduler fires the periodic jobs here',
        timeout: FUNCTIONS.scheduler.timeout,
        memorySize: FUNCTIONS.scheduler.memorySize,
        environment,
        // A fire queues a task with no delay: no timer.
        statements: [
          // The task record and its non-overlap lock, the schedule entry's run.
          this.tableStatement(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']),
          ...this.queueSendStatements(),
        ],
        // A fire is idempotent per slot: retrying it is safe.
        async: { retryAttempts: FUNCTIONS.scheduler.asyncRetryAttempts, deadLetterQueue: this.scheduleDeadLetterQueue },
      }).fn);
      const role = createSchedulerRole(this, 'PeriodicScheduleRole', {
        description: 'skytask periodic schedules: invoke the scheduler function',
        group: this.scheduleGroup,
        statements: invokeStatements(fn, this.scheduleDeadLetterQueue),
      });
      for (const { job, schedule } of periodic) {
        this.periodicSchedules[job.name] = createFunctionSchedule(this, `Periodic-${job.name}`, {
          ...scheduleTarget,
          role,
          fn,
          schedule,
          input: schedulerInput(job.name),
          description: `skytask periodic job ${job.name}`,
        });
      }
    }

    this.reconciler = createTaskFunction(this, 'Reconciler', {
      ...shared,
      entry: FUNCTION_ENTRIES.reconciler,
      description: 'skytask reconciler: sends again the messages of tasks that have not progressed',
      timeout: FUNCTIONS.reconciler.timeout,
      memorySize: FUNCTIONS.reconciler.memorySize,
      environment: {
        ...environment,
        [SETTINGS.reconcileAfter.env]: String(p.reconcileAfter.toSeconds()),
        [SETTINGS.maxResends.env]: String(p.maxResends),
      },
      // No timer: it re-sends a task only once it is past due (eta + reconcileAfter), so
      // never beyond SQS's 15 minutes. (Arming far-future tasks again is the local stack's
      // restart recovery, not this run.)
      statements: [
        // Unfinished tasks: keys from the status index, items in batches.
        this.indexQueryStatement([INDEX.byStatus.name]),
        // markResent, endIdle, setSendError; releasing the lock of a task it ends.
        this.tableStatement(['BatchGetItem', 'UpdateItem', 'DeleteItem']),
        ...this.queueSendStatements(),
      ],
      async: { retryAttempts: FUNCTIONS.reconciler.asyncRetryAttempts, deadLetterQueue: this.scheduleDeadLetterQueue },
    }).fn;
    this.reconcileSchedule = createFunctionSchedule(this, 'ReconcileSchedule', {
      ...scheduleTarget,
      role: createSchedulerRole(this, 'ReconcileScheduleRole', {
        description: 'skytask reconciler schedule: invoke the reconciler function',
        group: this.scheduleGroup,
        statements: invokeStatements(this.reconciler, this.scheduleDeadLetterQueue),
      }),
      fn: this.reconciler,
      schedule: { expression: ScheduleExpression.rate(p.reconcileEvery).expressionString, timezone: 'UTC' },
      input: {},
      description: 'skytask reconciler',
    });
    this.accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: p.logRetention,
      removalPolicy: p.removalPolicy,
    });
    this.api = new HttpApi(this, 'Api', { description: 'skytask JSON-RPC', createDefaultStage: false });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: p.throttleRateLimit, burstLimit: p.throttleBurstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: accessLogFormat() },
    });
    const authorizer: IHttpRouteAuthorizer = p.jwt
      ? new HttpJwtAuthorizer('JwtAuthorizer', p.jwt.issuer, { jwtAudience: p.jwt.audience })
      : new HttpIamAuthorizer();
    [this.rpcRoute] = this.api.addRoutes({
      path: '/rpc',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('RpcIntegration', this.rpcFunction),
      authorizer,
      authorizationScopes: p.jwt?.scopes,
    });
    this.rpcUrl = `${this.stage.url}rpc`;

    this.alarmTopic = p.alarmTopic ?? this.createAlarmTopic();
    this.alarms = this.createAlarms(new SnsAction(this.alarmTopic), p.oldestMessageAgeThreshold);

    new CfnOutput(this, 'RpcUrl', { value: this.rpcUrl, description: 'JSON-RPC endpoint (POST)' });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl, description: 'Task queue' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'Task table' });
  }

  /**
   * Allow a principal to call `POST /rpc` (execute-api:Invoke on the route). IAM
   * authorization only: with a JWT authorizer, tokens decide.
   */
  public grantInvoke(grantee: IGrantable): Grant {
    return this.rpcRoute.grantInvoke(grantee);
  }

  /** The table `tableDefinition()` in lib/dynamo-store.ts describes, which the local stack creates too. */
  private createTable(removalPolicy: RemovalPolicy): Table {
    const def = tableDefinition('skytask');
    const attribute = (name: string) => {
      const found = def.AttributeDefinitions?.find((a) => a.AttributeName === name);
      if (found?.AttributeType !== 'S') throw new Error(`TaskQueue: unexpected key attribute ${name}`);
      return { name, type: AttributeType.STRING };
    };
    const keyOf = (schema: typeof def.KeySchema, type: 'HASH' | 'RANGE') => {
      const name = schema?.find((k) => k.KeyType === type)?.AttributeName;
      return name === undefined ? undefined : attribute(name);
    };
    const table = new Table(this, 'Table', {
      partitionKey: keyOf(def.KeySchema, 'HASH')!,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The attribute lib/dynamo-store.ts writes on ready tasks.
      timeToLiveAttribute: 'ttl',
      removalPolicy,
    });
    for (const index of def.GlobalSecondaryIndexes ?? []) {
      if (index.Projection?.ProjectionType !== 'KEYS_ONLY') throw new Error('TaskQueue: indexes are KEYS_ONLY');
      table.addGlobalSecondaryIndex({
        indexName: index.IndexName!,
        partitionKey: keyOf(index.KeySchema, 'HASH')!,
        sortKey: keyOf(index.KeySchema, 'RANGE'),
        projectionType: ProjectionType.KEYS_ONLY,
      });
    }
    return table;
  }

  private tableStatement(actions: string[]): PolicyStatement {
    return new PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [this.table.tableArn] });
  }

  private indexQueryStatement(indexes: string[]): PolicyStatement {
    return new PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: indexes.map((name) => `${this.table.tableArn}/index/${name}`),
    });
  }

  /**
   * SendMessage on the task queue (SendMessageBatch is the same action), with `more`
   * actions on it; and the key's data-key actions if the queue were under a KMS key
   * (it is SQS-managed today, which needs none).
   */
  private queueSendStatements(more: string[] = []): PolicyStatement[] {
    const key = this.queue.encryptionMasterKey;
    return [
      new PolicyStatement({ actions: ['sqs:SendMessage', ...more], resources: [this.queue.queueArn] }),
      ...(key
        ? [new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] })]
        : []),
    ];
  }

  /**
   * Not encrypted: CloudWatch alarms cannot publish to a topic under the AWS managed key
   * (aws/sns), and the messages carry alarm names and states, no task data. Pass
   * `alarmTopic` for a topic under a customer managed key that allows cloudwatch.amazonaws.com.
   */
  private createAlarmTopic(): Topic {
    return new Topic(this, 'AlarmTopic', { displayName: 'skytask alarms', enforceSSL: true });
  }

  private createAlarms(action: IAlarmAction, oldestMessageAgeThreshold: Duration) {
    const period = Duration.minutes(1);
    const alarm = (id: string, description: string, metric: Alarm['metric'], threshold = 0) => {
      const created = new Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      return created;
    };
    return {
      deadLetters: alarm(
        'DeadLetterAlarm',
        'skytask: messages in the dead-letter queue (tasks that failed to be delivered maxReceiveCount times)',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      ),
      scheduleDeadLetters: alarm(
        'ScheduleDeadLetterAlarm',
        "skytask: a periodic job's fire or a reconciler run failed (messages in the schedule dead-letter queue)",
        this.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      ),
      consumerErrors: alarm(
        'ConsumerErrorsAlarm',
        'skytask: the consumer function failed (a job failure is a FAILURE task, not a function error)',
        this.consumer.metricErrors({ period, statistic: 'Sum' }),
      ),
      consumerThrottles: alarm(
        'ConsumerThrottlesAlarm',
        'skytask: the consumer function was throttled',
        this.consumer.metricThrottles({ period, statistic: 'Sum' }),
      ),
      oldestMessage: alarm(
        'OldestMessageAlarm',
        `skytask: a task message has waited over ${oldestMessageAgeThreshold.toHumanString()}`,
        this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
        oldestMessageAgeThreshold.toSeconds(),
      ),
    };
  }
}

/** One JSON object per request; the caller is the IAM ARN or the JWT subject. */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      latency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
      caller: '$context.identity.userArn',
      subject: '$context.authorizer.claims.sub',
    }),
  );
}

function withoutUndefined<T extends object>(props: T): Partial<T> {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as Partial<T>;
}
