import { JOIN_SHARD } from '../keys.js';
import type { TaskStore } from '../store.js';
import type { EndedStatus, JoinState, WorkflowRecord, WorkflowStore } from '../workflow-store.js';
import { keepSides } from './memory-cost.js';
import type { MemoryState } from './memory-state.js';
import { isHeldBy, patch, toTask } from './task-record.js';

/** One join shard (or the top item), as the adapter's item: the markers counted, the counts. */
interface JoinEntry {
  done: Set<number>;
  counted: number;
  failed: number;
  revoked: number;
}

type Workflows = Map<string, WorkflowRecord & { ttl?: number }>;

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** The workflow items: created once, read past their retention as absent, ended once. */
function recordVerbs(
  { clock, retention }: MemoryState,
  workflows: Workflows,
): Pick<WorkflowStore, 'createWorkflow' | 'getWorkflow' | 'endWorkflow'> {
  const live = (id: string) => {
    const w = workflows.get(id);
    return w && !(w.ttl !== undefined && w.ttl < clock()) ? w : undefined;
  };
  return {
    async createWorkflow(workflow) {
      const existing = live(workflow.id);
      if (existing) return this.getWorkflow(workflow.id);
      workflows.set(workflow.id, copy(workflow));
      return undefined;
    },
    async getWorkflow(id) {
      const w = live(id);
      if (!w) return undefined;
      const { ttl: _ttl, ...record } = copy(w);
      return record;
    },
    async endWorkflow(id, { status, time }) {
      const w = live(id);
      if (!w || w.status) return false;
      Object.assign(w, { status, timeEnded: time, ttl: Math.ceil(time + retention) });
      return true;
    },
  };
}

/** The join: each shard counts a member once; the top counts a full shard once (as the adapter's `countOnce`). */
function joinVerbs(joins: Map<string, JoinEntry>): Pick<WorkflowStore, 'countMember' | 'readJoin'> {
  const entry = (key: string) => {
    let found = joins.get(key);
    if (!found) joins.set(key, (found = { done: new Set(), counted: 0, failed: 0, revoked: 0 }));
    return found;
  };
  const countOnce = (join: JoinEntry, marker: number, status?: EndedStatus) => {
    if (join.done.has(marker)) return false;
    join.done.add(marker);
    join.counted++;
    if (status === 'FAILURE') join.failed++;
    if (status === 'REVOKED') join.revoked++;
    return true;
  };
  return {
    async countMember(id, { index, status, size }) {
      const k = Math.floor(index / JOIN_SHARD);
      const shard = entry(`${id}#${k}`);
      const counted = countOnce(shard, index % JOIN_SHARD, status);
      if (shard.counted < Math.min(JOIN_SHARD, size - k * JOIN_SHARD)) return { counted, complete: false };
      const top = entry(id);
      countOnce(top, k);
      return { counted, complete: top.counted >= Math.ceil(size / JOIN_SHARD) };
    },
    async readJoin(id, size) {
      const join: JoinState & { counted: Set<number> } = { counted: new Set(), failed: 0, revoked: 0 };
      for (let k = 0; k * JOIN_SHARD < size; k++) {
        const shard = joins.get(`${id}#${k}`);
        if (!shard) continue;
        for (const local of shard.done) join.counted.add(k * JOIN_SHARD + local);
        join.failed += shard.failed;
        join.revoked += shard.revoked;
      }
      return join;
    },
  };
}

/** The moves of a WAITING task, on the task records (as lib/aws/dynamo/waiting-writes.ts), bodies kept as there. */
function waitingVerbs({
  retention,
  tasks,
  running,
  update,
}: MemoryState): Pick<WorkflowStore, 'releaseTask' | 'suspendTask' | 'endWaiting'> {
  return {
    async releaseTask(id, { time, expiry }) {
      const record = tasks.get(id);
      if (record?.status !== 'WAITING') return undefined;
      patch(record, { status: 'QUEUED', eta: time, expiry, resends: undefined, parked: undefined });
      keepSides(record, Math.ceil(time + retention));
      return toTask(record, time);
    },
    async suspendTask(id, attempt) {
      running.delete(id);
      return update(
        id,
        (r) => isHeldBy(r, attempt),
        (r) => patch(r, { status: 'WAITING', leaseUntil: undefined }),
      );
    },
    async endWaiting(id, outcome) {
      const record = tasks.get(id);
      if (record?.status !== 'WAITING') return undefined;
      const { status, time, resultJson, error, stack } = outcome;
      const ttl = Math.ceil(time + retention);
      // As the adapter: a ready end's error fields on the head, the history a RETRY left kept.
      if (record.fail) patch(record, { errorsJson: record.fail.errors, fail: undefined });
      patch(record, { status, timeEnded: time, resultJson, error, stack, ttl, eta: undefined });
      keepSides(record, ttl);
      // Read at the end's own time, as the adapter reads its answer.
      return toTask(record, time);
    },
  };
}

/**
 * The workflow verbs of the memory store, with the DynamoDB adapter's conditions and
 * answers (lib/aws/dynamo/workflows.ts, waiting-writes.ts). `flush` clears the workflows
 * and joins, then runs the store's own (`flushTasks`).
 */
export function workflowVerbs(
  state: MemoryState,
  flushTasks: TaskStore['flush'],
): WorkflowStore & Pick<TaskStore, 'flush'> {
  const workflows: Workflows = new Map();
  const joins = new Map<string, JoinEntry>();
  return {
    ...recordVerbs(state, workflows),
    ...joinVerbs(joins),
    ...waitingVerbs(state),
    async flush() {
      workflows.clear();
      joins.clear();
      await flushTasks();
    },
  };
}
