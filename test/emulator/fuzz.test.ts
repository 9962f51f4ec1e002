/**
 * Fuzz: thousands of malformed JSON-RPC requests and SQS bodies. Every answer is a proper
 * JSON-RPC response (never an internal error), no message crashes a batch, and no record
 * is corrupted. The generator is seeded: a failure names its seed. CI runs the fixed seed
 * below, so a run is repeatable; `FUZZ_SEED=<n> npm run test:emulator` explores others
 * (`FUZZ_SEED=random` picks one from the clock and names it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { decodeEnvelope } from '../../lib/envelope.js';
import { RetryLaterError } from '../../lib/consumer/deliveries.js';
import { RPC_ERRORS } from '../../lib/index.js';
import { isStatus } from '../../lib/task.js';
import { testStack } from '../helpers.js';

const FIXED_SEED = 5495;
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 100_000 : Number(process.env.FUZZ_SEED ?? FIXED_SEED);

/**
 * Odd numbers: beyond what the SDK marshals (±1e16, 2^53 + 1), below DynamoDB's smallest
 * magnitude (1e-131, 5e-324), -0, fractions where an integer is due, times in ms.
 */
const NUMBERS = [
  0,
  -1,
  1e308,
  -1e-9,
  3.5,
  2 ** 53 + 1,
  901,
  1000,
  86_401,
  1e16,
  -1e16,
  1e-131,
  5e-324,
  -0,
  1.5,
  1.7e12,
];
/** Long strings, and ids whose key (`task#<id>`) is just over 2,048 UTF-8 bytes in few characters. */
const LONG_STRINGS = ['', 'x'.repeat(10), 'x'.repeat(200_000), 'a'.repeat(2044), '€'.repeat(700), '😀'.repeat(520)];

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789 _-.:/"\\{}[],é€😀\n\t';
  const string = (max = 12) => Array.from({ length: int(max) }, () => pick([...chars])).join('');
  const KEYS = [
    'id',
    'ids',
    'jobname',
    'kwargs',
    'name',
    'status',
    'from_task',
    'limit',
    'cursor',
    'timeout',
    'delay',
    'eta',
    'expiry',
    'jobnames',
    '__proto__',
    'constructor',
    'a',
    'b',
    'lag',
    'inputs',
    'sample',
  ];
  const value = (depth = 0): unknown => {
    switch (int(depth > 3 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return next() < 0.5;
      case 2:
        return pick(NUMBERS);
      case 3:
        return string();
      case 4:
        return pick(['addition', 'asynchronous', 'notoverlap', 'SUCCESS', 'QUEUED', 'nosuchjob', '']);
      case 5:
        return pick(LONG_STRINGS);
      case 6:
        return Array.from({ length: int(5) }, () => value(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(KEYS), value(depth + 1)]));
    }
  };
  return { next, int, pick, string, value };
}

const METHODS = [
  'ping',
  'job_list',
  'next_scheduled_tasks',
  'queue_task',
  'get_task',
  'get_tasks',
  'wait_for_task',
  'num_tasks',
  'delete_tasks',
  'revoke_task',
  'redrive_dead_letters',
  'nope',
  '__proto__',
  'constructor',
  'toString',
];
const KEYS_OF_PARAMS = [
  'id',
  'jobname',
  'kwargs',
  'ids',
  'name',
  'status',
  'limit',
  'cursor',
  'a',
  'delay',
  'eta',
  'expiry',
  'from_task',
];
const KNOWN_CODES = new Set<number>(Object.values(RPC_ERRORS).filter((c) => c !== RPC_ERRORS.internalError));

