/**
 * The sample jobs: Pulsar's example task app, ported. `npm start` runs them; the tests
 * use them. A jobs module exports jobs; the registry collects every export that is one.
 */
import { defineJob, type JobContext } from '../lib/index.js';

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export const addition = defineJob({
  name: 'addition',
  doc: 'Add two numbers, `a` and `b` (default 0).',
  expires: 60,
  run: (_ctx, { a = 0, b = 0 }: { a?: number; b?: number }) => a + b,
});

/** Sleep `lag` seconds, reporting progress each second (docs/observability.md); the seconds slept. */
async function lagFor(ctx: JobContext, lag: number): Promise<number> {
  const start = performance.now();
  const slept = () => (performance.now() - start) / 1000;
  while (slept() < lag) {
    await sleep(Math.min(1, lag - slept()));
    await ctx.progress(Math.min(100, Math.round((slept() / lag) * 100)), `slept ${slept().toFixed(1)} of ${lag} s`);
  }
  return slept();
}

export const asynchronous = defineJob({
  name: 'asynchronous',
  doc: 'Sleep `lag` seconds (default 1) without blocking, reporting progress each second; return the seconds slept.',
  run: (ctx, { lag = 1 }: { lag?: number }) => lagFor(ctx, lag),
});

export const notoverlap = defineJob({
  name: 'notoverlap',
  doc: 'Like asynchronous, but a task cannot be queued while an equal one is not finished.',
  canOverlap: false,
  run: (ctx, { lag = 1 }: { lag?: number }) => lagFor(ctx, lag),
});

export const checkworker = defineJob({
  name: 'checkworker',
  doc: 'Return the ids of the tasks the worker is running now.',
  run: (ctx) => ({ worker: ctx.worker.id, tasks: ctx.worker.runningTasks() }),
});

export const standarddeviation = defineJob({
  name: 'standarddeviation',
  doc:
    'Without `inputs`: queue `sample` (default 10) tasks of itself, each with `size` (default 100) ' +
    'random inputs. With `inputs`: return their root mean square.',
  // A producer may not overlap an equal producer; the tasks it produces may.
  canOverlap: (kwargs) => kwargs.inputs !== undefined,
  async run(ctx, { inputs, sample = 10, size = 100 }: { inputs?: number[]; sample?: number; size?: number }) {
    if (inputs === undefined) {
      for (let i = 0; i < sample; i++) {
        const values = Array.from({ length: size }, () => Math.random());
        await ctx.queueTask('standarddeviation', { inputs: values });
        await ctx.progress(Math.round(((i + 1) / sample) * 100), `queued ${i + 1} of ${sample}`);
      }
      return `produced ${sample} new tasks`;
    }
    if (!Array.isArray(inputs) || inputs.length === 0) throw new Error('inputs must be a non-empty list of numbers');
    return Math.sqrt(inputs.reduce((sum, x) => sum + x * x, 0) / inputs.length);
  },
});

export const testperiodic = defineJob({
  name: 'testperiodic',
  doc: 'Periodic, every minute: return "OK".',
  runEvery: 60,
  run: () => 'OK',
});

export const testperiodicerror = defineJob({
  name: 'testperiodicerror',
  doc: 'Periodic, every 5 minutes: throw an error whose message is "kaputt".',
  runEvery: 300,
  run: () => {
    throw new Error('kaputt');
  },
});

export const anchoredeveryhour = defineJob({
  name: 'anchoredeveryhour',
  doc: 'Periodic, every hour at minute 25.',
  runEvery: 3600,
  anchor: 25 * 60,
  run: () => 'OK',
});

export const weekdaymorning = defineJob({
  name: 'weekdaymorning',
  doc: 'Periodic, cron: 09:00 Rome time, Monday to Friday (UTC+1 in winter, UTC+2 in summer).',
  cron: '0 9 * * MON-FRI',
  timezone: 'Europe/Rome',
  run: () => 'Buongiorno',
});
