import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { LIMITS, type Logger } from '../lib/index.js';

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

function toEvent(req: IncomingMessage, body: string): APIGatewayProxyEventV2 {
  const now = Date.now();
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
  return {
    version: '2.0',
    routeKey: 'POST /rpc',
    rawPath: '/rpc',
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'POST',
        path: '/rpc',
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: 'POST /rpc',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}

const json = (status: number, value: unknown) => ({
  statusCode: status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/**
 * What API Gateway's HTTP API does, for the local stack: `POST /rpc` becomes a payload v2
 * event for the same RPC handler. Binds 127.0.0.1 only: locally there is no authorizer.
 */
export async function startHttpServer(options: { port: number; handler: RpcHandler; logger: Logger }): Promise<{
  server: Server;
  url: string;
  close(): Promise<void>;
}> {
  const server = createServer(async (req, res) => {
    let result: APIGatewayProxyStructuredResultV2;
    try {
      if (req.url?.split('?')[0] !== '/rpc') result = json(404, { message: 'Not Found: POST /rpc' });
      else if (req.method !== 'POST') result = json(405, { message: 'Method Not Allowed: POST /rpc' });
      else {
        const body = await readBody(req, LIMITS.maxRequestBytes);
        result =
          body === undefined
            ? // The rest of the body is not read: the connection cannot carry another request.
              {
                ...json(413, { jsonrpc: '2.0', error: { code: -32600, message: 'request too large' }, id: null }),
                headers: { 'content-type': 'application/json', connection: 'close' },
              }
            : await options.handler(toEvent(req, body), { awsRequestId: randomUUID() } as Context);
      }
    } catch (err) {
      options.logger.error({ err }, 'HTTP request failed');
      result = json(500, { message: 'Internal Server Error' });
    }
    res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
    res.end(result.body ?? '');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/rpc`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
