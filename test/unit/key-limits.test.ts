/**
 * Per-key concurrency and rate limits on the in-memory ports (the consumer and the store as
 * production wires them, on a fake clock), and their pure parts: keys, option checks, waits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRegistry, defineJob, RegistryError, ValidationError } from '../../lib/index.js';
import { taskLimits, waitSeconds } from '../../lib/key-limits.js';
import type { HeldPermit } from '../../lib/permit-store.js';
import { createTestQueue } from '../../lib/testing/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A job limited to 2 runs at once per tenant, counting the runs of each tenant at once (real time). */
function limitedJob() {
  const running = new Map<string, number>();
  const most = new Map<string, number>();
  const job = defineJob({
    name: 'limited',
    concurrency: { key: (kwargs: { tenant: string }) => kwargs.tenant, limit: 2 },
    async run(_ctx, { tenant }: { tenant: string }) {
      running.set(tenant, (running.get(tenant) ?? 0) + 1);
      most.set(tenant, Math.max(most.get(tenant) ?? 0, running.get(tenant)!));
      await sleep(20);
      running.set(tenant, running.get(tenant)! - 1);
      return tenant;
    },
  });
  return { job, most };
}

describe('per-key concurrency', () => {
  it('never runs more than `limit` tasks of a key at once; tasks over it wait without an attempt or a dead letter', async () => {
    const { job, most } = limitedJob();
    // A waiting task is delivered many more times than maxReceiveCount: each wait is a new message.
    const q = createTestQueue({ jobs: [job], concurrency: 10, maxReceiveCount: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await q.queueTask('limited', { tenant: i < 10 ? 'a' : 'b' }))!.id);
    const report = await q.run();
    assert.equal(most.get('a'), 2);
    assert.equal(most.get('b'), 2);
    for (const id of ids) {
      const task = (await q.getTask(id))!;
      assert.equal(task.status, 'SUCCESS', id);
      assert.equal(task.attempts, 1, `${id}: a wait is not an attempt`);
    }
    assert.deepEqual(q.deadLetters(), []);
    assert.ok(report.deliveries > ids.length, 'tasks over the limit were delivered again');
    // Every permit was given back.
    const [hash] = [taskLimits(job, { tenant: 'a' }).concurrency!.hash];
    const permits = await q.runtime.store.permitsOf(hash);
    assert.ok(permits.every((p) => p.holder === undefined));
  });

  it('a run that dies keeps its permit only until its lease lapses; the reconciler then releases the parked task', async () => {
    const { job } = limitedJob();
    const q = createTestQueue({ jobs: [job], leaseSeconds: 30 });
    const key = taskLimits(job, { tenant: 'a' }).concurrency!.hash;
    const now = q.clock.now();
    // Two runs that died holding both permits (no release, no heartbeat: nothing hands them on).
    for (const taskId of ['dead1', 'dead2'])
      await q.runtime.store.takePermit({ key, limit: 2, taskId, now, leaseUntil: now + 30 });
    const task = (await q.queueTask('limited', { tenant: 'a' }))!;
    const report = await q.run({ until: now + 29 });
    const parked = (await q.getTask(task.id))!;
    assert.equal(parked.status, 'WAITING', 'parked while the dead runs hold the permits');
    assert.equal(parked.parked, key);
    assert.equal(report.deliveries, 1, 'parked: not delivered again while it waits');
    assert.equal((await q.runtime.backend.reconcile()).parked, 0, 'no permit free yet: the sweep leaves it');
    q.clock.set(now + 31);
    assert.equal((await q.runtime.backend.reconcile()).parked, 1, 'the leases lapsed: the sweep releases it');
    await q.run();
    const done = (await q.getTask(task.id))!;
    assert.equal(done.status, 'SUCCESS');
    assert.ok(done.timeStarted! >= now + 30, 'started once a lease lapsed');
    assert.equal(done.attempts, 1);
    assert.equal(done.parked, undefined, 'its release clears the mark');
  });

  it("a key's tasks over its limit are parked and released oldest first, each delivered twice at most, while another key's run", async () => {
    const starts: string[] = [];
    const job = defineJob({
      name: 'one-at-a-time',
      concurrency: { key: (kwargs: { tenant: string }) => kwargs.tenant, limit: 1 },
      async run(ctx, { tenant }: { tenant: string }) {
        starts.push(`${tenant}:${ctx.taskId}`);
        await sleep(10);
      },
    });
    const q = createTestQueue({ jobs: [job], concurrency: 10, maxReceiveCount: 2 });
    const a: string[] = [];
    for (let i = 0; i < 6; i++) {
      a.push((await q.queueTask('one-at-a-time', { tenant: 'a' }, { id: `a${i}` }))!.id);
      q.clock.advance(1);
    }
    for (const id of ['b0', 'b1']) await q.queueTask('one-at-a-time', { tenant: 'b' }, { id });
    const report = await q.run();
    assert.deepEqual(
      starts.filter((s) => s.startsWith('a:')),
      a.map((id) => `a:${id}`),
      'released in the order queued',
    );
    assert.ok(starts.indexOf('b:b1') < starts.indexOf('a:a2'), `b's tasks did not wait behind a's: ${starts}`);
    // Once to park, once after its release: a parked task is not delivered while it waits.
    assert.ok(report.deliveries <= 2 * 8 - 2, `${report.deliveries} deliveries`);
    for (const task of (await q.getTasks()).tasks) {
      assert.equal(task.status, 'SUCCESS', task.id);
      assert.equal(task.attempts, 1);
      assert.equal(task.parked, undefined);
    }
    assert.deepEqual(q.deadLetters(), []);
  });

  it('a task that parks just as the last permit frees is released by its own look at the permits', async () => {
    const { job } = limitedJob();
    const q = createTestQueue({ jobs: [job], leaseSeconds: 30 });
    const { store } = q.runtime;
    const key = taskLimits(job, { tenant: 'a' }).concurrency!.hash;
    const now = q.clock.now();
    const held: HeldPermit[] = [];
    for (const taskId of ['r1', 'r2']) {
      const taken = await store.takePermit({ key, limit: 2, taskId, now, leaseUntil: now + 30 });
      if (taken.taken) held.push(taken.permit);
    }
    // The last permit is given back after this task's take failed and before its park item
    // exists: that release's hand-on found no one to hand it to.
    const parkTask = store.parkTask;
    store.parkTask = async (task, park) => {
      for (const permit of held) await store.releasePermit(permit, now);
      return parkTask(task, park);
    };
    const task = (await q.queueTask('limited', { tenant: 'a' }))!;
    const report = await q.run();
    const done = (await q.getTask(task.id))!;
    assert.equal(done.status, 'SUCCESS');
    assert.ok(done.timeStarted! < now + 30, 'did not wait for a lease or the reconciler');
    assert.equal(report.deliveries, 2, 'delivered to park, then after its own release');
  });

  it('a key is checked at queue time: a missing key or a key function that throws is -32602', async () => {
    const { job } = limitedJob();
    const q = createTestQueue({ jobs: [job] });
    await assert.rejects(q.queueTask('limited', {} as { tenant: string }), ValidationError);
    const throwing = defineJob({
      name: 'throwing',
      concurrency: {
        key: () => {
          throw new Error('no tenant');
        },
        limit: 1,
      },
      run: () => 1,
    });
    const q2 = createTestQueue({ jobs: [throwing] });
    await assert.rejects(q2.queueTask('throwing', {}), /concurrency.key of job "throwing" threw: no tenant/);
    assert.equal((await q2.getTasks()).tasks.length, 0, 'nothing written');
  });
});

