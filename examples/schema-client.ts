/** The types a schema gives callers (docs/schemas.md quotes it). Type-checked, never run. */
import { defineJob } from 'skytask';
import { createHttpClient } from 'skytask/client';
import { add } from './schema-jobs.js';

const client = createHttpClient<typeof import('./schema-jobs.js')>({ url: 'http://127.0.0.1:8060/rpc' });

export async function calls(): Promise<void> {
  await client.queueTask('remind', { at: '2030-01-01T09:00:00Z' }); // compiles: the input is a string
  // @ts-expect-error b: string is not number
  await client.queueTask('add', { a: 1, b: '2' });
  // @ts-expect-error 'delya' does not exist: a mistyped option among the kwargs
  await client.queueTask('add', { a: 1, b: 2, delya: 60 });
}

// In a job body: give the job object to have the sub-task's kwargs checked.
export const addLater = defineJob({
  name: 'add-later',
  run: async (ctx) => (await ctx.queueTask(add, { a: 1, b: 2 }))?.id,
});
