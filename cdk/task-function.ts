import { existsSync } from 'node:fs';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { packageFile } from '../lib/package-file.js';
import { environmentErrors } from './environment-size.js';

/**
 * The Lambda entry points in functions/: the TypeScript sources in the repository, the
 * built .js in an installed package (node_modules/skytask/dist/functions/). esbuild
 * bundles either.
 */
export const FUNCTION_ENTRIES = {
  consumer: packageFile('functions/consumer.ts'),
  rpc: packageFile('functions/rpc.ts'),
  scheduler: packageFile('functions/scheduler.ts'),
  reconciler: packageFile('functions/reconciler.ts'),
} as const;

/**
 * The handlers import the team's jobs as `#jobs` (package.json "imports" maps it to the
 * sample jobs for this repository). esbuild's alias replaces that import with the given
 * file, so the bundle holds the team's jobs whatever skytask's own package.json says.
 */
export function bundlingFor(jobsPath: string): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    minify: true,
    sourceMap: true,
    // The .map stays beside the bundle; without the sources inside it, it is a third the size.
    sourcesContent: false,
    // The AWS SDK goes in the bundle: the version skytask pins and was tested with (its retry
    // rules, its errors), not whichever the runtime ships that day; and one bundled file
    // loads in half the time of the SDK's hundreds of modules (docs/deploy.md, the figures).
    bundleAwsSDK: true,
    mainFields: ['module', 'main'],
    // CommonJS dependencies bundled into ESM (pino) call require() for Node built-ins.
    banner:
      "import { createRequire as __skytaskRequire } from 'node:module'; const require = __skytaskRequire(import.meta.url);",
    esbuildArgs: { '--alias:#jobs': jobsPath },
  };
}

export interface TaskFunctionOptions {
  entry: string;
  jobsPath: string;
  timeout: Duration;
  memorySize: number;
  environment: Record<string, string>;
  /** Exactly what the function calls; log writing to its own log group is added here. */
  statements: PolicyStatement[];
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  description: string;
  /**
   * Asynchronous invocations (EventBridge Scheduler's): the retries of a failed run, and
   * the queue a run that still failed is sent to (its `sqs:SendMessage` is added here).
   */
  async?: { retryAttempts: number; deadLetterQueue: IQueue };
}

/**
 * One skytask Lambda function: its own log group, and its own role whose only policy is
 * inline and exact (no managed policy, so no logs:CreateLogGroup on `*`). The policy is
 * part of the role resource, so it exists before the function and its event source. The
 * synth fails when its environment would pass Lambda's 4 KB (cdk/environment-size.ts).
 */
export function createTaskFunction(scope: Construct, id: string, options: TaskFunctionOptions) {
  if (!existsSync(options.jobsPath)) {
    throw new Error(`TaskQueue: the jobs module "${options.jobsPath}" does not exist`);
  }
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: options.logRetention,
    removalPolicy: options.removalPolicy,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `skytask ${id} function`,
    inlinePolicies: {
      skytask: new PolicyDocument({
        statements: [
          new PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
          ...options.statements,
          ...(options.async
            ? [
                new PolicyStatement({
                  actions: ['sqs:SendMessage'],
                  resources: [options.async.deadLetterQueue.queueArn],
                }),
              ]
            : []),
        ],
      }),
    },
  });
  const fn = new NodejsFunction(scope, id, {
    entry: options.entry,
    handler: 'handler',
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    timeout: options.timeout,
    memorySize: options.memorySize,
    description: options.description,
    role,
    logGroup,
    environment: { ...options.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: bundlingFor(options.jobsPath),
    retryAttempts: options.async?.retryAttempts,
  });
  fn.node.addValidation({ validate: () => environmentErrors(fn) });
  if (options.async) {
    // Set on the resource, not with the `deadLetterQueue` prop: that one grants through a
    // second policy, and this role keeps its one inline policy.
    (fn.node.defaultChild as CfnFunction).deadLetterConfig = { targetArn: options.async.deadLetterQueue.queueArn };
  }
  return { fn, role, logGroup };
}
