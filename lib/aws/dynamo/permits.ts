import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { permitKey, permitPartition, windowKey } from '../../keys.js';
import {
  type HeldPermit,
  type PermitState,
  type PermitStore,
  type PermitTake,
  windowStart,
} from '../../permit-store.js';
import { type Item, isConditionFailed, type TaskTable } from './table.js';

/**
 * Seconds a permit or window item outlives its use before its TTL deletes it: a key no task
 * uses any more leaves nothing behind. (TTL deletes within days; nothing reads an expired
 * window, and an expired permit is free by its lease anyway.)
 */
const IDLE_TTL_SECONDS = 86_400;

/** Free permits are tried at most this many times per take before it counts the key as full. */
const TAKE_TRIES = 3;

const stateOf = (item: Item): PermitState => ({
  index: Number(item.sk),
  holder: item.holder,
  taskId: item.task_id,
  since: item.since,
  leaseUntil: item.lease_until ?? 0,
  lastSeconds: item.last_seconds,
});

/** Every permit item of `key` (one strongly consistent query: ~1 read unit per 4 KB, about 30 permits). */
async function permitsOf(table: TaskTable, key: string): Promise<PermitState[]> {
  const states: PermitState[] = [];
  let start: Item | undefined;
  do {
    const out = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': permitPartition(key) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    states.push(...(out.Items ?? []).map(stateOf));
    start = out.LastEvaluatedKey;
  } while (start);
  return states;
}

type Take = Omit<Parameters<PermitStore['takePermit']>[0], 'limit'>;

/**
 * One conditional write: hold permit `index` for `take.taskId` if it is free or its lease is
 * before `now` — or, with `from`, if `from` holds it (a permit passed on, or taken as passed).
 */
async function tryPermit(table: TaskTable, take: Take, index: number, from?: string) {
  const permit: HeldPermit = {
    key: take.key,
    index,
    holder: randomUUID(),
    since: take.now,
    leaseSeconds: take.leaseUntil - take.now,
  };
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: permitKey(take.key, index),
        UpdateExpression: 'SET holder = :h, task_id = :t, since = :now, lease_until = :l, #ttl = :ttl',
        // At most one live holder a permit: so never more than `limit` runs of a key at once.
        ConditionExpression: from ? 'holder = :from' : 'attribute_not_exists(holder) OR lease_until < :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ...(from ? { ':from': from } : {}),
          ':h': permit.holder,
          ':t': take.taskId,
          ':now': take.now,
          ':l': take.leaseUntil,
          ':ttl': Math.ceil(take.leaseUntil + IDLE_TTL_SECONDS),
        },
      }),
    );
    return permit;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    return undefined;
  }
}

async function takePermit(table: TaskTable, take: Parameters<PermitStore['takePermit']>[0]): Promise<PermitTake> {
  const permits = await permitsOf(table, take.key);
  // A permit a run passed to this task (passPermit) is this task's to take.
  const passed = permits.find(
    (p) => p.taskId === take.taskId && p.holder && p.leaseUntil >= take.now && p.index < take.limit,
  );
  const adopted = passed && (await tryPermit(table, take, passed.index, passed.holder));
  if (adopted) return { taken: true, permit: adopted };
  const held = new Map(permits.filter((p) => p.holder && p.leaseUntil >= take.now).map((p) => [p.index, p]));
  const free = Array.from({ length: take.limit }, (_, i) => i).filter((i) => !held.has(i));
  // Start at a random free permit: takers of one key seldom race for the same item.
  const offset = Math.floor(Math.random() * free.length);
  for (let n = 0; n < Math.min(free.length, TAKE_TRIES); n++) {
    const permit = await tryPermit(table, take, free[(offset + n) % free.length]);
    if (permit) return { taken: true, permit };
  }
  return { taken: false, permits: permits.filter((p) => p.index < take.limit) };
}

/** A conditional UpdateItem on a permit still held by `permit.holder`; false when it is not. */
async function updateHeld(table: TaskTable, permit: HeldPermit, update: string, values: Item): Promise<boolean> {
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: permitKey(permit.key, permit.index),
        UpdateExpression: update,
        ConditionExpression: 'holder = :h',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':h': permit.holder, ...values },
      }),
    );
    return true;
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    return false;
  }
}

/** The DynamoDB adapter's permit and window verbs: one conditional write each. */
export function permitVerbs(table: TaskTable): PermitStore {
  return {
    takePermit: (take) => takePermit(table, take),
    extendPermit: (permit, leaseUntil) =>
      updateHeld(table, permit, 'SET lease_until = :l, #ttl = :ttl', {
        ':l': leaseUntil,
        ':ttl': Math.ceil(leaseUntil + IDLE_TTL_SECONDS),
      }),
    async releasePermit(permit, now) {
      await updateHeld(table, permit, 'REMOVE holder, task_id SET lease_until = :z, last_seconds = :s, #ttl = :ttl', {
        ':z': 0,
        ':s': Math.max(0, Math.round((now - permit.since) * 1000) / 1000),
        ':ttl': Math.ceil(now + IDLE_TTL_SECONDS),
      });
    },
    passPermit: (permit, to) => tryPermit(table, { ...to, key: permit.key }, permit.index, permit.holder),
    permitsOf: (key) => permitsOf(table, key),
    async takeWindow({ key, max, per, now }) {
      const window = windowStart(now, per);
      try {
        // One counter a key and window; a start is counted only below `max`.
        await table.doc.send(
          new UpdateCommand({
            TableName: table.name,
            Key: windowKey(key, window),
            UpdateExpression: 'ADD n :one SET #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(n) OR n < :max',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':one': 1, ':max': max, ':ttl': window + per + IDLE_TTL_SECONDS },
          }),
        );
        return { taken: true };
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        return { taken: false, retryAt: window + per };
      }
    },
  };
}
