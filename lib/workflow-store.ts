import type { Kwargs } from './job.js';
import type { Outcome } from './store.js';
import type { Task } from './task.js';
import type { ChordPolicy, WorkflowKind, WorkflowStatus } from './workflow.js';

/** A workflow as stored (`flow#<id>`): its shape. Its tasks are task records of their own. */
export interface WorkflowRecord {
  id: string;
  kind: WorkflowKind;
  /** Steps (chain) or members (group, chord): the tasks `<id>:0` … `<id>:<size - 1>`. */
  size: number;
  /** A chord's: see ChordPolicy. */
  policy?: ChordPolicy;
  /** The error path, queued as `<id>:error` if the workflow fails. */
  linkError?: { job: string; kwargs: Kwargs };
  /** Children (`ctx.awaitChildren`): the WAITING task that takes the callback's outcome. */
  parent?: string;
  /** The task that queued the workflow, if one did. */
  fromTask?: string;
  /** 1 for a workflow a caller queued; one more for each workflow queued from a workflow's task. */
  depth: number;
  timeQueued: number;
  caller?: string;
  /** A hash of what was asked (kind, jobs, kwargs, options): the same id queued again must ask the same. */
  request: string;
  /** Set once, when the workflow ends (its record then has a retention, as a ready task's). */
  status?: Exclude<WorkflowStatus, 'RUNNING'>;
  timeEnded?: number;
}

/** A member counted at the join: whether this call counted it, and whether every member is counted now. */
export interface JoinCount {
  counted: boolean;
  /** Every member is counted (true for every call after the last count too: act on it idempotently). */
  complete: boolean;
}

/** What the join has counted. */
export interface JoinState {
  /** Members counted, by index. */
  counted: ReadonlySet<number>;
  failed: number;
  revoked: number;
}

/** The ready statuses a member is counted with. */
export type EndedStatus = 'SUCCESS' | 'FAILURE' | 'REVOKED';

/**
 * The workflow verbs of the task store: the workflow item, its join, and the moves of a
 * WAITING task. Single-item conditional writes only (no transactions: the emulator has
 * none); each says what its condition guarantees.
 */
export interface WorkflowStore {
  /** Write a new workflow. Undefined when written; the existing record when its id is taken. */
  createWorkflow(workflow: WorkflowRecord): Promise<WorkflowRecord | undefined>;
  /** The workflow, or undefined (also past its retention). Strongly consistent. */
  getWorkflow(id: string): Promise<WorkflowRecord | undefined>;
  /** Record the workflow's end, once: false when it had ended already (or does not exist). */
  endWorkflow(id: string, end: { status: Exclude<WorkflowStatus, 'RUNNING'>; time: number }): Promise<boolean>;
  /**
   * Count member `index` of a workflow of `size` members as ended with `status`, at most once
   * whatever the retries: the per-member marker and the count are one conditional write on
   * the member's join shard; a shard's last member counts the shard on the join's top item
   * the same way. Safe to call again for the same member (a redelivery, the reconciler).
   */
  countMember(id: string, member: { index: number; status: EndedStatus; size: number }): Promise<JoinCount>;
  /** The join as counted so far. */
  readJoin(id: string, size: number): Promise<JoinState>;
  /**
   * WAITING → QUEUED (its turn came at `time`, epoch seconds): due then, with `expiry` (epoch
   * seconds) if given, its re-send count and its `parked` mark cleared. Undefined if it was not WAITING.
   */
  releaseTask(id: string, release: { time: number; expiry?: number }): Promise<Task | undefined>;
  /** STARTED (held by `attempt`) → WAITING: a parent awaits its children. Undefined: the claim was lost. */
  suspendTask(id: string, attempt: number): Promise<Task | undefined>;
  /** WAITING → ready, with this outcome (REVOKED/FAILURE with a reason, or a continuation's SUCCESS). Undefined if it was not WAITING. */
  endWaiting(id: string, outcome: Outcome & { status: EndedStatus }): Promise<Task | undefined>;
}
