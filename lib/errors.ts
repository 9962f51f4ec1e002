import type { Task } from './task.js';

/** The one base class of skytask's errors. The RPC layer maps them to JSON-RPC codes. */
export class SkytaskError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from a caller: wrong type, out of range, too large. Nothing was written. */
export class ValidationError extends SkytaskError {
  constructor(
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** The job name is not in the registry. */
export class UnknownJobError extends ValidationError {
  constructor(readonly jobName: string) {
    super(`unknown job "${jobName}"`, { jobname: jobName });
  }
}

/** A task id that must exist does not. */
export class TaskNotFoundError extends SkytaskError {
  constructor(readonly taskId: string) {
    super(`task ${taskId} not found`);
  }
}

/** The task's state does not allow the operation (e.g. revoking a finished task). */
export class ConflictError extends SkytaskError {
  constructor(
    message: string,
    readonly task: Task,
  ) {
    super(message);
  }
}

/** A wait ended before the task was ready; `task` is the task as it is now. */
export class WaitTimeoutError extends SkytaskError {
  constructor(readonly task: Task) {
    super(`task ${task.id} not ready (${task.status}) when the wait timed out`);
  }
}

/** The task record exists already (a conditional create failed). */
export class TaskExistsError extends SkytaskError {
  constructor(readonly taskId: string) {
    super(`task ${taskId} exists`);
  }
}

/** A jobs module is wrong: a duplicate name, a job without a run function… */
export class RegistryError extends SkytaskError {}

/**
 * Thrown by a job body: run this task again (after `delay` seconds if given, else the
 * job's backoff), as long as the job's `maxRetries` allows.
 */
export class RetryTaskError extends SkytaskError {
  constructor(
    message: string,
    readonly delay?: number,
  ) {
    super(message);
  }
}

/** Thrown by a job body: the task fails now, whatever retries are left. */
export class UnrecoverableError extends SkytaskError {}

/**
 * A periodic job's schedule is wrong, or cannot be deployed as written (EventBridge
 * Scheduler fires in whole minutes only, …). The message names the job and says why.
 */
export class ScheduleError extends RegistryError {
  constructor(
    readonly jobName: string,
    reason: string,
  ) {
    super(`job "${jobName}": ${reason}`);
  }
}

/** The JSON-RPC endpoint could not be reached, or did not answer JSON-RPC (HTTP status, network error). */
export class EndpointError extends SkytaskError {
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
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}