describe('per-key rate limit', () => {
  it('starts at most `max` tasks of a key per window; the rest wait for the next window', async () => {
    const job = defineJob({
      name: 'rated',
      rateLimit: { key: (kwargs: { tenant: string }) => kwargs.tenant, max: 2, per: 60 },
      run: () => 1,
    });
    // The start of a window, so that the first three tasks fall in one.
    const q = createTestQueue({ jobs: [job], startAt: 1_800_000_000 - (1_800_000_000 % 60), maxReceiveCount: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await q.queueTask('rated', { tenant: 'a' }))!.id);
    ids.push((await q.queueTask('rated', { tenant: 'b' }))!.id);
    await q.run();
    const tasks = await Promise.all(ids.map(async (id) => (await q.getTask(id))!));
    assert.ok(tasks.every((t) => t.status === 'SUCCESS' && t.attempts === 1));
    const windows = new Map<number, number>();
    for (const t of tasks.slice(0, 5)) {
      const w = Math.floor(t.timeStarted! / 60);
      windows.set(w, (windows.get(w) ?? 0) + 1);
    }
    assert.deepEqual([...windows.values()], [2, 2, 1]);
    assert.ok(tasks[5].timeStarted! < q.clock.now() - 60, "b's task did not wait for a's windows");
    assert.deepEqual(q.deadLetters(), []);
  });
});

