/**
 * What `skytask start` checks before it starts anything, so that the likeliest failures
 * leave nothing to clean up: no other stack runs on the data dir, the port is free (it is
 * bound here and kept).
 */
import type { Logger } from '../lib/index.js';
import { SETTINGS } from '../lib/settings.js';
import { startHttpServer } from './http.js';
import { isRecordedProcess } from './processes.js';
import { StartError } from './start-error.js';
import { readState } from './state-files.js';

/**
 * One stack per data dir: a second one would share the first one's emulators and state
 * files, and `skytask stop` could stop only one of them.
 */
export async function refuseRunningStack(dataDir: string): Promise<void> {
  const worker = readState(dataDir, 'worker');
  if (worker && (await isRecordedProcess(worker, [worker.url]))) {
    throw new StartError(
      `a stack already runs on data dir ${dataDir} (pid ${worker.pid}, ${worker.url}): ` +
        'stop it with skytask stop, or pass another --data-dir',
    );
  }
}

type RpcHandler = Parameters<typeof startHttpServer>[0]['handler'];

/**
 * Bind the JSON-RPC port before anything else starts, so that a port in use fails the
 * start before the emulators are up. Requests that come early wait until `ready`.
 */
export async function bindRpcPort(port: number, logger: Logger) {
  let resolveHandler!: (handler: RpcHandler) => void;
  let fail!: (err: unknown) => void;
  const handler = new Promise<RpcHandler>((resolved, reject) => ((resolveHandler = resolved), (fail = reject)));
  let feedEndpoint: string | undefined;
  /** The stack is up: its RPC handler, and the PutEvents endpoint of the events feed. */
  const ready = (rpc: RpcHandler, eventsEndpoint?: string) => ((feedEndpoint = eventsEndpoint), resolveHandler(rpc));
  handler.catch(() => undefined);
  try {
    const http = await startHttpServer({
      port,
      logger,
      handler: async (event, context) => (await handler)(event, context),
      feed: () => feedEndpoint,
    });
    return { http, ready, fail };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = `pass --port or ${SETTINGS.port.env}`;
    if (code === 'EADDRINUSE') throw new StartError(`port ${port} is in use: ${fix}`, { cause: err });
    if (code === 'EACCES') throw new StartError(`port ${port} is not allowed for this user: ${fix}`, { cause: err });
    throw err;
  }
}
