import { cutBytes, utf8Bytes } from '../bytes.js';
import { ECHO_BYTES } from '../echo.js';
import {
  ConflictError,
  TaskNotFoundError,
  ValidationError,
  WaitTimeoutError,
  WorkflowConflictError,
  WorkflowNotFoundError,
} from '../errors.js';
import { LIMITS } from '../limits.js';
import type { Logger } from '../log.js';
import type { PayloadStore } from '../payload-store.js';
import { presentTask } from '../payloads/present.js';
import { type Task, toWire } from '../task.js';
import { READ_METHODS, RPC_ROUTES, type RpcAccess } from './access.js';
import { RPC_ERRORS } from './codes.js';
import { invalid, type Params } from './params.js';
import { escapedBytes, replyBytes, tooLarge } from './reply-size.js';
import { type Method, type RpcCallContext, type RpcServices, rpcMethods } from './methods.js';

type Id = string | number | null;

/** A JSON-RPC error object, as sent. */
class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** What the entry point knows of a call, and which methods its route serves. */
export interface RpcHandleContext extends RpcCallContext {
  /** `read`: the read-only route; any other method is refused with -32601. @default 'all' */
  access?: RpcAccess;
}

/** The JSON-RPC server: JSON-RPC 2.0 over one request body (single, batch, notifications). */
export interface Rpc {
  /** The method names served. */
  readonly methods: string[];
  /** Handle a request body; the response body, or undefined when there is none to send (notifications only). */
  handle(body: string, ctx?: RpcHandleContext): Promise<string | undefined>;
}

/** What the server needs: the backend, registry and scheduler its methods call, and a logger for internal errors. */
export interface RpcOptions extends RpcServices {
  logger: Logger;
}

/**
 * A task in an error's `data`, as a listing shows it: a payload kept in the bucket is a link
 * (lib/payloads/present.ts), never the object's bucket and key.
 */
const dataTask = async (payloads: PayloadStore | undefined, task: Task) =>
  presentTask(payloads, toWire(task), { inline: false, now: Date.now() / 1000 });

/**
 * The one place that maps skytask's errors to JSON-RPC codes; anything else is -32603
 * without a stack, logged on `log` (which names the method and task).
 */
async function toRpcError(err: unknown, log: Logger, payloads?: PayloadStore): Promise<RpcError> {
  if (err instanceof RpcError) return err;
  if (err instanceof ValidationError) return new RpcError(RPC_ERRORS.invalidParams, err.message, err.data);
  if (err instanceof WaitTimeoutError)
    return new RpcError(RPC_ERRORS.waitTimeout, err.message, { task: await dataTask(payloads, err.task) });
  if (err instanceof TaskNotFoundError) return new RpcError(RPC_ERRORS.notFound, err.message, { id: err.taskId });
  if (err instanceof ConflictError)
    return new RpcError(RPC_ERRORS.conflict, err.message, { task: await dataTask(payloads, err.task) });
  if (err instanceof WorkflowNotFoundError)
    return new RpcError(RPC_ERRORS.notFound, err.message, { workflow: err.workflowId });
  if (err instanceof WorkflowConflictError)
    return new RpcError(RPC_ERRORS.conflict, err.message, { workflow: err.workflowId });
  log.error({ err }, 'internal error in a JSON-RPC call');
  return new RpcError(RPC_ERRORS.internalError, 'Internal error');
}

function errorResponse(id: Id, err: RpcError) {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.data !== undefined) error.data = err.data;
  return { jsonrpc: '2.0', error, id };
}

type Response = { jsonrpc: string; id: Id; result?: unknown; error?: unknown };

/**
 * The answers in order, each kept while the reply stays within `LIMITS.maxReplyBytes`;
 * an answer with no room left becomes a -32004 error of its own (the others stand).
 */
function fitReply(responses: Response[]): Response[] {
  let used = 2;
  return responses.map((response) => {
    const bytes = replyBytes(response) + 1;
    if (used + bytes <= LIMITS.maxReplyBytes) {
      used += bytes;
      return response;
    }
    const error = errorResponse(response.id, new RpcError(RPC_ERRORS.replyTooLarge, tooLarge(bytes)));
    used += replyBytes(error) + 1;
    return error;
  });
}

/**
 * A reply's body, serialized once: as it is when it fits `LIMITS.maxReplyBytes` (nearly
 * always), else with the answers that do not fit replaced (`fitReply`).
 */
function replyBody(reply: Response | Response[]): string {
  const body = JSON.stringify(reply);
  if (escapedBytes(body) <= LIMITS.maxReplyBytes) return body;
  return JSON.stringify(Array.isArray(reply) ? fitReply(reply) : fitReply([reply])[0]);
}

