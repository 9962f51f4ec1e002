import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { tableDefinition } from '../lib/aws/dynamo/table.js';

/**
 * The task table: the one `tableDefinition()` in lib/aws/dynamo/table.ts describes, which the
 * local stack creates too. On demand, point-in-time recovery on, TTL on the attribute
 * lib/aws/dynamo/task-writes.ts writes on ready tasks, KEYS_ONLY indexes.
 */
export function createTaskTable(scope: Construct, removalPolicy: RemovalPolicy): Table {
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
  const table = new Table(scope, 'Table', {
    partitionKey: keyOf(def.KeySchema, 'HASH')!,
    sortKey: keyOf(def.KeySchema, 'RANGE'),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // The attribute lib/aws/dynamo/task-writes.ts writes on ready tasks.
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
