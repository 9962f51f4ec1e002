import type { Backend } from '../tasks/backend.js';
import { LIMITS } from '../limits.js';
import type { Priority } from '../priority.js';
import type { QueueDepth } from '../queue.js';
import type { QueueStats } from '../tasks/inspect.js';
import type { JobRegistry } from '../registry.js';
import type { Scheduler } from '../scheduler.js';
import { isStatus, type Task, toWire } from '../task.js';
import { COST_PARAMS, costMethod } from './cost-method.js';
import { describeJobs, jobsNamed } from './describe-jobs.js';
import {
  invalid,
  JOB_KEY,
  optionalKey,
  optionalKeyList,
  optionalNumber,
  optionalString,
  optionalStringList,
  PARENT_KEY,
  type Params,
  requiredKey,
  requiredString,
  TASK_KEY,
} from './params.js';
import { decodeIdsCursor, fitIds, fitListing } from './reply-size.js';
import { workflowMethods } from './workflow-methods.js';
import type { PayloadStore } from '../payload-store.js';
import { presentListing, presentTask } from '../payloads/present.js';
import { headerTraceparent } from '../trace.js';

/** Names that `queue_task` keeps for itself; a job kwarg with such a name goes in `kwargs`. */
export const RESERVED_QUEUE_PARAMS = [
  'jobname',
  'kwargs',
  'kwargs_ref',
  'id',
  'expiry',
  'delay',
  'eta',
  'traceparent',
  'priority',
  'meta',
] as const;

/** What the entry point knows of a call. */
export interface RpcCallContext {
  /** The caller's identity as the entry point saw it; recorded on queued tasks. */
  caller?: string;
  /**
   * The HTTP request's W3C `traceparent` header, as it came (lib/trace.ts reads it):
   * `queue_task`'s trace context when its `traceparent` param is not given. An invalid one
   * is ignored, as W3C Trace Context tells a receiver to do (docs/observability.md#traces).
   */
  traceparentHeader?: string;
}

/** One JSON-RPC method. */
export interface Method {
  /**
   * Names for positional (array) params: the params of docs/rpc.md in the order shown there
   * (test/unit/rpc-positional.test.ts holds them to it). A `null` in the array leaves one out.
   */
  positional: string[];
  /** Named params it accepts; undefined: any (queue_task's kwargs). */
  accepts?: string[];
  call(params: Params, ctx: RpcCallContext): Promise<unknown> | unknown;
}

/** What the methods call. */
export interface RpcServices {
  backend: Backend;
  registry: JobRegistry;
  scheduler: Scheduler;
  /** The payload bucket, when there is one (lib/payloads/). */
  payloads?: PayloadStore;
}

const now = () => Date.now() / 1000;

/** A task on the wire, its payloads inline while the reply fits (`get_task`) or as links (lib/payloads/present.ts). */
const wire = async (s: RpcServices, task: Task | null | undefined, inline = false) =>
  task ? presentTask(s.payloads, toWire(task), { inline, now: now() }) : null;

const depthToWire = ({ queued, delayed, inFlight }: QueueDepth) => ({ queued, delayed, in_flight: inFlight });

/** One routed queue of `queue_stats`, snake_case: `{ queue, lanes: { high: { queued, delayed, in_flight }, … }, dead_letters }`. */
const queueToWire = ({ queue, lanes, deadLetters }: QueueStats['queues'][number]) => ({
  queue,
  lanes: Object.fromEntries(Object.entries(lanes).map(([lane, depth]) => [lane, depthToWire(depth!)])),
  dead_letters: deadLetters,
});

/**
 * `queue_task`: kwargs as the other named params (Pulsar style) or as `kwargs`, not both.
 * Its own optional params given as `null` are left out (JSON-RPC's omitted optional, as a
 * positional null is; get_task answers `traceparent: null` for none); `kwargs: null` is `{}`.
 */
