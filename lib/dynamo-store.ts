import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TaskExistsError, ValidationError } from './errors.js';
import { LIMITS, truncate } from './limits.js';
import {
  INDEX,
  SHARDS,
  jobIndexKey,
  lockKey,
  scheduleKey,
  shardOf,
  statusIndexAttrs,
  statusIndexKey,
  taskKey,
  timeSortKey,
} from './keys.js';
import type { ClaimResult, ScheduleEntry, TaskPage, TaskQuery, TaskStore } from './store.js';
import { ALL_STATUSES, OPTIONAL_FIELDS, type Task } from './task.js';

export interface DynamoStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** Seconds a ready task is kept before its TTL deletes it. @default 7 days */
  retentionSeconds?: number;
}

type Item = Record<string, any>;

/** No live run holds the task: waiting for a run, or STARTED by a run whose lease expired (`:now`). */
const IDLE = `(#status IN (:queued_, :retry_) OR (#status = :started_ AND #lease_until < :now))`;

const isConditionFailed = (err: unknown) =>
  err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException';

/** Attributes of a task item; the names are the wire's. */
function toItem(task: Task): Item {
  const sk = timeSortKey(task.timeQueued, task.id);
  return {
    ...taskKey(task.id),
    id: task.id,
    name: task.name,
    status: task.status,
    kwargs: JSON.stringify(task.kwargs),
    time_queued: task.timeQueued,
    eta: task.eta,
    expiry: task.expiry,
    attempts: task.attempts,
    from_task: task.fromTask,
    lock_id: task.lockId,
    caller: task.caller,
    [INDEX.sortKey]: sk,
    [INDEX.byJob.pk]: jobIndexKey(task.name, shardOf(task.id)),
    ...statusIndexAttrs(task.id, task.status),
    ...(task.fromTask ? { [INDEX.byParent.pk]: task.fromTask } : {}),
  };
}

function fromItem(item: Item | undefined, now = Date.now() / 1000): Task | undefined {
  // TTL deletes within days, not on time: an expired item is already gone for readers.
  if (!item || (item.ttl !== undefined && item.ttl < now)) return undefined;
  const task: Task = {
    id: item.id,
    name: item.name,
    status: item.status,
    kwargs: JSON.parse(item.kwargs ?? '{}'),
    timeQueued: item.time_queued,
    attempts: item.attempts ?? 0,
  };
  if (item.result !== undefined) task.result = JSON.parse(item.result);
  if (item.errors !== undefined) task.errors = JSON.parse(item.errors);
  const optional: (readonly [keyof Task, string])[] = [
    ...OPTIONAL_FIELDS,
    // Bookkeeping that stays off the wire:
    ['leaseUntil', 'lease_until'],
    ['sendError', 'send_error'],
    ['revokeRequested', 'revoke_requested'],
    ['deadLettered', 'dead_lettered'],
    ['resends', 'resends'],
  ];
  for (const [field, attr] of optional) if (item[attr] !== undefined) (task as any)[field] = item[attr];
  return task;
}

function encodeCursor(sortKey: string): string {
  return Buffer.from(JSON.stringify({ k: sortKey })).toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const { k } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof k === 'string' && /^\d{14}#/.test(k)) return k;
  } catch {
    /* fall through */
  }
  throw new ValidationError('cursor is not one that get_tasks returned');
}

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
    AttributeDefinitions: ['pk', INDEX.byJob.pk, INDEX.byStatus.pk, INDEX.byParent.pk, INDEX.sortKey].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      index(INDEX.byJob.name, INDEX.byJob.pk),
      index(INDEX.byStatus.name, INDEX.byStatus.pk),
      index(INDEX.byParent.name, INDEX.byParent.pk),
    ],
  };
}

