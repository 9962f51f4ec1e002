/**
 * The JSON-RPC handler over a given RPC layer, for an API Gateway HTTP API (payload v2).
 * The Lambda entry (rpc.ts) builds it from the environment; the local HTTP server passes
 * its own. Apart from the entry so that importing it does not import the jobs (`#jobs`).
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithRequestContext, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { accessOfRoute, type Rpc } from '../lib/index.js';

export type RpcEvent = APIGatewayProxyEventV2WithRequestContext<any>;

/** Who asked, from the authorizer API Gateway ran (IAM or JWT); locally, the source address. */
function callerOf(event: RpcEvent): string | undefined {
  const auth = event.requestContext?.authorizer;
  return (
    auth?.iam?.userArn ??
    auth?.jwt?.claims?.sub ??
    (event.requestContext?.http?.sourceIp && `ip:${event.requestContext.http.sourceIp}`)
  );
}

/**
 * The handler over a given RPC layer. The route API Gateway matched (`routeKey`, set by
 * API Gateway, not by the caller) decides what the call may do: `POST /rpc/read` serves the
 * read methods only (lib/rpc/access.ts), `POST /rpc` every method.
 */
export function createRpcHandler(rpc: Rpc) {
  return middy<RpcEvent, APIGatewayProxyStructuredResultV2>().handler(async (event) => {
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    const access = accessOfRoute(event.routeKey?.split(' ')[1]);
    // API Gateway gives header names in lowercase, as node:http does locally.
    const traceparentHeader = event.headers?.traceparent;
    const response = await rpc.handle(body, { caller: callerOf(event), access, traceparentHeader });
    return response === undefined
      ? { statusCode: 204 }
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: response };
  });
}
