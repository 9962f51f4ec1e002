/**
 * `skytask dashboard --url <endpoint>`: the dashboard for a deployed stack, served on
 * 127.0.0.1 by the same server as the local stack's (local/http.ts: its Host, Origin,
 * Content-Type and size rules), its `POST /rpc` calls passed on to the endpoint with the
 * user's own credentials — SigV4 (the default AWS credential chain) or a bearer token — so
 * nothing new is exposed on the internet.
 *
 * The proxy holds those credentials, so besides the server's rules it answers only calls
 * that carry the token it drew at launch (`x-skytask-token`): another user or program on
 * the machine can reach 127.0.0.1 too. The token travels in the printed URL's fragment
 * (`/#token=…`), which browsers never send to a server; the page keeps it in its session
 * storage and sends it with each call.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createTransport, type HttpAuth } from '../../lib/client/transport.js';
import { EndpointError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { RPC_ERRORS, RPC_ROUTES } from '../../lib/index.js';
import { startHttpServer } from '../http.js';

/** Milliseconds the endpoint gets to answer a call: API Gateway gives up after 30 s. */
const ANSWER_MS = 35_000;

/** The header that carries the launch's token. */
export const TOKEN_HEADER = 'x-skytask-token';

export interface DashboardProxyOptions {
  /** The JSON-RPC endpoint: https, or http on a loopback host (a local stack). */
  url: string;
  /** @default 'sigv4' for an `execute-api` host, else 'none' */
  auth?: HttpAuth;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  logger: Logger;
  /** The launch's token. @default 32 random bytes, base64url */
  token?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/**
 * The endpoint, checked: a URL, https unless it is on this machine (a bearer token or a
 * signed request must not cross a network in the clear). ValidationError otherwise.
 */
export function endpointOf(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(`--url must be the endpoint's URL, not "${url}"`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.test(parsed.hostname))) {
    throw new ValidationError(`--url must be https (or http on 127.0.0.1 / localhost), not ${parsed.origin}`);
  }
  return parsed;
}

const rpcError = (status: number, code: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }),
});

/** Whether `given` is the token, compared in constant time. */
function sameToken(given: string | undefined, token: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The proxy's handler: the token, then the body passed on as it is and the answer passed back. */
function proxyHandler(options: DashboardProxyOptions & { token: string }, endpoint: URL) {
  const transport = createTransport({ url: endpoint, auth: options.auth });
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    if (!sameToken(event.headers[TOKEN_HEADER], options.token)) {
      return rpcError(
        401,
        RPC_ERRORS.invalidRequest,
        'the dashboard token is missing or wrong: open the URL that skytask dashboard printed',
      );
    }
    // The page calls /rpc only: the read route here would be the endpoint's full one.
    if (event.rawPath !== RPC_ROUTES.all)
      return rpcError(404, RPC_ERRORS.methodNotFound, `the proxy serves POST ${RPC_ROUTES.all}`);
    let payload: unknown;
    try {
      payload = JSON.parse(event.body ?? '');
    } catch {
      return rpcError(400, RPC_ERRORS.parseError, 'the body is not JSON');
    }
    try {
      const answer = await transport.post(payload, AbortSignal.timeout(ANSWER_MS));
      return answer === undefined
        ? { statusCode: 204 }
        : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) };
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      if (!(err instanceof EndpointError) && !timedOut) throw err;
      const message = timedOut
        ? `${endpoint.origin} did not answer within ${ANSWER_MS / 1000} s`
        : (err as Error).message;
      options.logger.warn({ endpoint: endpoint.href, err: message }, 'the endpoint did not answer');
      return rpcError(timedOut ? 504 : 502, RPC_ERRORS.internalError, message);
    }
  };
}

/**
 * Serve the dashboard for `url` on 127.0.0.1 until `close()`. Returns the URL to open
 * (`http://127.0.0.1:<port>/#token=<token>`). Throws ValidationError for a URL it will not
 * send credentials to.
 */
export async function startDashboardProxy(options: DashboardProxyOptions) {
  const endpoint = endpointOf(options.url);
  const token = options.token ?? randomBytes(32).toString('base64url');
  const http = await startHttpServer({
    port: options.port,
    handler: proxyHandler({ ...options, token }, endpoint),
    logger: options.logger,
  });
  const origin = new URL(http.url).origin;
  return { url: `${origin}/#token=${token}`, origin, endpoint: endpoint.href, token, close: http.close };
}
