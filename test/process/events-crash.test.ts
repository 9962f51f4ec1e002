/**
 * Task events are delivered at least once across a crash between the state write and the
 * publish (docs/events.md): the local stack's worker is killed with SIGKILL while the strict
 * PutEvents endpoint holds the publish unanswered, so the state is written and the event is
 * not; after a restart the outbox mark left in the task's head gets the event out — for a
 * ready state through the next delivery of the task's message, for QUEUED through the
 * reconciler.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventsOfTask, setFaults, until } from '../event-helpers.js';
import { emulatorState, rpc, type StackProcess, startStack, tempDataDir } from './stack-process.js';

const dataDir = tempDataDir('skytask-events-');

const start = () =>
  startStack(dataDir, {
    env: {
      SKYTASK_JOBS: 'test/fixtures/event-jobs.ts',
      SKYTASK_VISIBILITY_TIMEOUT: '4',
      SKYTASK_RECONCILE_EVERY: '1',
      SKYTASK_RECONCILE_AFTER: '1',
    },
  });

/** kill -9, and wait until the endpoint has let go of the dead worker's held request. */
async function kill(worker: StackProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
  await new Promise((r) => setTimeout(r, 300));
}

const endpoint = () => emulatorState(dataDir).eventsEndpoint as string;
const statusOf = async (worker: StackProcess, id: string) => (await rpc(worker, 'get_task', [id]))?.status;

describe('task events across kill -9 between the state write and the publish', () => {
  it('a ready state: the next delivery of its message sends it', async () => {
    const first = await start();
    await setFaults(endpoint(), { hold: 'Task Succeeded' });
    await rpc(first, 'queue_task', { jobname: 'add', id: 'crash-succeeded', a: 1 });
    await until('SUCCESS written', async () => (await statusOf(first, 'crash-succeeded')) === 'SUCCESS');
    await kill(first);
    await setFaults(endpoint(), { hold: null });
    // Written, not sent: the publish died with the worker.
    const before = await eventsOfTask(endpoint(), 'crash-succeeded');
    assert.equal(before[0], 'Task Queued');
    assert.ok(before.includes('Task Started') && !before.includes('Task Succeeded'), String(before));

    const second = await start();
    const events = await until('the event after the restart', async () => {
      const got = await eventsOfTask(endpoint(), 'crash-succeeded');
      return got.includes('Task Succeeded') && got;
    });
    assert.equal(events.filter((e) => e === 'Task Succeeded').length, 1, String(events));
    await kill(second);
  });

  it('QUEUED: the reconciler sends it, and the task runs', async () => {
    const first = await start();
    await setFaults(endpoint(), { hold: 'Task Queued' });
    // Held: this call never answers; the record is written before the publish.
    rpc(first, 'queue_task', { jobname: 'add', id: 'crash-queued', a: 2 }).catch(() => undefined);
    await until('QUEUED written', async () => (await statusOf(first, 'crash-queued')) === 'QUEUED');
    await kill(first);
    await setFaults(endpoint(), { hold: null });
    assert.deepEqual(await eventsOfTask(endpoint(), 'crash-queued'), []);

    const second = await start();
    const events = await until('the events after the restart', async () => {
      const got = await eventsOfTask(endpoint(), 'crash-queued');
      return got.includes('Task Succeeded') && got;
    });
    assert.deepEqual(
      events.filter((e) => e !== 'Task Started'),
      ['Task Queued', 'Task Succeeded'],
    );
    second.child.kill('SIGINT');
    await second.exited;
  });
});
