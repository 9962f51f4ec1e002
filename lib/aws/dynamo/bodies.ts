import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { bodyKey, bodyRefOf } from '../../keys.js';
import { itemBytes, writeUnits } from '../../limits.js';
import { BODY_ATTR } from './item.js';
import type { Item, TaskTable } from './table.js';

/**
 * A task's body (lib/aws/dynamo/item.ts) holds kwargs too large for its head; it is written
 * once and never updated, so it cannot take its TTL from the task's end as the head does
 * (that would be a write as large as the body). It gets one at enqueue instead: the time the
 * task is due, plus the retention, plus this slack — the time it has to run and end. A claim
 * that finds less left moves it on (`keepBody`), as does an end that finds its head would
 * outlive the body. docs/storage.md: the body's lifetime.
 */
export const BODY_SLACK_SECONDS = 86_400;

/** The TTL a body gets when its task is due at `due` (epoch seconds). */
export const bodyTtl = (retentionSeconds: number, due: number) =>
  Math.ceil(due + retentionSeconds + BODY_SLACK_SECONDS);

/**
 * The body of a head, or undefined for a head that keeps its kwargs. Strongly consistent.
 * A body is written before its head and deleted with it, so a head's body exists.
 */
export async function bodyOf(table: TaskTable, id: string, head: Item): Promise<Item | undefined> {
  const ref = head[BODY_ATTR];
  if (ref === undefined) return undefined;
  const { Item } = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: bodyKey(id, ref), ConsistentRead: true }),
  );
  if (!Item) throw new Error(`task ${id}: its body ${ref} is missing`);
  return Item;
}

/**
 * Keep `body` until at least `until` (epoch seconds), moving its TTL to `until` plus the
 * slack when it ends earlier. Returns the write units it cost: 0, or the body's size in KB.
 */
export async function keepBody(table: TaskTable, id: string, body: Item | undefined, until: number): Promise<number> {
  if (!body || body.ttl >= until) return 0;
  const ttl = Math.ceil(until + BODY_SLACK_SECONDS);
  await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: bodyKey(id, bodyRefOf(body.sk)!),
      UpdateExpression: 'SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':ttl': ttl },
    }),
  );
  body.ttl = ttl;
  return writeUnits(itemBytes(body));
}
