/**
 * Using skytask/client from another service (type-checked with the rest of the code;
 * the README quotes it). Run against the local stack: `npm start`, then
 * `npx tsx examples/client.ts`.
 */
import { createHttpClient, TaskNotFoundError, WaitTimeoutError } from '../lib/client/index.js';

// The type parameter is the jobs module's type: job names autocomplete, kwargs and results are checked.
const client = createHttpClient<typeof import('./jobs.js')>({
  url: process.env.SKYTASK_URL ?? 'http://127.0.0.1:8060/rpc',
  // auth: 'sigv4' is the default for an execute-api URL; { token: '…' } for a JWT authorizer.
});

export async function main(): Promise<void> {
  const task = await client.queueTask('addition', { a: 3, b: 4 });
  if (!task) return; // null: a non-overlapping job's equal task is not finished
  const done = await client.waitForTask(task, { timeout: 120, signal: AbortSignal.timeout(130_000) });
  const sum: number | undefined = done.result; // typed from the job's run function
  console.log(done.status, sum);

  const results = await client.queueTasks([
    { job: 'addition', kwargs: { a: 1 } },
    { job: 'asynchronous', kwargs: { lag: 0.5 } },
  ]);
  for (const r of results) console.log(r.ok ? r.task?.id : `error: ${r.error.message}`);

  try {
    await client.waitForTask('some-id', { timeout: 5 });
  } catch (err) {
    if (err instanceof WaitTimeoutError) console.log('not ready yet:', err.task.status);
    else if (err instanceof TaskNotFoundError) console.log('no such task:', err.taskId);
    else throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
