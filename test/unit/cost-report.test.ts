/**
 * The cost report (lib/tasks/cost-report.ts) on the in-memory ports: which tasks it sums,
 * in which order it reads them, what it refuses. The same walk over DynamoDB:
 * test/emulator/cost-report.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDirectClient } from '../../lib/client/direct-client.js';
import { createHttpClient } from '../../lib/client/http-client.js';
import { LIST_PRICES, pricesToWire } from '../../lib/cost.js';
import { defineJob } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';

const jobs = {
  noop: defineJob({ name: 'noop', run: () => null }),
  big: defineJob({ name: 'big', run: () => null }),
  progress: defineJob({ name: 'progress', run: () => null }),
};

/** An HTTP client whose every request fails, and how many it tried to post: what it refuses is never sent. */
function unsentHttpClient() {
  let posted = 0;
  const client = createHttpClient({
    url: 'http://127.0.0.1:9/rpc',
    fetch: (async () => {
      posted++;
      throw new Error('not sent');
    }) as never,
  });
  return { client, posted: () => posted };
}
describe('costReport', () => {
  it('a job named twice is counted once, in the order first given', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.runTask('noop', {});
    const report = await q.runtime.backend.costReport({ jobs: ['noop', 'big', 'noop'], since: task.timeQueued - 1 });
    assert.deepEqual(
      report.jobs.map((j) => j.name),
      ['noop', 'big'],
    );
    assert.equal(report.total.tasks, 1);
    assert.equal(report.total.writeUnits, task.cost!.writeUnits);
  });
});

/** Queue and run one task of each job named, a minute apart; the tasks, oldest first. */
async function history(q: ReturnType<typeof createTestQueue<typeof jobs>>, names: (keyof typeof jobs)[]) {
  const tasks = [];
  for (const name of names) {
    q.clock.advance(60);
    tasks.push(await q.runTask(name, {}));
  }
  return tasks;
}

describe('costReport with a limit', () => {
  it('sums the newest tasks of the period across every job, not job after job', async () => {
    const q = createTestQueue({ jobs });
    const tasks = await history(q, ['big', 'big', 'big', 'noop', 'progress', 'big', 'noop']);
    const since = tasks[0].timeQueued;
    const report = await q.runtime.backend.costReport({ since, maxTasks: 3 });
    assert.equal(report.complete, false);
    const counts = Object.fromEntries(report.jobs.map((j) => [j.name, j.tasks]));
    // The three newest: noop, big, progress — not the three of `big`, the registry's first job.
    assert.deepEqual(counts, { noop: 1, big: 1, progress: 1 });
    assert.equal(report.total.tasks, 3);
  });

  it('one busy job does not hide the others', async () => {
    const q = createTestQueue({ jobs });
    const tasks = await history(q, ['big', 'big', 'big', 'big', 'big', 'noop', 'noop']);
    const report = await q.runtime.backend.costReport({ since: tasks[0].timeQueued, maxTasks: 4 });
    const counts = Object.fromEntries(report.jobs.map((j) => [j.name, j.tasks]));
    assert.deepEqual(counts, { noop: 2, big: 2, progress: 0 });
    assert.equal(report.complete, false);
  });

  it('a limit equal to the tasks of the period is complete, with older tasks before it or none', async () => {
    const q = createTestQueue({ jobs });
    const tasks = await history(q, ['big', 'noop', 'big', 'progress', 'noop', 'big']);
    const whole = await q.runtime.backend.costReport({ since: tasks[0].timeQueued, maxTasks: 6 });
    assert.equal(whole.complete, true);
    assert.equal(whole.total.tasks, 6);
    const later = await q.runtime.backend.costReport({ since: tasks[2].timeQueued, maxTasks: 4 });
    assert.equal(later.complete, true, 'the older tasks of each job are not of the period');
    assert.equal(later.total.tasks, 4);
    const short = await q.runtime.backend.costReport({ since: tasks[0].timeQueued, maxTasks: 5 });
    assert.equal(short.complete, false);
    assert.equal(short.total.tasks, 5);
  });

  it('tasks queued after `until` do not use the limit up', async () => {
    const q = createTestQueue({ jobs });
    const tasks = await history(q, ['noop', 'big', 'noop', 'noop', 'noop']);
    const report = await q.runtime.backend.costReport({
      since: tasks[0].timeQueued,
      until: tasks[1].timeQueued,
      maxTasks: 2,
    });
    assert.equal(report.complete, true);
    assert.equal(report.total.tasks, 2);
  });
});

