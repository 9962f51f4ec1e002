/**
 * One task with the largest kwargs skytask takes (`LIMITS.payloadBytes`, 100 MiB of JSON)
 * through the local stack's path: the HTTP client's upload (presign_kwargs, PUT to s3rver,
 * queue_task with kwargs_ref: the RPC handler reads and checks the upload, copies it), the
 * consumer reading it back, the result (its length) read with get_task. Prints each phase's
 * seconds and the process's peak RSS. `tsx bench/large-payload.ts [MiB]` (docs/payloads.md).
 */
import { createRpcHandler } from '../functions/rpc-handler.js';
import { createHttpClient } from '../lib/client/index.js';
import { LIMITS } from '../lib/index.js';
import { startHttpServer } from '../local/http.js';
import * as payloadJobs from '../test/fixtures/payload-jobs.js';
import { testStack } from '../test/helpers.js';

const mib = Number(process.argv[2] ?? 100);
const stack = await testStack({ jobs: payloadJobs });
const server = await startHttpServer({ port: 0, handler: createRpcHandler(stack.rpc), logger: stack.logger });
const client = createHttpClient<typeof payloadJobs>({ url: server.url });
// JSON text of exactly `mib` MiB (at most the limit): {"text":"…"} is 11 bytes around the text.
const size = Math.min(mib * 1024 * 1024, LIMITS.payloadBytes) - 11;
const text = 'p'.repeat(size);
const t0 = performance.now();
const task = await client.queueTask('length', { text });
const t1 = performance.now();
const poller = stack.poll(1);
const done = await client.waitForTask(task!, { timeout: 600 });
const t2 = performance.now();
await poller.stop(5);
await server.close();
console.log(
  JSON.stringify({
    kwargs_bytes: size + 11,
    status: done.status,
    result: done.result,
    queue_seconds: +((t1 - t0) / 1000).toFixed(2),
    run_and_read_seconds: +((t2 - t1) / 1000).toFixed(2),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
process.exit(0);
