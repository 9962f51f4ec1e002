/**
 * The TaskQueue construct, proven on the synthesized template (no AWS account here):
 * resources and properties, IAM per function, authorization, the synth-time rules,
 * cdk-nag, and the bundles themselves (they load and answer in a child `node`).
 *
 * One bundled, nag-checked synth is shared by the file; the variants synth without
 * bundling (context `aws:cdk:bundling-stacks` = []), which takes a fraction of the time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Cron } from 'croner';
import { TaskQueue, type TaskQueueProps } from '../../cdk/task-queue.js';
import { configFromEnv } from '../../lib/config.js';
import { tableDefinition } from '../../lib/aws/dynamo/table.js';
import { ScheduleError } from '../../lib/errors.js';
import { nextSlot, scheduleOf } from '../../lib/schedule.js';
import { createTestQueue } from '../../lib/testing/index.js';
import { createSchedulerHandler } from '../../functions/scheduler-handler.js';
import * as rateJobModule from '../fixtures/rate-jobs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sampleJobs = join(root, 'examples/jobs.ts');
const fixtureJobs = join(root, 'test/fixtures/other-jobs.ts');
const unschedulableJobs = join(root, 'test/fixtures/unschedulable-jobs.ts');
const rateJobs = join(root, 'test/fixtures/rate-jobs.ts');
const timeLimitJobs = join(root, 'test/fixtures/time-limit-jobs.ts');
/** The feature flags `cdk synth` uses, so the template here is the one `npm run synth` makes. */
const cdkContext = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context;
/** The AWS SDK version skytask pins, tested, and bundles into the functions. */
const sdkVersion: string = JSON.parse(
  readFileSync(join(root, 'node_modules/@aws-sdk/client-dynamodb/package.json'), 'utf8'),
).version;
const outdirs: string[] = [];

type Resources = Record<
  string,
  { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }
>;

function buildApp(props: Partial<TaskQueueProps>, options: { bundle?: boolean; nag?: boolean } = {}) {
  // Outside the repository: a bundle that imported a package (the AWS SDK) would not load.
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: { ...cdkContext, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new Stack(app, 'Test');
  const taskQueue = new TaskQueue(stack, 'Tasks', { jobs: sampleJobs, ...props });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, taskQueue, outdir };
}

/** A variant without bundling: template assertions only. */
function templateOf(props: Partial<TaskQueueProps>) {
  const { stack, taskQueue } = buildApp(props);
  return { template: Template.fromStack(stack), taskQueue };
}

function only(resources: Resources, type: string, match: (r: any) => boolean = () => true) {
  const found = Object.entries(resources).filter(([, r]) => r.Type === type && match(r));
  assert.equal(found.length, 1, `one ${type}`);
  return found[0];
}

/** The one dashboard's body, its tokens written `<LogicalId>` (an alarm's ARN, the region). */
function dashboardBody(resources: Resources) {
  const [, dashboard] = only(resources, 'AWS::CloudWatch::Dashboard');
  const parts: unknown[] = dashboard.Properties.DashboardBody['Fn::Join'][1];
  const text = parts.map((p: any) => (typeof p === 'string' ? p : `<${p.Ref ?? p['Fn::GetAtt'][0]}>`)).join('');
  return JSON.parse(text);
}

type FunctionName = 'Consumer' | 'Rpc' | 'Scheduler' | 'Reconciler';

function roleStatements(resources: Resources, name: FunctionName) {
  const [, role] = only(resources, 'AWS::IAM::Role', (r) => r.Properties.Description === `skytask ${name} function`);
  return role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
}

/** The role EventBridge Scheduler assumes, found by its description. */
function schedulerRole(resources: Resources, description: RegExp) {
  const [id, role] = only(resources, 'AWS::IAM::Role', (r) => description.test(r.Properties.Description ?? ''));
  return {
    id,
    trust: role.Properties.AssumeRolePolicyDocument.Statement,
    statements: role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement),
  };
}

/** The trust policy of a role only EventBridge Scheduler may assume, for the schedules of one group. */
const schedulerTrust = (groupId: string) => [
  {
    Action: 'sts:AssumeRole',
    Effect: 'Allow',
    Principal: { Service: 'scheduler.amazonaws.com' },
    Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': ref(groupId) } },
  },
];

const arrayOf = (v: unknown) => (Array.isArray(v) ? v : [v]);
const ref = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
/** ARNs as a policy lists them: sorted by logical id. */
const arns = (...list: string[]) => [...list].sort().map(ref);

let assembly: CloudAssembly;
let template: Template;
let resources: Resources;
let outdir: string;
let synthMs: number;
const ids: Record<string, string> = {};
const groupNames: Record<string, string> = {};

before(() => {
  const built = buildApp({}, { bundle: true, nag: true });
  outdir = built.outdir;
  const start = performance.now();
  try {
    assembly = built.app.synth();
  } catch (err) {
    let report = '';
    try {
      report = readFileSync(join(outdir, 'validation-report.json'), 'utf8');
    } catch {
      /* no report: the failure is not cdk-nag's */
    }
    throw new Error(`synth failed: ${(err as Error).message}\n${report}`);
  }
  synthMs = performance.now() - start;
  const json = assembly.getStackByName('Test').template;
  template = Template.fromJSON(json);
  resources = json.Resources;
  const { stack, taskQueue: q } = built;
  const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  ids.table = id(q.table);
  ids.payloads = id(q.payloadBucket);
  ids.queue = id(q.queue);
  ids.dlq = id(q.deadLetterQueue);
  ids.queueHigh = id(q.routes[0].lanes.high);
  ids.queueLow = id(q.routes[0].lanes.low);
  ids.consumer = id(q.consumer);
  ids.rpc = id(q.rpcFunction);
  ids.scheduler = id(q.schedulerFunction!);
  ids.reconciler = id(q.reconciler);
  ids.consumerLogs = id(q.consumer.logGroup);
  ids.rpcLogs = id(q.rpcFunction.logGroup);
  ids.schedulerLogs = id(q.schedulerFunction!.logGroup);
  ids.reconcilerLogs = id(q.reconciler.logGroup);
  ids.scheduleDlq = id(q.scheduleDeadLetterQueue);
  ids.scheduleGroup = stack.getLogicalId(q.scheduleGroup);
  ids.timerGroup = stack.getLogicalId(q.timer.group);
  ids.timerRole = id(q.timer.role);
  groupNames.schedules = q.scheduleGroup.name!;
  groupNames.timer = q.timer.group.name!;
  ids.accessLogs = id(q.accessLogs);
  ids.topic = id(q.alarmTopic);
});

