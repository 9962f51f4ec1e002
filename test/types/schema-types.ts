/**
 * Type fixture for jobs with a kwargs schema (test/fixtures/schema-jobs.ts, Zod 4), checked
 * by `tsc --noEmit -p test/types` (test/process/client-types.test.ts): callers are typed
 * with the schema's input, `run` with its output. Each `@ts-expect-error` must meet an error.
 */
import { z } from 'zod';
import { createDirectClient, createHttpClient, type JobsOf } from '../../lib/client/index.js';
import { defineJob, type JobContext } from '../../lib/index.js';
import * as jobs from '../../test/fixtures/schema-jobs.js';

type Jobs = JobsOf<typeof jobs>;
const client = createHttpClient<typeof jobs>({ url: 'http://127.0.0.1:8060/rpc' });
const direct = createDirectClient({ jobs, config: { table: 't', queueUrl: 'q' } });

export async function correct(ctx: JobContext): Promise<void> {
  const sum = await client.queueTask('add', { a: 1, b: 2 });
  const result: number | undefined = sum?.result;
  // The input of z.coerce.date<string>() is a string: that is what callers give and what is stored.
  await direct.queueTask('remind', { at: '2030-01-01T09:00:00Z' });
  const stored: { a: number; b: number } | undefined = sum?.kwargs; // a task's kwargs: the stored input
  const input: Jobs['remind']['kwargs'] = { at: '2030-01-01T09:00:00Z', note: 'optional: it has a default' };
  await client.queueTask('tick'); // every input key optional (a default): kwargs may be left out
  await client.queueTasks([{ job: 'order', kwargs: { customer: { name: 'Ada' }, lines: [{ sku: 'x', qty: 1 }] } }]);
  await ctx.queueTask(jobs.add, { a: 1, b: 2 });
  await ctx.queueTask('add', { anything: 'goes by name' });
  void [result, stored, input];

  // `run` receives the output type: a Date, and the default filled in.
  defineJob({
    name: 'typed',
    schema: z.object({ at: z.coerce.date<string>(), n: z.number().default(1) }),
    run: (_ctx, { at, n }) => at.getTime() + n,
  });
}

export async function wrong(ctx: JobContext): Promise<void> {
  // @ts-expect-error b must be a number (the schema's input)
  await client.queueTask('add', { a: 1, b: '2' });
  // @ts-expect-error b is required
  await direct.queueTask('add', { a: 1 });
  // @ts-expect-error an unknown kwarg (a mistyped option)
  await client.queueTask('add', { a: 1, b: 2, delya: 60 });
  // @ts-expect-error the input of remind's `at` is a string, not a Date
  await client.queueTask('remind', { at: new Date() });
  // @ts-expect-error a nested kwarg of the wrong type
  await client.queueTasks([{ job: 'order', kwargs: { customer: { name: 1 }, lines: [] } }]);
  // @ts-expect-error a sub-task given by its job is checked too
  await ctx.queueTask(jobs.add, { a: 1, b: 'two' });
  defineJob({
    name: 'typed',
    schema: z.object({ at: z.coerce.date<string>() }),
    // @ts-expect-error run receives a Date, not a string
    run: (_ctx, { at }) => at.toUpperCase(),
  });
}
