/**
 * The HTTP client: the JSON-RPC endpoint, locally or deployed. On a deployed endpoint
 * (IAM authorization) requests are SigV4-signed with the default credential chain; a
 * JWT-protected one takes a bearer token; the local stack needs nothing.
 */
import { echo } from '../echo.js';
import { EndpointError, ValidationError, WaitTimeoutError } from '../errors.js';
import { toJson } from '../json.js';
import { LIMITS } from '../limits.js';
import { checkOptionNames } from '../tasks/options.js';
import { fromWire, type Task, type TaskWire } from '../task.js';
import { errorFromRpc, type RpcErrorObject } from './rpc-errors.js';
import { createSigV4Signer, executeApiRegion, type RequestSigner, type SigV4Options } from './sigv4.js';
import type { JobsOf, QueueOptions, QueueResult, SkytaskClient, WaitOptions } from './types.js';
import { costParams, costReportFromWire, jobInfoFromWire } from './wire.js';
import { signature, type Signature, type WorkflowSpec } from '../workflow.js';
import { workflowFromWire } from '../workflow-state.js';
import { pollWorkflow, revokeToEnd } from './workflow-wait.js';
import { fetchPayloads, withUpload } from './uploads.js';
import { MARKER } from '../payloads/ref.js';

export type HttpAuth = 'none' | 'sigv4' | { sigv4: SigV4Options } | { token: string };

export interface HttpClientOptions {
  /** The JSON-RPC URL, e.g. `http://127.0.0.1:8060/rpc` or `https://<id>.execute-api.<region>.amazonaws.com/rpc`. */
  url: string | URL;
  /** @default 'sigv4' for an `execute-api` host, else 'none' */
  auth?: HttpAuth;
  /**
   * Seconds one `wait_for_task` call asks for; `waitForTask` calls again until its own
   * timeout. Keep it under API Gateway's 30 s. @default 25
   */
  waitCapSeconds?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

interface RpcResponse {
  id?: number | string | null;
  result?: unknown;
  error?: RpcErrorObject;
}

/** The params that are set: JSON-RPC params without the undefined ones. */
const defined = (params: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));

function queueParams(job: string, kwargs: unknown, options: QueueOptions = {}) {
  checkOptionNames(options); // a mistyped option is refused here, as the direct client refuses it
  // JSON.stringify would send a Set as {} and Infinity as null: refused here, naming the path, as the server would.
  const json = toJson(kwargs ?? {}, 'kwargs');
  if ('problem' in json) throw new ValidationError(json.problem);
  const { id, expiry, delay, eta, traceparent, priority } = options;
  return {
    params: defined({ jobname: job, kwargs: kwargs ?? {}, id, expiry, delay, eta, traceparent, priority }),
    text: json.json,
  };
}

const taskOrNull = (wire: unknown) => (wire ? fromWire(wire as TaskWire) : null);

/** A workflow's task as the workflow methods take it: queue_task's params, `{ jobname, kwargs, delay… }`. */
function taskParam(s: Signature) {
  const { jobname, kwargs, ...options } = queueParams(s.job, s.kwargs, s.options).params;
  return { jobname, kwargs, ...options };
}

/** The JSON-RPC call that queues a workflow: its method and params. */
function workflowCall(spec: WorkflowSpec): [string, Record<string, unknown>] {
  const { id, linkError, policy } = spec.options as { id?: string; linkError?: Signature; policy?: string };
  const common = { id, link_error: linkError && taskParam(linkError) };
  if (spec.kind === 'chain') return ['queue_chain', { steps: spec.steps.map(taskParam), ...common }];
  if (spec.kind === 'group') return ['queue_group', { members: spec.members.map(taskParam), id }];
  return [
    'queue_chord',
    { members: spec.members.map(taskParam), callback: taskParam(spec.callback), policy, ...common },
  ];
}

/** JSON-RPC over HTTP POST: signing, transport errors, ids (the client's, and the dashboard proxy's). */
export interface Transport {
  /** POST one JSON-RPC body; the parsed response (undefined: HTTP 204, notifications only). */
  post(payload: unknown, signal?: AbortSignal): Promise<unknown>;
  /** Call one method; its result, or the JSON-RPC error as a skytask error class. */
  call(method: string, params: unknown, signal?: AbortSignal): Promise<any>;
  /** Reserve `n` consecutive request ids; the first. */
  ids(n: number): number;
}

function signerFor(auth: HttpAuth, url: URL): RequestSigner | undefined {
  if (auth === 'sigv4') return createSigV4Signer({}, url);
  return typeof auth === 'object' && 'sigv4' in auth ? createSigV4Signer(auth.sigv4, url) : undefined;
}

