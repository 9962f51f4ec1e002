import { sleep } from '../concurrency.js';
import { WorkflowWaitTimeoutError } from '../errors.js';
import type { RevokeWorkflowResult } from '../tasks/revoke.js';
import type { WorkflowState } from '../workflow-state.js';
import type { WaitOptions } from './types.js';

/**
 * Wait until a workflow has ended, for both clients: read its state (no tasks) with a
 * backoff from 100 ms to 2 s until its status is not RUNNING. Throws WorkflowWaitTimeoutError
 * (with the state as it is) once `timeout` seconds have passed, the signal's reason when it aborts. (Wait for a chain's or
 * a chord's result task with `waitForTask` to have the endpoint wait instead.)
 */
export async function pollWorkflow<R>(
  get: (id: string) => Promise<WorkflowState>,
  workflow: WorkflowState<R> | string,
  { timeout, signal }: WaitOptions = {},
): Promise<WorkflowState<R>> {
  const id = typeof workflow === 'string' ? workflow : workflow.id;
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
  for (let pause = 100; ; pause = Math.min(2000, pause * 1.5)) {
    signal?.throwIfAborted();
    const state = await get(id);
    if (state.status !== 'RUNNING') return state as WorkflowState<R>;
    const left = deadline - Date.now();
    if (left <= 0) throw new WorkflowWaitTimeoutError(state as WorkflowState<R>);
    await sleep(Math.min(pause, left), signal);
  }
}

/**
 * Revoke a workflow to the end, for both clients: one `revoke_workflow` call works within a
 * time budget (API Gateway's 29 s) and answers `more` with a cursor; call again from it until
 * it got through every task. What the calls did, summed (`more` false, `cursor` null).
 */
export async function revokeToEnd(
  revoke: (id: string, cursor?: string) => Promise<RevokeWorkflowResult>,
  id: string,
  cursor?: string,
): Promise<RevokeWorkflowResult> {
  const total: RevokeWorkflowResult = { id, revoked: 0, requested: 0, ended: 0, more: false, cursor: null };
  let next = cursor;
  do {
    const r = await revoke(id, next);
    total.revoked += r.revoked;
    total.requested += r.requested;
    total.ended += r.ended;
    next = r.more && r.cursor ? r.cursor : undefined;
  } while (next);
  return total;
}
