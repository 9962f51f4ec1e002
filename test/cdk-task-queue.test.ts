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
import { mkdtempSync, readFileSync, rmSync, statSync, mkdirSync } from 'node:fs';
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
import { TaskQueue, type TaskQueueProps } from '../cdk/task-queue.js';
import { configFromEnv } from '../lib/config.js';
import { tableDefinition } from '../lib/dynamo-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const sampleJobs = join(root, 'examples/jobs.ts');
const fixtureJobs = join(root, 'test/fixtures/other-jobs.ts');
/** The feature flags `cdk synth` uses, so the template here is the one `npm run synth` makes. */
const cdkContext = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context;
// Bundles go under the worktree so that their external `@aws-sdk/*` imports resolve from node_modules.
const bundleRoot = join(root, 'node_modules/.cache/skytask-cdk-test');
mkdirSync(bundleRoot, { recursive: true });
const outdirs: string[] = [];

type Resources = Record<string, { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

function buildApp(props: Partial<TaskQueueProps>, options: { bundle?: boolean; nag?: boolean } = {}) {
  const outdir = mkdtempSync(join(options.bundle ? bundleRoot : tmpdir(), 'cdk-'));
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

function roleStatements(resources: Resources, name: 'Consumer' | 'Rpc') {
  const [, role] = only(resources, 'AWS::IAM::Role', (r) => r.Properties.Description === `skytask ${name} function`);
  return role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
}

const arrayOf = (v: unknown) => (Array.isArray(v) ? v : [v]);
const ref = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

let assembly: CloudAssembly;
let template: Template;
let resources: Resources;
let outdir: string;
let synthMs: number;
const ids: Record<string, string> = {};

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
  ids.queue = id(q.queue);
  ids.dlq = id(q.deadLetterQueue);
  ids.consumer = id(q.consumer);
  ids.rpc = id(q.rpcFunction);
  ids.consumerLogs = id(q.consumer.logGroup);
  ids.rpcLogs = id(q.rpcFunction.logGroup);
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
    assert.deepEqual(
      p.GlobalSecondaryIndexes.map((i: any) => i.IndexName).sort(),
      ['by_job', 'by_parent', 'by_status'],
    );
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
    assert.deepEqual(resources[ids.dlq].Properties, { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
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
    ] as const) {
      const p = resources[id].Properties;
      assert.equal(p.Runtime, 'nodejs24.x');
      assert.equal(p.Handler, 'index.handler');
      assert.equal(p.Timeout, timeout);
      assert.equal(p.MemorySize, memory);
      assert.deepEqual(p.LoggingConfig, { LogGroup: { Ref: logs } });
      assert.equal(p.Environment.Variables.NODE_OPTIONS, '--enable-source-maps');
    }
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the SQS event source: batch size, maximum concurrency, partial batch responses', () => {
    const [, mapping] = only(resources, 'AWS::Lambda::EventSourceMapping');
    assert.deepEqual(mapping.Properties, {
      EventSourceArn: ref(ids.queue),
      FunctionName: { Ref: ids.consumer },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  test('environment variables are the ones configFromEnv reads', () => {
    const envOf = (id: string) => {
      const vars: Record<string, unknown> = resources[id].Properties.Environment.Variables;
      // Tokens (Ref / GetAtt) stand for names and URLs known at deploy time.
      return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : `<${k}>`]));
    };
    const consumerEnv = envOf(ids.consumer);
    assert.deepEqual(resources[ids.consumer].Properties.Environment.Variables.SKYTASK_TABLE, { Ref: ids.table });
    assert.deepEqual(resources[ids.consumer].Properties.Environment.Variables.SKYTASK_QUEUE_URL, { Ref: ids.queue });
    assert.deepEqual(resources[ids.consumer].Properties.Environment.Variables.SKYTASK_DLQ_URL, { Ref: ids.dlq });
    const consumer = configFromEnv(consumerEnv);
    assert.equal(consumer.table, '<SKYTASK_TABLE>');
    assert.equal(consumer.queueUrl, '<SKYTASK_QUEUE_URL>');
    assert.equal(consumer.dlqUrl, '<SKYTASK_DLQ_URL>');
    assert.equal(consumer.concurrency, 5);
    assert.equal(consumer.leaseSeconds, resources[ids.consumer].Properties.Timeout);
    assert.equal(consumer.retentionSeconds, 7 * 86_400);

    const rpcEnv = envOf(ids.rpc);
    const rpc = configFromEnv(rpcEnv);
    assert.equal(rpc.table, '<SKYTASK_TABLE>');
    assert.equal(rpc.queueUrl, '<SKYTASK_QUEUE_URL>');
    assert.equal(rpc.dlqUrl, undefined, 'the RPC function has no use for the DLQ');
    assert.deepEqual(Object.keys(rpcEnv).sort(), ['NODE_OPTIONS', 'SKYTASK_QUEUE_URL', 'SKYTASK_RETENTION_DAYS', 'SKYTASK_TABLE']);
  });

  test('IAM: the consumer gets exactly what it calls', () => {
    const statements = roleStatements(resources, 'Consumer');
    assert.deepEqual(statements, [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: ref(ids.consumerLogs) },
      {
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: ref(ids.table),
      },
      {
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
          'sqs:SendMessage',
        ],
        Resource: ref(ids.queue),
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: ref(ids.dlq) },
    ]);
  });

  test('IAM: the RPC function gets exactly what it calls; Query on the three indexes only', () => {
    const index = (name: string) => ({ 'Fn::Join': ['', [ref(ids.table), `/index/${name}`]] });
    const statements = roleStatements(resources, 'Rpc');
    assert.deepEqual(statements, [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: ref(ids.rpcLogs) },
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: ref(ids.table),
      },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: [index('by_job'), index('by_parent'), index('by_status')] },
      { Effect: 'Allow', Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'], Resource: ref(ids.queue) },
    ]);
  });

  test('IAM: no wildcard action, no "*" resource, no managed policy, no other policy', () => {
    assert.equal(Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy').length, 0);
    const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');
    assert.equal(roles.length, 2);
    for (const role of roles) {
      assert.equal(role.Properties.ManagedPolicyArns, undefined);
      for (const s of role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)) {
        for (const action of arrayOf(s.Action)) assert.ok(!String(action).includes('*'), `wildcard action ${action}`);
        for (const resource of arrayOf(s.Resource)) assert.notEqual(resource, '*');
      }
    }
  });

  test('HTTP API: POST /rpc with IAM authorization, throttling and access logs on the stage', () => {
    const [, route] = only(resources, 'AWS::ApiGatewayV2::Route');
    assert.equal(route.Properties.RouteKey, 'POST /rpc');
    assert.equal(route.Properties.AuthorizationType, 'AWS_IAM');
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

  test('alarms: DLQ depth > 0, consumer errors and throttles, oldest message age, all to the topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
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
    alarm('ApproximateNumberOfMessagesVisible', { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } }, 0, 'Maximum');
    alarm('Errors', { Name: 'FunctionName', Value: { Ref: ids.consumer } }, 0, 'Sum');
    alarm('Throttles', { Name: 'FunctionName', Value: { Ref: ids.consumer } }, 0, 'Sum');
    alarm('ApproximateAgeOfOldestMessage', { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }, 3600, 'Maximum');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('outputs: RPC URL, queue URL, table name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: any }>;
    const value = (prefix: string) => Object.entries(outputs).find(([k]) => k.startsWith(prefix))?.[1].Value;
    const url = JSON.stringify(value('TasksRpcUrl'));
    assert.match(url, /https:\/\//);
    assert.match(url, /\/rpc"/);
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
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['skytask'] },
    });
    assert.throws(() => taskQueue.grantInvoke(new Role(new Stack(), 'R', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') })));
  });

  test('grantInvoke gives execute-api:Invoke on the route, nothing wider', () => {
    const { stack, taskQueue } = buildApp({});
    const caller = new Role(stack, 'Caller', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    taskQueue.grantInvoke(caller);
    const json = Template.fromStack(stack).toJSON();
    const policy = Object.values(json.Resources as Resources).find((r) => r.Type === 'AWS::IAM::Policy')!;
    const [statement] = policy.Properties.PolicyDocument.Statement;
    assert.equal(statement.Action, 'execute-api:Invoke');
    assert.match(JSON.stringify(statement.Resource), /\/POST\/rpc"/);
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
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1800, RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 300,
      MemorySize: 1024,
      Environment: {
        Variables: Match.objectLike({ SKYTASK_LEASE_SECONDS: '300', SKYTASK_CONCURRENCY: '20', SKYTASK_RETENTION_DAYS: '30' }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 10,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    t.resourceCountIs('AWS::SNS::Topic', 1);
    const alarms = t.findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(alarms)) {
      assert.equal(alarm.Properties.AlarmActions[0].Ref, stack.getLogicalId(topic.node.defaultChild as never));
    }
  });

  test('synth fails when the visibility timeout is under 6× the consumer timeout', () => {
    assert.throws(
      () => templateOf({ consumerTimeout: Duration.minutes(2), visibilityTimeout: Duration.minutes(11) }),
      /visibilityTimeout \(660 s\) must be at least 6× consumerTimeout \(120 s\)/,
    );
    // Exactly 6× is allowed.
    const { template: ok } = templateOf({ consumerTimeout: Duration.minutes(2), visibilityTimeout: Duration.minutes(12) });
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
async function runBundle(file: string, script: string): Promise<any> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', `const m = await import(${JSON.stringify(`file://${file}`)});\n${script}`],
    {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        SKYTASK_TABLE: 'bundle-test',
        SKYTASK_QUEUE_URL: 'http://127.0.0.1:9/queue/bundle-test',
        SKYTASK_LOG_LEVEL: 'warn',
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

const rpcCall = (method: string) =>
  `const r = await m.handler({ body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: ${JSON.stringify(method)} }), isBase64Encoded: false, requestContext: { http: { sourceIp: '127.0.0.1' } } }, {});
   console.log('RESULT ' + r.body);`;

describe('bundles', () => {
  test(`each function bundles, loads and answers on Node ${process.versions.node}, within 250 KB`, async (t) => {
    const json = assembly.getStackByName('Test').template;
    for (const [name, id] of [['consumer', ids.consumer], ['rpc', ids.rpc]] as const) {
      const file = bundleOf(json, id, outdir);
      const kb = statSync(file).size / 1024;
      t.diagnostic(`${name} bundle: ${kb.toFixed(1)} KB (AWS SDK external), source map ${(statSync(`${file}.map`).size / 1024).toFixed(1)} KB`);
      assert.ok(kb <= 250, `${name} bundle is ${kb.toFixed(1)} KB`);
      const source = readFileSync(file, 'utf8');
      assert.doesNotMatch(source, /#jobs/, 'the #jobs import is resolved at bundle time');
      assert.match(source, /from"@aws-sdk\/client-dynamodb"|from "@aws-sdk\/client-dynamodb"/, 'the AWS SDK stays external');
    }
    // A batch with no records: the consumer handler runs end to end without touching AWS.
    assert.deepEqual(
      await runBundle(bundleOf(json, ids.consumer, outdir), `console.log('RESULT ' + JSON.stringify(await m.handler({ Records: [] }, {})));`),
      { batchItemFailures: [] },
    );
    assert.deepEqual(await runBundle(bundleOf(json, ids.rpc, outdir), rpcCall('ping')), { jsonrpc: '2.0', id: 1, result: 'pong' });
    const jobs = await runBundle(bundleOf(json, ids.rpc, outdir), rpcCall('job_list'));
    assert.ok(jobs.result.some((j: { name: string }) => j.name === 'addition'), 'the sample jobs are bundled');
  });

  test('`jobs` replaces #jobs: the bundle holds the given module, not the sample jobs', async () => {
    const { app, outdir: dir } = buildApp({ jobs: fixtureJobs }, { bundle: true });
    const json = app.synth().getStackByName('Test').template;
    const names = (await runBundle(bundleOf(json, Object.keys(json.Resources).find((k) => k.startsWith('TasksRpc') && json.Resources[k].Type === 'AWS::Lambda::Function')!, dir), rpcCall('job_list'))).result.map(
      (j: { name: string }) => j.name,
    );
    assert.deepEqual(names, ['team_only_job']);
  });
});
