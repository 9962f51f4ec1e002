/**
 * The jobs of this project: every `defineJob(...)` this module exports is a job.
 * `npm start` runs them on the local stack; the CDK app (cdk/app.ts) bundles this module
 * into the Lambda functions. Every option of defineJob: skytask's docs/jobs.md.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob } from 'skytask';

export const add = defineJob({
  name: 'add', // unique and stable: it is stored on every task
  doc: 'Add two numbers, `a` and `b`.',
  run: (_ctx, { a, b }: { a: number; b: number }) => a + b,
});

export const countdown = defineJob({
  name: 'countdown',
  doc: 'Count down from `from` (default 10), a step every `every` seconds (default 1), reporting progress. A revoke stops it.',
  timeLimit: 50, // seconds, within the consumer's timeout (60 s by default); past it ctx.signal aborts, as a revoke does
  run: async (ctx, { from = 10, every = 1 }: { from?: number; every?: number }) => {
    for (let n = from; n > 0; n--) {
      ctx.logger.info({ n }, 'counting down');
      // The latest report shows in get_task, `skytask wait` (its bar), and the dashboard;
      // calling it every step costs at most a write unit every 5 s (docs/observability.md).
      await ctx.progress(Math.round((100 * (from - n)) / from), `${n} to go`);
      // Given ctx.signal, the wait rejects as soon as a revoke reaches the run (at its next
      // heartbeat): the run stops there and the task ends REVOKED (past timeLimit: FAILURE).
      await sleep(every * 1000, undefined, { signal: ctx.signal });
    }
    await ctx.progress(100, 'liftoff');
    return 'liftoff';
  },
});