const errorBody = (code: number, message: string) => JSON.stringify(errorResponse(null, new RpcError(code, message)));

/** A request's params by name: positional ones named by the method (a null one left out); unknown names refused. */
function paramsOf(method: Method, raw: unknown): Params {
  let params: Params;
  if (Array.isArray(raw)) {
    if (raw.length > method.positional.length) throw invalid('too many positional params');
    // A null leaves a param out, so that a later one can be given by position.
    params = Object.fromEntries(raw.flatMap((v, i) => (v === null ? [] : [[method.positional[i], v]])));
  } else params = (raw as Params | undefined) ?? {};
  const unknown = method.accepts && Object.keys(params).filter((k) => !method.accepts!.includes(k));
  if (unknown?.length) throw invalid(`unknown params: ${cutBytes(unknown.join(', '), ECHO_BYTES)}`);
  return params;
}

/**
 * Whether a request object is well formed (JSON-RPC 2.0 §4); its id, or null. A numeric id
 * must be finite: `1e999` parses as Infinity, which the answer could not echo (JSON has no
 * Infinity), so it is an invalid request, answered with id null as §5 says.
 */
function checkRequest(req: Record<string, unknown>): { valid: boolean; id: Id } {
  const isObject = req && typeof req === 'object' && !Array.isArray(req);
  const validId =
    isObject && (!('id' in req) || req.id === null || typeof req.id === 'string' || Number.isFinite(req.id as number));
  const id: Id = validId && 'id' in req ? (req.id as Id) : null;
  const valid =
    !!validId &&
    req.jsonrpc === '2.0' &&
    typeof req.method === 'string' &&
    (req.params === undefined || (typeof req.params === 'object' && req.params !== null));
  return { valid, id };
}

/** The JSON-RPC server over the methods of lib/rpc/methods.ts. */
export function createRpc(options: RpcOptions): Rpc {
  const methods = rpcMethods(options);

  /** One request object → its response, or undefined for a notification. */
  async function one(request: unknown, ctx: RpcHandleContext): Promise<Response | undefined> {
    const req = request as Record<string, unknown>;
    const { valid, id } = checkRequest(req);
    if (!valid) return errorResponse(id, new RpcError(RPC_ERRORS.invalidRequest, 'Invalid Request'));
    const notification = !('id' in req);
    // Echoed in an answer or a log line: a caller's text, so bounded (lib/echo.ts).
    const methodName = cutBytes(req.method as string, ECHO_BYTES);
    try {
      const method = Object.hasOwn(methods, req.method as string) ? methods[req.method as string] : undefined;
      if (!method) throw new RpcError(RPC_ERRORS.methodNotFound, `Method not found: ${methodName}`);
      if (ctx.access === 'read' && !READ_METHODS.has(req.method as string)) {
        throw new RpcError(
          RPC_ERRORS.methodNotFound,
          `Method not found: ${methodName} is not served on the read-only route ${RPC_ROUTES.read}, ` +
            `which serves ${[...READ_METHODS].join(', ')}; it is on ${RPC_ROUTES.all}`,
        );
      }
      const result = await method.call(paramsOf(method, req.params), ctx);
      return notification ? undefined : { jsonrpc: '2.0', result: result ?? null, id };
    } catch (err) {
      const taskId = (req.params as Record<string, unknown> | undefined)?.id;
      const log = options.logger.child({
        method: methodName,
        task_id: typeof taskId === 'string' ? taskId : undefined,
      });
      return notification ? undefined : errorResponse(id, await toRpcError(err, log, options.payloads));
    }
  }

  return {
    methods: Object.keys(methods),
    async handle(body, ctx = {}) {
      if (utf8Bytes(body) > LIMITS.maxRequestBytes) {
        return errorBody(RPC_ERRORS.invalidRequest, 'request too large');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return errorBody(RPC_ERRORS.parseError, 'Parse error');
      }
      if (!Array.isArray(parsed)) {
        const response = await one(parsed, ctx);
        return response && replyBody(response);
      }
      if (parsed.length === 0 || parsed.length > LIMITS.maxBatch) {
        const why = parsed.length ? `batch of more than ${LIMITS.maxBatch}` : 'empty batch';
        return errorBody(RPC_ERRORS.invalidRequest, `Invalid Request: ${why}`);
      }
      const responses = (await Promise.all(parsed.map((r) => one(r, ctx)))).filter((r) => r !== undefined);
      return responses.length ? replyBody(responses) : undefined;
    },
  };
}
