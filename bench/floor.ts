/**
 * The floor: the fewest AWS calls a tracked task can make, with no queue logic — the
 * yardstick skytask's own path is measured against (`npm run bench` prints the ratio).
 *
 * Per task: a conditional PutItem of the record (the same table, the same index attributes
 * as a skytask task, so DynamoDB maintains the same index entries: one put, and at the
 * finish a move to the status's group), a share of a
 * SendMessageBatch of 10, a share of a ReceiveMessage of up to 10, a conditional UpdateItem
 * claim (returning the item: the run needs its kwargs), the job, a conditional UpdateItem
 * finish that moves the status index entry, and a share of a DeleteMessageBatch. Producers
 * put ten records at once, then send their ten messages in one batch; the consumer keeps
 * up to `concurrency` messages in flight, as the local poller does.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX, jobIndexAttrs, taskKey, timeSortKey } from '../lib/keys.js';
import { kwargsOfSize, type PhaseResult, until } from './phase.js';

export interface FloorSetup {
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  table: string;
  queueUrl: string;
  /** Snapshot of the requests sent so far through `doc` and `sqs`. */
  calls: () => Map<string, number>;
}

export interface LoadOptions {
  tasks: number;
  producers: number;
  concurrency: number;
  kwargsBytes: number;
  /** Distinguishes this phase's ids. */
  run: string;
}

const JOB = 'floor';

/** The record: what a skytask task item holds at enqueue, with the same index attributes. */
function recordOf(id: string, i: number, kwargsBytes: number, now: number) {
  return {
    ...taskKey(id),
    id,
    name: JOB,
    status: 'QUEUED',
    kwargs: JSON.stringify(kwargsOfSize(i, kwargsBytes)),
    time_queued: now,
    attempts: 0,
    [INDEX.sortKey]: timeSortKey(now, id),
    ...jobIndexAttrs(id, JOB, 'QUEUED'),
  };
}

async function produce(s: FloorSetup, o: LoadOptions, started: Map<string, number>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: o.producers }, async () => {
      while (next < o.tasks) {
        const batch = Array.from({ length: Math.min(10, o.tasks - next) }, () => next++);
        const ids = batch.map((i) => `${o.run}-${i}`);
        await Promise.all(
          batch.map((i, n) => {
            const now = Date.now() / 1000;
            started.set(ids[n], now);
            return s.doc.send(
              new PutCommand({
                TableName: s.table,
                Item: recordOf(ids[n], i, o.kwargsBytes, now),
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
          }),
        );
        await s.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: s.queueUrl,
            Entries: ids.map((id, n) => ({ Id: String(n), MessageBody: JSON.stringify({ id }) })),
          }),
        );
      }
    }),
  );
}

/** Claim, run, finish one task; the time of its finish (epoch seconds). */
async function runOne(s: FloorSetup, id: string): Promise<number> {
  const now = Date.now() / 1000;
  const { Attributes } = await s.doc.send(
    new UpdateCommand({
      TableName: s.table,
      Key: taskKey(id),
      UpdateExpression: 'SET #s = :started, #ts = :now, #lease = :lease ADD #a :one',
      ConditionExpression: '#s = :queued',
      ExpressionAttributeNames: { '#s': 'status', '#ts': 'time_started', '#lease': 'lease_until', '#a': 'attempts' },
      ExpressionAttributeValues: {
        ':started': 'STARTED',
        ':queued': 'QUEUED',
        ':now': now,
        ':lease': now + 30,
        ':one': 1,
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const result = JSON.stringify(JSON.parse(Attributes!.kwargs).i);
  const ended = Date.now() / 1000;
  await s.doc.send(
    new UpdateCommand({
      TableName: s.table,
      Key: taskKey(id),
      UpdateExpression: 'SET #s = :success, #r = :result, #te = :ended, #gs = :group, #ttl = :ttl REMOVE #lease',
      ConditionExpression: '#s = :started AND #a = :attempt',
      ExpressionAttributeNames: {
        '#s': 'status',
        '#r': 'result',
        '#te': 'time_ended',
        '#gs': INDEX.byJob.pk,
        '#ttl': 'ttl',
        '#lease': 'lease_until',
        '#a': 'attempts',
      },
      ExpressionAttributeValues: {
        ':success': 'SUCCESS',
        ':started': 'STARTED',
        ':result': result,
        ':ended': ended,
        ':group': jobIndexAttrs(id, JOB, 'SUCCESS')[INDEX.byJob.pk],
        ':ttl': Math.ceil(ended + 86_400),
        ':attempt': Attributes!.attempts,
      },
    }),
  );
  return ended;
}

/** Receive, run and delete until every task of the phase has finished. */
async function consume(s: FloorSetup, o: LoadOptions, ended: Map<string, number>) {
  let inFlight = 0;
  const batches = new Set<Promise<void>>();
  while (ended.size < o.tasks) {
    const free = o.concurrency - inFlight;
    if (free <= 0) {
      await Promise.race(batches);
      continue;
    }
    const { Messages = [] } = await s.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: s.queueUrl, MaxNumberOfMessages: Math.min(10, free), WaitTimeSeconds: 1 }),
    );
    if (!Messages.length) continue;
    inFlight += Messages.length;
    const batch = (async () => {
      await Promise.all(
        Messages.map(async (m) => {
          const { id } = JSON.parse(m.Body!);
          ended.set(id, await runOne(s, id));
        }),
      );
      await s.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: s.queueUrl,
          Entries: Messages.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    })().finally(() => {
      inFlight -= Messages.length;
      batches.delete(batch);
    });
    batches.add(batch);
  }
  await Promise.all(batches);
}

/** One floor phase: `tasks` tasks through producers and a consumer at once. */
export async function runFloor(s: FloorSetup, o: LoadOptions): Promise<PhaseResult> {
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const before = s.calls();
  const t0 = performance.now();
  const consumer = consume(s, o, ended);
  await produce(s, o, started);
  await until(() => ended.size >= o.tasks);
  const seconds = (performance.now() - t0) / 1000;
  const calls = diffCalls(s.calls(), before);
  await consumer;
  const latenciesMs = [...ended.entries()].map(([id, end]) => (end - started.get(id)!) * 1000).sort((a, b) => a - b);
  return { label: 'floor', tasks: o.tasks, seconds, latenciesMs, calls };
}

/** Requests made between two snapshots. */
export function diffCalls(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  return new Map(
    [...after].map(([api, n]) => [api, n - (before.get(api) ?? 0)]).filter(([, n]) => Number(n) > 0) as [
      string,
      number,
    ][],
  );
}
