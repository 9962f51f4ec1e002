/**
 * JSON-RPC over HTTP POST, for the HTTP client and the dashboard's proxy: on a deployed
 * endpoint (IAM authorization) requests are SigV4-signed with the default credential chain;
 * a JWT-protected one takes a bearer token; the local stack needs nothing.
 */
import { EndpointError } from '../errors.js';
import { errorFromRpc, type RpcErrorObject } from './rpc-errors.js';
import { createSigV4Signer, executeApiRegion, type RequestSigner, type SigV4Options } from './sigv4.js';

export type HttpAuth = 'none' | 'sigv4' | { sigv4: SigV4Options } | { token: string };

/** Where a transport posts and how: the endpoint, its auth, extra headers, the fetch to use. */
export interface TransportOptions {
  /** The JSON-RPC URL, e.g. `http://127.0.0.1:8060/rpc` or `https://<id>.execute-api.<region>.amazonaws.com/rpc`. */
  url: string | URL;
  /** @default 'sigv4' for an `execute-api` host, else 'none' */
  auth?: HttpAuth;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** One JSON-RPC answer: its id, and its result or error. */
export interface RpcResponse {
  id?: number | string | null;
  result?: unknown;
  error?: RpcErrorObject;
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
export function createTransport(options: TransportOptions, url: URL = new URL(options.url)): Transport {
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
