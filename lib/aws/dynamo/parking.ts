/**
 * Parking (lib/park-store.ts) on the task table: a park item per parked task, `park#<key>` /
 * `<order>` { token } (lib/keys.ts), and the head's move to WAITING. A park item is under 200 bytes
 * (1 write unit to put, 1 to delete) and has no index; the head's move is an UpdateItem of the
 * head alone (1 unit while it is under 1 KB) that changes no index key.
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { parkKey, parkPartition, taskIdOfOrder, timeSortKey } from '../../keys.js';
import type { ParkEntry, ParkStore } from '../../park-store.js';
import { NO_TIME } from './item.js';
import { isConditionFailed, type Item, type TaskTable } from './table.js';
import { updated } from './task-ends.js';
import { IDLE } from './update.js';

const entryOf = (key: string, item: Item): ParkEntry => ({
  key,
  order: item.sk,
  taskId: taskIdOfOrder(item.sk),
  token: item.token,
});

async function dropParked(table: TaskTable, entry: ParkEntry): Promise<void> {
  try {
    await table.doc.send(
      new DeleteCommand({
        TableName: table.name,
        Key: parkKey(entry.key, entry.order),
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':token': entry.token },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

async function parkTask(
  table: TaskTable,
  task: Parameters<ParkStore['parkTask']>[0],
  { key, now }: { key: string; now: number },
) {
  const entry: ParkEntry = {
    key,
    order: timeSortKey(task.timeQueued, task.id),
    taskId: task.id,
    token: randomUUID(),
  };
  // The item first: a crash before the head's move leaves an entry whose task is idle, which
  // a hand-on leaves until its task runs or parks (then it drops or finds it); the other
  // order would leave a parked task that no hand-on finds.
  await table.doc.send(
    new PutCommand({
      TableName: table.name,
      Item: { ...parkKey(key, entry.order), token: entry.token },
    }),
  );
  const written = await updated(
    table,
    task.id,
    {
      set: { status: 'WAITING', parked: key, lease_until: NO_TIME },
      condition: IDLE,
      values: { ':now': now },
    },
    now,
  );
  // Not idle: the entry stays (another delivery of the task may have parked it with this same
  // entry just now); the next hand-on drops it if its task is not parked.
  return written?.task;
}

/** The DynamoDB adapter's parking verbs. */
export function parkVerbs(table: TaskTable): ParkStore {
  return {
    parkTask: (task, park) => parkTask(table, task, park),
    async parkedOf(key, limit) {
      const out = await table.doc.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': parkPartition(key) },
          ConsistentRead: true,
          Limit: limit,
        }),
      );
      return (out.Items ?? []).map((item) => entryOf(key, item));
    },
    dropParked: (entry) => dropParked(table, entry),
  };
}
