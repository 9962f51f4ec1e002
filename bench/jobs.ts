import { defineJob } from '../lib/index.js';

/** Does nothing: the benchmark measures skytask, not the job. */
export const noop = defineJob({ name: 'noop', run: (_ctx, { i }: { i?: number }) => i ?? null });