/** The parsed body if it is a JSON-RPC answer (a JSON-RPC error can come with a non-2xx status, e.g. 413). */
function rpcAnswer(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isAnswer =
    parsed && typeof parsed === 'object' && ('result' in parsed || 'error' in parsed || Array.isArray(parsed));
  return isAnswer ? parsed : undefined;
}

/**
 * The transport to a JSON-RPC endpoint: `auth` (SigV4 by default for an `execute-api`
 * host), EndpointError when the endpoint cannot be reached or does not answer JSON-RPC.
 */
export function createTransport(options: HttpClientOptions, url: URL = new URL(options.url)): Transport {
  const doFetch = options.fetch ?? globalThis.fetch;
  const auth = options.auth ?? (executeApiRegion(url) ? 'sigv4' : 'none');
  const sign = signerFor(auth, url);
  let nextId = 1;

  async function post(payload: unknown, signal?: AbortSignal): Promise<unknown> {
    const body = JSON.stringify(payload);
    let headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (typeof auth === 'object' && 'token' in auth) headers.authorization = `Bearer ${auth.token}`;
    if (sign) headers = { ...headers, ...(await sign(url, body, headers)) };
    let res: Response;
    try {
      res = await doFetch(url, { method: 'POST', headers, body, signal });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new EndpointError(`cannot reach ${url.origin}: ${why}`, undefined, { cause: err });
    }
    const text = await res.text();
    if (res.status === 204) return undefined;
    const answer = rpcAnswer(text);
    if (answer) return answer;
    throw new EndpointError(`${url.href} answered HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
  }

  return {
    post,
    async call(method, params, signal) {
      const response = (await post({ jsonrpc: '2.0', method, params, id: nextId++ }, signal)) as RpcResponse;
      if (response.error) throw errorFromRpc(response.error);
      return response.result;
    },
    ids(n) {
      const first = nextId;
      nextId += n;
      return first;
    },
  };
}

/**
 * One item's params — its kwargs uploaded first when over the item budget (lib/client/uploads.ts)
 * —, or the error the client itself refuses it with (a mistyped option, kwargs JSON cannot carry).
 */
async function itemParams(
  rpc: Transport,
  doFetch: typeof fetch,
  item: { job: string; kwargs?: unknown; options?: QueueOptions },
) {
  try {
    const { params, text } = queueParams(item.job, item.kwargs, item.options);
    return { params: await withUpload(rpc, doFetch, params, text) };
  } catch (err) {
    return { error: err as Error };
  }
}

/**
 * `queueTasks` over HTTP: one JSON-RPC batch per 100 items; each item's answer is its result
 * or error, as the direct client gives it. An item the client refuses before sending is that
 * item's error alone; the others are sent.
 */
async function queueTasksOver(
  rpc: Transport,
  doFetch: typeof fetch,
  items: readonly { job: string; kwargs?: unknown; options?: QueueOptions }[],
) {
  const results: QueueResult[] = [];
  for (let i = 0; i < items.length; i += LIMITS.maxBatch) {
    const checked = [];
    for (const item of items.slice(i, i + LIMITS.maxBatch)) checked.push(await itemParams(rpc, doFetch, item));
    const toSend = checked.filter((c) => c.params);
    const first = rpc.ids(toSend.length);
    const requests = toSend.map(({ params }, n) => ({ jsonrpc: '2.0', method: 'queue_task', params, id: first + n }));
    // An empty JSON-RPC batch is an invalid request: nothing is posted when every item was refused.
    const responses = requests.length ? ((await rpc.post(requests)) as RpcResponse[]) : [];
    const byId = new Map(Array.isArray(responses) ? responses.map((r) => [r.id, r]) : []);
    let n = 0;
    for (const [index, { error }] of checked.entries()) {
      if (error) {
        results.push({ ok: false, error });
        continue;
      }
      const response = byId.get(first + n++);
      if (!response) results.push({ ok: false, error: new EndpointError(`no answer for item ${i + index}`) });
      else if (response.error) results.push({ ok: false, error: errorFromRpc(response.error) });
      else results.push({ ok: true, task: taskOrNull(response.result) });
    }
  }
  return results;
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
    async queueTask(job: string, kwargs?: unknown, options?: QueueOptions): Promise<any> {
      const { params, text } = queueParams(job, kwargs, options);
      const task = taskOrNull(await call('queue_task', await withUpload(rpc, doFetch, params, text)));
      // A task whose kwargs were kept in S3 is answered with a link: the caller's own kwargs stand for it.
      return task && MARKER in task.kwargs ? { ...task, kwargs: JSON.parse(text) } : task;
    },
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
    async queueWorkflow(workflow): Promise<any> {
      const [method, params] = workflowCall(workflow);
      return workflowFromWire(await call(method, defined(params)));
    },
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
