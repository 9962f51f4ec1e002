/**
 * Jobs as the README and docs/jobs.md show them (type-checked with the code; the docs
 * quote these lines, and a test checks that they still match). The sample jobs that
 * `npm start` runs are in jobs.ts.
 */
import { defineJob, RetryTaskError, UnrecoverableError } from 'skytask';

export const addition = defineJob({
  name: 'addition', // unique and stable: it is stored on every task
  doc: 'Add two numbers, `a` and `b` (default 0).',
  expires: 60, // not started within 60 s of being due: REVOKED, never run
  run: (_ctx, { a = 0, b = 0 }: { a?: number; b?: number }) => a + b,
});

export const fetchPage = defineJob({
  name: 'fetch-page',
  maxRetries: 3, // a failed attempt runs again, up to 3 times, with backoff
  timeLimit: 30, // seconds; past it ctx.signal aborts and the attempt fails
  run: async (ctx, { url }: { url: string }) => {
    const response = await fetch(url, { signal: ctx.signal });
    if (response.status === 429) throw new RetryTaskError('rate limited', 60); // again in 60 s
    if (response.status === 404) throw new UnrecoverableError(`no page at ${url}`); // FAILURE now
    return { status: response.status, bytes: (await response.text()).length };
  },
});

export const notify = defineJob({
  name: 'notify',
  maxRetries: 5,
  run: async (ctx, { to, text }: { to: string; text: string }) => {
    // The task id is the same on every attempt: the receiver can drop a repeated request.
    const response = await fetch('https://hooks.example.com/notify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': ctx.taskId },
      body: JSON.stringify({ to, text }),
      signal: ctx.signal,
    });
    if (!response.ok) throw new Error(`notify answered ${response.status}`);
    ctx.logger.info({ to, attempt: ctx.task.attempts }, 'notified');
  },
});
