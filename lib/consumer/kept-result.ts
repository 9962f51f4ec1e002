import type { Outcome } from '../store.js';
import type { Task } from '../task.js';
import type { TaskDeps } from '../tasks/deps.js';
import { offloadResult } from '../payloads/claim-check.js';
import { failedOutcome } from './outcome.js';

/**
 * A result over the item budget put in the payload bucket (lib/payloads/claim-check.ts); a
 * put that fails is the attempt's error, retried as the job allows.
 */
export async function keptResult(
  deps: TaskDeps,
  task: Task,
  outcome: Outcome | undefined,
): Promise<Outcome | undefined> {
  if (!outcome) return outcome;
  try {
    return await offloadResult(deps, task, outcome);
  } catch (err) {
    return failedOutcome(task, deps.registry.get(task.name)!, err, deps.clock());
  }
}
