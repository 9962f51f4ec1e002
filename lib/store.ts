import type { TaskProgress } from './progress.js';
import type { AttemptError, Task, TaskStatus } from './task.js';
import type { WorkflowStore } from './workflow-store.js';
import type { ParkStore } from './park-store.js';
import type { PermitStore } from './permit-store.js';
import type { EventMarks } from './task-events.js';

/** The end of an attempt, as the finish write records it. */
export interface Outcome {
  status: Extract<TaskStatus, 'SUCCESS' | 'FAILURE' | 'REVOKED' | 'RETRY'>;
  /** JSON text of the result (SUCCESS). */
  resultJson?: string;
  error?: string;
  stack?: string;
  time: number;
  /** RETRY: when the next attempt is due. */
  eta?: number;
  /** The errors of the attempts so far, this one included. */
  errors?: AttemptError[];
  /**
   * What the attempt consumed outside the store, as the consumer counted it: the finish adds
   * it to the task's cost, with the write units of the attempt's own writes (its claim, its
   * heartbeats, this finish), which the store counts. Without it the finish records no cost.
   */
  usage?: RunUsage;
  /** Events this attempt sent that the finish removes from the task's outbox in its own write (docs/events.md). */
  sentEvents?: EventMarks;
  /** The attempt's latest progress report not yet written (a heartbeat writes the others). */
  progress?: TaskProgress;
}

/** An attempt's consumption outside the store (the consumer's count; docs/cost.md says which figures are estimates). */
export interface RunUsage {
  /** Its share of the receive and delete batches, its heartbeats' visibility changes, a RETRY's new message. */
  sqsRequests: number;
  /** Its share of the invocation that ran it (1 / the batch's size). */
  lambdaRequests: number;
  /** Milliseconds from the claim to the finish. */
  lambdaMs: number;
  /** On AWS: the run time × the function's memory, in GB-seconds. */
  gbSeconds?: number;
  heartbeats: number;
}

/** What the enqueue knows of a new task's consumption before its record is written. */
export interface CreateUsage {
  /** Its share of the send request that will carry its message (1 / the messages in that request). */
  sqsRequests: number;
}

export type ClaimResult =
  | { claimed: true; task: Task }
  /** Not claimed: `task` is the record as it is now (undefined: there is none). */
  | { claimed: false; task: Task | undefined };

export interface TaskQuery {
  ids?: string[];
  name?: string;
  status?: TaskStatus;
  fromTask?: string;
  limit: number;
  cursor?: string;
}

export interface TaskPage {
  tasks: Task[];
  /** Pass back to get the next page; null when there is none. */
  cursor: string | null;
}

/** A periodic job's schedule entry (Pulsar's SchedulerEntry): its run bookkeeping. */
export interface ScheduleEntry {
  job: string;
  /** The slot (scheduled time, epoch seconds) of the last recorded run. */
  lastSlot: number;
  /** When that run was fired (epoch seconds). */
  lastRunAt: number;
  /** Runs recorded, one per slot. */
  runsCount: number;
  /** The task the last run queued; undefined when non-overlap kept it from queueing. */
  lastTaskId?: string;
}

/**
 * The task store port: domain verbs over the task table (the workflow verbs in
 * lib/workflow-store.ts). Only the adapter knows DynamoDB; each conditional write says what
 * it guarantees there.
 */