async function queueTaskMethod(s: RpcServices, given: Params, ctx: RpcCallContext) {
  const jobname = requiredString(given, 'jobname');
  const params = Object.fromEntries(
    Object.entries(given).filter(([k, v]) => v !== null || !(RESERVED_QUEUE_PARAMS as readonly string[]).includes(k)),
  );
  const named = Object.keys(params).filter((k) => !(RESERVED_QUEUE_PARAMS as readonly string[]).includes(k));
  if (params.kwargs !== undefined && named.length) {
    throw invalid(`give kwargs either as named params or in "kwargs", not both (found ${named.join(', ')})`);
  }
  if (params.kwargs_ref !== undefined && (params.kwargs !== undefined || named.length)) {
    throw invalid('give kwargs or kwargs_ref (an upload), not both');
  }
  if (params.meta !== undefined) throw invalid('meta is not supported yet');
  const options = {
    id: params.id as string | undefined,
    expiry: params.expiry as number | undefined,
    delay: params.delay as number | undefined,
    eta: params.eta as number | undefined,
    // The param wins over the request's header; a header that is no traceparent is none.
    traceparent: (params.traceparent as string | undefined) ?? headerTraceparent(ctx.traceparentHeader),
    priority: params.priority as Priority | undefined,
    caller: ctx.caller,
  };
  if (params.kwargs_ref !== undefined) {
    return wire(s, await s.backend.queueUploaded(jobname, params.kwargs_ref, options));
  }
  const kwargs = params.kwargs ?? Object.fromEntries(named.map((k) => [k, params[k]]));
  return wire(s, await s.backend.queueTask(jobname, kwargs, options));
}

/** `get_tasks`: any combination of ids, name, status and from_task, with limit and cursor. */
async function getTasksMethod({ backend, payloads }: RpcServices, params: Params) {
  const status = params.status;
  if (status !== undefined && status !== null && !isStatus(status)) {
    throw invalid('status must be one of QUEUED, STARTED, RETRY, WAITING, REVOKED, FAILURE, SUCCESS');
  }
  const ids = optionalKeyList(params, 'ids', TASK_KEY);
  const cursor = optionalString(params, 'cursor');
  const offset = ids && cursor ? decodeIdsCursor(cursor, ids) : 0;
  const page = await backend.getTasks({
    ids: ids?.slice(offset),
    name: optionalKey(params, 'name', JOB_KEY),
    status: status ?? undefined,
    fromTask: optionalKey(params, 'from_task', PARENT_KEY),
    limit: optionalNumber(params, 'limit', 1, LIMITS.maxListLimit, true),
    cursor: ids ? undefined : cursor,
  });
  const tasks = await presentListing(payloads, page.tasks.map(toWire), now());
  // Pages stop early rather than outgrow Lambda's 6 MB response (lib/rpc/reply-size.ts).
  return ids ? fitIds(tasks, ids, offset) : fitListing(tasks, page.cursor);
}

/** `list_dead_letters`: a page of the tasks marked dead-lettered, SQS's count of letters, and those without a task. */
async function listDeadLettersMethod({ backend, payloads }: RpcServices, params: Params) {
  const page = await backend.listDeadLetters({
    limit: optionalNumber(params, 'limit', 1, LIMITS.maxListLimit, true),
    cursor: optionalString(params, 'cursor'),
  });
  const listing = fitListing(await presentListing(payloads, page.tasks.map(toWire), now()), page.cursor);
  // Cut to fit the reply, the page no longer lists every marked task.
  const unrecorded = listing.tasks.length === page.tasks.length ? page.unrecorded : null;
  return { ...listing, messages: page.messages, unrecorded };
}

/** `[jobname, seconds until its next run]` for the soonest; `[jobnames, null]` when none is periodic. */
async function nextScheduledTasks({ registry, scheduler }: RpcServices, params: Params) {
  const names = optionalStringList(params, 'jobnames');
  const soonest = (await scheduler.schedules(jobsNamed(registry, names)))
    .filter((s) => s.nextRun !== null)
    .sort((a, b) => a.nextRun! - b.nextRun! || a.job.name.localeCompare(b.job.name))[0];
  return soonest ? [soonest.job.name, soonest.nextRun] : [names ?? null, null];
}

