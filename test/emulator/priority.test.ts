/**
 * Priorities on the local poller, measured on the SQS emulator (docs/routing.md, "Measured"):
 * the poller over the default queue's three lanes, its batches handed to a handler that
 * records them (what the consumer would run, in the order it would start). Counts, not
 * times: which batch a high task is in, and the low lane's share of what ran while the high
 * lane never emptied.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { SQSEvent } from 'aws-lambda';
import { createClients, createLogger, createSqsQueue, type Priority, type TaskQueue } from '../../lib/index.js';
import { PRIORITIES } from '../../lib/priority.js';
import { SETTINGS } from '../../lib/settings.js';
import { type PollerLane, startPoller } from '../../local/poller.js';
import { laneNames, provision } from '../../local/provision.js';
import { emulators } from '../helpers.js';

/** The default queue's lanes on the emulator, each an SQS adapter, and its batches as they start. */
async function lanes() {
  const emu = await emulators();
  const name = `p-${randomUUID().slice(0, 8)}`;
  const env = await provision({ ...emu, table: name, queueName: name, routes: [] });
  const { sqs } = createClients({ sqsEndpoint: emu.sqsEndpoint });
  const urls = JSON.parse(env[SETTINGS.queues.env]).default as Record<Priority, string>;
  const base = env[SETTINGS.queueUrl.env].replace(/[^/]+$/, '');
  const ports = Object.fromEntries(
    PRIORITIES.map((p) => [p, createSqsQueue({ client: sqs, queueUrl: base + urls[p] })]),
  ) as Record<Priority, TaskQueue>;
  const pollerLanes: PollerLane[] = PRIORITIES.map((priority) => ({
    priority,
    queue: ports[priority],
    queueArn: `arn:aws:sqs:us-east-1:000000000000:${laneNames(name, 'default')[priority]}`,
  }));
  const batches: { lane: Priority; ids: string[] }[] = [];
  const laneOfArn = (arn: string) => pollerLanes.find((l) => l.queueArn === arn)!.priority;
  const handler = async (event: SQSEvent) => {
    batches.push({
      lane: laneOfArn(event.Records[0].eventSourceARN),
      ids: event.Records.map((r) => JSON.parse(r.body).id),
    });
    await new Promise((r) => setTimeout(r, 5)); // some work, so slots fill as they do under load
    return { batchItemFailures: [] };
  };
  /** `count` messages on a lane, ids `<prefix>-<n>`, in SendMessageBatch groups of 10. */
  const fill = async (lane: Priority, count: number, prefix: string = lane) => {
    const items = Array.from({ length: count }, (_, n) => ({ envelope: { id: `${prefix}-${n}`, job: 'j' } }));
    const errors = await ports[lane].sendBatch(items);
    assert.ok(errors.every((e) => e === undefined));
  };
  const poll = () =>
    startPoller({
      lanes: pollerLanes,
      handler,
      concurrency: 10,
      logger: createLogger({ level: 'silent' }),
      waitSeconds: 1,
    });
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 3000 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(done(), 'the poller did not get there');
  };
  return { fill, poll, until, batches };
}

describe('priorities on the local poller (SQS emulator)', () => {
  it('with 1,000 low tasks queued first, a high task starts within the first 2 batches (queued before the start, and queued while the lows run)', async (t) => {
    const before = await lanes();
    await before.fill('low', 1000);
    await before.fill('high', 1, 'urgent');
    const p1 = before.poll();
    await before.until(() => before.batches.some((b) => b.ids.includes('urgent-0')));
    await p1.stop(5);
    const first = before.batches.findIndex((b) => b.ids.includes('urgent-0')) + 1;
    assert.ok(first <= 2, `queued before the start: in batch ${first}`);

    const during = await lanes();
    await during.fill('low', 1000);
    const p2 = during.poll();
    await during.until(() => during.batches.length >= 5);
    const sentAt = during.batches.length;
    await during.fill('high', 1, 'urgent');
    await during.until(() => during.batches.some((b) => b.ids.includes('urgent-0')));
    await p2.stop(5);
    const after = during.batches.findIndex((b) => b.ids.includes('urgent-0')) + 1 - sentAt;
    t.diagnostic(
      `high task queued before the start: batch ${first}; queued after ${sentAt} low batches: the ${after}th batch after`,
    );
    assert.ok(after <= 2, `queued while the lows ran: ${after} batches after`);
  });

  it('under a steady high load, low tasks keep at least 10 % of the throughput (weighted, not strict)', async (t) => {
    const { fill, poll, until, batches } = await lanes();
    await fill('high', 1500);
    await fill('low', 1500);
    const poller = poll();
    // Both lanes stay loaded throughout: 100 batches of 10 take 1,000 of their 3,000 messages.
    await until(() => batches.length >= 100);
    await poller.stop(5);
    const window = batches.slice(0, 100);
    const count = (lane: Priority) => window.filter((b) => b.lane === lane).reduce((n, b) => n + b.ids.length, 0);
    const [high, low] = [count('high'), count('low')];
    const lowBatches = window.filter((b) => b.lane === 'low').length;
    t.diagnostic(
      `first 100 batches: high ${high} messages, low ${low} (${((100 * low) / (high + low)).toFixed(1)} %), low batches ${lowBatches}`,
    );
    assert.ok(low / (high + low) >= 0.1, `low got ${low} of ${high + low}`);
    assert.ok(high > low, 'high still comes first');
  });
});
