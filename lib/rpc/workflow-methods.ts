/**
 * The workflow methods of JSON-RPC: `queue_chain`, `queue_group`, `queue_chord`,
 * `get_workflow`, `revoke_workflow` (docs/rpc.md#workflows). A workflow's task is given as
 * `{ "jobname": …, "kwargs": {…}, "delay"|"eta"|"expiry": … }`, as queue_task's params.
 */
import { LIMITS } from '../limits.js';
import type { Kwargs } from '../job.js';
import {
  type ChordPolicy,
  chain,
  chord,
  group,
  type Signature,
  type SignatureOptions,
  type WorkflowSpec,
} from '../workflow.js';
import { workflowToWire } from '../workflow-state.js';
import type { Method, RpcServices } from './methods.js';
import { invalid, optionalNumber, optionalString, type Params, requiredKey, requiredString } from './params.js';
import { fitWorkflow } from './reply-size.js';

/** The key a workflow id becomes: `flow#<id>`, within DynamoDB's partition key size. */
const WORKFLOW_KEY = (id: string) => `flow#${id}`;

const TASK_FIELDS = ['jobname', 'kwargs', 'delay', 'eta', 'expiry'];

/** One task of a workflow from its params: a `{ jobname, kwargs, … }` object. `label` names it in errors. */
function signatureParam(value: unknown, label: string): Signature {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`${label} must be an object: { "jobname": …, "kwargs": {…} }`);
  }
  const params = value as Params;
  const unknown = Object.keys(params).filter((k) => !TASK_FIELDS.includes(k));
  if (unknown.length) throw invalid(`${label}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const at = (check: () => unknown) => {
    try {
      return check();
    } catch (err) {
      throw invalid(`${label}.${(err as Error).message}`);
    }
  };
  const job = at(() => requiredString(params, 'jobname')) as string;
  const options: SignatureOptions = {};
  for (const name of ['delay', 'eta', 'expiry'] as const) {
    if (params[name] !== undefined && params[name] !== null) options[name] = params[name] as number;
  }
  // kwargs are checked with the job (its schema, their size) when the workflow is queued.
  const kwargs = (params.kwargs ?? {}) as Kwargs;
  return Object.keys(options).length ? { job, kwargs, options } : { job, kwargs };
}

/** A list of tasks: at most `LIMITS.maxWorkflowTasks`. */
function signaturesParam(params: Params, name: string): Signature[] {
  const list = params[name];
  if (!Array.isArray(list) || list.length === 0 || list.length > LIMITS.maxWorkflowTasks) {
    throw invalid(`${name} must be a list of 1 to ${LIMITS.maxWorkflowTasks} tasks`);
  }
  return list.map((item, n) => signatureParam(item, `${name}[${n}]`));
}

/** The options every workflow method takes: `id`, and `link_error` where there is one. */
function optionsParam(params: Params, withError: boolean) {
  const id = optionalString(params, 'id');
  const linkError =
    withError && params.link_error !== undefined && params.link_error !== null
      ? signatureParam(params.link_error, 'link_error')
      : undefined;
  return { ...(id !== undefined ? { id } : {}), ...(linkError ? { linkError } : {}) };
}

function policyParam(params: Params): ChordPolicy | undefined {
  const policy = params.policy;
  if (policy === undefined || policy === null) return undefined;
  if (policy !== 'all' && policy !== 'allSettled') throw invalid('policy must be "all" or "allSettled"');
  return policy;
}

/** A method that queues the workflow its params describe; its answer is the workflow's state. */
function queueMethod(s: RpcServices, accepts: string[], specOf: (params: Params) => WorkflowSpec): Method {
  return {
    positional: [],
    accepts,
    async call(params, ctx) {
      const state = await s.backend.queueWorkflow(specOf(params), { caller: ctx.caller });
      return fitWorkflow(workflowToWire(state));
    },
  };
}

/** The workflow methods, by name. */
export function workflowMethods(s: RpcServices): Record<string, Method> {
  return {
    queue_chain: queueMethod(s, ['steps', 'id', 'link_error'], (p) =>
      chain(signaturesParam(p, 'steps'), optionsParam(p, true)),
    ),
    queue_group: queueMethod(s, ['members', 'id'], (p) => group(signaturesParam(p, 'members'), optionsParam(p, false))),
    queue_chord: queueMethod(s, ['members', 'callback', 'policy', 'id', 'link_error'], (p) => {
      if (p.callback === undefined || p.callback === null) throw invalid('callback is required');
      const options = { ...optionsParam(p, true), policy: policyParam(p) };
      return chord(signaturesParam(p, 'members'), signatureParam(p.callback, 'callback'), options as { policy: 'all' });
    }),
    get_workflow: {
      positional: ['id'],
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
      positional: ['id'],
      accepts: ['id'],
      call: (params) => s.backend.revokeWorkflow(requiredKey(params, 'id', WORKFLOW_KEY)),
    },
  };
}
