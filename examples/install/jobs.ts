// jobs.ts
import { defineJob, UnrecoverableError } from 'skytask';

export const resize = defineJob({
  name: 'resize',
  maxRetries: 3,
  run: async (_ctx, { url, width }: { url: string; width: number }) => {
    if (width <= 0) throw new UnrecoverableError('width must be positive');
    return { url, width };
  },
});
