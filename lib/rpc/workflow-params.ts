/**
 * The params of the workflow methods (queue_chain, queue_group, queue_chord) to a workflow
 * spec, checked: a task is `{ "jobname": …, "kwargs": {…}, "delay"|"eta"|"expiry": … }`, as
 * queue_task's params. Shared by the JSON-RPC methods and the CLI's `queue-workflow`.
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
  type WorkflowKind,
  type WorkflowSpec,
} from '../workflow.js';
import { invalid, optionalString, type Params, requiredString } from './params.js';

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

/**
 * The workflow a `queue_<kind>` call's params describe. Throws ValidationError (-32602)
 * naming the param: `steps[1].jobname is required`, `callback is required`.
 */
export function workflowSpecOf(kind: WorkflowKind, p: Params): WorkflowSpec {
  if (kind === 'chain') return chain(signaturesParam(p, 'steps'), optionsParam(p, true));
  if (kind === 'group') return group(signaturesParam(p, 'members'), optionsParam(p, false));
  // The members first: an empty list is the first thing to say, before a missing callback.
  const members = signaturesParam(p, 'members');
  if (p.callback === undefined || p.callback === null) throw invalid('callback is required');
  const options = { ...optionsParam(p, true), policy: policyParam(p) };
  return chord(members, signatureParam(p.callback, 'callback'), options as { policy: 'all' });
}