after(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('TaskQueue template', () => {
  test('synthesizes with cdk-nag AwsSolutions checks and no finding left', (t) => {
    t.diagnostic(`bundled synth with cdk-nag: ${Math.round(synthMs)} ms`);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const violations = report.pluginReports.flatMap((r: any) => r.violations ?? []);
    assert.deepEqual(violations, []);
  });

  test('the table mirrors tableDefinition(): keys, KEYS_ONLY indexes, on demand, PITR, TTL, retained', () => {
    const def = tableDefinition('x');
    const [, table] = only(resources, 'AWS::DynamoDB::Table');
    const p = table.Properties;
    const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
      a.AttributeName!.localeCompare(b.AttributeName!);
    assert.deepEqual([...p.AttributeDefinitions].sort(byName), [...def.AttributeDefinitions!].sort(byName));
    assert.deepEqual(p.KeySchema, def.KeySchema);
    const indexes = (list: any[]) =>
      list
        .map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection }))
        .sort((a, b) => a.IndexName.localeCompare(b.IndexName));
    assert.deepEqual(indexes(p.GlobalSecondaryIndexes), indexes(def.GlobalSecondaryIndexes!));
    assert.deepEqual(p.GlobalSecondaryIndexes.map((i: any) => i.IndexName).sort(), ['by_job', 'by_parent']);
    assert.equal(p.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(p.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    assert.deepEqual(p.TimeToLiveSpecification, { AttributeName: 'ttl', Enabled: true });
    assert.equal(table.DeletionPolicy, 'Retain');
    assert.equal(table.UpdateReplacePolicy, 'Retain');
  });

  test('queues: SSE, TLS enforced, DLQ with its own retention and maxReceiveCount, visibility 6× the consumer timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      MessageRetentionPeriod: 4 * 86_400,
      RedrivePolicy: { deadLetterTargetArn: ref(ids.dlq), maxReceiveCount: 5 },
    });
    assert.deepEqual(resources[ids.dlq].Properties, {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    for (const queue of [ids.queue, ids.dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Principal: { AWS: '*' },
            }),
          ]),
        },
      });
    }
  });

  test('functions: nodejs24.x, ESM bundle entry, timeouts, memory, own log groups', () => {
    for (const [id, timeout, memory, logs] of [
      [ids.consumer, 60, 512, ids.consumerLogs],
      [ids.rpc, 29, 256, ids.rpcLogs],
      [ids.scheduler, 30, 256, ids.schedulerLogs],
      [ids.reconciler, 300, 256, ids.reconcilerLogs],
    ] as const) {
      const p = resources[id].Properties;
      assert.equal(p.Runtime, 'nodejs24.x');
      assert.equal(p.Handler, 'index.handler');
      assert.equal(p.Timeout, timeout);
      assert.equal(p.MemorySize, memory);
      assert.deepEqual(p.LoggingConfig, { LogGroup: { Ref: logs } });
      assert.equal(p.Environment.Variables.NODE_OPTIONS, '--enable-source-maps');
    }
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.resourceCountIs('AWS::Logs::LogGroup', 5);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('scheduler and reconciler: invoked asynchronously, a failed run goes to the schedule DLQ (fires retried twice, reconciles not)', () => {
    for (const [id, retries] of [
      [ids.scheduler, 2],
      [ids.reconciler, 0],
    ] as const) {
      assert.deepEqual(resources[id].Properties.DeadLetterConfig, { TargetArn: ref(ids.scheduleDlq) });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        MaximumRetryAttempts: retries,
        Qualifier: '$LATEST',
      });
    }
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    assert.equal(resources[ids.consumer].Properties.DeadLetterConfig, undefined);
  });

  test('the SQS event sources, one per priority lane: batch size, maximum concurrency (the low lane capped), partial batch responses', () => {
    const mappings = Object.values(resources).filter((r: any) => r.Type === 'AWS::Lambda::EventSourceMapping');
    const byQueue = (id: string) => mappings.find((m: any) => m.Properties.EventSourceArn['Fn::GetAtt'][0] === id);
    for (const [id, max] of [
      [ids.queueHigh, 10],
      [ids.queue, 10],
      [ids.queueLow, 3],
    ] as const) {
      assert.deepEqual(byQueue(id)?.Properties, {
        EventSourceArn: ref(id),
        FunctionName: { Ref: ids.consumer },
        BatchSize: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: max },
      });
    }
    assert.equal(mappings.length, 3);
  });

  test('environment variables are the ones configFromEnv reads', () => {
    const varsOf = (id: string): Record<string, unknown> => resources[id].Properties.Environment.Variables;
    // Tokens (Ref / GetAtt) stand for names, URLs and ARNs known at deploy time.
    // SKYTASK_QUEUES is JSON joined around the queues' names (GetAtt QueueName): read with logical ids for names.
    const joined = (v: any) =>
      v['Fn::Join'][1].map((part: any) => (typeof part === 'string' ? part : part['Fn::GetAtt'][0])).join('');
    const envOf = (id: string) =>
      Object.fromEntries(
        Object.entries(varsOf(id)).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : k === 'SKYTASK_QUEUES' ? joined(v) : `<${k}>`,
        ]),
      );
    const keysOf = (id: string) => Object.keys(varsOf(id)).sort();
    for (const id of [ids.consumer, ids.rpc, ids.reconciler]) {
      assert.deepEqual(varsOf(id).SKYTASK_PAYLOAD_BUCKET, { Ref: ids.payloads });
    }
    for (const id of [ids.consumer, ids.rpc, ids.scheduler, ids.reconciler]) {
      assert.deepEqual(varsOf(id).SKYTASK_TABLE, { Ref: ids.table });
      assert.deepEqual(varsOf(id).SKYTASK_QUEUE_URL, { Ref: ids.queue });
      assert.equal(varsOf(id).SKYTASK_RETENTION_DAYS, '7');
      // Every function that ends tasks counts them (EMF), in the construct's own namespace.
      assert.equal(configFromEnv(envOf(id)).metricsNamespace, 'skytask/Test/Tasks');
      // Every function knows every lane: queue_task, retries, sub-tasks and the reconciler send to any.
      assert.deepEqual(configFromEnv({ ...envOf(id), SKYTASK_QUEUE_URL: 'https://sqs/1/x' }).queues, {
        default: {
          high: `https://sqs/1/${ids.queueHigh}`,
          default: `https://sqs/1/${ids.queue}`,
          low: `https://sqs/1/${ids.queueLow}`,
          dlq: `https://sqs/1/${ids.dlq}`,
        },
      });
    }

    const consumer = configFromEnv(envOf(ids.consumer));
    assert.deepEqual(varsOf(ids.consumer).SKYTASK_DLQ_URL, { Ref: ids.dlq });
    assert.equal(consumer.dlqUrl, '<SKYTASK_DLQ_URL>');
    assert.equal(consumer.concurrency, 5);
    assert.equal(consumer.leaseSeconds, resources[ids.consumer].Properties.Timeout);
    assert.equal(consumer.retentionSeconds, 7 * 86_400);
    // The consumer records FAILURE on the delivery SQS dead-letters after.
    assert.equal(consumer.maxReceiveCount, resources[ids.queue].Properties.RedrivePolicy.maxReceiveCount);
    assert.equal(consumer.timer, undefined, 'the consumer never queues beyond 15 minutes');
    assert.deepEqual(keysOf(ids.consumer), [
      'NODE_OPTIONS',
      'SKYTASK_CONCURRENCY',
      'SKYTASK_DLQ_URL',
      'SKYTASK_LEASE_SECONDS',
      'SKYTASK_MAX_RECEIVE_COUNT',
      'SKYTASK_METRICS_NAMESPACE',
      'SKYTASK_PAYLOAD_BUCKET',
      'SKYTASK_QUEUES',
      'SKYTASK_QUEUE_URL',
      'SKYTASK_RETENTION_DAYS',
      'SKYTASK_TABLE',
    ]);

    const rpc = configFromEnv(envOf(ids.rpc));
    assert.deepEqual(
      varsOf(ids.rpc).SKYTASK_DLQ_URL,
      { Ref: ids.dlq },
      'queue_stats and redrive_dead_letters use the DLQ',
    );
    assert.deepEqual(rpc.timer, {
      groupName: groupNames.timer,
      roleArn: '<SKYTASK_TIMER_ROLE_ARN>',
      queueArn: '<SKYTASK_QUEUE_ARN>',
      deadLetterArn: '<SKYTASK_DLQ_ARN>',
    });
    assert.deepEqual(varsOf(ids.rpc).SKYTASK_TIMER_ROLE_ARN, ref(ids.timerRole));
    assert.deepEqual(varsOf(ids.rpc).SKYTASK_QUEUE_ARN, ref(ids.queue));
    assert.deepEqual(
      varsOf(ids.rpc).SKYTASK_DLQ_ARN,
      ref(ids.dlq),
      "the timer's schedules dead-letter to the task DLQ",
    );
    assert.deepEqual(keysOf(ids.rpc), [
      'NODE_OPTIONS',
      'SKYTASK_DLQ_ARN',
      'SKYTASK_DLQ_URL',
      'SKYTASK_METRICS_NAMESPACE',
      'SKYTASK_PAYLOAD_BUCKET',
      'SKYTASK_QUEUES',
      'SKYTASK_QUEUE_ARN',
      'SKYTASK_QUEUE_URL',
      'SKYTASK_RETENTION_DAYS',
      'SKYTASK_TABLE',
      'SKYTASK_TIMER_GROUP',
      'SKYTASK_TIMER_ROLE_ARN',
    ]);

    const scheduler = configFromEnv(envOf(ids.scheduler));
    assert.equal(scheduler.timer, undefined, 'a fire queues with no delay');
    assert.deepEqual(keysOf(ids.scheduler), [
      'NODE_OPTIONS',
      'SKYTASK_METRICS_NAMESPACE',
      'SKYTASK_QUEUES',
      'SKYTASK_QUEUE_URL',
      'SKYTASK_RETENTION_DAYS',
      'SKYTASK_TABLE',
    ]);

    const reconciler = configFromEnv(envOf(ids.reconciler));
    assert.equal(reconciler.reconcileAfter, 300);
    assert.equal(reconciler.maxResends, 5);
    assert.equal(reconciler.timer, undefined, 'it re-sends only tasks already past due');
    assert.deepEqual(keysOf(ids.reconciler), [
      'NODE_OPTIONS',
      'SKYTASK_DLQ_URL',
      'SKYTASK_MAX_RESENDS',
      'SKYTASK_METRICS_NAMESPACE',
      'SKYTASK_PAYLOAD_BUCKET',
      'SKYTASK_QUEUES',
      'SKYTASK_QUEUE_URL',
      'SKYTASK_RECONCILE_AFTER',
      'SKYTASK_RETENTION_DAYS',
      'SKYTASK_TABLE',
    ]);
  });

  const logsStatement = (logs: string) => ({
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: ref(logs),
  });
  const index = (name: string) => ({ 'Fn::Join': ['', [ref(ids.table), `/index/${name}`]] });
  /** The payload bucket's statements (cdk/payload-bucket.ts): objects under `tasks/`, and `uploads/` for the RPC function. */
  const objects = (prefix: string) => ({ 'Fn::Join': ['', [ref(ids.payloads), `/${prefix}*`]] });
  const rw = ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'];
  const payloadStatements = (user: 'consumer' | 'rpc' | 'reconciler') => [
    { Effect: 'Allow', Action: user === 'reconciler' ? rw : ['s3:DeleteObject', ...rw], Resource: objects('tasks/') },
    ...(user === 'rpc'
      ? [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'],
            Resource: objects('uploads/'),
          },
        ]
      : []),
  ];

  test('IAM: the consumer gets exactly what it calls', () => {
    assert.deepEqual(roleStatements(resources, 'Consumer'), [
      logsStatement(ids.consumerLogs),
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: ref(ids.table),
      },
      {
        Effect: 'Allow',
        Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        Resource: arns(ids.queueHigh, ids.queue, ids.queueLow),
      },
      // Any lane of any queue (sub-tasks, retries, forwards) and any dead-letter queue.
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arns(ids.queueHigh, ids.queue, ids.queueLow, ids.dlq) },
      ...payloadStatements('consumer'),
    ]);
  });

  test('IAM: the RPC function gets exactly what it calls: indexes, the DLQ for redrive and stats, the timer group only', () => {
    assert.deepEqual(roleStatements(resources, 'Rpc'), [
      logsStatement(ids.rpcLogs),
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: ref(ids.table),
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: [index('by_job'), index('by_parent')],
      },
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        Resource: arns(ids.queueHigh, ids.queue, ids.queueLow),
      },
      {
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        Resource: ref(ids.dlq),
      },
      {
        Effect: 'Allow',
        Action: 'scheduler:CreateSchedule',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':scheduler:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              `:schedule/${groupNames.timer}/*`,
            ],
          ],
        },
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: ref(ids.timerRole),
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
      ...payloadStatements('rpc'),
    ]);
  });

  test('IAM: the scheduler function: the record, its lock and the schedule entry; SendMessage; its failed runs to the schedule DLQ', () => {
    assert.deepEqual(roleStatements(resources, 'Scheduler'), [
      logsStatement(ids.schedulerLogs),
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: ref(ids.table),
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: arns(ids.queueHigh, ids.queue, ids.queueLow, ids.scheduleDlq),
      },
    ]);
  });

  test('IAM: the reconciler: Query on by_job and the table, BatchGetItem, GetItem, UpdateItem, DeleteItem; SendMessage; the dead-letter sweep', () => {
    assert.deepEqual(roleStatements(resources, 'Reconciler'), [
      logsStatement(ids.reconcilerLogs),
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: index('by_job') },
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: ref(ids.table),
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: arns(ids.queueHigh, ids.queue, ids.queueLow, ids.scheduleDlq),
      },
      {
        Effect: 'Allow',
        Action: ['sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        Resource: ref(ids.dlq),
      },
      ...payloadStatements('reconciler'),
    ]);
  });

  test("IAM: the schedules' roles: only Scheduler, for its own group, may assume them; each invokes exactly one function", () => {
    for (const [description, fn] of [
      [/^skytask periodic schedules/, ids.scheduler],
      [/^skytask reconciler schedule/, ids.reconciler],
    ] as const) {
      const role = schedulerRole(resources, description);
      assert.deepEqual(role.trust, schedulerTrust(ids.scheduleGroup));
      assert.deepEqual(role.statements, [
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: ref(fn) },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: ref(ids.scheduleDlq) },
      ]);
    }
  });

  test('the timer: a schedule group, a role Scheduler assumes for that group only, allowed SendMessage on the task queue and its DLQ', () => {
    const role = schedulerRole(resources, /^skytask timer/);
    assert.equal(role.id, ids.timerRole);
    assert.deepEqual(role.trust, schedulerTrust(ids.timerGroup));
    // SQS-managed encryption: no KMS permission is needed to send.
    // What a one-time schedule cannot deliver to the queue, it sends to the dead-letter queue.
    assert.deepEqual(role.statements, [
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: [ref(ids.dlq), ref(ids.queue)] },
    ]);
    assert.deepEqual(resources[ids.timerGroup].Properties, { Name: groupNames.timer });
    assert.match(groupNames.timer, /^[0-9A-Za-z_.-]{1,64}$/);
    assert.notEqual(groupNames.timer, groupNames.schedules);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 2);
  });

  test('IAM: no wildcard action, no "*" resource, no managed policy, no other policy; the "/*" ARNs: the timer group\'s schedules and the payload bucket\'s prefixes', () => {
    assert.equal(
      Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
        .length,
      0,
    );
    const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');
    assert.equal(roles.length, 7, '4 functions, 2 schedule roles, the timer role');
    const starred: string[] = [];
    for (const role of roles) {
      assert.equal(role.Properties.ManagedPolicyArns, undefined);
      assert.equal(role.Properties.Policies.length, 1);
      for (const s of role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)) {
        for (const action of arrayOf(s.Action)) assert.ok(!String(action).includes('*'), `wildcard action ${action}`);
        for (const resource of arrayOf(s.Resource)) {
          assert.notEqual(resource, '*');
          if (JSON.stringify(resource).includes('*')) starred.push(`${s.Action} ${JSON.stringify(resource)}`);
        }
      }
    }
    // And the payload bucket's prefixes: its objects are named after their tasks.
    const rw = `s3:GetObject,s3:PutObject,s3:PutObjectTagging`;
    const tasks = `s3:DeleteObject,${rw} ${JSON.stringify(objects('tasks/'))}`;
    assert.deepEqual(
      starred.sort(),
      [
        `scheduler:CreateSchedule ${JSON.stringify(roleStatements(resources, 'Rpc')[5].Resource)}`,
        tasks,
        tasks,
        `${rw} ${JSON.stringify(objects('uploads/'))}`,
        `${rw} ${JSON.stringify(objects('tasks/'))}`,
      ].sort(),
    );
  });

  test('one schedule per periodic job: its expression and time zone, exactly on time, the scheduler function with {job, time}', (t) => {
    const schedules = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Scheduler::Schedule' && r.Properties.Target.Arn['Fn::GetAtt'][0] === ids.scheduler,
    );
    const byJob = Object.fromEntries(schedules.map((r) => [JSON.parse(r.Properties.Target.Input).job, r.Properties]));
    const expected: Record<string, [string, string]> = {
      anchoredeveryhour: ['cron(25 * * * ? *)', 'UTC'],
      testperiodic: ['cron(* * * * ? *)', 'UTC'],
      testperiodicerror: ['cron(0/5 * * * ? *)', 'UTC'],
      weekdaymorning: ['cron(0 9 ? * 2-6 *)', 'Europe/Rome'],
    };
    assert.deepEqual(Object.keys(byJob).sort(), Object.keys(expected));
    const periodicRole = schedulerRole(resources, /^skytask periodic schedules/).id;
    for (const [job, [expression, timezone]] of Object.entries(expected)) {
      t.diagnostic(`${job}: ${expression} ${timezone}`);
      assert.deepEqual(byJob[job], {
        Description: `skytask periodic job ${job}`,
        GroupName: groupNames.schedules,
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: timezone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: ref(ids.scheduler),
          RoleArn: ref(periodicRole),
          Input: JSON.stringify({ job, time: '<aws.scheduler.scheduled-time>' }),
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: ref(ids.scheduleDlq) },
        },
      });
    }
  });

  test('the reconciler runs every 5 minutes on its own schedule', () => {
    const [, schedule] = only(
      resources,
      'AWS::Scheduler::Schedule',
      (r) => r.Properties.Target.Arn['Fn::GetAtt'][0] === ids.reconciler,
    );
    assert.equal(schedule.Properties.ScheduleExpression, 'rate(5 minutes)');
    assert.equal(schedule.Properties.StartDate, undefined);
    assert.deepEqual(schedule.Properties.FlexibleTimeWindow, { Mode: 'OFF' });
    assert.equal(schedule.Properties.GroupName, groupNames.schedules);
    assert.deepEqual(
      schedule.Properties.Target.RoleArn,
      ref(schedulerRole(resources, /^skytask reconciler schedule/).id),
    );
    assert.deepEqual(schedule.Properties.Target.DeadLetterConfig, { Arn: ref(ids.scheduleDlq) });
    template.resourceCountIs('AWS::Scheduler::Schedule', 5);
  });

  test('the schedule dead-letter queue: its own, encrypted, TLS only, 14 days', () => {
    assert.deepEqual(resources[ids.scheduleDlq].Properties, {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.scheduleDlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
  test('HTTP API: POST /rpc and POST /rpc/read, both with IAM authorization, to one integration; throttling and access logs', () => {
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    assert.deepEqual(routes.map((r) => r.Properties.RouteKey).sort(), ['POST /rpc', 'POST /rpc/read']);
    for (const route of routes) assert.equal(route.Properties.AuthorizationType, 'AWS_IAM');
    assert.deepEqual(routes[0].Properties.Target, routes[1].Properties.Target, 'the same function serves both');
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    const [, stage] = only(resources, 'AWS::ApiGatewayV2::Stage');
    assert.equal(stage.Properties.StageName, '$default');
    assert.equal(stage.Properties.AutoDeploy, true);
    assert.deepEqual(stage.Properties.DefaultRouteSettings, { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 });
    assert.deepEqual(stage.Properties.AccessLogSettings.DestinationArn, ref(ids.accessLogs));
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    assert.equal(format.requestId, '$context.requestId');
    assert.equal(format.caller, '$context.identity.userArn');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: ref(ids.rpc),
    });
  });

  test('alarms: DLQ and schedule DLQ depth > 0, consumer errors and throttles, oldest message age, all to the topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    const alarm = (metric: string, dimension: Record<string, unknown>, threshold: number, statistic: string) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Dimensions: [dimension],
        Threshold: threshold,
        Statistic: statistic,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: ids.topic }],
      });
    alarm(
      'ApproximateNumberOfMessagesVisible',
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } },
      0,
      'Maximum',
    );
    alarm(
      'ApproximateNumberOfMessagesVisible',
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.scheduleDlq, 'QueueName'] } },
      0,
      'Maximum',
    );
    alarm('Errors', { Name: 'FunctionName', Value: { Ref: ids.consumer } }, 0, 'Sum');
    alarm('Throttles', { Name: 'FunctionName', Value: { Ref: ids.consumer } }, 0, 'Sum');
    alarm(
      'ApproximateAgeOfOldestMessage',
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } },
      3600,
      'Maximum',
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('the CloudWatch dashboard: the task metrics per job (SEARCH over the namespace) and every alarm', () => {
    const body = dashboardBody(resources);
    const expressions = body.widgets.flatMap((w: any) => w.properties.metrics ?? []).map((m: any) => m[0].expression);
    for (const name of ['TasksStarted', 'TasksSucceeded', 'TasksFailed', 'TasksRetried', 'TasksRevoked']) {
      assert.ok(
        expressions.includes(
          `SEARCH('{"skytask/Test/Tasks",job,service} MetricName="${name}" service="skytask"', 'Sum', 60)`,
        ),
        name,
      );
    }
    for (const name of ['RunDuration', 'QueueWait'])
      for (const stat of ['p50', 'p99'])
        assert.ok(expressions.some((e: string) => e.includes(`"${name}"`) && e.includes(`'${stat}'`)));
    const alarmIds = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::CloudWatch::Alarm');
    const status = body.widgets.find((w: any) => w.type === 'alarm');
    assert.deepEqual(
      status.properties.alarms.sort(),
      alarmIds.map((id) => `<${id}>`).sort(),
      'the alarm status widget',
    );
    const graphs = body.widgets
      .filter((w: any) => w.properties.annotations?.alarms)
      .map((w: any) => w.properties.annotations.alarms[0]);
    assert.deepEqual(
      graphs.sort(),
      alarmIds.map((id) => `<${id}>`).sort(),
      "each alarm's metric against its threshold",
    );
  });

  test('the payload bucket: encrypted, public access blocked, TLS only, lifecycle rules on the expiry tag', () => {
    const bucket = resources[ids.payloads];
    assert.equal(bucket.DeletionPolicy, 'Retain');
    assert.deepEqual(bucket.Properties.BucketEncryption, {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.equal(bucket.Properties.VersioningConfiguration, undefined, 'no versions: a copy onto itself replaces');
    // Uploads no task took: a day; ended tasks' payloads: the retention (7 days) and a day.
    assert.deepEqual(bucket.Properties.LifecycleConfiguration.Rules, [
      {
        Id: 'uploads-no-task-took',
        Status: 'Enabled',
        ExpirationInDays: 1,
        TagFilters: [{ Key: 'skytask-expiry', Value: 'upload' }],
      },
      {
        Id: 'payloads-of-ended-tasks',
        Status: 'Enabled',
        ExpirationInDays: 8,
        TagFilters: [{ Key: 'skytask-expiry', Value: 'ended' }],
      },
      {
        Id: 'unfinished-multipart-uploads',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy')!;
    assert.deepEqual(policy.Properties.PolicyDocument.Statement[0].Condition, {
      Bool: { 'aws:SecureTransport': 'false' },
    });
    assert.equal(policy.Properties.PolicyDocument.Statement[0].Effect, 'Deny');
  });

  test('outputs: RPC URL, its read-only route, queue URL, table name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: any }>;
    const value = (prefix: string) => Object.entries(outputs).find(([k]) => k.startsWith(prefix))?.[1].Value;
    const url = JSON.stringify(value('TasksRpcUrl'));
    assert.match(url, /https:\/\//);
    assert.match(url, /\/rpc"/);
    assert.match(JSON.stringify(value('TasksRpcReadUrl')), /\/rpc\/read"/);
    assert.deepEqual(value('TasksQueueUrl'), { Ref: ids.queue });
    assert.deepEqual(value('TasksTableName'), { Ref: ids.table });
  });
});

describe('TaskQueue props', () => {
  test('a JWT authorizer instead of IAM', () => {
    const { template: jwt, taskQueue } = templateOf({
      jwt: { issuer: 'https://issuer.example.com/', audience: ['skytask'], scopes: ['tasks/write'] },
    });
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /rpc',
      AuthorizationType: 'JWT',
      AuthorizationScopes: ['tasks/write'],
      AuthorizerId: Match.anyValue(),
    });
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /rpc/read',
      AuthorizationType: 'JWT',
      AuthorizationScopes: ['tasks/write'],
    });
    const { template: readScoped } = templateOf({
      jwt: {
        issuer: 'https://issuer.example.com/',
        audience: ['skytask'],
        scopes: ['tasks/write'],
        readScopes: ['tasks/read'],
      },
    });
    readScoped.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /rpc/read',
      AuthorizationScopes: ['tasks/read', 'tasks/write'],
    });
    readScoped.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /rpc',
      AuthorizationScopes: ['tasks/write'],
    });
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['skytask'] },
    });
    assert.throws(() =>
      taskQueue.grantInvoke(new Role(new Stack(), 'R', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') })),
    );
  });

  /** The execute-api ARN paths a role's policy allows, e.g. `/POST/rpc`. */
  function invokePaths(grant: (q: TaskQueue, role: Role) => void): string[] {
    const { stack, taskQueue } = buildApp({});
    grant(taskQueue, new Role(stack, 'Caller', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') }));
    const json = Template.fromStack(stack).toJSON();
    const policy = Object.values(json.Resources as Resources).find((r) => r.Type === 'AWS::IAM::Policy')!;
    return policy.Properties.PolicyDocument.Statement.flatMap((statement: any) => {
      assert.equal(statement.Action, 'execute-api:Invoke');
      return arrayOf(statement.Resource).map((arn: unknown) => JSON.stringify(arn).match(/\/\*(\/POST\/[a-z/]+)"/)![1]);
    });
  }

  test('grantInvoke gives execute-api:Invoke on the two routes, nothing wider', () => {
    assert.deepEqual(invokePaths((q, role) => q.grantInvoke(role)).sort(), ['/POST/rpc', '/POST/rpc/read']);
  });

  test('grantRead gives execute-api:Invoke on the read-only route only', () => {
    assert.deepEqual(
      invokePaths((q, role) => q.grantRead(role)),
      ['/POST/rpc/read'],
    );
  });

  test('user props: timeouts, batching, retention, removal policy, own alarm topic', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Own');
    const topic = new Topic(stack, 'Pager', { enforceSSL: true });
    new TaskQueue(stack, 'Tasks', {
      jobs: sampleJobs,
      consumerTimeout: Duration.minutes(5),
      consumerMemorySize: 1024,
      concurrency: 20,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(10),
      maxConcurrency: 50,
      maxReceiveCount: 3,
      taskRetentionDays: 30,
      removalPolicy: RemovalPolicy.DESTROY,
      alarmTopic: topic,
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 1800,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SKYTASK_MAX_RECEIVE_COUNT: '3', SKYTASK_LEASE_SECONDS: '300' }) },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 300,
      MemorySize: 1024,
      Environment: {
        Variables: Match.objectLike({
          SKYTASK_LEASE_SECONDS: '300',
          SKYTASK_CONCURRENCY: '20',
          SKYTASK_RETENTION_DAYS: '30',
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 10,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    const alarms = t.findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(alarms)) {
      assert.equal(alarm.Properties.AlarmActions[0].Ref, stack.getLogicalId(topic.node.defaultChild as never));
    }
  });

  test('metrics: false sets no namespace, the dashboard keeps the alarms; dashboard: false makes none', () => {
    const { template: quiet } = templateOf({ metrics: false });
    const resources = quiet.toJSON().Resources as Resources;
    for (const r of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function'))
      assert.equal(r.Properties.Environment.Variables.SKYTASK_METRICS_NAMESPACE, undefined);
    const body = dashboardBody(resources);
    assert.ok(
      body.widgets.every((w: any) => !JSON.stringify(w).includes('SEARCH')),
      'no metric graphs',
    );
    assert.ok(body.widgets.some((w: any) => w.type === 'alarm'));
    templateOf({ dashboard: false }).template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  test('a periodic job EventBridge cannot express fails the synth, naming the job', () => {
    assert.throws(
      () => templateOf({ jobs: unschedulableJobs }),
      (err: unknown) => {
        assert.ok(err instanceof ScheduleError);
        assert.match(
          err.message,
          /^job "every_half_minute": runs every 30 s: EventBridge Scheduler fires at most once a minute/,
        );
        return true;
      },
    );
  });

  test('a period dividing neither an hour nor a day: no synth-time date; a finer cron, the fires off the anchor grid skipped', async (t) => {
    const { template } = templateOf({ jobs: rateJobs });
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((r) => r.Properties);
    // Nothing in a schedule depends on when the synth ran: the template deploys at any later time.
    for (const schedule of schedules) {
      assert.equal(schedule.StartDate, undefined);
      assert.equal(schedule.EndDate, undefined);
    }
    const byJob: Record<string, any> = Object.fromEntries(
      schedules.filter((s) => s.Target.Input !== '{}').map((s) => [JSON.parse(s.Target.Input).job, s]),
    );
    assert.deepEqual(Object.fromEntries(Object.entries(byJob).map(([job, s]) => [job, s.ScheduleExpression])), {
      every_ninety_minutes: 'cron(0/30 * * * ? *)',
      every_five_hours: 'cron(15 * * * ? *)',
    });

    // What EventBridge does with them for three days: invoke the scheduler function at each
    // time of the cron with the target's input. The runs are the anchor grid's slots, exactly.
    const q = createTestQueue({ jobs: rateJobModule });
    const handler = createSchedulerHandler(q.runtime.scheduler);
    const [from, to] = [Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-03-04T00:00:00Z')];
    for (const job of Object.values(rateJobModule)) {
      const schedule = byJob[job.name];
      const [minute, hour, dom, month, dow] = /^cron\((.*) \*\)$/.exec(schedule.ScheduleExpression)![1].split(' ');
      const cron = new Cron(`${minute} ${hour} ${dom} ${month} ${dow}`.replaceAll('?', '*'), {
        timezone: schedule.ScheduleExpressionTimezone,
        sloppyRanges: true,
      });
      const runs: number[] = [];
      let fires = 0;
      for (let time = cron.nextRun(new Date(from - 1)); time && time.getTime() < to; time = cron.nextRun(time)) {
        fires++;
        const scheduledTime = time.toISOString().replace('.000', '');
        const fired = await handler(
          JSON.parse(schedule.Target.Input.replace('<aws.scheduler.scheduled-time>', scheduledTime)),
          {} as never,
        );
        if (fired.task_id) runs.push(time.getTime() / 1000);
      }
      const grid: number[] = [];
      for (let slot = nextSlot(scheduleOf(job)!, from / 1000 - 1)!; slot < to / 1000; slot += job.runEvery!)
        grid.push(slot);
      t.diagnostic(`${job.name}: ${fires} fires in 3 days, ${runs.length} runs`);
      assert.deepEqual(runs, grid, job.name);
    }
  });

  test('a jobs module with no periodic job: no scheduler function, the reconciler schedule only', () => {
    const { template: t, taskQueue } = templateOf({ jobs: fixtureJobs });
    assert.equal(taskQueue.schedulerFunction, undefined);
    assert.deepEqual(taskQueue.periodicSchedules, {});
    t.resourceCountIs('AWS::Lambda::Function', 3);
    t.resourceCountIs('AWS::Scheduler::Schedule', 1);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  test('reconciler props: how often, after how long, how many re-sends', () => {
    const { template: t } = templateOf({
      reconcileEvery: Duration.minutes(10),
      reconcileAfter: Duration.minutes(15),
      maxResends: 3,
    });
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(10 minutes)' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SKYTASK_RECONCILE_AFTER: '900', SKYTASK_MAX_RESENDS: '3' }) },
    });
    assert.throws(
      () => templateOf({ reconcileEvery: Duration.seconds(90) }),
      /reconcileEvery is a whole number of minutes/,
    );
    assert.throws(() => templateOf({ maxResends: 0 }), /maxResends is a whole number, at least 1/);
    // A 30 s timeLimit needs a consumer timeout of 33 s: 3 s are kept for the finish write.
    assert.throws(
      () => templateOf({ jobs: timeLimitJobs, consumerTimeout: Duration.seconds(32) }),
      /timeLimit over consumerTimeout \(32 s\) less 3 s for the finish write: half_minute \(30 s\)/,
    );
    assert.doesNotThrow(() => templateOf({ jobs: timeLimitJobs, consumerTimeout: Duration.seconds(33) }));
    assert.throws(() => templateOf({ maxReceiveCount: 0 }), /maxReceiveCount is a whole number from 1 to 1000/);
  });

  test('synth fails when the visibility timeout is under 6× the consumer timeout', () => {
    assert.throws(
      () => templateOf({ consumerTimeout: Duration.minutes(2), visibilityTimeout: Duration.minutes(11) }),
      /visibilityTimeout \(660 s\) must be at least 6× consumerTimeout \(120 s\)/,
    );
    // Exactly 6× is allowed.
    const { template: ok } = templateOf({
      consumerTimeout: Duration.minutes(2),
      visibilityTimeout: Duration.minutes(12),
    });
    ok.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 720 });
  });

  test('synth fails on the other conflicts, with the rule broken', () => {
    assert.throws(() => templateOf({ rpcTimeout: Duration.seconds(31) }), /rpcTimeout is at most 30 seconds/);
    assert.throws(() => templateOf({ consumerTimeout: Duration.minutes(16) }), /at most 15 minutes/);
    assert.throws(() => templateOf({ batchSize: 50 }), /maxBatchingWindow/);
    assert.throws(
      () => templateOf({ queueRetentionPeriod: Duration.days(14), deadLetterRetentionPeriod: Duration.days(7) }),
      /deadLetterRetentionPeriod must be at least queueRetentionPeriod/,
    );
    assert.throws(() => templateOf({ jobs: join(root, 'no/such/jobs.ts') }), /does not exist/);
  });
});

/** Load a bundle in a child `node` (this test run's own version) and call its handler. */
async function runBundle(file: string, script: string, env: Record<string, string> = {}): Promise<any> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--enable-source-maps',
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(`file://${file}`)});\n${script}`,
    ],
    {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        SKYTASK_TABLE: 'bundle-test',
        SKYTASK_QUEUE_URL: 'http://127.0.0.1:9/queue/bundle-test',
        SKYTASK_LOG_LEVEL: 'warn',
        ...env,
      },
      timeout: 30_000,
    },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `no result from ${file}: ${stdout}`);
  return JSON.parse(line.slice('RESULT '.length));
}

function bundleOf(json: any, functionId: string, dir: string) {
  const key: string = json.Resources[functionId].Properties.Code.S3Key;
  return join(dir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
}

const rpcCall = (method: string, params?: unknown) =>
  `const r = await m.handler({ body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: ${JSON.stringify(method)}, params: ${JSON.stringify(params)} }), isBase64Encoded: false, requestContext: { http: { sourceIp: '127.0.0.1' } } }, {});
   console.log('RESULT ' + r.body);`;

/** Call the handler with `event`; the result is its answer or the message it rejected with. */
const handlerCall = (event: unknown) =>
  `const r = await m.handler(${JSON.stringify(event)}, {}).then((ok) => ({ ok }), (err) => ({ error: String(err?.message ?? err) }));
   console.log('RESULT ' + JSON.stringify(r));`;

/** DynamoDB at a closed port, one attempt: a handler that gets as far as its first call fails fast, saying so. */
const unreachableAws = {
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'bundle-test',
  AWS_SECRET_ACCESS_KEY: 'bundle-test',
  AWS_MAX_ATTEMPTS: '1',
};

describe('bundles', () => {
  test(`each function bundles with the tested AWS SDK inside, loads and answers on Node ${process.versions.node}, within 900 KB`, async (t) => {
    const json = assembly.getStackByName('Test').template;
    for (const [name, id] of [
      ['consumer', ids.consumer],
      ['rpc', ids.rpc],
      ['scheduler', ids.scheduler],
      ['reconciler', ids.reconciler],
    ] as const) {
      const file = bundleOf(json, id, outdir);
      const kb = statSync(file).size / 1024;
      t.diagnostic(
        `${name} bundle: ${kb.toFixed(1)} KB (AWS SDK ${sdkVersion} inside), source map ${(statSync(`${file}.map`).size / 1024).toFixed(1)} KB`,
      );
      // 900: the S3 client and presigner (large payloads, docs/payloads.md) added about 240 KB.
      assert.ok(kb <= 900, `${name} bundle is ${kb.toFixed(1)} KB`);
      const source = readFileSync(file, 'utf8');
      assert.doesNotMatch(source, /#jobs/, 'the #jobs import is resolved at bundle time');
      // Not the runtime's copy: no import of @aws-sdk is left, and the SDK inside is the pinned one.
      assert.doesNotMatch(source, /(from|import\()\s*"@aws-sdk\//, 'the AWS SDK is bundled');
      assert.ok(source.includes(`"${sdkVersion}"`), `the bundle holds @aws-sdk ${sdkVersion}`);
    }
    // A batch with no records: the consumer handler runs end to end without touching AWS.
    assert.deepEqual(
      await runBundle(
        bundleOf(json, ids.consumer, outdir),
        `console.log('RESULT ' + JSON.stringify(await m.handler({ Records: [] }, {})));`,
      ),
      { batchItemFailures: [] },
    );
    assert.deepEqual(await runBundle(bundleOf(json, ids.rpc, outdir), rpcCall('ping')), {
      jsonrpc: '2.0',
      id: 1,
      result: 'pong',
    });
    // A regular job: job_list reads no schedule entry, so no AWS call.
    const jobs = await runBundle(bundleOf(json, ids.rpc, outdir), rpcCall('job_list', { jobnames: ['addition'] }));
    assert.deepEqual(
      jobs.result.map((j: { name: string }) => j.name),
      ['addition'],
      'the sample jobs are bundled',
    );

    const scheduler = bundleOf(json, ids.scheduler, outdir);
    assert.match((await runBundle(scheduler, handlerCall({}))).error, /not a scheduler event/);
    // The sample jobs are in its registry: a regular one is refused before any AWS call…
    assert.match(
      (await runBundle(scheduler, handlerCall({ job: 'addition', time: '2026-01-01T10:00:00Z' }))).error,
      /job "addition" is not periodic/,
    );
    // …and a periodic one goes as far as DynamoDB.
    assert.match(
      (await runBundle(scheduler, handlerCall({ job: 'testperiodic', time: '2026-01-01T10:00:00Z' }), unreachableAws))
        .error,
      /ECONNREFUSED|connect/,
    );
    // The reconciler's first call is the status index query.
    assert.match(
      (await runBundle(bundleOf(json, ids.reconciler, outdir), handlerCall({}), unreachableAws)).error,
      /ECONNREFUSED|connect/,
    );
  });

  test('`jobs` replaces #jobs: the bundle holds the given module, not the sample jobs', async () => {
    const { app, outdir: dir } = buildApp({ jobs: fixtureJobs }, { bundle: true });
    const json = app.synth().getStackByName('Test').template;
    const names = (
      await runBundle(
        bundleOf(
          json,
          Object.keys(json.Resources).find(
            (k) => k.startsWith('TasksRpc') && json.Resources[k].Type === 'AWS::Lambda::Function',
          )!,
          dir,
        ),
        rpcCall('job_list'),
      )
    ).result.map((j: { name: string }) => j.name);
    assert.deepEqual(names, ['team_only_job']);
  });
});
