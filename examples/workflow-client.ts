/**
 * Queueing workflows from another service (the README and docs/workflows.md quote it).
 * Against the local stack with these jobs: `npx skytask start --jobs examples/workflow-jobs.ts`,
 * then `npx tsx examples/workflow-client.ts`.
 */
import { chain, chord, createHttpClient } from 'skytask/client';

const client = createHttpClient<typeof import('./workflow-jobs.js')>({ url: 'http://127.0.0.1:8060/rpc' });
const { signature } = client; // typed by the jobs module: names, kwargs, results and inputs
const urls = ['https://example.com/', 'https://example.org/'];

// A chord: the pages fetched at once, then `total` once, with their sizes in order.
const sizes = await client.queueWorkflow(
  chord(
    urls.map((url) => signature('fetch-page', { url })),
    signature('total'),
  ),
);

// A chain: each step runs with the result of the one before (the type checker checks they fit);
// a step that fails ends the chain and queues the error path with the failed task.
const steps = await client.queueWorkflow(
  chain(signature('fetch-page', { url: urls[0] }), signature('report', { to: 'ops' }), {
    linkError: signature('alert'),
  }),
);

const done = await client.waitForWorkflow(sizes, { timeout: 60 });
console.log(done.status, done.result); // SUCCESS 2510: a number, typed from `total`
console.log((await client.waitForWorkflow(steps)).result); // "ops: 1256 bytes"
