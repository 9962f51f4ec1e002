/**
 * Type fixture for workflows, checked by `tsc --noEmit -p test/types` (test/process/client-types.test.ts):
 * results flow with their types — a chain's step must accept the result before it, a chord's
 * callback its members' results (or outcomes). Each `@ts-expect-error` must meet an error.
 */
import { chain, chord, createHttpClient, type JobsOf } from '../../lib/client/index.js';
import { defineJob, group, signature, type JobContext } from '../../lib/index.js';
import * as jobs from '../../test/fixtures/workflow-jobs.js';

const { add, double, sum, tally, lengths, handled, big } = jobs;
const client = createHttpClient<typeof jobs>({ url: 'http://127.0.0.1:8060/rpc' });

export async function correct(ctx: JobContext): Promise<void> {
  chain(signature(add, { a: 1, b: 2 }), signature(double), signature(double), { linkError: signature(handled) });
  chord([signature(add, { a: 1, b: 2 }), signature(add, { a: 3, b: 4 })], signature(sum));
  chord([signature(add, { a: 1, b: 2 })], signature(tally), { policy: 'allSettled' });
  chord([signature(big, { kb: 1 })], signature(lengths));
  group([signature(add, { a: 1, b: 2 }), signature(big, { kb: 1 })]);
  chain([signature(add, { a: 1, b: 2 }), signature('anything')]); // a list built at run time: checked when queued
  const flow = await client.queueWorkflow(chain(client.signature('add', { a: 1, b: 2 }), client.signature('double')));
  const done = await client.waitForWorkflow(flow);
  const n: number | undefined = done.result;
  await ctx.queueWorkflow(chord([signature(add, { a: 1, b: 1 })], signature(sum)));
  await ctx.queueTask(add, { a: 1, b: 2 }, { delay: 10, id: 'later' });
  // A parent's result is its continuation's.
  const parent = await client.queueTask('report', { n: 3 });
  const total: number | undefined = parent?.result;
  const awaits = defineJob({
    name: 'awaits',
    run: (c: JobContext) => c.awaitChildren([signature(add, { a: 1, b: 1 })], signature(sum)),
  });
  const typed: JobsOf<{ awaits: typeof awaits }>['awaits']['result'] = 2;
  void [n, total, typed];
}

export async function wrong(ctx: JobContext): Promise<void> {
  // @ts-expect-error double's input is a number; lengths gives number[]
  chain(signature(lengths), signature(double));
  // @ts-expect-error lengths's input is string[]; the members give numbers
  chord([signature(add, { a: 1, b: 2 })], signature(lengths));
  // @ts-expect-error an allSettled callback gets outcomes, not results
  chord([signature(add, { a: 1, b: 2 })], signature(sum), { policy: 'allSettled' });
  // @ts-expect-error a chord's callback gets the members' results, not their outcomes
  chord([signature(add, { a: 1, b: 2 })], signature(tally));
  // @ts-expect-error a kwarg of the wrong type
  signature(add, { a: '1', b: 2 });
  // @ts-expect-error an unknown job name, through the client
  client.signature('nope');
  // @ts-expect-error the client's signature checks kwargs too
  client.signature('add', { a: 1 });
  // @ts-expect-error the error path gets the failed task, not a number
  chain(signature(add, { a: 1, b: 2 }), { linkError: signature(double) });
  // @ts-expect-error a continuation that cannot take the children's results
  await ctx.awaitChildren([signature(add, { a: 1, b: 1 })], signature(lengths));
  const flow = await client.queueWorkflow(chain(client.signature('add', { a: 1, b: 2 }), client.signature('double')));
  // @ts-expect-error the chain's result is a number
  const text: string | undefined = flow.result;
  void text;
}
