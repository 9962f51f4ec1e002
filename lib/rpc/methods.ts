import type { Backend } from '../tasks/backend.js';
import { LIMITS } from '../limits.js';
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

/** Names that `queue_task` keeps for itself; a job kwarg with such a name goes in `kwargs`. */
export const RESERVED_QUEUE_PARAMS = ['jobname', 'kwargs', 'id', 'expiry', 'delay', 'eta', 'meta'] as const;

/** What the entry point knows of a call. */
export interface RpcCallContext {
  /** The caller's identity as the entry point saw it; recorded on queued tasks. */
  caller?: string;
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
}

const wire = (task: Task | null | undefined) => (task ? toWire(task) : null);

/** `queue_task`: kwargs as the other named params (Pulsar style) or as `kwargs`, not both. */
async function queueTaskMethod({ backend }: RpcServices, params: Params, ctx: RpcCallContext) {
  const jobname = requiredString(params, 'jobname');
  const named = Object.keys(params).filter((k) => !(RESERVED_QUEUE_PARAMS as readonly string[]).includes(k));
  if (params.kwargs !== undefined && named.length) {
    throw invalid(`give kwargs either as named params or in "kwargs", not both (found ${named.join(', ')})`);
  }
  if (params.meta !== undefined) throw invalid('meta is not supported yet');
  const kwargs = params.kwargs ?? Object.fromEntries(named.map((k) => [k, params[k]]));
  const task = await backend.queueTask(jobname, kwargs, {
    id: params.id as string | undefined,
    expiry: params.expiry as number | undefined,
    delay: params.delay as number | undefined,
    eta: params.eta as number | undefined,
    caller: ctx.caller,
  });
  return wire(task);
}

/** `get_tasks`: any combination of ids, name, status and from_task, with limit and cursor. */
async function getTasksMethod({ backend }: RpcServices, params: Params) {
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
  const tasks = page.tasks.map(toWire);
  // Pages stop early rather than outgrow Lambda's 6 MB response (lib/rpc/reply-size.ts).
  return ids ? fitIds(tasks, ids, offset) : fitListing(tasks, page.cursor);
}

/** `list_dead_letters`: a page of the tasks marked dead-lettered, SQS's count of letters, and those without a task. */
async function listDeadLettersMethod({ backend }: RpcServices, params: Params) {
  const page = await backend.listDeadLetters({
    limit: optionalNumber(params, 'limit', 1, LIMITS.maxListLimit, true),
    cursor: optionalString(params, 'cursor'),
  });
  const listing = fitListing(page.tasks.map(toWire), page.cursor);
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
      positional: ['jobname', 'kwargs', 'id', 'expiry', 'delay', 'eta'],
      call: (p, ctx) => queueTaskMethod(s, p, ctx),
    },
    get_task: { ...byId, call: async (p) => wire(await backend.getTask(requiredKey(p, 'id', TASK_KEY))) },
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
        return toWire(await backend.waitForTask(id, Math.min(timeout, LIMITS.maxWaitSeconds)));
      },
    },
    num_tasks: { positional: [], accepts: [], call: () => backend.numTasks() },
    queue_stats: {
      positional: [],
      accepts: [],
      async call() {
        const { queued, delayed, inFlight, deadLetters } = await backend.queueStats();
        return { queued, delayed, in_flight: inFlight, dead_letters: deadLetters };
      },
    },
    cost: { positional: COST_PARAMS, accepts: COST_PARAMS, call: (p) => costMethod(backend, p) },
    revoke_task: { ...byId, call: async (p) => toWire(await backend.revokeTask(requiredKey(p, 'id', TASK_KEY))) },
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
