/**
 * Type fixture for skytask/client, checked by `tsc --noEmit -p test/types` (test/client-types.test.ts).
 * Each `@ts-expect-error` must meet an error: if a wrong call compiled, tsc would fail
 * on the unused directive (TS2578). The other lines must compile.
 */
import { createDirectClient, createHttpClient, type JobsOf } from '../../lib/client/index.js';
import * as jobs from '../../examples/jobs.js';

const client = createHttpClient<typeof import('../../examples/jobs.js')>({ url: 'http://127.0.0.1:8060/rpc' });
const direct = createDirectClient({ jobs, config: { table: 't', queueUrl: 'q' } });

export async function correct(): Promise<void> {
  const task = await client.queueTask('addition', { a: 1, b: 2 });
  const sum: number | undefined = task?.result;
  const name: 'addition' | undefined = task?.name;
  await client.queueTask('addition'); // every kwarg optional: kwargs may be left out
  await client.queueTask('asynchronous', { lag: 0.5 }, { delay: 10, id: 'order-1' });
  await direct.queueTask('standarddeviation', { inputs: [1, 2, 3] });
  const done = await client.waitForTask(task!, { timeout: 30 });
  const again: number | undefined = done.result;
  await client.queueTasks([
    { job: 'addition', kwargs: { a: 1 } },
    { job: 'asynchronous', kwargs: { lag: 1 } },
  ]);
  await client.getTasks({ name: 'notoverlap', status: 'SUCCESS' });
  await client.jobList(['addition']);
  void [sum, name, again];

  // Without the jobs module: any name, any kwargs object.
  const loose = createHttpClient({ url: 'http://127.0.0.1:8060/rpc', auth: { token: 't' } });
  await loose.queueTask('anything', { x: [1, 2] });
  const map: JobsOf<typeof jobs>['addition']['kwargs'] = { a: 1 };
  void map;
}

export async function wrong(): Promise<void> {
  // @ts-expect-error unknown job name
  await client.queueTask('additon', { a: 1 });
  // @ts-expect-error unknown kwarg
  await client.queueTask('addition', { a: 1, c: 2 });
  // @ts-expect-error kwarg of the wrong type
  await client.queueTask('addition', { a: '1' });
  // @ts-expect-error unknown job name, direct client
  await direct.queueTask('nope', {});
  // @ts-expect-error kwarg of the wrong type, direct client
  await direct.queueTask('asynchronous', { lag: 'slow' });
  // @ts-expect-error the kwargs of another job in a batch
  await client.queueTasks([{ job: 'asynchronous', kwargs: { a: 1 } }]);
  // @ts-expect-error an unknown job name as a filter
  await client.getTasks({ name: 'nope' });
  const task = await client.queueTask('addition', { a: 1 });
  // @ts-expect-error the result of addition is a number
  const text: string | undefined = task?.result;
  void text;
}
