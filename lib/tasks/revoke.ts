import { ConflictError, SkytaskError, TaskNotFoundError } from '../errors.js';
import { taskLogger } from '../log.js';
import { isReady, type Task } from '../task.js';
import type { TaskDeps } from './deps.js';
import { endTask } from './end.js';
import type { PublishDeps } from './publish.js';

/**
 * `revoke_task`: a queued or delayed task becomes REVOKED and never runs (its lock is
 * released); a running one is asked to stop — its run sees the request at its next
 * heartbeat, aborts the job's `ctx.signal` and records REVOKED. Returns the task as it is
 * then. Throws TaskNotFoundError for an unknown id, ConflictError (→ -32003) for a ready
 * task, and SkytaskError if the task kept changing state under three tries.
 */
export async function revokeTask(deps: PublishDeps & Pick<TaskDeps, 'logger'>, id: string): Promise<Task> {
  for (let i = 0; i < 3; i++) {
    const task = await deps.store.getTask(id);
    if (!task) throw new TaskNotFoundError(id);
    if (isReady(task.status)) throw new ConflictError(`task ${id} is already ${task.status}`, task);
    const ended = await endTask(deps, id, { idle: 'REVOKED', reason: 'revoked' });
    if (ended) {
      taskLogger(deps.logger, ended).info('task revoked');
      return ended;
    }
    const asked = await deps.store.requestRevoke(id);
    if (asked) {
      taskLogger(deps.logger, asked).info('revoke requested from the running attempt');
      return asked;
    }
    // It changed state in between: look again.
  }
  throw new SkytaskError(`task ${id} kept changing state; revoke it again`);
}
