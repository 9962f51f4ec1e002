import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { SETTINGS } from '../lib/settings.js';
import type { Resolved } from './resolve-props.js';
import type { TaskFunctionOptions } from './task-function.js';
import type { RoutedQueueResources } from './routed-queues.js';
import type { TaskQueues } from './task-queues.js';

/** What the TaskQueue's steps after the table and the queues build on. */
export interface TaskQueueCore extends TaskQueues {
  /** The props with their defaults, checked. */
  readonly props: Resolved;
  /** The absolute path of the jobs module bundled into the functions. */
  readonly jobsPath: string;
  readonly table: Table;
  /** Kwargs and results over a task item's budget (cdk/payload-bucket.ts). */
  readonly payloadBucket: Bucket;
  /** What every skytask function needs: table, queue URL, task retention. */
  readonly environment: Record<string, string>;
  /** Every routed queue's lanes and dead-letter queue, the default queue first (docs/routing.md). */
  readonly routes: readonly RoutedQueueResources[];
}

/** The environment every function gets (the names configFromEnv reads, from lib/settings.ts). */
export function baseEnvironment(table: Table, queues: TaskQueues, p: Resolved): Record<string, string> {
  return {
    [SETTINGS.table.env]: table.tableName,
    [SETTINGS.queueUrl.env]: queues.queue.queueUrl,
    [SETTINGS.retentionDays.env]: String(p.taskRetentionDays),
  };
}

/** The options every skytask function shares: its bundle's jobs module, its logs' retention and removal. */
export function sharedFunctionOptions(
  core: TaskQueueCore,
): Pick<TaskFunctionOptions, 'jobsPath' | 'logRetention' | 'removalPolicy'> {
  return { jobsPath: core.jobsPath, logRetention: core.props.logRetention, removalPolicy: core.props.removalPolicy };
}
