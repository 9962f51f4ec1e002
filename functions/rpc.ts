/** Lambda entry point: JSON-RPC 2.0 behind an API Gateway HTTP API (payload v2). */
import * as jobs from '#jobs';
import { configFromEnv, createLogger, createRegistry, createRuntime } from '../lib/index.js';
import { createRpcHandler, type RpcEvent } from './rpc-handler.js';

let fromEnv: ReturnType<typeof createRpcHandler> | undefined;
export const handler = (event: RpcEvent, context: any) => {
  if (!fromEnv) {
    const logger = createLogger();
    fromEnv = createRpcHandler(createRuntime(configFromEnv(), createRegistry(jobs), logger).rpc);
  }
  return fromEnv(event, context);
};
