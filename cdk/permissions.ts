/** The policy statements the functions and roles of a TaskQueue are built from: exact actions, exact resources. */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/** `dynamodb:<action>` on the table itself (not its indexes). */
export function tableStatement(table: Table, actions: string[]): PolicyStatement {
  return new PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [table.tableArn] });
}

/** `dynamodb:Query` on the named indexes only. */
export function indexQueryStatement(table: Table, indexes: string[]): PolicyStatement {
  return new PolicyStatement({
    actions: ['dynamodb:Query'],
    resources: indexes.map((name) => `${table.tableArn}/index/${name}`),
  });
}

/**
 * SendMessage on the task queue (SendMessageBatch is the same action), with `more`
 * actions on it; and the key's data-key actions if the queue were under a KMS key
 * (it is SQS-managed today, which needs none).
 */
export function queueSendStatements(queue: IQueue, more: string[] = []): PolicyStatement[] {
  const key = queue.encryptionMasterKey;
  return [
    new PolicyStatement({ actions: ['sqs:SendMessage', ...more], resources: [queue.queueArn] }),
    ...(key ? [new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] })] : []),
  ];
}
