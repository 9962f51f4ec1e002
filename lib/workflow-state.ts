/** A workflow as `get_workflow` shows it: its shape, counts, callback and a page of its tasks; and its wire form. */
import { fromWire, type Task, type TaskWire, toWire } from './task.js';
import type { ChordPolicy, WorkflowKind, WorkflowStatus } from './workflow.js';

/** A workflow's tasks by how they ended; `pending` have not ended (or their end is not counted yet). */
export interface WorkflowCounts {
  total: number;
  pending: number;
  succeeded: number;
  failed: number;
  revoked: number;
}

/** A workflow and its tasks as they are now. `R`: its result's type. */
export interface WorkflowState<R = unknown> {
  id: string;
  kind: WorkflowKind;
  status: WorkflowStatus;
  /** Steps or members. */
  size: number;
  policy?: ChordPolicy;
  /** Children: the parent task that takes the callback's outcome. */
  parent?: string;
  /** The task that queued the workflow. */
  fromTask?: string;
  depth: number;
  timeQueued: number;
  timeEnded?: number;
  counts: WorkflowCounts;
  /** The task whose result is the workflow's — a chain's last step, a chord's callback (a group has none): wait for it. */
  resultTask?: string;
  /** Its result, once the workflow ended SUCCESS. */
  result?: R;
  /** A chord's callback as it is now. */
  callback?: Task;
  /** The error path: its job, and its task once queued. */
  linkError?: { job: string; task?: Task };
  /** A page of the steps or members, in order (`<id>:0`, `<id>:1`…). */
  members: Task[];
  /** Pass back for the next page of members; null at the end. */
  cursor: string | null;
}

/** The JSON-RPC form: snake_case, absent fields null, tasks in their wire form. */
export interface WorkflowWire {
  id: string;
  kind: WorkflowKind;
  status: WorkflowStatus;
  size: number;
  policy: ChordPolicy | null;
  parent: string | null;
  from_task: string | null;
  depth: number;
  time_queued: number;
  time_ended: number | null;
  counts: WorkflowCounts;
  result_task: string | null;
  result: unknown;
  callback: TaskWire | null;
  link_error: { job: string; task: TaskWire | null } | null;
  members: TaskWire[];
  cursor: string | null;
}

/** The one place that maps a workflow's state to the wire. */
export function workflowToWire(s: WorkflowState): WorkflowWire {
  return {
    id: s.id,
    kind: s.kind,
    status: s.status,
    size: s.size,
    policy: s.policy ?? null,
    parent: s.parent ?? null,
    from_task: s.fromTask ?? null,
    depth: s.depth,
    time_queued: s.timeQueued,
    time_ended: s.timeEnded ?? null,
    counts: s.counts,
    result_task: s.resultTask ?? null,
    result: s.result ?? null,
    callback: s.callback ? toWire(s.callback) : null,
    link_error: s.linkError ? { job: s.linkError.job, task: s.linkError.task ? toWire(s.linkError.task) : null } : null,
    members: s.members.map(toWire),
    cursor: s.cursor,
  };
}

/** The wire back to a state (the HTTP client); null fields become absent. */
export function workflowFromWire(w: WorkflowWire): WorkflowState {
  const state: WorkflowState = {
    id: w.id,
    kind: w.kind,
    status: w.status,
    size: w.size,
    depth: w.depth,
    timeQueued: w.time_queued,
    counts: w.counts,
    members: (w.members ?? []).map(fromWire),
    cursor: w.cursor ?? null,
  };
  const optional: [keyof WorkflowState, unknown][] = [
    ['policy', w.policy],
    ['parent', w.parent],
    ['fromTask', w.from_task],
    ['timeEnded', w.time_ended],
    ['resultTask', w.result_task],
    ['result', w.result],
    ['callback', w.callback && fromWire(w.callback)],
    [
      'linkError',
      w.link_error && { job: w.link_error.job, ...(w.link_error.task ? { task: fromWire(w.link_error.task) } : {}) },
    ],
  ];
  for (const [field, value] of optional) if (value !== null && value !== undefined) (state as any)[field] = value;
  return state;
}
