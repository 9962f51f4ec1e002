import { createRequire } from 'node:module';
import { Names, Stack } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule, CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EventBridgeSchedule } from '../lib/eventbridge-schedule.js';
import { createRegistry, type JobRegistry } from '../lib/registry.js';
import { SCHEDULES } from './defaults.js';

/**
 * The jobs module's registry, loaded at synth (the construct deploys one schedule per
 * periodic job, and checks every job against its props). `require()` because a constructor cannot await an `import()`: the
 * CDK app runs under tsx, which loads a TypeScript ES module that way (so does plain
 * Node ≥ 20.19 for a JavaScript one without top-level await). Registry errors (a
 * duplicate name, a schedule that makes no sense) fail the synth as they are.
 */
export function jobsOf(jobsPath: string): JobRegistry {
  let exports: unknown;
  try {
    exports = createRequire(import.meta.url)(jobsPath);
  } catch (err) {
    throw new Error(
      `TaskQueue: cannot load the jobs module "${jobsPath}" to read its jobs; run the CDK app with tsx ` +
        `("app": "npx tsx cdk/app.ts" in cdk.json): ${(err as Error).message}`,
      { cause: err },
    );
  }
  return createRegistry(exports);
}

/**
 * A schedule group named at synth after its construct path (unique per stack, ≤ 64
 * characters), so that its name and its schedules' ARNs are plain strings in policies.
 */
export function createScheduleGroup(scope: Construct, id: string): CfnScheduleGroup {
  const group = new CfnScheduleGroup(scope, id, {});
  group.name = Names.uniqueResourceName(group, { maxLength: 64, separator: '-' });
  return group;
}

/** `arn:…:schedule/<group>/*`: the schedules of one group (CreateSchedule's resource). */
export function schedulesInGroupArn(scope: Construct, group: CfnScheduleGroup): string {
  return Stack.of(scope).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${group.name}/*` });
}

/**
 * A role EventBridge Scheduler assumes for the schedules of one group, and only those:
 * the trust policy names this account and the group's ARN, which Scheduler passes as
 * `aws:SourceArn` (the confused-deputy guard AWS advises). Its one inline policy holds exactly `statements`.
 */
export function createSchedulerRole(
  scope: Construct,
  id: string,
  options: { description: string; group: CfnScheduleGroup; statements: PolicyStatement[] },
): Role {
  return new Role(scope, id, {
    description: options.description,
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(scope).account, 'aws:SourceArn': options.group.attrArn },
      },
    }),
    inlinePolicies: { skytask: new PolicyDocument({ statements: options.statements }) },
  });
}

/** What a role needs to invoke one function from a schedule and dead-letter what it cannot deliver. */
export function invokeStatements(fn: IFunction, deadLetterQueue: IQueue): PolicyStatement[] {
  return [
    new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
    new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }),
  ];
}

export interface FunctionScheduleOptions {
  group: CfnScheduleGroup;
  /** A role from `createSchedulerRole` with `invokeStatements` for `fn`. */
  role: Role;
  fn: IFunction;
  schedule: EventBridgeSchedule;
  /** The event the function receives, as JSON. */
  input: unknown;
  description: string;
  deadLetterQueue: IQueue;
}

/**
 * A recurring schedule that invokes a function (asynchronously: Scheduler's retries
 * cover the invoke call, the function's own async settings cover its run). Exactly on
 * time (no flexible window); what Scheduler cannot deliver within the retry policy goes
 * to the dead-letter queue.
 */
export function createFunctionSchedule(scope: Construct, id: string, options: FunctionScheduleOptions): CfnSchedule {
  const { schedule } = options;
  return new CfnSchedule(scope, id, {
    groupName: options.group.name,
    description: options.description.slice(0, 512),
    scheduleExpression: schedule.expression,
    scheduleExpressionTimezone: schedule.timezone,
    flexibleTimeWindow: { mode: 'OFF' },
    state: 'ENABLED',
    target: {
      arn: options.fn.functionArn,
      roleArn: options.role.roleArn,
      input: JSON.stringify(options.input),
      retryPolicy: {
        maximumEventAgeInSeconds: SCHEDULES.maximumEventAge.toSeconds(),
        maximumRetryAttempts: SCHEDULES.maximumRetryAttempts,
      },
      deadLetterConfig: { arn: options.deadLetterQueue.queueArn },
    },
  });
}
