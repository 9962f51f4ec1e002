/**
 * The HTTP client: the JSON-RPC endpoint, locally or deployed, over a transport
 * (lib/client/transport.ts: SigV4, a bearer token, or nothing). Queueing, with large kwargs
 * uploaded first, is in lib/client/queue-calls.ts; a workflow's call in workflow-calls.ts.
 */
import { echo } from '../echo.js';
import { ValidationError, WaitTimeoutError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { fromWire, type Task, type TaskWire } from '../task.js';
import { signature } from '../workflow.js';
import { workflowFromWire } from '../workflow-state.js';
import { queueTaskOver, queueTasksOver } from './queue-calls.js';
import { createTransport, type Transport, type TransportOptions } from './transport.js';
import type { JobsOf, QueueOptions, SkytaskClient, WaitOptions } from './types.js';
import { fetchPayloads } from './uploads.js';
import { costParams, costReportFromWire, defined, jobInfoFromWire } from './wire.js';
import { workflowCall } from './workflow-calls.js';
import { pollWorkflow, revokeToEnd } from './workflow-wait.js';

export interface HttpClientOptions extends TransportOptions {
  /**
   * Seconds one `wait_for_task` call asks for; `waitForTask` calls again until its own
   * timeout. Keep it under API Gateway's 30 s. @default 25
   */
  waitCapSeconds?: number;
}

/** `waitForTask` over HTTP: `wait_for_task` calls of at most `waitCap` seconds until the caller's own timeout. */
async function waitOver(
  rpc: Transport,
  doFetch: typeof fetch,
  waitCap: number,
  task: string | Task,
  { timeout, signal }: WaitOptions,
) {
  const id = typeof task === 'string' ? task : task.id;
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
  for (;;) {
    signal?.throwIfAborted();
    const left = Math.max(0, (deadline - Date.now()) / 1000);
    try {
      return fromWire(
        await fetchPayloads(doFetch, await rpc.call('wait_for_task', { id, timeout: Math.min(waitCap, left) }, signal)),
      );
    } catch (err) {
      // The endpoint's cap passed, not the caller's timeout: ask again.
      if (!(err instanceof WaitTimeoutError) || Date.now() >= deadline) throw err;
    }
  }
}

/**
 * The `url` option as a URL: an http(s) URL, or a ValidationError naming the option
 * (`new URL(undefined)` says only "Invalid URL").
 */
function endpointUrl(url: unknown): URL {
  const text = url instanceof URL ? url.href : url;
  let parsed: URL | undefined;
  try {
    parsed = typeof text === 'string' ? new URL(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol === 'http:' || parsed?.protocol === 'https:') return parsed;
  throw new ValidationError(
    `createHttpClient: the url option must be the JSON-RPC endpoint's http(s) URL ` +
      `(http://127.0.0.1:8060/rpc locally), not ${echo(text)}`,
  );
}

/**
 * A client over the JSON-RPC endpoint.
 * @example
 * import { createHttpClient } from 'skytask/client';
 * const client = createHttpClient<typeof import('./jobs.js')>({ url: 'http://127.0.0.1:8060/rpc' });
 * const task = await client.queueTask('addition', { a: 1, b: 2 });
 * const done = await client.waitForTask(task!, { timeout: 60 });
 */
export function createHttpClient<M = never>(options: HttpClientOptions): SkytaskClient<JobsOf<M>> {
  const rpc = createTransport(options, endpointUrl(options?.url));
  const waitCap = Math.min(options.waitCapSeconds ?? LIMITS.maxWaitSeconds, LIMITS.maxWaitSeconds);
  const { call } = rpc;
  const doFetch = options.fetch ?? globalThis.fetch;
  const client: SkytaskClient<any> = {
    queueTask: (job: string, kwargs?: unknown, options?: QueueOptions): Promise<any> =>
      queueTaskOver(rpc, doFetch, { job, kwargs, options }),
    queueTasks: (items) => queueTasksOver(rpc, doFetch, items),
    async getTask(id) {
      const wire = await call('get_task', { id });
      return wire ? fromWire(await fetchPayloads(doFetch, wire)) : null;
    },
    async getTasks(filter = {}) {
      const { ids, name, status, fromTask, limit, cursor } = filter;
      const page = await call('get_tasks', defined({ ids, name, status, from_task: fromTask, limit, cursor }));
      return { tasks: (page.tasks as TaskWire[]).map(fromWire), cursor: page.cursor ?? null };
    },
    waitForTask: (task: string | Task, wait: WaitOptions = {}): Promise<any> =>
      waitOver(rpc, doFetch, waitCap, task, wait),
    revokeTask: async (id) => fromWire(await call('revoke_task', { id })),
    jobList: async (names) =>
      ((await call('job_list', names ? { jobnames: names } : {})) as Record<string, unknown>[]).map(jobInfoFromWire),
    async queueStats() {
      const s = await call('queue_stats', {});
      const depth = (d: any) => ({ queued: d.queued, delayed: d.delayed, inFlight: d.in_flight });
      const queues = (s.queues ?? []).map((q: any) => ({
        queue: q.queue,
        lanes: Object.fromEntries(Object.entries(q.lanes).map(([lane, d]) => [lane, depth(d)])),
        deadLetters: q.dead_letters,
      }));
      return { ...depth(s), deadLetters: s.dead_letters, queues };
    },
    redriveDeadLetters: (limit) => call('redrive_dead_letters', limit === undefined ? {} : { limit }),
    signature: signature as SkytaskClient<any>['signature'],
    queueWorkflow: async (workflow): Promise<any> => workflowFromWire(await call(...workflowCall(workflow))),
    getWorkflow: async (id, page = {}) => workflowFromWire(await call('get_workflow', defined({ id, ...page }))),
    waitForWorkflow: (workflow, options): Promise<any> =>
      pollWorkflow((id) => client.getWorkflow(id, { limit: 0 }), workflow, options),
    revokeWorkflow: (id, { cursor } = {}) =>
      revokeToEnd((wid, at) => call('revoke_workflow', defined({ id: wid, cursor: at })), id, cursor),
    costReport: async (options = {}) => costReportFromWire(await call('cost', costParams(options))),
    async listDeadLetters({ limit, cursor } = {}) {
      const page = await call('list_dead_letters', defined({ limit, cursor }));
      return { ...page, tasks: (page.tasks as TaskWire[]).map(fromWire) };
    },
    purgeDeadLetters: ({ ids, limit } = {}) => call('purge_dead_letters', defined({ ids, limit })),
  };
  return client;
}
