import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { scheduleKey } from '../../keys.js';
import type { ScheduleEntry } from '../../store.js';
import { batchGet, isConditionFailed, type TaskTable } from './table.js';

/** Record a periodic job's run at `slot`; false when that slot (or a later one) was recorded already. */
export async function recordRun(
  table: TaskTable,
  { job, slot, time, taskId }: { job: string; slot: number; time: number; taskId?: string },
): Promise<boolean> {
  try {
    // One count per slot: the write happens only for a slot later than the last one
    // recorded, so a repeated fire (EventBridge retry, a second local scheduler) or a
    // late retry of an older slot adds nothing.
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
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
}

/** The schedule entries of these jobs that exist (a job that never ran has none). */
export async function getScheduleEntries(table: TaskTable, jobs: string[]): Promise<Map<string, ScheduleEntry>> {
  const entries = new Map<string, ScheduleEntry>();
  for (const item of await batchGet(table, [...new Set(jobs)].map(scheduleKey))) {
    entries.set(item.job, {
      job: item.job,
      lastSlot: item.last_slot,
      lastRunAt: item.last_run_at,
      runsCount: item.runs_count ?? 0,
      lastTaskId: item.last_task_id,
    });
  }
  return entries;
}