describe('costReport with a limit, against the newest tasks counted by hand', () => {
  it('random histories: the sums cover the newest `limit` tasks, and the walk reads fewer than twice as many', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const names = Object.keys(jobs) as (keyof typeof jobs)[];
    for (let trial = 0; trial < 12; trial++) {
      const q = createTestQueue({ jobs });
      const tasks = await history(
        q,
        Array.from(
          { length: 5 + Math.floor(random() * 40) },
          () => names[Math.floor(random() * (trial % 2 ? 3 : 1.3))],
        ),
      );
      const since = tasks[Math.floor(random() * 4)].timeQueued;
      const inPeriod = tasks.filter((t) => t.timeQueued >= since);
      const maxTasks = 1 + Math.floor(random() * (inPeriod.length + 3));
      let read = 0;
      const list = q.runtime.store.queryTasks;
      q.runtime.store.queryTasks = async (query) => {
        const page = await list(query);
        read += page.tasks.length;
        return page;
      };
      const report = await q.runtime.backend.costReport({ since, maxTasks });
      const newest = inPeriod.slice(-maxTasks);
      const expected = Object.fromEntries(names.map((n) => [n, newest.filter((t) => t.name === n).length]));
      const counts = Object.fromEntries(report.jobs.map((j) => [j.name, j.tasks]));
      const what = `trial ${trial}: ${inPeriod.length} tasks in the period, limit ${maxTasks}`;
      assert.deepEqual(counts, expected, what);
      assert.equal(report.complete, maxTasks >= inPeriod.length, what);
      assert.ok(read < 2 * maxTasks + names.length, `${what}: ${read} read`);
    }
  });
});

describe('costReport refuses', () => {
  it('an unknown job name: -32602 naming it, as queue_task does; the direct client throws', async () => {
    const q = createTestQueue({ jobs });
    await q.runTask('noop', {});
    const call = async (params: unknown) =>
      JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'cost', params })))!);
    const { error } = await call({ jobnames: ['noop', 'nope'] });
    assert.equal(error?.code, -32602);
    assert.match(error.message, /unknown job "nope"/);
    await assert.rejects(q.runtime.backend.costReport({ jobs: ['nope'] }), {
      name: 'UnknownJobError',
      message: /unknown job "nope"/,
    });
  });
});

describe('costReport options', () => {
  /** Options the clients do not know, and the words their error must say. */
  const UNKNOWN: [Record<string, unknown>, RegExp][] = [
    [{ jobnames: ['noop'] }, /unknown option "jobnames": the option is jobs \(jobnames is the cost RPC's name\)/],
    [{ limit: 2 }, /unknown option "limit": the option is maxTasks/],
    [{ memory_mb: 1024 }, /unknown option "memory_mb": the option is memoryMb/],
    [{ bogus: 1 }, /unknown option "bogus"; the options are jobs, since, until, prices, maxTasks, memoryMb/],
    [{ jobs: [] }, /jobs must not be empty: name at least one job, or leave it out for every job/],
  ];

  it('an option the direct client does not know, or jobs: [], is refused naming it', async () => {
    const q = createTestQueue({ jobs });
    await q.runTask('noop', {});
    const client = createDirectClient({ runtime: q.runtime } as never);
    for (const [options, message] of UNKNOWN)
      await assert.rejects(client.costReport(options as never), { name: 'ValidationError', message });
  });

  it('the HTTP client refuses them before sending anything', async () => {
    const { client, posted } = unsentHttpClient();
    for (const [options, message] of UNKNOWN)
      await assert.rejects(client.costReport(options as never), { name: 'ValidationError', message });
    assert.equal(posted(), 0);
  });

  it('the RPC refuses jobnames: [] with -32602 naming it', async () => {
    const q = createTestQueue({ jobs });
    const reply = await q.runtime.rpc.handle(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'cost', params: { jobnames: [] } }),
    );
    const { error } = JSON.parse(reply!);
    assert.equal(error?.code, -32602);
    assert.match(error.message, /jobnames must not be empty: name at least one job, or leave it out for every job/);
  });
});

