/** Lambda entry point: JSON-RPC 2.0 behind an API Gateway HTTP API (payload v2). */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithRequestContext, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as jobs from '#jobs';
import { configFromEnv, createLogger, createRegistry, createRuntime, type Rpc } from '../lib/index.js';

type Event = APIGatewayProxyEventV2WithRequestContext<any>;

/** Who asked, from the authorizer API Gateway ran (IAM or JWT); locally, the source address. */
function callerOf(event: Event): string | undefined {
  const auth = event.requestContext?.authorizer;
  return (
    auth?.iam?.userArn ??
    auth?.jwt?.claims?.sub ??
    (event.requestContext?.http?.sourceIp && `ip:${event.requestContext.http.sourceIp}`)
  );
}

export function createRpcHandler(rpc: Rpc) {
  return middy<Event, APIGatewayProxyStructuredResultV2>().handler(async (event) => {
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    const response = await rpc.handle(body, { caller: callerOf(event) });
    return response === undefined
      ? { statusCode: 204 }
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: response };
  });
}

let fromEnv: ReturnType<typeof createRpcHandler> | undefined;
export const handler = (event: Event, context: any) => {
  if (!fromEnv) {
    const logger = createLogger();
    fromEnv = createRpcHandler(createRuntime(configFromEnv(), createRegistry(jobs), logger).rpc);
  }
  return fromEnv(event, context);
};
