/**
 * What the local HTTP server accepts, for every route it serves (the JSON-RPC routes, and a
 * dashboard later): one place, so that a new route cannot forget a rule. Locally there is
 * no authorizer, so the rules keep web pages the developer opens from driving the server:
 *
 * - **DNS rebinding**: a page on `evil.example` whose name is made to resolve to 127.0.0.1
 *   is same-origin with it for the browser; the `Host` header still says `evil.example`.
 *   Only `127.0.0.1:<port>` and `localhost:<port>` are served.
 * - **Cross-site requests**: a browser sends `Origin` with every cross-origin request (and
 *   with same-origin POSTs); only the server's own origins are served.
 * - **CORS-simple requests**: a page may POST `text/plain`, form or multipart bodies
 *   without a preflight. The API takes `application/json` only, which a page can send
 *   cross-site only after a preflight this server never grants (it answers no OPTIONS).
 *
 * Sources: the Fetch standard (CORS-safelisted request headers, the `Origin` header), and
 * RFC 9110 (415, 421).
 */
import type { IncomingMessage } from 'node:http';
import { LIMITS } from '../lib/index.js';

/** The server's bounds on connections and requests (node:http server options). */
export interface LocalServerLimits {
  /** Milliseconds to receive a request's headers. */
  headersTimeoutMs: number;
  /** Milliseconds to receive a whole request, headers and body (a slow body gets 408). */
  requestTimeoutMs: number;
  /** Bytes of all of a request's headers (more gets 431). */
  maxHeaderBytes: number;
  /** Headers of a request read at most (node:http ignores the rest). */
  maxHeadersCount: number;
  /** Open connections at once; the server drops new ones past it. */
  maxConnections: number;
}

/**
 * The local server's bounds. A request on loopback takes milliseconds, so 10 s to receive
 * one is generous; a response may take longer (wait_for_task holds up to 25 s), and is not
 * bounded by these. 64 connections serve the CLI, the clients and tests many times over.
 */
export const LOCAL_SERVER_LIMITS: LocalServerLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  maxHeaderBytes: 16 * 1024,
  maxHeadersCount: 100,
  maxConnections: 64,
};

/** Why a request is refused: the HTTP status and a message for the caller. */
export interface Refusal {
  status: number;
  message: string;
}

/** The server's own origins on `port`. */
export const localOrigins = (port: number) => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];

/**
 * Why the local server on `port` must refuse `req` (see above), or undefined to serve it.
 * `json`: the route takes a JSON body (the API), so the body must be declared
 * `application/json`.
 */
export function refusal(req: IncomingMessage, port: number, { json }: { json: boolean }): Refusal | undefined {
  const origins = localOrigins(port);
  const host = req.headers.host?.toLowerCase();
  if (!host || !origins.includes(`http://${host}`)) {
    return { status: 421, message: `Host must be 127.0.0.1:${port} or localhost:${port}` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.includes(origin.toLowerCase())) {
    return { status: 403, message: `cross-site request refused: Origin must be ${origins.join(' or ')}` };
  }
  if (json && mediaType(req.headers['content-type']) !== 'application/json') {
    return { status: 415, message: 'Content-Type must be application/json' };
  }
  // Answered from the header at once: waiting for a body that will be refused took the request timeout (408).
  const declared = Number(req.headers['content-length']);
  if (json && declared > LIMITS.maxRequestBytes) {
    return {
      status: 413,
      message: `request too large: ${declared} bytes declared, over the ${LIMITS.maxRequestBytes}-byte limit`,
    };
  }
  return undefined;
}

/**
 * What node:http refuses before a request reaches the server (its `clientError` event:
 * RFC 9110's 400, 408, 413, 431), as a refusal like the others: node's own answers have
 * empty bodies. `code` is the error's (`HPE_HEADER_OVERFLOW`, `ERR_HTTP_REQUEST_TIMEOUT`…).
 */
export function clientErrorRefusal(code: string | undefined, limits: LocalServerLimits): Refusal {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: `request headers over ${limits.maxHeaderBytes} bytes` };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        message: `request not received in time (headers within ${limits.headersTimeoutMs / 1000} s, all of it within ${limits.requestTimeoutMs / 1000} s)`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'chunk extensions too large' };
    default:
      return { status: 400, message: `Bad Request: not an HTTP/1.1 request (${code ?? 'unreadable'})` };
  }
}

/** The media type of a Content-Type header, lowercased, without its parameters. */
const mediaType = (header: string | undefined) => header?.split(';')[0].trim().toLowerCase();
