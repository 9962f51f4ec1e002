/**
 * Parking on the emulators (dynalite + fauxqs), through the local poller and the consumer
 * handler: a key's backlog over its concurrency limit is parked and released in the order
 * queued, one run at a time, while another key's tasks run; a parked task is not delivered
 * while it waits; a permit whose hand-on was lost (its run died) is made good by the
 * reconciler's sweep.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConsumerHandler } from '../../functions/consumer-handler.js';
import { defineJob } from '../../lib/index.js';
import { taskLimits } from '../../lib/key-limits.js';
import { releasePermit } from '../../lib/tasks/end.js';
import { startPoller } from '../../local/poller.js';
import { testStack, type TestStack } from '../helpers.js';
import { createWriteMeter } from '../write-meter.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Each run's start, in order, and the most runs of a tenant at once. */
const starts: string[] = [];
const running = new Map<string, number>();
const most = new Map<string, number>();

const oneAtATime = defineJob({
  name: 'one-at-a-time',
  concurrency: { key: (kwargs: { tenant: string }) => kwargs.tenant, limit: 1 },
  async run(ctx, { tenant }: { tenant: string }) {
    starts.push(ctx.taskId);
    running.set(tenant, (running.get(tenant) ?? 0) + 1);
    most.set(tenant, Math.max(most.get(tenant) ?? 0, running.get(tenant)!));
    await sleep(200);
    running.set(tenant, running.get(tenant)! - 1);
  },
});

let s: TestStack;
let deliveries = 0;
let poller: { stop(seconds: number): Promise<unknown> } | undefined;
const poll = () => {
  const handler = createConsumerHandler(s.consumer);
  return startPoller({
    queue: s.queue,
    handler: (event, context) => {
      deliveries += event.Records.length;
      return handler(event, context);
    },
    concurrency: 10,
    logger: s.logger,
    queueArn: `arn:aws:sqs:us-east-1:000000000000:${s.name}`,
    waitSeconds: 1,
  });
};
before(async () => {
  s = await testStack({ jobs: { oneAtATime } });
});
// A test that failed before stopping its poller: stopped here (after the emulators closed: a
// late write then fails, which the failure already reported).
after(() => poller?.stop(5));

const keyOf = (tenant: string) => taskLimits(oneAtATime, { tenant }).concurrency!.hash;
const queue = (tenant: string, id: string) => s.backend.queueTask('one-at-a-time', { tenant }, { id });

describe('parking for a permit on the emulators', () => {
  it("a key's backlog is parked and released in the order queued while another key's tasks run", async () => {
    const a = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'];
    for (const id of a) await queue('a', id), await sleep(2);
    for (const id of ['b0', 'b1']) await queue('b', id);
    poller = poll();
    for (const id of ['b0', 'b1']) assert.equal((await s.waitReady(id, 20)).status, 'SUCCESS');
    // b's tasks ran while a's backlog waited parked, in its key's queue, in the order queued.
    const parked = (await s.store.parkedOf(keyOf('a'), 10)).map((e) => e.taskId);
    assert.ok(parked.length >= 2, `a's backlog parked: ${parked}`);
    assert.deepEqual(parked, [...parked].sort(), 'oldest first');
    for (const id of a) assert.equal((await s.waitReady(id, 20)).status, 'SUCCESS');
    await poller.stop(5);
    poller = undefined;
    assert.deepEqual(
      starts.filter((id) => id.startsWith('a')),
      a,
      'released in the order queued',
    );
    assert.equal(most.get('a'), 1);
    assert.equal(most.get('b'), 1);
    // Each task delivered once, and once more after its release if it was parked.
    assert.ok(deliveries <= 8 + a.length, `${deliveries} deliveries for 8 tasks`);
    for (const task of await s.store.getTasks([...a, 'b0', 'b1'])) {
      assert.equal(task.attempts, 1, task.id);
      assert.equal(task.parked, undefined);
    }
    assert.deepEqual(await s.store.parkedOf(keyOf('a'), 10), [], 'every park entry dropped');
  });

  it('a parked task costs 4 write units, once: its park item put and dropped, its head parked and released', async () => {
    const meter = createWriteMeter({ endpoint: s.config.dynamodbEndpoint });
    meter.attach(s.clients.dynamodb);
    const all = (pk: string) => ((u) => u.table + u.index)(meter.of(pk));
    const key = keyOf('w');
    try {
      const now = Date.now() / 1000;
      // A run of the key holds its only permit.
      const held = await s.store.takePermit({ key, limit: 1, taskId: 'running', now, leaseUntil: now + 60 });
      assert.ok(held.taken);
      await queue('w', 'w0');
      meter.reset();
      await s.drain();
      assert.equal((await s.store.getTask('w0'))!.status, 'WAITING');
      assert.equal(all('task#w0'), 1, 'its head to WAITING: 1 unit, no index write');
      assert.equal(all(`park#${key}`), 1, 'its park item');
      meter.reset();
      // That run ends: its permit is passed to w0, which is released.
      await releasePermit(s.runtime, held.permit);
      assert.equal(all('task#w0'), 1, 'its release: 1 unit, no index write');
      assert.equal(all(`park#${key}`), 1, 'its park item dropped');
      assert.equal(all(`permit#${key}`), 1, 'the permit passed: in place of the give-back, 1 unit');
      await s.drain();
      const done = (await s.store.getTask('w0'))!;
      assert.equal(done.status, 'SUCCESS');
      assert.equal(done.attempts, 1);
    } finally {
      meter.destroy();
    }
  });

  it('a permit whose run died is handed on by the reconciler once its lease lapses', async () => {
    const now = Date.now() / 1000;
    // A run that died holding the key's only permit: nothing gives it back, nothing hands it on.
    await s.store.takePermit({ key: keyOf('c'), limit: 1, taskId: 'dead', now, leaseUntil: now + 8 });
    poller = poll();
    await queue('c', 'c0');
    for (let i = 0; i < 50 && (await s.store.getTask('c0'))?.status !== 'WAITING'; i++) await sleep(100);
    assert.equal((await s.store.getTask('c0'))!.parked, keyOf('c'));
    assert.equal((await s.backend.reconcile()).parked, 0, 'the lease still holds: the sweep leaves it');
    await sleep(Math.max(0, (now + 8.1 - Date.now() / 1000) * 1000));
    assert.equal((await s.backend.reconcile()).parked, 1, 'the lease lapsed: the sweep releases it');
    const done = await s.waitReady('c0', 20);
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.attempts, 1);
    // Its batch may still be giving the permit back: stopped here, before the emulators close
    // (the file's after hooks run after helpers.ts's, which closes them: in registration order).
    await poller.stop(5);
    poller = undefined;
  });
});
