/**
 * Jobs with a kwargs schema (Zod here; any Standard Schema), as docs/schemas.md shows them.
 * Type-checked only: Zod is a devDependency of skytask. More such jobs, tested against
 * the emulators, are in test/fixtures/schema-jobs.ts.
 */
import { z } from 'zod';
import { defineJob } from 'skytask';

export const add = defineJob({
  name: 'add',
  schema: z.object({ a: z.number(), b: z.number() }),
  run: (_ctx, { a, b }) => a + b, // a, b: number, from the schema
});

export const remind = defineJob({
  name: 'remind',
  schema: z.object({ at: z.coerce.date<string>(), note: z.string().default('') }),
  run: (_ctx, { at, note }) => ({ iso: at.toISOString(), note }), // at: Date
});
