import { decodeCursor, encodeCursor, statusGroup } from '../keys.js';
import type { TaskPage, TaskQuery } from '../store.js';
import { ALL_STATUSES, type Task } from '../task.js';
import type { TaskRecord } from './task-record.js';

/**
 * `queryTasks` over records in memory, page for page as the DynamoDB adapter answers it.
 * The adapter reads index keys newest first, below the cursor's key, from the index that
 * serves the most selective filter (parent, else job and status group); reads those
 * tasks; drops the ones that are gone or past retention and the ones other filters
 * reject; and cuts a page after five such rounds even when it is short. Doing the same
 * rounds here gives the same pages and the same cursors, short pages included.
 */

const ROUNDS = 5;

const matches = (task: Task, q: TaskQuery) =>
  (!q.name || task.name === q.name) &&
  (!q.status || task.status === q.status) &&
  (!q.fromTask || task.fromTask === q.fromTask);

/**
 * Whether a record has an entry in the index partitions the adapter queries for `query`:
 * the parent's; else those of the job (if given) and of the status's group (if given).
 */
function indexedFor(query: TaskQuery): (record: TaskRecord) => boolean {
  if (query.fromTask) return (r) => r.fromTask === query.fromTask;
  const groups = new Set((query.status ? [query.status] : ALL_STATUSES).map(statusGroup));
  return (r) => (!query.name || r.name === query.name) && groups.has(statusGroup(r.status));
}

/**
 * One page of `query` over every stored record, past-retention ones included (the index
 * still holds them until they are deleted). `read` is the store's getTasks: it drops the
 * ids that read as absent.
 */
export function listTasks(records: Iterable<TaskRecord>, query: TaskQuery, read: (ids: string[]) => Task[]): TaskPage {
  if (query.ids) return { tasks: read(query.ids).filter((t) => matches(t, query)), cursor: null };
  let after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const indexed = indexedFor(query);
  const keys = [...records]
    .filter(indexed)
    .map((r) => ({ id: r.id, sortKey: r.sortKey }))
    .sort((a, b) => (a.sortKey < b.sortKey ? 1 : -1));
  const tasks: Task[] = [];
  for (let round = 0; round < ROUNDS && tasks.length < query.limit; round++) {
    const need = query.limit - tasks.length;
    const bound = after;
    const page = keys.filter((k) => bound === undefined || k.sortKey < bound).slice(0, need);
    if (page.length === 0) return { tasks, cursor: null };
    after = page[page.length - 1].sortKey;
    tasks.push(...read(page.map((k) => k.id)).filter((t) => matches(t, query)));
    if (page.length < need) return { tasks, cursor: null };
  }
  return { tasks, cursor: encodeCursor(after!) };
}
