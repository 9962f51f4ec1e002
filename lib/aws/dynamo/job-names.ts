import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JOBS_KEY } from '../../keys.js';
import type { TaskTable } from './table.js';

/**
 * The job names that have tasks, one item (`jobs`, a string set). The `by_job` index keys a
 * task by its job and status group together (lib/keys.ts), so a listing by status alone
 * queries each job's partitions, and reads the names here first.
 *
 * A task's job is listed before the task is written: a crash in between leaves a name with
 * no task (a listing pays a few empty queries), never a task that no listing finds. Each
 * store lists a name once (`table.jobsListed`), so the item costs a write per job and
 * process, not per task; a string set's ADD is idempotent and atomic.
 */
export async function listJob(table: TaskTable, job: string): Promise<void> {
  if (table.jobsListed.has(job)) return;
  await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: JOBS_KEY,
      UpdateExpression: 'ADD #names :name',
      ExpressionAttributeNames: { '#names': 'names' },
      ExpressionAttributeValues: { ':name': new Set([job]) },
    }),
  );
  table.jobsListed.add(job);
}

/** Every job name that has (or had) tasks, sorted. Strongly consistent. */
export async function listedJobs(table: TaskTable): Promise<string[]> {
  const { Item } = await table.doc.send(new GetCommand({ TableName: table.name, Key: JOBS_KEY, ConsistentRead: true }));
  return [...((Item?.names as Set<string> | undefined) ?? [])].sort();
}
