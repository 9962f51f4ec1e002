import { ConditionalCheckFailedException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX, JOBS_KEY } from '../../keys.js';
import { type Backoff, DYNAMO_BATCH_BACKOFF, sendUntilDone } from '../backoff.js';
import type { Item, SideItems } from '../../task-side-items.js';

export type { Item };

/** The task table an adapter function works on. */
export interface TaskTable {
  doc: DynamoDBDocumentClient;
  name: string;
  /** Seconds a ready task is kept before its TTL deletes it. */
  retentionSeconds: number;
  /** How batch reads and writes wait before sending what DynamoDB left undone. @default DYNAMO_BATCH_BACKOFF */
  backoff?: Backoff;
  /** Job names this store has written to the list of job names (job-names.ts). */
  jobsListed: Set<string>;
  /** The attempts this store has claimed and not finished yet, by task id (task-writes.ts). */
  running: Map<string, RunningAttempt>;
  /** Whether a job's state changes are marked in the task's outbox (outbox.ts); none without. */
  outbox?: (job: string) => boolean;
}

/**
 * What a store keeps of an attempt it claimed, until its finish: the head as last written
 * (what the finish counts its own write units from, and answers with), the side items the
 * claim read (so heartbeats and the finish answer with the kwargs and the last error without
 * reading them again), and the write units of the attempt's writes so far (claim, heartbeats),
 * which the finish records.
 */
export interface RunningAttempt {
  head: Item;
  sides: SideItems;
  units: number;
}

/** Whether a write failed its ConditionExpression (the SDK's class, or its name through another copy of the SDK). */
export const isConditionFailed = (err: unknown) =>
  err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException';

/** The table as skytask needs it (the local stack and tests create it; the CDK construct mirrors it). */
export function tableDefinition(table: string): CreateTableCommandInput {
  const index = (name: string, pk: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' as const },
      { AttributeName: INDEX.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' as const },
  });
  return {
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', INDEX.byJob.pk, INDEX.byParent.pk, INDEX.sortKey].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    // A task is a partition: its head and side items read together with one Query (lib/keys.ts).
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [index(INDEX.byJob.name, INDEX.byJob.pk), index(INDEX.byParent.name, INDEX.byParent.pk)],
  };
}

/**
 * Strongly consistent BatchGetItem of any number of keys, 100 a request; items in no
 * order. Unprocessed keys are sent again after a jittered, growing wait (`table.backoff`);
 * throws a SkytaskError when they are still left after its last round.
 */
export async function batchGet(table: TaskTable, keys: Item[]): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    await sendUntilDone(
      keys.slice(i, i + 100),
      async (batch) => {
        const out = await table.doc.send(
          new BatchGetCommand({ RequestItems: { [table.name]: { Keys: batch, ConsistentRead: true } } }),
        );
        items.push(...(out.Responses?.[table.name] ?? []));
        return out.UnprocessedKeys?.[table.name]?.Keys as Item[] | undefined;
      },
      table.backoff ?? DYNAMO_BATCH_BACKOFF,
      'BatchGetItem',
    );
  }
  return items;
}

/**
 * Delete every item (tests and local resets) but the list of job names, which a store
 * elsewhere may take as written already (a name with no tasks left only adds empty queries
 * to a listing): a scan of the keys, BatchWriteItem 25 a request (unprocessed ones as in
 * `batchGet`).
 */
export async function flushTable(table: TaskTable): Promise<void> {
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await table.doc.send(
      new ScanCommand({ TableName: table.name, ProjectionExpression: 'pk, sk', ExclusiveStartKey }),
    );
    const keys = (page.Items ?? []).filter((k) => k.pk !== JOBS_KEY.pk);
    for (let i = 0; i < keys.length; i += 25) {
      await sendUntilDone(
        keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })),
        async (requests) => {
          const out: { UnprocessedItems?: Record<string, any[]> } = await table.doc.send(
            new BatchWriteCommand({ RequestItems: { [table.name]: requests } }),
          );
          return out.UnprocessedItems?.[table.name];
        },
        table.backoff ?? DYNAMO_BATCH_BACKOFF,
        'BatchWriteItem',
      );
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}