export interface TaskStore extends WorkflowStore, PermitStore, ParkStore {
  /**
   * Write a new task. Throws TaskExistsError if the id is taken (a task past its retention
   * no longer holds it). `usage` starts its cost, with the write units of this create.
   */
  createTask(task: Task, usage?: CreateUsage): Promise<void>;
  /** The task, or undefined (also when its retention has passed). Strongly consistent. */
  getTask(id: string): Promise<Task | undefined>;
  /** The tasks that exist among `ids`, in that order. */
  getTasks(ids: string[]): Promise<Task[]>;
  /** Newest first. */
  queryTasks(query: TaskQuery): Promise<TaskPage>;
  /**
   * Move QUEUED/RETRY (or STARTED with an expired lease) to STARTED as a new attempt,
   * if it is due, not expired and not being revoked.
   */
  claimTask(claim: {
    id: string;
    now: number;
    leaseUntil: number;
    worker: string;
    /** The job its message names: with an outbox, whether the claim marks a STARTED event pending. */
    job?: string;
  }): Promise<ClaimResult>;
  /**
   * Record an attempt's end, fenced on the attempt: the task as written, or undefined when
   * the claim was lost (nothing written). With `outcome.usage`, the same write adds the
   * attempt's consumption to the task's cost.
   */
  finishTask(id: string, attempt: number, outcome: Outcome): Promise<Task | undefined>;
  /**
   * Push the lease of a running attempt to `leaseUntil`, recording its latest `progress` in the
   * same write when given. Undefined: the attempt lost its claim.
   */
  extendLease(id: string, attempt: number, leaseUntil: number, progress?: TaskProgress): Promise<Task | undefined>;
  /** Ask the run of a STARTED task to stop. Undefined if it is not STARTED. */
  requestRevoke(id: string): Promise<Task | undefined>;
  /**
   * End a task that no live run holds (QUEUED, RETRY, or STARTED with an expired lease)
   * as REVOKED or FAILURE. Undefined if it was not idle.
   */
  endIdle(
    id: string,
    end: { status: 'REVOKED' | 'FAILURE'; time: number; reason: string; deadLettered?: boolean },
  ): Promise<Task | undefined>;
  /** Count a re-send by the reconciler, if nobody counted one since `seen`. */
  markResent(id: string, seen: number): Promise<boolean>;
  /**
   * Queue a dead-lettered (or idle) task again for a new attempt (a redrive). Undefined
   * if it is in another state.
   */
  requeue(id: string): Promise<Task | undefined>;
  /**
   * Its dead letter was purged: a dead-lettered FAILURE stays FAILURE (its error kept) but
   * is no longer dead-lettered, so no redrive queues it again. Undefined if it is not a
   * dead-lettered FAILURE (or is past its retention).
   */
  clearDeadLettered(id: string): Promise<Task | undefined>;
  /** Note on the record that its message could not be sent (undefined: clear the note). */
  setSendError(id: string, message: string | undefined): Promise<void>;
  /**
   * Delete tasks; returns the ids deleted. A task a live run holds (STARTED, its lease not
   * lapsed) is not deleted: revoke it first. (Deleted under its run, a task queued again
   * with the same id would be given the old run's outcome.)
   */
  deleteTasks(ids: string[]): Promise<string[]>;
  /**
   * Take the non-overlap lock for `taskId`. With `replacing`, only if the lock is still
   * held by that task (a takeover). Returns undefined when taken, else the holder's id.
   */
  acquireLock(lockId: string, taskId: string, replacing?: string): Promise<string | undefined>;
  /** Release the lock if `taskId` still holds it. */
  releaseLock(lockId: string, taskId: string): Promise<void>;
  /**
   * Record a periodic job's run at `slot`: last slot, last run time, run count + 1. Only
   * if `slot` is later than the last recorded one, so repeating a fire counts it once.
   * True when recorded.
   */
  recordRun(run: { job: string; slot: number; time: number; taskId?: string }): Promise<boolean>;
  /** The schedule entries of these jobs that exist (a job that never ran has none). */
  getScheduleEntries(jobs: string[]): Promise<Map<string, ScheduleEntry>>;
  /** Every task in one of these statuses (for recovery), in pages. */
  tasksInStatus(statuses: readonly TaskStatus[]): AsyncIterable<Task[]>;
  /**
   * Remove sent events from the task's outbox, each only if it is still the mark given (a
   * later state change that marked the same kind again keeps its own). Only a store with an
   * outbox has it (the DynamoDB adapter: docs/events.md).
   */
  clearEvents?(id: string, marks: EventMarks): Promise<void>;
  /** Delete every item. For tests and local resets. */
  flush(): Promise<void>;
}
