/** The HTTP client's calls that queue a workflow: `queue_chain`, `queue_group`, `queue_chord` (docs/workflows.md). */
import type { Signature, WorkflowSpec } from '../workflow.js';
import { queueParams } from './queue-calls.js';
import { defined } from './wire.js';

/** A workflow's task as the workflow methods take it: queue_task's params, `{ jobname, kwargs, delay… }`. */
function taskParam(s: Signature) {
  const { jobname, kwargs, ...options } = queueParams(s.job, s.kwargs, s.options).params;
  return { jobname, kwargs, ...options };
}

/**
 * The JSON-RPC call that queues a workflow: its method and params (the unset ones left out).
 * Throws ValidationError for a task the client refuses (lib/client/queue-calls.ts `queueParams`).
 */
export function workflowCall(spec: WorkflowSpec): [string, Record<string, unknown>] {
  const { id, linkError, policy } = spec.options as { id?: string; linkError?: Signature; policy?: string };
  const common = { id, link_error: linkError && taskParam(linkError) };
  if (spec.kind === 'chain') return ['queue_chain', defined({ steps: spec.steps.map(taskParam), ...common })];
  if (spec.kind === 'group') return ['queue_group', defined({ members: spec.members.map(taskParam), id })];
  return [
    'queue_chord',
    defined({ members: spec.members.map(taskParam), callback: taskParam(spec.callback), policy, ...common }),
  ];
}
