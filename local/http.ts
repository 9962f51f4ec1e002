import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { LIMITS, type Logger, RPC_ERRORS, RPC_ROUTES } from '../lib/index.js';
import { dashboardAsset } from './dashboard/assets.js';
import { eventFeed, FEED_PATH } from './event-feed.js';
import { clientErrorRefusal, LOCAL_SERVER_LIMITS, type LocalServerLimits, refusal } from './http-rules.js';

type RpcHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** Read a body up to `max` bytes; undefined if it is longer. */
async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toEvent(req: IncomingMessage, body: string, path: string): APIGatewayProxyEventV2 {
  const now = Date.now();
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'POST',
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `POST ${path}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}) => ({
  statusCode: status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

/** A JSON-RPC error answer with an HTTP status, for a request refused before the handler. */
const rpcRefusal = (status: number, message: string, headers?: Record<string, string>) =>
  json(status, { jsonrpc: '2.0', error: { code: RPC_ERRORS.invalidRequest, message }, id: null }, headers);

/** The paths served; the handler tells them apart by the event's routeKey (lib/rpc/access.ts). */
const ROUTES = new Set<string>(Object.values(RPC_ROUTES));

/** A request off the API's routes: the dashboard's page for a GET of one of its files, else 404 (or 405). */
function page(req: IncomingMessage, path: string): APIGatewayProxyStructuredResultV2 {
  const asset = dashboardAsset(path);
  if (!asset) return json(404, { message: `Not Found: GET / (the dashboard), POST ${[...ROUTES].join(' or POST ')}` });
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { message: `Method Not Allowed: GET ${path}` });
  return asset;
}

/** One request: the rules of local/http-rules.ts first, then the route (the API or the page), then the handler. */
async function serve(
  req: IncomingMessage,
  port: number,
  handler: RpcHandler,
  feed?: () => string | undefined,
): Promise<APIGatewayProxyStructuredResultV2> {
  const path = req.url?.split('?')[0] ?? '';
  const route = ROUTES.has(path);
  const refused = refusal(req, port, { json: route && req.method === 'POST' });
  if (refused) return rpcRefusal(refused.status, refused.message, { connection: 'close' });
  if (path === FEED_PATH && req.method === 'GET') return eventFeed(req.url, feed?.());
  if (!route) return page(req, path);
  if (req.method !== 'POST') return json(405, { message: `Method Not Allowed: POST ${path}` });
  const body = await readBody(req, LIMITS.maxRequestBytes);
  // The rest of an oversized body is not read: the connection cannot carry another request.
  if (body === undefined) return rpcRefusal(413, 'request too large', { connection: 'close' });
  return handler(toEvent(req, body, path), { awsRequestId: randomUUID() } as Context);
}

/**
 * A response Lambda would refuse (over `LIMITS.lambdaResponseBytes` as JSON) becomes what
 * API Gateway then answers, a bare 500, so a reply too large fails here as it would on AWS.
 */
function overLambdaLimit(result: APIGatewayProxyStructuredResultV2, logger: Logger) {
  const bytes = Buffer.byteLength(JSON.stringify(result), 'utf8');
  if (bytes <= LIMITS.lambdaResponseBytes) return result;
  logger.error({ bytes, limit: LIMITS.lambdaResponseBytes }, "reply over Lambda's 6 MB response limit: a bare 500");
  return json(500, { message: 'Internal Server Error' });
}

/** node:http's own refusals (`clientError`) answered as the others are, a JSON-RPC error, then the connection closed. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, limits: LocalServerLimits): void {
  const started = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code !== 'ECONNRESET' && socket.writable && !started) {
    const { status, message } = clientErrorRefusal(err.code, limits);
    const { body } = rpcRefusal(status, message);
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n`;
    socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/**
 * What API Gateway's HTTP API does, for the local stack: `POST /rpc` and `POST /rpc/read`
 * become payload v2 events for the same RPC handler (`routeKey` says which); `GET /` is the
 * dashboard (local/dashboard/assets.ts), `GET /events` its feed of task events. Binds
 * 127.0.0.1 only: locally there is no authorizer, so the rules of local/http-rules.ts
 * refuse what a web page could send (other Hosts, other Origins, bodies not declared JSON),
 * and its limits bound slow requests, headers and connections.
 */
export async function startHttpServer(options: {
  port: number;
  handler: RpcHandler;
  logger: Logger;
  /** @default LOCAL_SERVER_LIMITS */
  limits?: Partial<LocalServerLimits>;
  /** The PutEvents endpoint whose events `GET /events` shows (local/event-feed.ts), once known. */
  feed?: () => string | undefined;
}): Promise<{
  server: Server;
  url: string;
  close(): Promise<void>;
}> {
  const limits = { ...LOCAL_SERVER_LIMITS, ...options.limits };
  let port = options.port;
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // A request without Host gets the Host rule's 421 (local/http-rules.ts), not node's bare 400.
      requireHostHeader: false,
      // How often node:http looks for requests past their timeouts (default 30 s).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    async (req, res) => {
      let result: APIGatewayProxyStructuredResultV2;
      try {
        result = overLambdaLimit(await serve(req, port, options.handler, options.feed), options.logger);
      } catch (err) {
        options.logger.error({ err }, 'HTTP request failed');
        result = json(500, { message: 'Internal Server Error' });
      }
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
      res.end(result.body ?? '');
    },
  );
  server.on('clientError', (err, socket) => answerClientError(err, socket, limits));
  server.maxHeadersCount = limits.maxHeadersCount;
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://127.0.0.1:${port}${RPC_ROUTES.all}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
