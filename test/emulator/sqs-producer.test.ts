/**
 * The plain SQS wire format: a producer that never wrote a record sends
 * `{"v":1,"job":…,"kwargs":{…},"id":…}` with the raw SQS client; the consumer writes the
 * record through the backend's normal path, then runs the task once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { before, describe, it, mock } from 'node:test';
import { defineJob, producerTaskId, type ReceivedMessage } from '../../lib/index.js';
import { testStack, type TestStack, NO_PAYLOAD_BUCKET } from '../helpers.js';
import { root } from '../markdown.js';

const runs = new Map<string, number>();
const counted = (id: string) => runs.set(id, (runs.get(id) ?? 0) + 1);
const jobs = {
  count: defineJob({
    name: 'count',
    run: (ctx, { n }: { n?: number }) => (counted(ctx.taskId), n ?? null),
  }),
  single: defineJob({
    name: 'single',
    canOverlap: false,
    run: async (ctx, { lag = 0.5 }: { lag?: number }) => {
      counted(ctx.taskId);
      await new Promise((r) => setTimeout(r, lag * 1000));
      return 'done';
    },
  }),
  hurry: defineJob({ name: 'hurry', expires: 1, run: (ctx) => (counted(ctx.taskId), 'ran') }),
  picky: defineJob({
    name: 'picky',
    canOverlap: ({ boom }: { boom?: boolean }) => {
      if (boom) throw new Error('no boom here');
      return true;
    },
    run: (ctx) => (counted(ctx.taskId), 'ran'),
  }),
};

let s: TestStack;
before(async () => (s = await testStack({ jobs, env: NO_PAYLOAD_BUCKET })));

async function send(body: unknown, delaySeconds?: number): Promise<string> {
  const out = await s.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: s.config.queueUrl,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      DelaySeconds: delaySeconds,
    }),
  );
  return out.MessageId!;
}

async function receive(count: number): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  for (let i = 0; i < 50 && got.length < count; i++) got.push(...(await s.queue.receive(count - got.length, 1)));
  return got;
}

describe('plain SQS producer messages', () => {
  it('examples/sqs-producer.ts (the SDK v3 recipe of local-stack.md) reaches the local queue', async () => {
    const env = {
      ...process.env,
      SKYTASK_QUEUE_URL: s.config.queueUrl,
      AWS_ENDPOINT_URL_SQS: s.config.sqsEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/sqs-producer.ts'], { env, cwd: root });
    const messageId = stdout.trim();
    const got = await receive(1);
    assert.deepEqual(
      got.map((m) => [m.messageId, JSON.parse(m.body).job]),
      [[messageId, 'addition']],
    );
    await s.queue.deleteMessages([got[0].receiptHandle]);
  });

  it('a message without an id: the record is written from it, with an id derived from the message id', async () => {
    const messageId = await send({ v: 1, job: 'count', kwargs: { n: 5 } });
    await s.drain();
    const task = await s.backend.getTask(producerTaskId(messageId));
    assert.equal(task?.status, 'SUCCESS');
    assert.equal(task?.result, 5);
    assert.deepEqual(task?.kwargs, { n: 5 });
    assert.equal(task?.caller, 'sqs');
    assert.equal(runs.get(task!.id), 1);
  });

  it('a redelivery of that message is the same task, not run again', async () => {
    const messageId = await send({ v: 1, job: 'count', kwargs: { n: 6 } });
    const [first] = await receive(1);
    await s.consumer.handleMessage(first);
    // Not deleted: it comes back, as after a lost delete.
    await s.queue.changeVisibility(first.receiptHandle, 0);
    const [again] = await receive(1);
    assert.equal(again.messageId, messageId);
    await s.consumer.handleMessage(again);
    await s.queue.deleteMessages([again.receiptHandle]);
    assert.equal(runs.get(producerTaskId(messageId)), 1);
  });

  it('the same id sent twice: one task, one run', async () => {
    await send({ v: 1, job: 'count', kwargs: { n: 7 }, id: 'order-7' });
    await send({ v: 1, job: 'count', kwargs: { n: 7 }, id: 'order-7' });
    await s.drain();
    const task = await s.backend.getTask('order-7');
    assert.equal(task?.status, 'SUCCESS');
    assert.equal(task?.attempts, 1);
    assert.equal(runs.get('order-7'), 1);
    const listed = await s.backend.getTasks({ name: 'count', limit: 100 });
    assert.equal(listed.tasks.filter((t) => t.id === 'order-7').length, 1);
  });

  it('non-overlap applies: an equal task while one runs is not recorded', async () => {
    await send({ v: 1, job: 'single', kwargs: { lag: 0.6 }, id: 'single-1' });
    await send({ v: 1, job: 'single', kwargs: { lag: 0.6 }, id: 'single-2' });
    const [a, b] = await receive(2);
    const [firstMsg, secondMsg] = a.body.includes('single-1') ? [a, b] : [b, a];
    const running = s.consumer.handleMessage(firstMsg);
    for (let i = 0; i < 100 && (await s.backend.getTask('single-1'))?.status !== 'STARTED'; i++)
      await new Promise((r) => setTimeout(r, 20));
    await s.consumer.handleMessage(secondMsg);
    await running;
    await s.queue.deleteMessages([a.receiptHandle, b.receiptHandle]);
    assert.equal((await s.backend.getTask('single-1'))?.status, 'SUCCESS');
    assert.equal(await s.backend.getTask('single-2'), undefined);
    assert.equal(runs.get('single-2'), undefined);
  });

  it('expiry counts from the send: a message delivered too late is REVOKED, never run', async () => {
    await send({ v: 1, job: 'hurry', kwargs: {}, id: 'late-1' }, 2);
    await new Promise((r) => setTimeout(r, 2100));
    await s.drain();
    const task = await s.backend.getTask('late-1');
    assert.equal(task?.status, 'REVOKED');
    assert.equal(runs.get('late-1'), undefined);
  });

  it('bad kwargs or a bad body: dead-lettered with the reason, nothing recorded', async () => {
    await send({ v: 1, job: 'count', kwargs: { big: 'x'.repeat(120 * 1024) }, id: 'too-big' });
    await send({ v: 1, job: 'count', kwargs: [1, 2], id: 'not-object' });
    await send({ v: 1, job: 'count', kwargs: { n: 1 }, id: 'has space' });
    await s.drain();
    assert.equal(await s.backend.getTask('too-big'), undefined);
    const letters = await s.deadLetters();
    const reasons = letters.map((m) => m.MessageAttributes?.reason?.StringValue ?? '');
    assert.equal(letters.length, 3);
    assert.ok(
      reasons.some((r) => /over the 102400-byte limit/.test(r)),
      reasons.join(' | '),
    );
    assert.ok(
      reasons.some((r) => /kwargs must be a JSON object/.test(r)),
      reasons.join(' | '),
    );
    assert.ok(
      reasons.some((r) => /^id must be 1-128 characters/.test(r)),
      reasons.join(' | '),
    );
  });
});

describe('producer messages and queue_task agree', () => {
  let t: TestStack;
  before(async () => (t = await testStack({ jobs, env: NO_PAYLOAD_BUCKET })));

  const sendTo = async (body: unknown) =>
    (
      await t.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: t.config.queueUrl, MessageBody: JSON.stringify(body) }),
      )
    ).MessageId!;

  it("a canOverlap that throws: -32602 naming the job and the error; a producer's message dead-lettered at once", async () => {
    const answer = await t.call('queue_task', { jobname: 'picky', boom: true });
    assert.equal(answer.error?.code, -32602, JSON.stringify(answer));
    assert.equal(answer.error.message, 'canOverlap of job "picky" threw: no boom here');
    await sendTo({ v: 1, job: 'picky', kwargs: { boom: true }, id: 'picky-1' });
    await t.drain();
    assert.equal(await t.backend.getTask('picky-1'), undefined);
    const letters = await t.deadLetters();
    assert.deepEqual(
      letters.map((m) => m.MessageAttributes?.reason?.StringValue),
      ['canOverlap of job "picky" threw: no boom here'],
    );
    assert.equal(runs.get('picky-1'), undefined);
  });

  it('kwargs: null is {} over SQS as over JSON-RPC', async () => {
    const answer = await t.call('queue_task', { jobname: 'count', kwargs: null, id: 'null-rpc' });
    assert.deepEqual(answer.result?.kwargs, {}, JSON.stringify(answer));
    await sendTo({ v: 1, job: 'count', kwargs: null, id: 'null-sqs' });
    await t.drain();
    const task = await t.backend.getTask('null-sqs');
    assert.equal(task?.status, 'SUCCESS');
    assert.deepEqual(task?.kwargs, {});
  });

  it("a bad traceparent: -32602 over JSON-RPC; a producer's task is kept without it, and a warning names it", async () => {
    const answer = await t.call('queue_task', { jobname: 'count', traceparent: 'garbage' });
    assert.equal(answer.error?.code, -32602, JSON.stringify(answer));
    const good = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const warn = mock.method(t.logger, 'warn');
    await sendTo({ v: 1, job: 'count', kwargs: {}, id: 'trace-bad', traceparent: 'garbage' });
    await sendTo({ v: 1, job: 'count', kwargs: {}, id: 'trace-good', traceparent: good });
    await t.drain();
    warn.mock.restore();
    const bad = await t.backend.getTask('trace-bad');
    assert.equal(bad?.status, 'SUCCESS');
    assert.equal(bad?.traceparent, undefined);
    assert.equal((await t.backend.getTask('trace-good'))?.traceparent, good);
    const warned = warn.mock.calls.map((c) => c.arguments as unknown[]);
    assert.deepEqual(
      warned.filter(([fields]) => (fields as any)?.task_id === 'trace-bad').map(([fields]) => fields),
      [{ task_id: 'trace-bad', job: 'count', traceparent: '"garbage"' }],
    );
    assert.deepEqual(await t.deadLetters(), []);
  });
});
