/**
 * Jobs that run as workflows (the README and docs/workflows.md quote them; a test checks the
 * quotes, examples/workflow-jobs.test.ts runs them). `input`, the third argument of `run`, is
 * what a workflow hands on: the step before's result, a chord's members' results, the
 * failed task.
 */
import { defineJob, signature, type Task } from 'skytask';

export const fetchPage = defineJob({
  name: 'fetch-page',
  run: async (ctx, { url }: { url: string }) => (await (await fetch(url, { signal: ctx.signal })).text()).length,
});

// A chord's callback: its input is the members' results, in order.
export const total = defineJob({
  name: 'total',
  run: (_ctx, _kwargs, sizes: number[]) => sizes.reduce((a, b) => a + b, 0),
});

// A chain's step: its input is the result of the step before.
export const report = defineJob({
  name: 'report',
  run: (_ctx, { to }: { to: string }, bytes: number) => `${to}: ${bytes} bytes`,
});

// An error path: its input is the task that failed.
export const alert = defineJob({
  name: 'alert',
  run: (ctx, _kwargs, failed: Task) => ctx.logger.error({ failed: failed.id, error: failed.error }, 'workflow failed'),
});

// A parent awaiting its children, holding no Lambda: it ends WAITING, and takes `total`'s result.
export const siteSize = defineJob({
  name: 'site-size',
  run: (ctx, { urls }: { urls: string[] }) =>
    ctx.awaitChildren(
      urls.map((url) => signature(fetchPage, { url })),
      signature(total),
    ),
});
