/**
 * skytask/client from another service (the README and docs/client.md quote it; a test
 * checks that the quotes still match). Against the local stack: `npm start`, then
 * `npx tsx examples/client.ts`.
 */
import { createHttpClient, TaskNotFoundError, WaitTimeoutError } from 'skytask/client';

// Typed by the jobs module: job names autocomplete, kwargs and results are checked.
const client = createHttpClient<typeof import('./jobs.js')>({
  url: process.env.SKYTASK_URL ?? 'http://127.0.0.1:8060/rpc', // SigV4 is the default for an execute-api URL
});

const task = await client.queueTask('addition', { a: 3, b: 4 }); // null: non-overlap held it back
const done = await client.waitForTask(task!, { timeout: 60 });
const sum: number | undefined = done.result; // typed from the job's run function
console.log(done.status, sum); // SUCCESS 7

// Many at once: one result or one error per item, in order.
const results = await client.queueTasks([
  { job: 'addition', kwargs: { a: 1 } },
  { job: 'asynchronous', kwargs: { lag: 0.5 } },
]);
for (const r of results) console.log(r.ok ? r.task?.id : `error: ${r.error.message}`);

// Errors are classes; a wait that timed out carries the task as it is now.
try {
  await client.waitForTask('no-such-task', { timeout: 5 });
} catch (err) {
  if (err instanceof WaitTimeoutError) console.log('not ready yet:', err.task.status);
  else if (err instanceof TaskNotFoundError) console.log('no such task:', err.taskId);
  else throw err;
}

/** Calls the compiler refuses (never run): without the directive, each line is a type error. */
export function refused(): void {
  // @ts-expect-error `a` is a number
  void client.queueTask('addition', { a: '3' });
  // @ts-expect-error no job is named 'additon'
  void client.queueTask('additon', {});
}