describe(`fuzz (seed ${SEED})`, async () => {
  const stack = await testStack();
  const r = prng(SEED);

  /** A request object: mostly well-formed JSON-RPC with random params, sometimes not. */
  function request(): unknown {
    const req: Record<string, unknown> = { jsonrpc: r.next() < 0.95 ? '2.0' : r.value(), method: r.pick(METHODS) };
    const shape = r.int(4);
    if (shape === 0) req.params = r.value();
    else if (shape === 1) req.params = Array.from({ length: r.int(3) }, () => r.value(2));
    else if (shape === 2)
      req.params =
        r.value(0) && Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(KEYS_OF_PARAMS), r.value(2)]));
    if (req.method === 'wait_for_task') req.params = { id: r.string(), timeout: 0.01 };
    // Some well-formed enqueues with odd kwargs, so that the fuzz writes records too; and some
    // well-formed calls with one odd id or number, where it would become a key or a stored value.
    const roll = r.next();
    if (roll < 0.1)
      Object.assign(req, {
        jsonrpc: '2.0',
        method: 'queue_task',
        params: { jobname: 'addition', kwargs: { a: r.value(2), b: r.value(1) } },
      });
    else if (roll < 0.2) Object.assign(req, { jsonrpc: '2.0', ...oddCall() });
    if (r.next() < 0.9) req.id = r.pick([1, 'x', null, r.int(1e6)]);
    return req;
  }

  /** A call whose one param is a long id or an odd number: each must be refused (-32602) or answered. */
  function oddCall(): { method: string; params: Record<string, unknown> } {
    const id = r.pick(LONG_STRINGS) || 'x';
    switch (r.int(6)) {
      case 0:
        return {
          method: 'queue_task',
          params: { jobname: 'addition', [r.pick(['delay', 'eta', 'expiry'])]: r.pick(NUMBERS) },
        };
      case 1:
        return { method: r.pick(['get_tasks', 'delete_tasks']), params: { ids: [id] } };
      case 2:
        return { method: r.pick(['get_task', 'revoke_task']), params: { id } };
      case 3:
        return { method: 'get_tasks', params: { [r.pick(['name', 'from_task'])]: id } };
      case 4:
        return { method: r.pick(['get_tasks', 'redrive_dead_letters']), params: { limit: r.pick(NUMBERS) } };
      default:
        return { method: 'queue_task', params: { jobname: 'addition', id } };
    }
  }

  function body(): string {
    switch (r.int(6)) {
      case 0:
        return JSON.stringify(r.value());
      case 1:
        return JSON.stringify(Array.from({ length: r.int(5) }, request));
      case 2: {
        const text = JSON.stringify(request());
        return text.slice(0, r.int(text.length));
      }
      case 3:
        return r.string(40);
      default:
        return JSON.stringify(request());
    }
  }

  it('3,000 malformed JSON-RPC requests: every answer is a proper response, never an internal error', async () => {
    for (let i = 0; i < 3000; i++) {
      const text = body();
      const out = await stack.rpc.handle(text, { caller: 'fuzz' });
      if (out === undefined) continue; // notifications only
      const parsed = JSON.parse(out);
      for (const response of Array.isArray(parsed) ? parsed : [parsed]) {
        const where: string = `seed ${SEED}, request ${i}: ${text.slice(0, 200)} → ${out.slice(0, 300)}`;
        assert.equal(response.jsonrpc, '2.0', where);
        assert.ok('id' in response, where);
        assert.notEqual('result' in response, 'error' in response, where);
        if (response.error) {
          assert.ok(KNOWN_CODES.has(response.error.code), where);
          assert.equal(typeof response.error.message, 'string', where);
        }
      }
    }
  });

  it('no record is corrupted', async () => {
    let cursor: string | undefined;
    let seen = 0;
    do {
      const page = await stack.backend.getTasks({ limit: 500, cursor });
      for (const task of page.tasks) {
        assert.ok(isStatus(task.status));
        assert.ok(stack.registry.get(task.name), task.name);
        assert.equal(typeof task.kwargs, 'object');
        assert.ok(!Array.isArray(task.kwargs));
        assert.ok(Buffer.byteLength(JSON.stringify(task.kwargs)) <= 100 * 1024);
      }
      seen += page.tasks.length;
      cursor = page.cursor ?? undefined;
    } while (cursor);
    assert.ok(seen > 0, 'the fuzz queued some valid tasks');
  });

  it('2,000 malformed SQS bodies: no crash, bad bodies dead-lettered, real tasks untouched', async () => {
    await stack.queue.purge();
    const done = await stack.backend.queueTask('addition', { a: 1, b: 2 });
    await stack.drain();
    const before = await stack.backend.getTask(done!.id);
    const bodies: string[] = [];
    for (let i = 0; i < 2000; i++) {
      switch (r.int(5)) {
        case 0:
          bodies.push(JSON.stringify(r.value()) ?? 'null');
          break;
        case 1:
          bodies.push(JSON.stringify({ v: r.pick([1, 2, '1']), id: r.pick([r.string(), done!.id]), job: r.value() }));
          break;
        case 2:
          bodies.push(JSON.stringify({ v: 1, id: done!.id, job: 'addition' }));
          break; // a duplicate of a finished task
        case 3:
          bodies.push(r.string(60) || 'x');
          break;
        default:
          bodies.push(JSON.stringify({ v: 1, id: `fuzz-${i}`, job: r.pick(['addition', 'nosuchjob']) }));
      }
    }
    // fauxqs refuses characters beyond the BMP (SQS itself takes them): keep to what both take.
    for (const [i, b] of bodies.entries()) bodies[i] = b.replace(/[\u{10000}-\u{10FFFF}]/gu, '?');
    for (let i = 0; i < bodies.length; i += 10) {
      const sent = await stack.clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: stack.config.queueUrl,
          Entries: bodies.slice(i, i + 10).map((MessageBody, n) => ({ Id: String(n), MessageBody })),
        }),
      );
      assert.deepEqual(sent.Failed ?? [], [], `seed ${SEED}: a body SQS would not take`);
    }
    let handled = 0;
    for (let empty = 0; empty < 3; ) {
      const messages = await stack.queue.receive(10, 1);
      if (!messages.length) {
        empty++;
        continue;
      }
      empty = 0;
      const results = await stack.consumer.handleBatch(messages);
      for (const [n, result] of results.entries()) {
        if (result.status === 'rejected') {
          assert.ok(result.reason instanceof RetryLaterError, `seed ${SEED}: ${messages[n].body} → ${result.reason}`);
        }
      }
      handled += messages.length;
      await stack.queue.deleteMessages(messages.map((m) => m.receiptHandle));
    }
    assert.equal(handled, bodies.length);
    const invalid = bodies.filter((b) => 'invalid' in decodeEnvelope(b)).length;
    const { Attributes } = await stack.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: stack.config.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    assert.equal(
      Number(Attributes?.ApproximateNumberOfMessages),
      invalid,
      'every body that is no envelope was dead-lettered',
    );
    assert.deepEqual(await stack.backend.getTask(done!.id), before);
  });
});
