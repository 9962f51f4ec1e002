import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  decodeCursor,
  encodeCursor,
  HEAD_SK,
  INDEX,
  jobIndexKey,
  SHARDS,
  STATUS_GROUPS,
  statusGroup,
  taskIdOfPartition,
  taskKey,
  taskPartition,
} from '../../keys.js';
import type { TaskPage, TaskQuery } from '../../store.js';
import type { Task, TaskStatus } from '../../task.js';
import { fromItems, sideKeys, sidesOf } from './item.js';
import { listedJobs } from './job-names.js';
import { batchGet, type Item, type TaskTable } from './table.js';

/**
 * The task, or undefined (also past its retention). Strongly consistent. One request: a
 * Query of the task's partition returns its head and its side items together (a body or fail
 * item a crashed or lost write, or an earlier attempt, left there is not the head's, and is
 * passed over).
 */
export async function getTask(table: TaskTable, id: string): Promise<Task | undefined> {
  const { Items = [] } = await table.doc.send(
    new QueryCommand({
      TableName: table.name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': taskPartition(id) },
      ConsistentRead: true,
    }),
  );
  const head = Items.find((item) => item.sk === HEAD_SK);
  return head && fromItems(head, sidesOf(head, Items));
}

/**
 * The tasks that exist among `ids`, in that order: their heads in one batch read, then the
 * side items they name (bodies and fail items) in another.
 */
export async function getTasks(table: TaskTable, ids: string[]): Promise<Task[]> {
  const heads = await batchGet(table, [...new Set(ids)].map(taskKey));
  const byTask = new Map<string, Item[]>();
  for (const item of await batchGet(table, heads.flatMap(sideKeys))) {
    byTask.set(item.pk, [...(byTask.get(item.pk) ?? []), item]);
  }
  const found = new Map<string, Task>();
  for (const head of heads) {
    const task = fromItems(head, sidesOf(head, byTask.get(head.pk) ?? []));
    if (task) found.set(task.id, task);
  }
  return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
}

/**
 * Index partitions that hold every task matching the query's most selective filter: the
 * parent's; else the job's, in the status's group or in every group; else, for a status
 * alone or no filter, every listed job's (job-names.ts).
 */
async function partitionsFor(
  table: TaskTable,
  query: TaskQuery,
): Promise<{ index: string; pk: string; values: string[] }> {
  if (query.fromTask) return { index: INDEX.byParent.name, pk: INDEX.byParent.pk, values: [query.fromTask] };
  const groups = query.status ? [statusGroup(query.status as TaskStatus)] : STATUS_GROUPS;
  const jobs = query.name ? [query.name] : await listedJobs(table);
  const values = jobs.flatMap((job) =>
    groups.flatMap((g) => [...Array(SHARDS).keys()].map((s) => jobIndexKey(job, g, s))),
  );
  return { index: INDEX.byJob.name, pk: INDEX.byJob.pk, values };
}

const matches = (task: Task, q: TaskQuery) =>
  (!q.name || task.name === q.name) &&
  (!q.status || task.status === q.status) &&
  (!q.fromTask || task.fromTask === q.fromTask);

/** The next `need` index keys below `after`, newest first, over every partition; and whether all are exhausted. */
async function nextKeys(table: TaskTable, query: TaskQuery, after: string | undefined, need: number) {
  const { index, pk, values } = await partitionsFor(table, query);
  const pages = await Promise.all(
    values.map((value) =>
      table.doc.send(
        new QueryCommand({
          TableName: table.name,
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
  const keys: Item[] = pages
    .flatMap((p) => p.Items ?? [])
    .sort((a, b) => (a[INDEX.sortKey] < b[INDEX.sortKey] ? 1 : -1))
    .slice(0, need);
  return { keys, exhausted: pages.every((p) => !p.LastEvaluatedKey) && keys.length < need };
}

/**
 * `get_tasks`, newest first. Each round asks every index partition for the next keys
 * below the cursor, merges them and reads the items. Filters on other fields can drop
 * items, so a page may take several rounds; it is cut after five and returned short,
 * with a cursor. Throws ValidationError for a cursor it did not return.
 */
export async function queryTasks(table: TaskTable, query: TaskQuery): Promise<TaskPage> {
  if (query.ids) return { tasks: (await getTasks(table, query.ids)).filter((t) => matches(t, query)), cursor: null };
  const tasks: Task[] = [];
  let after = query.cursor ? decodeCursor(query.cursor) : undefined;
  for (let round = 0; round < 5 && tasks.length < query.limit; round++) {
    const { keys, exhausted } = await nextKeys(table, query, after, query.limit - tasks.length);
    if (keys.length === 0) return { tasks, cursor: null };
    after = keys[keys.length - 1][INDEX.sortKey] as string;
    const items = await getTasks(
      table,
      keys.map((k) => taskIdOfPartition(k.pk)),
    );
    tasks.push(...items.filter((t) => matches(t, query)));
    if (exhausted) return { tasks, cursor: null };
  }
  return { tasks, cursor: encodeCursor(after!) };
}

/** Every task in one of these statuses, in pages of up to 500 (recovery, the reconciler). */
export async function* tasksInStatus(table: TaskTable, statuses: readonly TaskStatus[]): AsyncIterable<Task[]> {
  for (const status of statuses) {
    let cursor: string | undefined;
    do {
      const page = await queryTasks(table, { status, limit: 500, cursor });
      if (page.tasks.length) yield page.tasks;
      cursor = page.cursor ?? undefined;
    } while (cursor);
  }
}