const GET_TASKS_PARAMS = ['ids', 'name', 'status', 'from_task', 'limit', 'cursor'];

/** The JSON-RPC methods, by name: Pulsar's TaskQueueRpcMixin and skytask's additions. */
export function rpcMethods(s: RpcServices): Record<string, Method> {
  const { backend } = s;
  const byId = { positional: ['id'], accepts: ['id'] };
  return {
    ping: { positional: [], accepts: [], call: () => 'pong' },
    job_list: {
      positional: ['jobnames'],
      accepts: ['jobnames'],
      call: (params) => describeJobs(s, optionalStringList(params, 'jobnames')),
    },
    next_scheduled_tasks: { positional: ['jobnames'], accepts: ['jobnames'], call: (p) => nextScheduledTasks(s, p) },
    queue_task: {
      positional: ['jobname', 'kwargs', 'kwargs_ref', 'id', 'expiry', 'delay', 'eta', 'traceparent', 'priority'],
      call: (p, ctx) => queueTaskMethod(s, p, ctx),
    },
    get_task: { ...byId, call: async (p) => wire(s, await backend.getTask(requiredKey(p, 'id', TASK_KEY)), true) },
    get_tasks: {
      positional: GET_TASKS_PARAMS,
      accepts: GET_TASKS_PARAMS,
      call: (p) => getTasksMethod(s, p),
    },
    wait_for_task: {
      positional: ['id', 'timeout'],
      accepts: ['id', 'timeout'],
      async call(params) {
        const id = requiredKey(params, 'id', TASK_KEY);
        const timeout = optionalNumber(params, 'timeout', 0, 86_400) ?? LIMITS.maxWaitSeconds;
        // Capped below API Gateway's 30 s: past it the caller gets -32001 and calls again.
        return wire(s, await backend.waitForTask(id, Math.min(timeout, LIMITS.maxWaitSeconds)), true);
      },
    },
    num_tasks: { positional: [], accepts: [], call: () => backend.numTasks() },
    queue_stats: {
      positional: [],
      accepts: [],
      async call() {
        const { queued, delayed, inFlight, deadLetters, queues } = await backend.queueStats();
        return { queued, delayed, in_flight: inFlight, dead_letters: deadLetters, queues: queues.map(queueToWire) };
      },
    },
    cost: { positional: COST_PARAMS, accepts: COST_PARAMS, call: (p) => costMethod(backend, p) },
    revoke_task: { ...byId, call: async (p) => wire(s, await backend.revokeTask(requiredKey(p, 'id', TASK_KEY))) },
    presign_kwargs: {
      positional: ['size', 'sha256', 'id'],
      accepts: ['size', 'sha256', 'id'],
      call: (p) => backend.presignKwargs({ size: p.size, sha256: p.sha256, id: p.id }),
    },
    redrive_dead_letters: {
      positional: ['limit'],
      accepts: ['limit'],
      call: (p) => backend.redriveDeadLetters(optionalNumber(p, 'limit', 1, 100_000, true)),
    },
    list_dead_letters: {
      positional: ['limit', 'cursor'],
      accepts: ['limit', 'cursor'],
      call: (p) => listDeadLettersMethod(s, p),
    },
    purge_dead_letters: {
      positional: ['ids', 'limit'],
      accepts: ['ids', 'limit'],
      call: (p) =>
        backend.purgeDeadLetters({
          ids: optionalKeyList(p, 'ids', TASK_KEY),
          limit: optionalNumber(p, 'limit', 1, 100_000, true),
        }),
    },
    delete_tasks: {
      positional: ['ids'],
      accepts: ['ids'],
      async call(params) {
        const ids = optionalKeyList(params, 'ids', TASK_KEY);
        if (!ids) throw invalid('ids is required');
        return backend.deleteTasks(ids);
      },
    },
    ...workflowMethods(s),
  };
}