describe('prices', () => {
  /** Prices the clients take (camelCase) that are no prices, and the words their error must say. */
  const BAD: [unknown, RegExp][] = [
    [{ write_unit: 0.000001 }, /prices\.write_unit is not a price.*writeUnit/],
    [{ writes: 1 }, /prices\.writes is not a price/],
    [{ writeUnit: Number.NaN }, /prices\.writeUnit must be dollars per unit, a number from 0 to 1/],
    [{ sqsRequest: -1 }, /prices\.sqsRequest must be/],
    [{ gbSecond: 2 }, /prices\.gbSecond must be/],
    [{ lambdaRequest: '0.1' }, /prices\.lambdaRequest must be/],
    [[1], /prices must be an object/],
  ];

  it('the direct client refuses what is no price, naming it, before reading anything', async () => {
    const q = createTestQueue({ jobs });
    const client = createDirectClient({ runtime: q.runtime } as never);
    for (const [prices, message] of BAD) {
      await assert.rejects(client.costReport({ prices: prices as never }), { name: 'ValidationError', message });
    }
  });

  it('the HTTP client refuses it before sending anything', async () => {
    const { client, posted } = unsentHttpClient();
    for (const [prices, message] of BAD) {
      await assert.rejects(client.costReport({ prices: prices as never }), { name: 'ValidationError', message });
    }
    assert.equal(posted(), 0);
  });

  it('JSON-RPC refuses the camelCase names, NaN cannot come in JSON, the cap is $1 a unit', async () => {
    const q = createTestQueue({ jobs });
    const call = async (params: unknown) =>
      JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'cost', params })))!);
    const camel = await call({ prices: { writeUnit: 1e-6 } });
    assert.equal(camel.error.code, -32602);
    assert.match(camel.error.message, /prices\.writeUnit is not a price.*write_unit/);
    assert.match((await call({ prices: { gb_second: 1.5 } })).error.message, /from 0 to 1/);
    assert.equal((await call({ prices: { gb_second: 1 } })).result.prices.gb_second, 1);
  });
});

describe('tasks that never ran, and tasks still running', () => {
  it('are counted, with the cost they recorded so far: their enqueue’s units and send', async () => {
    const q = createTestQueue({ jobs });
    const since = q.clock.now();
    const ran = await q.runTask('noop', {});
    const revoked = (await q.queueTask('noop', {}, { delay: 600 }))!;
    await q.revokeTask(revoked.id);
    const waiting = (await q.queueTask('big', {}, { delay: 600 }))!;
    for (const id of [revoked.id, waiting.id]) {
      const cost = (await q.getTask(id))!.cost;
      assert.ok(cost, `task ${id} shows its cost so far`);
      assert.deepEqual(
        { ...cost, writeUnits: cost.writeUnits > 0 },
        {
          writeUnits: true,
          sqsRequests: 1,
          lambdaRequests: 0,
          lambdaMs: 0,
          heartbeats: 0,
        },
      );
    }
    const report = await q.runtime.backend.costReport({ since });
    const noop = report.jobs.find((j) => j.name === 'noop')!;
    assert.equal(noop.tasks, 2, 'the task revoked before its run is a task of the period');
    assert.equal(noop.writeUnits, ran.cost!.writeUnits + (await q.getTask(revoked.id))!.cost!.writeUnits);
    assert.equal(report.jobs.find((j) => j.name === 'big')!.tasks, 1, 'a task waiting for its run too');
    assert.equal(report.total.tasks, 3);
  });
});

