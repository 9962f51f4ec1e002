/**
 * A task's side items on DynamoDB (the layout: lib/task-side-items.ts): its body and its fail
 * item, which its head names. Each is put once under a fresh random ref, before the head that
 * names it is written, so no two writers ever write the same one; an item no head names (a
 * crash's, a lost race's, an earlier attempt's) is never read and its TTL removes it. Besides
 * that put, the only write a side item gets is its TTL moved on (`keepSideItems`).
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { itemBytes, writeUnits } from '../../limits.js';
import {
  BODY_ATTR,
  BODY_SLACK_SECONDS,
  type Failure,
  failItem,
  type SideItems,
  sideKeys,
  sidesOf,
} from '../../task-side-items.js';
import { batchGet, type Item, type TaskTable } from './table.js';

export { BODY_SLACK_SECONDS, bodyTtl } from '../../task-side-items.js';

/** A fresh ref for a side item: 9 random bytes, 12 characters (the memory store sizes items with as long a one). */
export const newRef = () => randomBytes(9).toString('base64url');

/**
 * The side items `head` names, read in one request (BatchGetItem, strongly consistent); none
 * for a head that names none. A body is written before its head and deleted after it, so a
 * named body exists: throws if it does not. A named fail item past its TTL may be gone: the
 * task then shows what its head holds.
 */
export async function sideItemsOf(table: TaskTable, head: Item): Promise<SideItems> {
  const keys = sideKeys(head);
  if (!keys.length) return {};
  const sides = sidesOf(head, await batchGet(table, keys));
  if (head[BODY_ATTR] !== undefined && !sides.body) throw new Error(`task ${head.pk}: its body is missing`);
  return sides;
}

/**
 * Put a fail item for task `id` under a fresh ref, unconditionally (no other writer has that
 * ref). Returns its ref, the item, and the write units of the put: its size in KB.
 */
export async function putFailItem(table: TaskTable, id: string, failure: Failure, ttl: number) {
  const ref = newRef();
  const item = failItem(id, ref, failure, ttl);
  await table.doc.send(new PutCommand({ TableName: table.name, Item: item }));
  return { ref, item, units: writeUnits(itemBytes(item)) };
}

/**
 * Keep a task's side items until at least `until` (epoch seconds): each whose TTL ends sooner
 * gets `until` plus the slack, an UpdateItem that costs its size in KB. Returns the write
 * units spent: 0 when none was short (the usual case: only a task claimed or ended more than a
 * day after it was due has one).
 */
export async function keepSideItems(table: TaskTable, sides: SideItems, until: number): Promise<number> {
  let units = 0;
  for (const item of [sides.body, sides.fail]) {
    if (!item || item.ttl >= until) continue;
    const ttl = Math.ceil(until + BODY_SLACK_SECONDS);
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':ttl': ttl },
      }),
    );
    item.ttl = ttl;
    units += writeUnits(itemBytes(item));
  }
  return units;
}