describe('limit options and keys', () => {
  it('the registry refuses limits it cannot keep', () => {
    const job = (over: object) => defineJob({ name: 'j', run: () => 1, ...over });
    assert.throws(() => createRegistry([job({ concurrency: { key: () => 'a', limit: 0 } })]), RegistryError);
    assert.throws(() => createRegistry([job({ concurrency: { limit: 2 } })]), /concurrency.key must be a function/);
    assert.throws(() => createRegistry([job({ rateLimit: { key: () => 'a', max: 1, per: 0.5 } })]), /whole seconds/);
    assert.doesNotThrow(() => createRegistry([job({ rateLimit: { key: () => 'a', max: 100, per: 60 } })]));
  });

  it('keys are hashed with the job name into 40 hex characters, whatever the caller gave', () => {
    const { job } = limitedJob();
    const a = taskLimits(job, { tenant: 'a' }).concurrency!;
    assert.match(a.hash, /^[0-9a-f]{40}$/);
    assert.equal(taskLimits(job, { tenant: 'a' }).concurrency!.hash, a.hash);
    const hostile = taskLimits(job, { tenant: 'x#\u0000/'.repeat(100) }).concurrency!;
    assert.match(hostile.hash, /^[0-9a-f]{40}$/);
    assert.throws(() => taskLimits(job, { tenant: 'x'.repeat(1025) }), /at most 1024 bytes/);
    assert.throws(() => taskLimits(job, { tenant: '' }), ValidationError);
    assert.equal(taskLimits(job, { tenant: 7 as unknown as string }).concurrency!.label, '7');
  });

  it('a key that is no string or number is shown in the error as JSON, cut to a readable length', () => {
    const { job } = limitedJob();
    const gave = (tenant: unknown) => {
      try {
        taskLimits(job, { tenant: tenant as string });
      } catch (err) {
        return (err as Error).message.replace(/^.*; it gave /, '');
      }
      return 'no error';
    };
    assert.equal(gave(['A']), '["A"]');
    assert.equal(gave({ id: 'A' }), '{"id":"A"}');
    assert.equal(gave(undefined), 'undefined');
    assert.equal(gave(null), 'null');
    assert.equal(gave(Number.NaN), 'NaN');
    assert.equal(gave(''), '0 bytes');
    const long = gave({ list: Array.from({ length: 1000 }, (_, n) => n) });
    assert.match(long, /^\{"list":\[0,1,2,.*…$/);
    assert.ok(Buffer.byteLength(long) <= 200, long);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(gave(cyclic), 'an object');
    assert.equal(gave(10n), 'a bigint');
  });

  it('a wait is whole seconds from the hint, spread more the longer the task has waited, at most 900', () => {
    assert.equal(
      waitSeconds(0, 0, () => 0),
      1,
    );
    assert.equal(
      waitSeconds(4.2, 0, () => 0),
      5,
    );
    assert.equal(
      waitSeconds(0, 10, () => 0.999),
      5,
    );
    assert.equal(
      waitSeconds(0, 10_000, () => 0.999),
      30,
    );
    assert.equal(
      waitSeconds(5_000, 0, () => 0),
      900,
    );
  });
});
