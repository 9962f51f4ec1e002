import type { Task } from './task.js';
import type { WorkflowState } from './workflow-state.js';

/**
 * Which class an error is, whichever copy of skytask created it. A project can load two
 * copies (an ES module and a CommonJS one, two versions in node_modules, a jobs module a
 * loader transpiled), and a plain `instanceof` sees only its own copy's classes: an
 * UnrecoverableError thrown by a job would be retried. So each class has a global brand,
 * `Symbol.for('skytask.error.<Name>')`, set on its prototype (so a subclass's instances
 * carry every brand above them), and `instanceof` checks the brand. The names are part of
 * the contract between versions: never rename one.
 */
const OWN_BRAND = Symbol('skytask.ownBrand');

type ErrorClass = (abstract new (...args: never[]) => unknown) & { [OWN_BRAND]?: symbol };

function brand(cls: ErrorClass, name: string): void {
  const symbol = Symbol.for(`skytask.error.${name}`);
  Object.defineProperty(cls, OWN_BRAND, { value: symbol });
  Object.defineProperty(cls.prototype, symbol, { value: true });
}

/** Whether `value` carries the class's own brand; a class without one (not skytask's) is checked the usual way. */
function hasBrand(cls: ErrorClass, value: unknown): boolean {
  const own = Object.hasOwn(cls, OWN_BRAND) ? cls[OWN_BRAND] : undefined;
  if (own === undefined) return Function.prototype[Symbol.hasInstance].call(cls, value);
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[own] === true;
}

/** The one base class of skytask's errors. The RPC layer maps them to JSON-RPC codes. */
export class SkytaskError extends Error {
  static {
    brand(SkytaskError, 'SkytaskError');
  }

  /**
   * `err instanceof RetryTaskError` is true for a RetryTaskError of any copy of skytask.
   * A class of your own (`class MyError extends UnrecoverableError {}`) has no brand and
   * is checked the usual way; its instances still carry the brands of skytask's classes.
   */
  static [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof, a subclass too
    return hasBrand(this, value);
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from a caller: wrong type, out of range, too large. Nothing was written. */
export class ValidationError extends SkytaskError {
  static {
    brand(ValidationError, 'ValidationError');
  }

  constructor(
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** The job name is not in the registry. */
export class UnknownJobError extends ValidationError {
  static {
    brand(UnknownJobError, 'UnknownJobError');
  }

  constructor(readonly jobName: string) {
    super(`unknown job "${jobName}"`, { jobname: jobName });
  }
}

/** A task id that must exist does not. */
export class TaskNotFoundError extends SkytaskError {
  static {
    brand(TaskNotFoundError, 'TaskNotFoundError');
  }

  constructor(readonly taskId: string) {
    super(`task ${taskId} not found`);
  }
}

/** The task's state does not allow the operation (e.g. revoking a finished task). */
export class ConflictError extends SkytaskError {
  static {
    brand(ConflictError, 'ConflictError');
  }

  constructor(
    message: string,
    readonly task: Task,
  ) {
    super(message);
  }
}

/** A workflow id that must exist does not (-32002, `data.workflow`). */
export class WorkflowNotFoundError extends SkytaskError {
  static {
    brand(WorkflowNotFoundError, 'WorkflowNotFoundError');
  }

  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} not found`);
  }
}

/** A workflow id names one request: it was queued before with other tasks or options (-32003, `data.workflow`). */
export class WorkflowConflictError extends SkytaskError {
  static {
    brand(WorkflowConflictError, 'WorkflowConflictError');
  }

  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} exists with other tasks or options: a workflow id names one request`);
  }
}

/** A wait ended before the workflow had ended; `workflow` is its state as it is now (without its tasks). */
export class WorkflowWaitTimeoutError extends SkytaskError {
  static {
    brand(WorkflowWaitTimeoutError, 'WorkflowWaitTimeoutError');
  }

  constructor(readonly workflow: WorkflowState) {
    super(`workflow ${workflow.id} still RUNNING (${workflow.counts.pending} pending) when the wait timed out`);
  }
}

/** A wait ended before the task was ready; `task` is the task as it is now. */
export class WaitTimeoutError extends SkytaskError {
  static {
    brand(WaitTimeoutError, 'WaitTimeoutError');
  }

  constructor(readonly task: Task) {
    super(`task ${task.id} not ready (${task.status}) when the wait timed out`);
  }
}

/** The task record exists already (a conditional create failed). */
export class TaskExistsError extends SkytaskError {
  static {
    brand(TaskExistsError, 'TaskExistsError');
  }

  constructor(readonly taskId: string) {
    super(`task ${taskId} exists`);
  }
}

/** A jobs module is wrong: a duplicate name, a job without a run function… */
export class RegistryError extends SkytaskError {
  static {
    brand(RegistryError, 'RegistryError');
  }
}

/**
 * Thrown by a job body: run this task again (after `delay` seconds if given, else the
 * job's backoff), as long as the job's `maxRetries` allows.
 */
export class RetryTaskError extends SkytaskError {
  static {
    brand(RetryTaskError, 'RetryTaskError');
  }

  constructor(
    message: string,
    readonly delay?: number,
  ) {
    super(message);
  }
}

/** Thrown by a job body: the task fails now, whatever retries are left. */
export class UnrecoverableError extends SkytaskError {
  static {
    brand(UnrecoverableError, 'UnrecoverableError');
  }
}

/**
 * A periodic job's schedule is wrong, or cannot be deployed as written (EventBridge
 * Scheduler fires in whole minutes only, …). The message names the job and says why.
 */
export class ScheduleError extends RegistryError {
  static {
    brand(ScheduleError, 'ScheduleError');
  }

  constructor(
    readonly jobName: string,
    reason: string,
  ) {
    super(`job "${jobName}": ${reason}`);
  }
}

/** The JSON-RPC endpoint could not be reached, or did not answer JSON-RPC (HTTP status, network error). */
export class EndpointError extends SkytaskError {
  static {
    brand(EndpointError, 'EndpointError');
  }

  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A JSON-RPC error with no more specific class (internal error, unknown method…): its code and data. */
export class RemoteError extends SkytaskError {
  static {
    brand(RemoteError, 'RemoteError');
  }

  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}
