import type { Backend } from './backend.js';
import { ConflictError, TaskNotFoundError, ValidationError, WaitTimeoutError } from './errors.js';
import { canOverlapLabel, type Job } from './job.js';
import { LIMITS } from './limits.js';
import type { Logger } from './log.js';
import { createScheduler, type JobSchedule } from './scheduler.js';
import { RPC_ERRORS } from './rpc-errors.js';
import { isStatus, toWire, type Task } from './task.js';

export { RPC_ERRORS } from './rpc-errors.js';

/** Names that `queue_task` keeps for itself; a job kwarg with such a name goes in `kwargs`. */
export const RESERVED_QUEUE_PARAMS = ['jobname', 'kwargs', 'id', 'expiry', 'delay', 'eta', 'meta'] as const;

export interface RpcCallContext {
  /** The caller's identity as the entry point saw it; recorded on queued tasks. */
  caller?: string;
}

type Params = Record<string, unknown>;
type Id = string | number | null;

interface Method {
  /** Names for positional (array) params, in order. */
  positional: string[];
  /** Named params it accepts; undefined: any (queue_task's kwargs). */
  accepts?: string[];
  call(params: Params, ctx: RpcCallContext): Promise<unknown> | unknown;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new ValidationError(message);

function optionalString(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw invalid(`${name} must be a non-empty string`);
  return v;
}

function requiredString(params: Params, name: string): string {
  const v = optionalString(params, name);
  if (v === undefined) throw invalid(`${name} is required`);
  return v;
}

function optionalNumber(params: Params, name: string, min: number, max: number): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw invalid(`${name} must be a number from ${min} to ${max}`);
  }
  return v;
}

function optionalStringList(params: Params, name: string): string[] | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > LIMITS.maxIdsPerCall || v.some((x) => typeof x !== 'string' || !x)) {
    throw invalid(`${name} must be a list of at most ${LIMITS.maxIdsPerCall} strings`);
  }
  return v as string[];
}

const wire = (task: Task | null | undefined) => (task ? toWire(task) : null);

function describeJob(job: Job, schedule?: JobSchedule) {
  const described: Record<string, unknown> = {
    name: job.name,
    doc: job.doc ?? '',
    doc_syntax: 'markdown',
    type: job.type,
    can_overlap: canOverlapLabel(job),
    expires: job.expires ?? null,
  };
  if (schedule) {
    Object.assign(described, {
      run_every: job.runEvery ?? null,
      anchor: job.runEvery !== undefined ? (job.anchor ?? 0) : null,
      cron: job.cron ?? null,
      timezone: job.cron !== undefined ? (job.timezone ?? 'UTC') : null,
      next_run: schedule.nextRun,
      runs_count: schedule.entry?.runsCount ?? 0,
      last_run_at: schedule.entry?.lastRunAt ?? null,
    });
  }
  return described;
}

/** `job_list`'s answer (wire form): the named jobs, or all, with their schedules. The direct client uses it too. */
export async function describeJobs(
  backend: Backend,
  logger: Logger,
  names?: string[],
): Promise<Record<string, unknown>[]> {
  const jobs = names ? names.map((n) => backend.registry.require(n)) : backend.registry.all();
  const schedules = new Map((await createScheduler({ backend, logger }).schedules(jobs)).map((s) => [s.job.name, s]));
  return jobs.map((job) => describeJob(job, schedules.get(job.name)));
}

