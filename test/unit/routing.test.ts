/**
 * Routed queues and priorities on the in-memory ports (docs/routing.md): declarations, the
 * lane a task's message goes to, the routed queue's port over lanes, a message on the wrong
 * queue forwarded, the lane schedule's guarantees, and `priority` refused naming it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createLogger,
  createMemoryQueue,
  createMemoryStore,
  createRegistry,
  createRoutedQueue,
  defineJob,
  defineQueue,
  type Lane,
  type MemoryQueue,
  PRIORITIES,
  RegistryError,
  ValidationError,
  wireRuntime,
} from '../../lib/index.js';
import { queueNameOf } from '../../lib/job-queue.js';
import { LANE_SCHEDULE, laneOrder } from '../../lib/priority.js';

const reports = defineQueue({ name: 'reports', timeout: 900, memorySize: 2048, batchSize: 1 });
const ran: string[] = [];
const jobs = {
  reports,
  monthly: defineJob({ name: 'monthly', queue: reports, run: (ctx) => void ran.push(ctx.taskId) }),
  weekly: defineJob({ name: 'weekly', queue: 'reports', priority: 'low', run: (ctx) => void ran.push(ctx.taskId) }),
  hook: defineJob({ name: 'hook', priority: 'high', run: (ctx) => void ran.push(ctx.taskId) }),
  plain: defineJob({ name: 'plain', run: (ctx) => void ran.push(ctx.taskId) }),
};

/** A runtime over memory stores and a routed queue of memory lanes (default and reports). */
function routedStack() {
  const registry = createRegistry(jobs);
  const dlqs = new Map<string, MemoryQueue>();
  const lanes: (Lane & { port: MemoryQueue })[] = ['default', 'reports'].flatMap((queue) =>
    PRIORITIES.map((priority) => {
      // One memory queue per lane; the lanes of a routed queue share the first one's dead letters.
      const port = createMemoryQueue();
      if (!dlqs.has(queue)) dlqs.set(queue, port);
      const shared = dlqs.get(queue)!;
      const { deadLetter, deadLetterCount, receiveDeadLetters, deleteDeadLetters, releaseDeadLetters } = shared;
      const lanePort = {
        ...port,
        deadLetter,
        deadLetterCount,
        receiveDeadLetters,
        deleteDeadLetters,
        releaseDeadLetters,
      };
      return { queue, priority, sqsName: `q-${queue}-${priority}`, port: lanePort as MemoryQueue };
    }),
  );
  const queue = createRoutedQueue(lanes, (job) => queueNameOf(registry.get(job)));
  const runtime = wireRuntime({
    store: createMemoryStore(),
    queue,
    registry,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const lane = (q: string, p: string) => lanes.find((l) => l.queue === q && l.priority === p)!;
  const depth = async (q: string, p: string) => (await lane(q, p).port.depth()).queued;
  return { runtime, queue, lanes, lane, depth, dlqs };
}

describe('declaring routed queues', () => {
  it('the registry collects them, exported or named by a job; one declaration per name', () => {
    assert.deepEqual(
      createRegistry(jobs)
        .queues()
        .map((q) => q.name),
      ['reports'],
    );
    const inline = defineJob({ name: 'x', queue: defineQueue({ name: 'inline' }), run: () => 1 });
    assert.deepEqual(
      createRegistry({ inline })
        .queues()
        .map((q) => q.name),
      ['inline'],
    );
    assert.equal(queueNameOf(jobs.plain), 'default');
    assert.throws(
      () => createRegistry({ a: defineQueue({ name: 'r', timeout: 1 }), b: defineQueue({ name: 'r', timeout: 2 }) }),
      /two queues are named "r" with different settings/,
    );
    assert.throws(
      () => createRegistry({ j: defineJob({ name: 'j', queue: 'nowhere', run: () => 1 }) }),
      /job "j" names queue "nowhere", which no defineQueue declares/,
    );
    assert.throws(
      () => createRegistry({ j: defineJob({ name: 'j', priority: 'urgent' as never, run: () => 1 }) }),
      /job "j": priority must be one of high, default, low/,
    );
  });

  it('defineQueue refuses a name that is not a-z 0-9 -, or is "default", and settings that are not numbers', () => {
    for (const name of ['default', 'Reports', 'a_b', '', '1st', 'x'.repeat(41)]) {
      assert.throws(() => defineQueue({ name }), RegistryError, name);
    }
    assert.throws(() => defineQueue({ name: 'r', timeout: '60' as never }), /queue "r": timeout must be a number/);
  });
});

describe('the lane of a task', () => {
  it("goes by its job's queue and its priority: the call's, else the job's, recorded when not default", async () => {
    const { runtime, depth } = routedStack();
    const monthly = await runtime.backend.queueTask('monthly', {});
    const urgent = await runtime.backend.queueTask('monthly', {}, { priority: 'high' });
    const weekly = await runtime.backend.queueTask('weekly', {});
    const hook = await runtime.backend.queueTask('hook', {}, { priority: 'default' });
    await runtime.backend.queueTasks([{ job: 'plain', options: { priority: 'low' } }, { job: 'hook' }]);
    assert.equal(monthly?.priority, undefined);
    assert.equal(urgent?.priority, 'high');
    assert.equal(weekly?.priority, 'low');
    assert.equal(hook?.priority, undefined);
    const counts = Object.fromEntries(
      await Promise.all(
        ['default', 'reports'].flatMap((q) => PRIORITIES.map(async (p) => [`${q}/${p}`, await depth(q, p)] as const)),
      ),
    );
    assert.deepEqual(counts, {
      'default/high': 1,
      'default/default': 1,
      'default/low': 1,
      'reports/high': 1,
      'reports/default': 1,
      'reports/low': 1,
    });
    const stats = await runtime.backend.queueStats();
    assert.equal(stats.queued, 6);
    assert.deepEqual(
      stats.queues.map((q) => [q.queue, q.lanes.high?.queued, q.lanes.default?.queued, q.lanes.low?.queued]),
      [
        ['default', 1, 1, 1],
        ['reports', 1, 1, 1],
      ],
    );
  });

  it('a priority that is not high, default or low is refused naming it, before anything is written (-32602)', async () => {
    const { runtime } = routedStack();
    await assert.rejects(runtime.backend.queueTask('plain', {}, { priority: 'urgent' as never }), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.message, 'priority must be one of high, default, low');
      return true;
    });
    const reply = JSON.parse(
      (await runtime.rpc.handle(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'queue_task', params: { jobname: 'plain', priority: 3 } }),
      ))!,
    );
    assert.equal(reply.error.code, -32602);
    assert.match(reply.error.message, /^priority must be one of/);
    assert.equal((await runtime.backend.queueStats()).queued, 0);
    const ok = JSON.parse(
      (await runtime.rpc.handle(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'queue_task', params: { jobname: 'plain', priority: 'low' } }),
      ))!,
    );
    assert.equal(ok.result.priority, 'low');
  });
});

