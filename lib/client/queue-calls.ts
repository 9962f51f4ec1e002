/**
 * The HTTP client's `queue_task` calls, one task or a batch: each task's options and kwargs
 * checked as the direct client checks them, and kwargs too large for a request uploaded
 * first (lib/client/uploads.ts, docs/payloads.md).
 */
import { EndpointError, ValidationError } from '../errors.js';
import { toJson } from '../json.js';
import { LIMITS } from '../limits.js';
import { MARKER } from '../payloads/ref.js';
import { checkOptionNames } from '../tasks/options.js';
import { fromWire, type Task, type TaskWire } from '../task.js';
import { errorFromRpc } from './rpc-errors.js';
import type { RpcResponse, Transport } from './transport.js';
import type { QueueOptions, QueueResult } from './types.js';
import { withUpload } from './uploads.js';
import { defined } from './wire.js';

/** One task to queue, as `queueTasks` takes it. */
type QueueItem = { job: string; kwargs?: unknown; options?: QueueOptions };

/**
 * `queue_task`'s params for a task, and its kwargs' JSON (`text`). Throws ValidationError for
 * a mistyped option or kwargs JSON cannot carry, as the direct client and the server do.
 */
export function queueParams(job: string, kwargs: unknown, options: QueueOptions = {}) {
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

/**
 * `queueTask` over HTTP: the task as queued, or null when an `id` given is already taken. A
 * task whose kwargs were kept in S3 is answered with a link: the caller's own kwargs stand for it.
 */
export async function queueTaskOver(
  rpc: Transport,
  doFetch: typeof fetch,
  { job, kwargs, options }: QueueItem,
): Promise<Task | null> {
  const { params, text } = queueParams(job, kwargs, options);
  const task = taskOrNull(await rpc.call('queue_task', await withUpload(rpc, doFetch, params, text)));
  return task && MARKER in task.kwargs ? { ...task, kwargs: JSON.parse(text) } : task;
}

/**
 * One item's params — its kwargs uploaded first when over the item budget (lib/client/uploads.ts)
 * —, or the error the client itself refuses it with (a mistyped option, kwargs JSON cannot carry).
 */
async function itemParams(rpc: Transport, doFetch: typeof fetch, item: QueueItem) {
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
export async function queueTasksOver(rpc: Transport, doFetch: typeof fetch, items: readonly QueueItem[]) {
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
