import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { bodyKey, bodyRefOf } from '../../keys.js';
import { itemBytes, writeUnits } from '../../limits.js';
import { BODY_ATTR } from '../../task-items.js';
import type { Item, TaskTable } from './table.js';

import { BODY_SLACK_SECONDS } from '../../task-items.js';

export { BODY_SLACK_SECONDS, bodyTtl } from '../../task-items.js';

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