describe('the routed queue over lanes', () => {
  it('runs a task from its lane; a retry, a visibility change and a delete reach the lane it came from', async () => {
    const { runtime, queue, lane } = routedStack();
    const task = await runtime.backend.queueTask('monthly', {}, { priority: 'low' });
    const [message] = await lane('reports', 'low').port.receive(10, 0);
    // As the event source delivers it: the raw handle and the lane's ARN.
    const record = { ...message, eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q-reports-low' };
    assert.equal(queue.laneOf(queue.adopt(record))?.sqsName, 'q-reports-low');
    await runtime.consumer.handleBatch([record]);
    assert.equal((await runtime.store.getTask(task!.id))?.status, 'SUCCESS');
    await queue.changeVisibility(queue.adopt(record).receiptHandle, 0);
    await queue.deleteMessages([queue.adopt(record).receiptHandle]);
    assert.deepEqual(await lane('reports', 'low').port.depth(), { queued: 0, delayed: 0, inFlight: 0 });
  });

  it("a task message on another queue than its job's is forwarded to its lane, not run there", async () => {
    const { runtime, queue, lane } = routedStack();
    const task = await runtime.backend.queueTask('monthly', {}, { priority: 'high' });
    const [message] = await lane('reports', 'high').port.receive(10, 0);
    // The timer's target, or a stale send: the default queue's default lane.
    const record = { ...message, eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q-default-default' };
    const before = ran.length;
    await runtime.consumer.handleMessage(record);
    assert.equal(ran.length, before, 'not run on the wrong queue');
    assert.equal((await runtime.store.getTask(task!.id))?.attempts, 0);
    assert.equal((await lane('reports', 'high').port.depth()).queued, 1, 'forwarded to its own lane');
    assert.ok(queue.laneOf(queue.adopt(record)));
  });

  it('a producer message takes the priority of the lane of its own queue it was sent to; on another queue, it is recorded and forwarded', async () => {
    const { runtime, lane } = routedStack();
    const deliver = async (l: ReturnType<typeof lane>, body: object) => {
      await l.port.sendBatch([]);
      const raw = { messageId: `m-${Math.random()}`, receiptHandle: 'h', body: JSON.stringify(body), attributes: {} };
      await runtime.consumer.handleMessage({ ...raw, eventSourceARN: `arn:aws:sqs:us-east-1:0:${l.sqsName}` });
    };
    await deliver(lane('reports', 'low'), { v: 1, job: 'monthly', kwargs: {}, id: 'p1' });
    assert.equal((await runtime.store.getTask('p1'))?.status, 'SUCCESS');
    assert.equal((await runtime.store.getTask('p1'))?.priority, 'low');
    await deliver(lane('default', 'high'), { v: 1, job: 'monthly', kwargs: {}, id: 'p2' });
    const p2 = await runtime.store.getTask('p2');
    assert.equal(p2?.status, 'QUEUED');
    assert.equal(p2?.priority, undefined, "the job's priority: the lane was not its queue's");
    assert.equal((await lane('reports', 'default').port.depth()).queued, 1);
  });

  it("a dead letter goes to its job's queue's dead-letter queue; redrive and counts read every one", async () => {
    const { runtime, queue, dlqs } = routedStack();
    await queue.deadLetter(JSON.stringify({ v: 1, id: 'a', job: 'monthly' }), 'r1');
    await queue.deadLetter(JSON.stringify({ v: 1, id: 'b', job: 'plain' }), 'r2');
    await queue.deadLetter('not json', 'r3');
    assert.equal(await dlqs.get('reports')!.deadLetterCount(), 1);
    assert.equal(await dlqs.get('default')!.deadLetterCount(), 2);
    assert.equal(await queue.deadLetterCount(), 3);
    const seen = [...(await queue.receiveDeadLetters(10)), ...(await queue.receiveDeadLetters(10))];
    assert.equal(seen.length, 3);
    await queue.deleteDeadLetters(seen.map((m) => m.receiptHandle));
    assert.equal(await queue.deadLetterCount(), 0);
    assert.equal((await runtime.backend.queueStats()).deadLetters, 0);
  });
});

describe('the lane schedule (the local poller)', () => {
  it('a lane with messages starts at least 1 receive in 5; no two receives in a row start below high', () => {
    for (const priority of PRIORITIES) {
      assert.ok(
        LANE_SCHEDULE.some((row) => row[0] === priority),
        priority,
      );
    }
    for (let turn = 0; turn < 20; turn++) {
      assert.ok(laneOrder(turn)[0] === 'high' || laneOrder(turn + 1)[0] === 'high', `turn ${turn}`);
      assert.deepEqual([...laneOrder(turn)].sort(), [...PRIORITIES].sort());
    }
  });
});
