/**
 * The workflow methods of JSON-RPC: `queue_chain`, `queue_group`, `queue_chord`,
 * `get_workflow`, `revoke_workflow` (docs/rpc.md#workflows).
 */
import { workflowKey } from '../keys.js';
import { LIMITS } from '../limits.js';
import type { WorkflowKind } from '../workflow.js';
import { workflowToWire } from '../workflow-state.js';
import type { Method, RpcServices } from './methods.js';
import { optionalNumber, optionalString, requiredKey } from './params.js';
import { fitWorkflow } from './reply-size.js';
import { workflowSpecOf } from './workflow-params.js';

/** The key a workflow id becomes (`flow#<id>`): within DynamoDB's partition key size. */
const WORKFLOW_KEY = (id: string) => workflowKey(id).pk;

/** `queue_<kind>`: the workflow its params describe, queued; its answer is the workflow's state, a page of its tasks. */
function queueMethod(s: RpcServices, kind: WorkflowKind, accepts: string[]): Method {
  return {
    positional: accepts,
    accepts,
    async call(params, ctx) {
      const state = await s.backend.queueWorkflow(workflowSpecOf(kind, params), { caller: ctx.caller });
      return fitWorkflow(workflowToWire(state));
    },
  };
}

/** The workflow methods, by name. */
export function workflowMethods(s: RpcServices): Record<string, Method> {
  return {
    queue_chain: queueMethod(s, 'chain', ['steps', 'id', 'link_error']),
    queue_group: queueMethod(s, 'group', ['members', 'id']),
    queue_chord: queueMethod(s, 'chord', ['members', 'callback', 'policy', 'id', 'link_error']),
    get_workflow: {
      positional: ['id', 'limit', 'cursor'],
      accepts: ['id', 'limit', 'cursor'],
      async call(params) {
        const id = requiredKey(params, 'id', WORKFLOW_KEY);
        const limit = optionalNumber(params, 'limit', 0, LIMITS.maxListLimit, true);
        const state = await s.backend.getWorkflow(id, { limit, cursor: optionalString(params, 'cursor') });
        // A page stops early rather than outgrow Lambda's 6 MB response (lib/rpc/reply-size.ts).
        return fitWorkflow(workflowToWire(state));
      },
    },
    revoke_workflow: {
      positional: ['id', 'cursor'],
      accepts: ['id', 'cursor'],
      // Within a time budget (API Gateway's 29 s): `more` and `cursor` say to call again.
      call: (params) =>
        s.backend.revokeWorkflow(requiredKey(params, 'id', WORKFLOW_KEY), { cursor: optionalString(params, 'cursor') }),
    },
  };
}