export function createRpc(backend: Backend, { logger }: { logger: Logger }) {
  const scheduler = createScheduler({ backend, logger });
  const jobsNamed = (names: string[] | undefined) =>
    names ? names.map((n) => backend.registry.require(n)) : backend.registry.all();

  const methods: Record<string, Method> = {
    ping: { positional: [], accepts: [], call: () => 'pong' },

    job_list: {
      positional: ['jobnames'],
      accepts: ['jobnames'],
      call: (params) => describeJobs(backend, logger, optionalStringList(params, 'jobnames')),
    },

    next_scheduled_tasks: {
      positional: ['jobnames'],
      accepts: ['jobnames'],
      /** `[jobname, seconds until its next run]` for the soonest; `[jobnames, null]` when none is periodic. */
      async call(params) {
        const names = optionalStringList(params, 'jobnames');
        const soonest = (await scheduler.schedules(jobsNamed(names)))
          .filter((s) => s.nextRun !== null)
          .sort((a, b) => a.nextRun! - b.nextRun! || a.job.name.localeCompare(b.job.name))[0];
        return soonest ? [soonest.job.name, soonest.nextRun] : [names ?? null, null];
      },
    },

    queue_task: {
      positional: ['jobname', 'kwargs'],
      async call(params, ctx) {
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
      },
    },

    get_task: {
      positional: ['id'],
      accepts: ['id'],
      call: async (params) => wire(await backend.getTask(requiredString(params, 'id'))),
    },

    get_tasks: {
      positional: [],
      accepts: ['ids', 'name', 'status', 'from_task', 'limit', 'cursor'],
      async call(params) {
        const status = params.status;
        if (status !== undefined && status !== null && !isStatus(status)) {
          throw invalid('status must be one of QUEUED, STARTED, RETRY, REVOKED, FAILURE, SUCCESS');
        }
        const page = await backend.getTasks({
          ids: optionalStringList(params, 'ids'),
          name: optionalString(params, 'name'),
          status: status ?? undefined,
          fromTask: optionalString(params, 'from_task'),
          limit: optionalNumber(params, 'limit', 1, LIMITS.maxListLimit),
          cursor: optionalString(params, 'cursor'),
        });
        return { tasks: page.tasks.map(toWire), cursor: page.cursor };
      },
    },

    wait_for_task: {
      positional: ['id', 'timeout'],
      accepts: ['id', 'timeout'],
      async call(params) {
        const id = requiredString(params, 'id');
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
        const stats = await backend.queueStats();
        return {
          queued: stats.queued,
          delayed: stats.delayed,
          in_flight: stats.inFlight,
          dead_letters: stats.deadLetters,
        };
      },
    },

    revoke_task: {
      positional: ['id'],
      accepts: ['id'],
      call: async (params) => toWire(await backend.revokeTask(requiredString(params, 'id'))),
    },

    redrive_dead_letters: {
      positional: ['limit'],
      accepts: ['limit'],
      call: (params) => backend.redriveDeadLetters(optionalNumber(params, 'limit', 1, 100_000)),
    },

    delete_tasks: {
      positional: ['ids'],
      accepts: ['ids'],
      async call(params) {
        const ids = optionalStringList(params, 'ids');
        if (!ids) throw invalid('ids is required');
        return backend.deleteTasks(ids);
      },
    },
  };

  function toRpcError(err: unknown): RpcError {
    if (err instanceof RpcError) return err;
    if (err instanceof ValidationError) return new RpcError(RPC_ERRORS.invalidParams, err.message, err.data);
    if (err instanceof WaitTimeoutError) {
      return new RpcError(RPC_ERRORS.waitTimeout, err.message, { task: toWire(err.task) });
    }
    if (err instanceof TaskNotFoundError) return new RpcError(RPC_ERRORS.notFound, err.message, { id: err.taskId });
    if (err instanceof ConflictError) {
      return new RpcError(RPC_ERRORS.conflict, err.message, { task: toWire(err.task) });
    }
    logger.error({ err }, 'internal error in a JSON-RPC call');
    return new RpcError(RPC_ERRORS.internalError, 'Internal error');
  }

  function errorResponse(id: Id, err: RpcError) {
    const error: Record<string, unknown> = { code: err.code, message: err.message };
    if (err.data !== undefined) error.data = err.data;
    return { jsonrpc: '2.0', error, id };
  }

  /** One request object → its response, or undefined for a notification. */
  async function one(request: unknown, ctx: RpcCallContext): Promise<object | undefined> {
    const req = request as Record<string, unknown>;
    const validId =
      req &&
      typeof req === 'object' &&
      !Array.isArray(req) &&
      (!('id' in req) || req.id === null || typeof req.id === 'string' || typeof req.id === 'number');
    const id: Id = validId && 'id' in req ? (req.id as Id) : null;
    if (
      !validId ||
      req.jsonrpc !== '2.0' ||
      typeof req.method !== 'string' ||
      (req.params !== undefined && (typeof req.params !== 'object' || req.params === null))
    ) {
      return errorResponse(id, new RpcError(RPC_ERRORS.invalidRequest, 'Invalid Request'));
    }
    const notification = !('id' in req);
    try {
      const method = Object.hasOwn(methods, req.method) ? methods[req.method] : undefined;
      if (!method) throw new RpcError(RPC_ERRORS.methodNotFound, `Method not found: ${req.method}`);
      let params: Params;
      if (Array.isArray(req.params)) {
        if (req.params.length > method.positional.length) throw invalid('too many positional params');
        params = Object.fromEntries(req.params.map((v, i) => [method.positional[i], v]));
      } else {
        params = (req.params as Params | undefined) ?? {};
      }
      const unknown = method.accepts && Object.keys(params).filter((k) => !method.accepts!.includes(k));
      if (unknown?.length) throw invalid(`unknown params: ${unknown.join(', ')}`);
      const result = await method.call(params, ctx);
      return notification ? undefined : { jsonrpc: '2.0', result: result ?? null, id };
    } catch (err) {
      return notification ? undefined : errorResponse(id, toRpcError(err));
    }
  }

  return {
    methods: Object.keys(methods),
    /** Handle a request body; returns the response body, or undefined when there is none to send. */
    async handle(body: string, ctx: RpcCallContext = {}): Promise<string | undefined> {
      if (Buffer.byteLength(body, 'utf8') > LIMITS.maxRequestBytes) {
        return JSON.stringify(errorResponse(null, new RpcError(RPC_ERRORS.invalidRequest, 'request too large')));
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return JSON.stringify(errorResponse(null, new RpcError(RPC_ERRORS.parseError, 'Parse error')));
      }
      if (Array.isArray(parsed)) {
        if (parsed.length === 0 || parsed.length > LIMITS.maxBatch) {
          const why = parsed.length ? `batch of more than ${LIMITS.maxBatch}` : 'empty batch';
          return JSON.stringify(
            errorResponse(null, new RpcError(RPC_ERRORS.invalidRequest, `Invalid Request: ${why}`)),
          );
        }
        const responses = (await Promise.all(parsed.map((r) => one(r, ctx)))).filter((r) => r !== undefined);
        return responses.length ? JSON.stringify(responses) : undefined;
      }
      const response = await one(parsed, ctx);
      return response && JSON.stringify(response);
    },
  };
}

export type Rpc = ReturnType<typeof createRpc>;