/** The DynamoDB adapter of the task store. */
export function createDynamoStore(options: DynamoStoreOptions): TaskStore {
  const doc = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const TableName = options.table;
  const retention = options.retentionSeconds ?? 7 * 24 * 3600;

  async function getTask(id: string): Promise<Task | undefined> {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: taskKey(id), ConsistentRead: true }));
    return fromItem(Item);
  }

  /**
   * One conditional UpdateItem on an existing task. Every attribute goes through a
   * #placeholder (several names are reserved words); `set` values that are undefined are
   * removed. Returns the new item, or undefined when the condition failed.
   */
  async function updateTask(
    id: string,
    op: { set?: Item; add?: Item; remove?: string[]; condition?: string; values?: Item },
  ): Promise<Item | undefined> {
    const names: Record<string, string> = {};
    const values: Item = { ...op.values };
    const name = (attr: string) => ((names[`#${attr}`] = attr), `#${attr}`);
    const sets: string[] = [];
    const removes = (op.remove ?? []).map(name);
    for (const [attr, value] of Object.entries(op.set ?? {})) {
      if (value === undefined) removes.push(name(attr));
      else sets.push(`${name(attr)} = :set_${attr}`), (values[`:set_${attr}`] = value);
    }
    const adds = Object.entries(op.add ?? {}).map(
      ([attr, n]) => ((values[`:add_${attr}`] = n), `${name(attr)} :add_${attr}`),
    );
    // Conditions must not need parentheses around them (DynamoDB refuses doubled ones).
    const condition = `attribute_exists(pk)${op.condition ? ` AND ${op.condition}` : ''}`;
    if (condition.includes(':queued_'))
      Object.assign(values, { ':queued_': 'QUEUED', ':retry_': 'RETRY', ':started_': 'STARTED' });
    for (const [, attr] of condition.matchAll(/#([a-z_]+)/g)) name(attr);
    const clauses = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${[...new Set(removes)].join(', ')}` : '',
      adds.length ? `ADD ${adds.join(', ')}` : '',
    ];
    try {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName,
          Key: taskKey(id),
          UpdateExpression: clauses.filter(Boolean).join(' '),
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes;
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
  }

  async function getTasks(ids: string[]): Promise<Task[]> {
    const unique = [...new Set(ids)];
    const found = new Map<string, Task>();
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Item[] | undefined = unique.slice(i, i + 100).map(taskKey);
      while (keys?.length) {
        const out = await doc.send(
          new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[TableName] ?? []) {
          const task = fromItem(item);
          if (task) found.set(task.id, task);
        }
        keys = out.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
      }
    }
    return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }

  /** Index partitions that hold every task matching the query's most selective filter. */
  function partitionsFor(query: TaskQuery): { index: string; pk: string; values: string[] } {
    const shards = [...Array(SHARDS).keys()];
    if (query.fromTask) return { index: INDEX.byParent.name, pk: INDEX.byParent.pk, values: [query.fromTask] };
    if (query.name) {
      const name = query.name;
      return { index: INDEX.byJob.name, pk: INDEX.byJob.pk, values: shards.map((s) => jobIndexKey(name, s)) };
    }
    const statuses = query.status ? [query.status] : ALL_STATUSES;
    const values = new Set(statuses.flatMap((st) => shards.map((s) => statusIndexKey(st, s))));
    return { index: INDEX.byStatus.name, pk: INDEX.byStatus.pk, values: [...values] };
  }

  const matches = (task: Task, q: TaskQuery) =>
    (!q.name || task.name === q.name) &&
    (!q.status || task.status === q.status) &&
    (!q.fromTask || task.fromTask === q.fromTask);

  async function queryTasks(query: TaskQuery): Promise<TaskPage> {
    if (query.ids) {
      return { tasks: (await getTasks(query.ids)).filter((t) => matches(t, query)), cursor: null };
    }
    const { index, pk, values } = partitionsFor(query);
    const tasks: Task[] = [];
    let after = query.cursor ? decodeCursor(query.cursor) : undefined;
    // Each round asks every partition for the next keys below `after`, merges them newest
    // first and reads the items. Filters on other fields can drop items, so a page may
    // take several rounds; it is cut after a few and returned short, with a cursor.
    for (let round = 0; round < 5 && tasks.length < query.limit; round++) {
      const need = query.limit - tasks.length;
      const pages = await Promise.all(
        values.map((value) =>
          doc.send(
            new QueryCommand({
              TableName,
              IndexName: index,
              KeyConditionExpression: after ? '#pk = :v AND #sk < :after' : '#pk = :v',
              ExpressionAttributeNames: after ? { '#pk': pk, '#sk': INDEX.sortKey } : { '#pk': pk },
              ExpressionAttributeValues: after ? { ':v': value, ':after': after } : { ':v': value },
              ScanIndexForward: false,
              Limit: need,
            }),
          ),
        ),
      );
      const keys = pages
        .flatMap((p) => p.Items ?? [])
        .sort((a, b) => (a[INDEX.sortKey] < b[INDEX.sortKey] ? 1 : -1))
        .slice(0, need);
      if (keys.length === 0) return { tasks, cursor: null };
      after = keys[keys.length - 1][INDEX.sortKey] as string;
      const items = await getTasks(keys.map((k) => (k.pk as string).slice('task#'.length)));
      tasks.push(...items.filter((t) => matches(t, query)));
      const exhausted = pages.every((p) => !p.LastEvaluatedKey) && keys.length < need;
      if (exhausted) return { tasks, cursor: null };
    }
    return { tasks, cursor: encodeCursor(after!) };
  }

  return {
    getTask,
    getTasks,
    queryTasks,

    async createTask(task) {
      try {
        // Guarantees one record per id: a second create of the same id fails.
        await doc.send(
          new PutCommand({ TableName, Item: toItem(task), ConditionExpression: 'attribute_not_exists(pk)' }),
        );
      } catch (err) {
        if (isConditionFailed(err)) throw new TaskExistsError(task.id);
        throw err;
      }
    },

    async claimTask({ id, now, leaseUntil, worker }): Promise<ClaimResult> {
      // Claim before run: only one delivery can move the task to STARTED as a new
      // attempt; a duplicate finds STARTED with a live lease (or a ready task) and fails
      // the check. Not claimable either: expired, not due yet, or being revoked.
      const item = await updateTask(id, {
        set: { status: 'STARTED', time_started: now, lease_until: leaseUntil, worker },
        add: { attempts: 1 },
        condition: `${IDLE} AND (attribute_not_exists(#expiry) OR #expiry > :now OR #attempts > :zero)
          AND (attribute_not_exists(#eta) OR #eta <= :due) AND attribute_not_exists(#revoke_requested)`,
        // Expiry is for tasks that never started. SQS delays are whole seconds and may
        // fire a little early.
        values: { ':now': now, ':due': now + 1, ':zero': 0 },
      });
      return item ? { claimed: true, task: fromItem(item)! } : { claimed: false, task: await getTask(id) };
    },

    async finishTask(id, attempt, outcome) {
      const ready = outcome.status !== 'RETRY';
      const errors = outcome.errors?.length ? JSON.stringify(outcome.errors) : undefined;
      // Fenced finish: only the attempt that holds the claim writes its outcome, so a run
      // that lost its lease cannot overwrite a newer attempt. A RETRY stays in the PENDING
      // index group: no index write.
      const item = await updateTask(id, {
        set: {
          status: outcome.status,
          ...(ready ? { [INDEX.byStatus.pk]: statusIndexKey(outcome.status, shardOf(id)) } : {}),
          time_ended: outcome.time,
          result: outcome.resultJson,
          error: outcome.error,
          stack: outcome.stack,
          errors,
          eta: outcome.eta,
          ttl: ready ? Math.ceil(outcome.time + retention) : undefined,
        },
        remove: ['lease_until', 'revoke_requested'],
        condition: '#status = :started AND #attempts = :attempt',
        values: { ':started': 'STARTED', ':attempt': attempt },
      });
      return item !== undefined;
    },

    async extendLease(id, attempt, leaseUntil) {
      // Only the attempt that holds the claim extends it.
      const item = await updateTask(id, {
        set: { lease_until: leaseUntil },
        condition: '#status = :started AND #attempts = :attempt',
        values: { ':started': 'STARTED', ':attempt': attempt },
      });
      return fromItem(item);
    },

    async requestRevoke(id) {
      const item = await updateTask(id, {
        set: { revoke_requested: true },
        condition: '#status = :started',
        values: { ':started': 'STARTED' },
      });
      return fromItem(item);
    },

    async endIdle(id, end) {
      // Only a task that no live run holds is ended here; a running or ready one fails
      // the check and is left as it is.
      const item = await updateTask(id, {
        set: {
          status: end.status,
          [INDEX.byStatus.pk]: statusIndexKey(end.status, shardOf(id)),
          time_ended: end.time,
          error: truncate(end.reason, LIMITS.errorChars),
          dead_lettered: end.deadLettered || undefined,
          ttl: Math.ceil(end.time + retention),
        },
        remove: ['lease_until'],
        condition: IDLE,
        values: { ':now': end.time },
      });
      return fromItem(item);
    },

    async markResent(id, seen) {
      // Two reconcilers that saw the same state count (and send) one re-send.
      const item = await updateTask(id, {
        set: { resends: seen + 1 },
        condition: seen ? '#resends = :seen' : 'attribute_not_exists(#resends)',
        values: seen ? { ':seen': seen } : {},
      });
      return item !== undefined;
    },

    async requeue(id) {
      const now = Date.now() / 1000;
      const item = await updateTask(id, {
        set: { status: 'QUEUED', [INDEX.byStatus.pk]: statusIndexKey('QUEUED', shardOf(id)) },
        remove: ['error', 'stack', 'time_ended', 'ttl', 'dead_lettered', 'eta', 'lease_until', 'resends'],
        condition: `(#status = :failure AND #dead_lettered = :true OR ${IDLE})`,
        values: { ':failure': 'FAILURE', ':true': true, ':now': now },
      });
      return fromItem(item);
    },

    async setSendError(id, message) {
      await updateTask(id, { set: { send_error: message }, remove: message === undefined ? ['send_error'] : [] });
    },

    async deleteTasks(ids) {
      const deleted = await Promise.all(
        [...new Set(ids)].map(async (id) => {
          const { Attributes } = await doc.send(
            new DeleteCommand({ TableName, Key: taskKey(id), ReturnValues: 'ALL_OLD' }),
          );
          return fromItem(Attributes) ? id : undefined;
        }),
      );
      return deleted.filter((id): id is string => id !== undefined);
    },

    async acquireLock(lockId, taskId, replacing) {
      try {
        // Non-overlap: at most one task holds a lock. A takeover succeeds only if the
        // holder is still the one the caller found ready or missing.
        await doc.send(
          new PutCommand({
            TableName,
            Item: { ...lockKey(lockId), task_id: taskId },
            ConditionExpression: replacing ? '#holder = :old' : 'attribute_not_exists(pk)',
            ExpressionAttributeNames: replacing ? { '#holder': 'task_id' } : undefined,
            ExpressionAttributeValues: replacing ? { ':old': replacing } : undefined,
          }),
        );
        return undefined;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        const { Item } = await doc.send(new GetCommand({ TableName, Key: lockKey(lockId), ConsistentRead: true }));
        // Released between our write and our read: report it held by nobody we know.
        return (Item?.task_id as string | undefined) ?? '';
      }
    },

    async releaseLock(lockId, taskId) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName,
            Key: lockKey(lockId),
            ConditionExpression: '#holder = :me',
            ExpressionAttributeNames: { '#holder': 'task_id' },
            ExpressionAttributeValues: { ':me': taskId },
          }),
        );
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
    },

    async recordRun({ job, slot, time, taskId }) {
      try {
        // One count per slot: the write happens only for a slot later than the last one
        // recorded, so a repeated fire (EventBridge retry, a second local scheduler) or a
        // late retry of an older slot adds nothing.
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: scheduleKey(job),
            UpdateExpression: taskId
              ? 'SET #job = :job, #slot = :slot, #at = :time, #task = :task ADD #count :one'
              : 'SET #job = :job, #slot = :slot, #at = :time REMOVE #task ADD #count :one',
            ConditionExpression: 'attribute_not_exists(#slot) OR #slot < :slot',
            ExpressionAttributeNames: {
              '#job': 'job',
              '#slot': 'last_slot',
              '#at': 'last_run_at',
              '#task': 'last_task_id',
              '#count': 'runs_count',
            },
            ExpressionAttributeValues: {
              ':job': job,
              ':slot': slot,
              ':time': time,
              ':one': 1,
              ...(taskId ? { ':task': taskId } : {}),
            },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailed(err)) return false;
        throw err;
      }
    },

    async getScheduleEntries(jobs) {
      const entries = new Map<string, ScheduleEntry>();
      const unique = [...new Set(jobs)];
      for (let i = 0; i < unique.length; i += 100) {
        let keys: Item[] | undefined = unique.slice(i, i + 100).map(scheduleKey);
        while (keys?.length) {
          const out = await doc.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys, ConsistentRead: true } } }),
          );
          for (const item of out.Responses?.[TableName] ?? []) {
            entries.set(item.job, {
              job: item.job,
              lastSlot: item.last_slot,
              lastRunAt: item.last_run_at,
              runsCount: item.runs_count ?? 0,
              lastTaskId: item.last_task_id,
            });
          }
          keys = out.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
        }
      }
      return entries;
    },

    async *tasksInStatus(statuses) {
      for (const status of statuses) {
        let cursor: string | undefined;
        do {
          const page = await queryTasks({ status, limit: 500, cursor });
          if (page.tasks.length) yield page.tasks;
          cursor = page.cursor ?? undefined;
        } while (cursor);
      }
    },

    async flush() {
      let ExclusiveStartKey: Item | undefined;
      do {
        const page = await doc.send(new ScanCommand({ TableName, ProjectionExpression: 'pk', ExclusiveStartKey }));
        const keys = page.Items ?? [];
        for (let i = 0; i < keys.length; i += 25) {
          let requests: any[] | undefined = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
          while (requests?.length) {
            const out: { UnprocessedItems?: Record<string, any[]> } = await doc.send(
              new BatchWriteCommand({ RequestItems: { [TableName]: requests } }),
            );
            requests = out.UnprocessedItems?.[TableName];
          }
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    },
  };
}
