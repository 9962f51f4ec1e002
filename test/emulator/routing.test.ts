/**
 * Per-job routing on the emulators (docs/routing.md): jobs on their own queue and lanes,
 * one poller per routed queue (the local stack's), a producer message sent to the wrong
 * queue forwarded, and the reconciler, redrive and queue_stats over every queue.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { defineJob, defineQueue } from '../../lib/index.js';
import { isRoutedQueue } from '../../lib/routed-queue.js';
import { startLanePollers } from '../../local/lane-pollers.js';
import { testStack } from '../helpers.js';

const reports = defineQueue({ name: 'reports', timeout: 120, concurrency: 2 });
const jobs = {
  monthly: defineJob({
    name: 'monthly',
    queue: reports,
    timeLimit: 100,
    run: (_ctx, { n = 0 }: { n?: number }) => n * 2,
  }),
  hook: defineJob({ name: 'hook', priority: 'high', run: () => 'hooked' }),
};

/** `queue_stats`' queued count per `queue/lane`, from SQS's counts. */
async function queuedByLane(call: (method: string) => Promise<any>) {
  const { result } = await call('queue_stats');
  const out: Record<string, number> = {};
  for (const q of result.queues)
    for (const [lane, d] of Object.entries<any>(q.lanes)) out[`${q.queue}/${lane}`] = d.queued;
  return out;
}

describe('routed queues on the emulators', async () => {
  const t = await testStack({ jobs, routed: true });
  assert.ok(isRoutedQueue(t.queue));
  const pollers: ReturnType<typeof startLanePollers>[] = [];
  after(() => Promise.all(pollers.map((p) => p.stop(5))));

  it("queue_task sends to the lane of the job's queue and priority; queue_stats counts each; each queue's poller runs its own", async () => {
    const monthly = await t.backend.queueTask('monthly', { n: 21 }, { priority: 'low' });
    const hook = await t.backend.queueTask('hook', {});
    const counts = await queuedByLane(t.call);
    assert.equal(counts['reports/low'], 1);
    assert.equal(counts['default/high'], 1);
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      2,
    );
    pollers.push(startLanePollers(t.runtime, t.config, t.registry));
    assert.equal((await t.waitReady(monthly!.id)).result, 42);
    assert.equal((await t.waitReady(hook!.id)).result, 'hooked');
  });

  it("a producer message sent to another queue's URL is recorded, forwarded to its job's queue, and run there", async () => {
    const body = { v: 1, job: 'monthly', kwargs: { n: 5 }, id: 'produced-1' };
    await t.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: t.config.queueUrl, MessageBody: JSON.stringify(body) }),
    );
    // The record is written by the consumer that takes the message: wait for it to exist first.
    for (let i = 0; i < 100 && !(await t.store.getTask('produced-1')); i++)
      await new Promise((r) => setTimeout(r, 100));
    const task = await t.waitReady('produced-1', 20);
    assert.equal(task.result, 10);
  });

  it('the reconciler sends a lost message to its lane; redrive and the dead-letter counts read every queue', async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop(5)));
    const lost = await t.backend.queueTask('monthly', {}, { priority: 'high' });
    await t.queue.purge();
    const { resent } = await t.backend.reconcile({ olderThan: 0 });
    assert.equal(resent, 1);
    assert.equal((await queuedByLane(t.call))['reports/high'], 1);

    const [message] = await t.queue.receive(10, 1);
    assert.equal(JSON.parse(message.body).id, lost!.id);
    await t.queue.deadLetter(message.body, 'put aside by the test');
    await t.queue.deleteMessages([message.receiptHandle]);
    const { result: stats } = await t.call('queue_stats');
    assert.deepEqual(
      stats.queues.map((q: any) => [q.queue, q.dead_letters]),
      [
        ['default', 0],
        ['reports', 1],
      ],
    );
    const redriven = await t.backend.redriveDeadLetters(10, { budgetSeconds: 5 });
    assert.deepEqual(redriven.moved, [lost!.id]);
    assert.equal((await queuedByLane(t.call))['reports/high'], 1);
  });
});