describe('run time off Lambda', () => {
  /** A queue whose `slow` job runs 12 s of its fake clock. */
  function slowQueue() {
    const q = createTestQueue({
      jobs: [
        defineJob({
          name: 'slow',
          run: () => {
            q.clock.advance(12);
          },
        }),
      ],
    });
    return q;
  }

  it('the report says how much run time it could not price: lambda_ms without GB-seconds', async () => {
    const q = slowQueue();
    const since = q.clock.now();
    const task = await q.runTask('slow', {});
    assert.equal(task.cost?.lambdaMs, 12_000);
    assert.equal(task.cost?.gbSeconds, undefined, 'no GB-seconds off Lambda');
    const call = async (params: unknown) =>
      JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'cost', params })))!);
    const { result } = await call({ since });
    assert.equal(result.total.lambda_ms, 12_000);
    assert.equal(result.total.gb_seconds, 0);
    assert.equal(result.total.unpriced_ms, 12_000);
    assert.equal(result.memory_mb, null);
  });

  it('memoryMb prices that run time as a function of that memory would run it', async () => {
    const q = slowQueue();
    const since = q.clock.now();
    await q.runTask('slow', {});
    const prices = { writeUnit: 0, sqsRequest: 0, lambdaRequest: 0, gbSecond: 0.5 };
    const report = await q.runtime.backend.costReport({ since, prices, memoryMb: 2048 });
    assert.equal(report.total.gbSeconds, 24);
    assert.equal(report.total.unpricedMs, 0);
    assert.equal(report.total.dollars, 12);
    assert.equal(report.memoryMb, 2048);
    const call = async (params: unknown) =>
      JSON.parse((await q.runtime.rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'cost', params })))!);
    const { result } = await call({ since, memory_mb: 1024 });
    assert.deepEqual([result.total.gb_seconds, result.total.unpriced_ms, result.memory_mb], [12, 0, 1024]);
    assert.match((await call({ memory_mb: 64 })).error.message, /memory_mb must be an integer from 128 to 10240/);
    await assert.rejects(
      q.runtime.backend.costReport({ memoryMb: 0.5 }),
      /memoryMb must be an integer from 128 to 10240/,
    );
  });
});

describe('the period', () => {
  it('a reversed period is refused, naming since and until; over JSON-RPC, -32602', async () => {
    const q = createTestQueue({ jobs });
    const now = q.clock.now();
    await assert.rejects(q.runtime.backend.costReport({ since: now, until: now - 60 }), {
      name: 'ValidationError',
      message: /since .* is after until/,
    });
    const body = await q.runtime.rpc.handle(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'cost', params: { since: now - 10, until: now - 20 } }),
    );
    const { error } = JSON.parse(body!);
    assert.equal(error.code, -32602);
    assert.match(error.message, /since .* is after until/);
    // An empty period of one instant is not reversed: a task queued at that instant is in it.
    const task = await q.runTask('noop', {});
    const instant = await q.runtime.backend.costReport({ since: task.timeQueued, until: task.timeQueued });
    assert.equal(instant.total.tasks, 1);
  });
});

describe('list prices', () => {
  it('are exact literals: they print as written', () => {
    assert.equal(
      JSON.stringify(pricesToWire(LIST_PRICES)),
      '{"write_unit":6.25e-7,"sqs_request":4e-7,"lambda_request":2e-7,"gb_second":0.0000166667}',
    );
  });
});

describe('since and until as Dates', () => {
  it('the direct client takes a Date as well as epoch seconds', async () => {
    const q = createTestQueue({ jobs });
    const task = await q.runTask('noop', {});
    const client = createDirectClient({ runtime: q.runtime } as never);
    const report = await client.costReport({ since: new Date(task.timeQueued * 1000 - 1000) });
    assert.equal(report.since, task.timeQueued - 1);
    assert.equal(report.total.tasks, 1);
    await assert.rejects(client.costReport({ until: new Date(Number.NaN) }), /until must be/);
  });

  it('the HTTP client sends a Date as epoch seconds', async () => {
    const posted: unknown[] = [];
    const client = createHttpClient({
      url: 'http://127.0.0.1:9/rpc',
      fetch: (async (_url: string, init: { body: string }) => {
        posted.push(JSON.parse(init.body).params);
        throw new Error('not sent');
      }) as never,
    });
    await assert.rejects(client.costReport({ since: new Date(1_767_225_600_000), until: 1_767_229_200 }));
    assert.deepEqual(posted, [{ since: 1_767_225_600, until: 1_767_229_200 }]);
  });
});
