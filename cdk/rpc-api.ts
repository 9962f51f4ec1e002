/**
 * The JSON-RPC side of a TaskQueue: the RPC function, and the HTTP API that calls it on
 * `POST /rpc` (every method) and `POST /rpc/read` (the read methods only).
 */
import { acknowledgePayloadWildcards, payloadAccess } from './payload-bucket.js';
import { Validations } from 'aws-cdk-lib';
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
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { INDEX } from '../lib/keys.js';
import { RPC_ROUTES } from '../lib/rpc/access.js';
import { SETTINGS } from '../lib/settings.js';
import { indexQueryStatement, tableStatement } from './permissions.js';
import type { Resolved } from './resolve-props.js';
import { deadLettersStatement, routesStatement } from './routed-queues.js';
import { schedulesInGroupArn } from './schedules.js';
import { FUNCTION_ENTRIES, createTaskFunction } from './task-function.js';
import { sharedFunctionOptions, type TaskQueueCore } from './task-queue-core.js';
import type { Timer } from './task-schedules.js';

/**
 * The JSON-RPC function: every method, the dead-letter redrive, and the timer for tasks
 * due beyond SQS's 15 minutes (a one-time schedule in the timer's group, passing its role).
 */
export function createRpcFunction(scope: Construct, core: TaskQueueCore, timer: Timer): NodejsFunction {
  const { props: p } = core;
  const payloads = payloadAccess(core.payloadBucket, 'rpc');
  const rpc = createTaskFunction(scope, 'Rpc', {
    ...sharedFunctionOptions(core),
    entry: FUNCTION_ENTRIES.rpc,
    description: 'skytask JSON-RPC: POST /rpc',
    timeout: p.rpcTimeout,
    memorySize: p.rpcMemorySize,
    environment: {
      ...core.environment,
      // queue_stats and list_dead_letters count the dead letters; redrive_dead_letters moves
      // them back, purge_dead_letters deletes them.
      [SETTINGS.dlqUrl.env]: core.deadLetterQueue.queueUrl,
      // queue_task with a delay or eta beyond 15 minutes arms the timer.
      [SETTINGS.timerGroup.env]: timer.group.name!,
      [SETTINGS.timerRoleArn.env]: timer.role.roleArn,
      [SETTINGS.queueArn.env]: core.queue.queueArn,
      [SETTINGS.deadLetterQueueArn.env]: core.deadLetterQueue.queueArn,
      // presign_kwargs, queue_task's kwargs_ref, get_task's payloads.
      ...payloads.environment,
    },
    statements: [...rpcStatements(scope, core, timer), ...payloads.statements],
  });
  acknowledgePayloadWildcards(rpc.role, core.payloadBucket, 'rpc');
  // The one wildcard of the stack, acknowledged for this resource and this ARN only.
  Validations.of(rpc.role).acknowledge({
    id:
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:' +
      `schedule/${timer.group.name}/*]`,
    reason:
      'The timer names each one-time schedule after its task (t-<task id>), so the names exist only at run ' +
      'time: CreateSchedule is allowed on the schedules of the timer group, and on no other group.',
  });
  return rpc.fn;
}

function rpcStatements(scope: Construct, core: TaskQueueCore, timer: Timer): PolicyStatement[] {
  return [
    // queue_task, get_task and wait_for_task (a Query of the task's items), delete_tasks,
    // revoke_task; the redrive's requeue, the purge's mark; get_tasks, list_dead_letters and
    // job_list (schedule entries) read items in batches.
    tableStatement(core.table, ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchGetItem']),
    // get_tasks lists through the indexes.
    indexQueryStatement(core.table, [INDEX.byJob.name, INDEX.byParent.name]),
    // queue_task and the redrive send, to any lane of any routed queue; num_tasks and
    // queue_stats read the depths.
    routesStatement(core.routes, ['sqs:SendMessage', 'sqs:GetQueueAttributes']),
    // redrive_dead_letters and purge_dead_letters receive and delete; queue_stats reads the depth.
    deadLettersStatement(core.routes, ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']),
    // The timer: a one-time schedule in its group only, passing its role only.
    new PolicyStatement({
      actions: ['scheduler:CreateSchedule'],
      resources: [schedulesInGroupArn(scope, timer.group)],
    }),
    new PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [timer.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }),
  ];
}

/** The HTTP API in front of the RPC function. */
export interface RpcApi {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** `POST /rpc`: every method. */
  readonly rpcRoute: HttpRoute;
  /** `POST /rpc/read`: the read methods only (lib/rpc/access.ts). */
  readonly readRoute: HttpRoute;
  readonly accessLogs: LogGroup;
  /** `https://…/rpc` */
  readonly rpcUrl: string;
  /** `https://…/rpc/read` */
  readonly readUrl: string;
}

/**
 * An HTTP API with two routes to the same function, `POST /rpc` and `POST /rpc/read`,
 * each authorized by IAM (or JWTs with `jwt`), with stage throttling and JSON access logs
 * in their own log group. Two routes, so that IAM can grant the read methods alone: the
 * function serves on the read route only the read methods, by the `routeKey` API Gateway
 * gives it (functions/rpc-handler.ts).
 */
export function createRpcApi(
  scope: Construct,
  p: Pick<Resolved, 'logRetention' | 'removalPolicy' | 'throttleRateLimit' | 'throttleBurstLimit' | 'jwt'>,
  rpcFunction: IFunction,
): RpcApi {
  const accessLogs = new LogGroup(scope, 'ApiAccessLogs', {
    retention: p.logRetention,
    removalPolicy: p.removalPolicy,
  });
  const api = new HttpApi(scope, 'Api', { description: 'skytask JSON-RPC', createDefaultStage: false });
  const stage = api.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: p.throttleRateLimit, burstLimit: p.throttleBurstLimit },
    accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat() },
  });
  const authorizer: IHttpRouteAuthorizer = p.jwt
    ? new HttpJwtAuthorizer('JwtAuthorizer', p.jwt.issuer, { jwtAudience: p.jwt.audience })
    : new HttpIamAuthorizer();
  const integration = new HttpLambdaIntegration('RpcIntegration', rpcFunction);
  const [rpcRoute] = api.addRoutes({
    path: RPC_ROUTES.all,
    methods: [HttpMethod.POST],
    integration,
    authorizer,
    authorizationScopes: p.jwt?.scopes,
  });
  // With JWTs: a token with a read scope, or with a scope of the full route, may read.
  const readScopes = p.jwt?.readScopes && [...p.jwt.readScopes, ...(p.jwt.scopes ?? [])];
  const [readRoute] = api.addRoutes({
    path: RPC_ROUTES.read,
    methods: [HttpMethod.POST],
    integration,
    authorizer,
    authorizationScopes: readScopes ?? p.jwt?.scopes,
  });
  const url = (path: string) => `${stage.url}${path.slice(1)}`;
  return { api, stage, rpcRoute, readRoute, accessLogs, rpcUrl: url(RPC_ROUTES.all), readUrl: url(RPC_ROUTES.read) };
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
