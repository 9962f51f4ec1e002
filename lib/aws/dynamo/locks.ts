import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { lockKey } from '../../keys.js';
import { isConditionFailed, type TaskTable } from './table.js';

/**
 * Take the non-overlap lock `lockId` for `taskId`; with `replacing`, only while that task
 * still holds it (a takeover). Returns undefined when taken, else the holder's id ('' when
 * it was released between the failed write and the read).
 */
export async function acquireLock(
  table: TaskTable,
  lockId: string,
  taskId: string,
  replacing?: string,
): Promise<string | undefined> {
  try {
    // Non-overlap: at most one task holds a lock. A takeover succeeds only if the holder
    // is still the one the caller found ready or missing.
    await table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: { ...lockKey(lockId), task_id: taskId },
        ConditionExpression: replacing ? '#holder = :old' : 'attribute_not_exists(pk)',
        ExpressionAttributeNames: replacing ? { '#holder': 'task_id' } : undefined,
        ExpressionAttributeValues: replacing ? { ':old': replacing } : undefined,
      }),
    );
    return undefined;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const { Item } = await table.doc.send(
      new GetCommand({ TableName: table.name, Key: lockKey(lockId), ConsistentRead: true }),
    );
    return (Item?.task_id as string | undefined) ?? '';
  }
}

/** Release the lock if `taskId` still holds it (a takeover may have moved it on). */
export async function releaseLock(table: TaskTable, lockId: string, taskId: string): Promise<void> {
  try {
    await table.doc.send(
      new DeleteCommand({
        TableName: table.name,
        Key: lockKey(lockId),
        ConditionExpression: '#holder = :me',
        ExpressionAttributeNames: { '#holder': 'task_id' },
        ExpressionAttributeValues: { ':me': taskId },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
