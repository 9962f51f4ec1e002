/**
 * A task's items on DynamoDB (lib/aws/dynamo/item.ts): a head, and a body for large kwargs.
 * Without transactions, a write of two items can stop between them: these tests stop it
 * there (an SDK middleware fails the second write, as a crash would) and check that nothing
 * is lost and nothing corrupt is read. Also: the body outlives its head, and a listing by
 * status alone walks the job names.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { after, before, describe, it } from 'node:test';
import { bodyKey, taskPartition } from '../../lib/keys.js';
import { createClients, createDynamoStore, tableDefinition, type Task, type TaskStore } from '../../lib/index.js';
import type { Outcome } from '../../lib/store.js';
import { emulators } from '../helpers.js';

const RETENTION = 3600;
const DAY = 86_400;
let dynamodb: DynamoDBClient;
let table: string;
/** The next write whose input matches fails, as if the process died before sending it. */
let crashOn: ((command: string, input: any) => boolean) | undefined;

before(async () => {
  ({ dynamodb } = createClients(await emulators()));
  table = `items-${randomUUID().slice(0, 8)}`;
  await dynamodb.send(new CreateTableCommand(tableDefinition(table)));
  dynamodb.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      if (crashOn?.(context.commandName, args.input)) {
        crashOn = undefined;
        throw new Error('crashed here');
      }
      return next(args);
    },
    { step: 'build', name: 'crash' },
  );
});
// The table goes with the emulators (test/helpers.ts closes them last).
after(() => dynamodb.destroy());

const store = (): TaskStore => createDynamoStore({ client: dynamodb, table, retentionSeconds: RETENTION });
const doc = () => DynamoDBDocumentClient.from(dynamodb);
const now = () => Date.now() / 1000;
const big = (tag: string) => ({ tag, pad: 'x'.repeat(8 * 1024) });
const newTask = (id: string, kwargs: Record<string, unknown>, over: Partial<Task> = {}): Task => ({
  id,
  name: 'job',
  status: 'QUEUED',
  kwargs,
  timeQueued: now(),
  attempts: 0,
  ...over,
});
const partition = async (id: string) =>
  (
    await doc().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': taskPartition(id) },
      }),
    )
  ).Items ?? [];
const isHeadPut = (command: string, input: any) => command === 'PutItemCommand' && input.Item?.sk?.S === 'head';

describe('a task with its kwargs in a body', () => {
  it('a crash between the body and the head: no task, and the same create again makes it whole', async () => {
    const s = store();
    const id = randomUUID();
    crashOn = isHeadPut;
    await assert.rejects(s.createTask(newTask(id, big('first'))), /crashed here/);
    assert.equal(await s.getTask(id), undefined, 'no head, no task');
    assert.deepEqual((await s.getTasks([id])).length, 0);
    assert.deepEqual((await s.queryTasks({ name: 'job', limit: 100 })).tasks.map((t) => t.id).includes(id), false);
    await s.createTask(newTask(id, big('again')));
    assert.equal((await s.getTask(id))?.kwargs.tag, 'again');
    assert.equal(
      (await partition(id)).length,
      3,
      'the head, its body, and the body the crash left (its TTL removes it)',
    );
  });

  it('two creates of one id race: one wins, and the task reads with its own kwargs, never the loser’s', async () => {
    const [a, b] = [store(), store()];
    const id = randomUUID();
    const results = await Promise.allSettled([
      a.createTask(newTask(id, big('a'))),
      b.createTask(newTask(id, big('b'))),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const winner = results[0].status === 'fulfilled' ? 'a' : 'b';
    assert.equal((await a.getTask(id))?.kwargs.tag, winner);
    assert.equal((await a.getTasks([id]))[0]?.kwargs.tag, winner);
  });

  it('a crash between deleting the head and the body: the task is gone, its id free again', async () => {
    const s = store();
    const id = randomUUID();
    await s.createTask(newTask(id, big('doomed')));
    crashOn = (command, input) => command === 'DeleteItemCommand' && input.Key?.sk?.S?.startsWith('body#');
    await assert.rejects(s.deleteTasks([id]), /crashed here/);
    assert.equal(await s.getTask(id), undefined);
    await s.createTask(newTask(id, big('reborn')));
    assert.equal((await s.getTask(id))?.kwargs.tag, 'reborn');
  });

  it('a body lives past its task’s due time by the retention and a day; a late claim keeps it longer', async () => {
    const s = store();
    const id = randomUUID();
    const due = now() - 2 * DAY;
    await s.createTask(newTask(id, big('late'), { eta: due, timeQueued: due }));
    const bodyOf = async () => {
      const head = (await partition(id)).find((i) => i.sk === 'head')!;
      return (await doc().send(new GetCommand({ TableName: table, Key: bodyKey(id, head.body) }))).Item!;
    };
    assert.equal((await bodyOf()).ttl, Math.ceil(due + RETENTION + DAY));
    const at = now();
    const claim = await s.claimTask({ id, now: at, leaseUntil: at + 30, worker: 'w' });
    assert.equal(claim.task?.kwargs.tag, 'late');
    assert.ok((await bodyOf()).ttl >= at + RETENTION + DAY, 'kept for the run, its end and the retention');
  });
});

describe('a RETRY’s fail item', () => {
  const retry = (at: number, error: string): Outcome => ({
    status: 'RETRY',
    error,
    stack: `Error: ${error}\n${'s'.repeat(6000)}`,
    errors: [{ attempt: 1, error, time: at }],
    eta: at,
    time: at,
  });
  const fails = async (id: string) => (await partition(id)).filter((item) => String(item.sk).startsWith('fail#'));

  it('a crash between the fail item and the head: the attempt is not recorded, the item is no one’s, the next run records its own', async () => {
    const s = store();
    const id = randomUUID();
    await s.createTask(newTask(id, { n: 1 }));
    const at = now();
    await s.claimTask({ id, now: at - 60, leaseUntil: at - 30, worker: 'w' });
    crashOn = (command, input) => command === 'UpdateItemCommand' && input.Key?.sk?.S === 'head';
    await assert.rejects(s.finishTask(id, 1, retry(at, 'lost')), /crashed here/);
    assert.equal((await fails(id)).length, 1, 'the fail item was put');
    const read = await s.getTask(id);
    assert.deepEqual([read?.status, read?.error, read?.errors], ['STARTED', undefined, undefined]);
    // Its lease lapsed: the next claim runs it again, and its RETRY is what the task shows.
    const claim = await s.claimTask({ id, now: at, leaseUntil: at + 30, worker: 'w' });
    assert.deepEqual([claim.claimed, claim.task?.error], [true, undefined]);
    await s.finishTask(id, 2, retry(at + 1, 'second'));
    assert.equal((await s.getTask(id))?.error, 'second');
    assert.equal((await s.getTasks([id]))[0]?.error, 'second');
  });

  it('a finish that lost its fence puts a fail item no head names: the newer attempt’s stands', async () => {
    const [a, b] = [store(), store()];
    const id = randomUUID();
    await a.createTask(newTask(id, { n: 1 }));
    const at = now();
    await a.claimTask({ id, now: at - 60, leaseUntil: at - 30, worker: 'a' });
    await b.claimTask({ id, now: at, leaseUntil: at + 30, worker: 'b' });
    await b.finishTask(id, 2, retry(at + 1, 'newer'));
    assert.equal(await a.finishTask(id, 1, retry(at + 2, 'stale')), undefined, 'fenced out');
    assert.equal((await fails(id)).length, 2);
    assert.deepEqual([(await a.getTask(id))?.error, (await a.getTasks([id]))[0]?.error], ['newer', 'newer']);
    assert.deepEqual(await a.deleteTasks([id]), [id]);
    assert.deepEqual(await partition(id), [], 'a delete takes every item of the partition');
  });
});

describe('listings by status alone', () => {
  it('walk every job that has tasks, newest first across jobs', async () => {
    const s = store();
    const base = now() - 100;
    const ids: string[] = [];
    for (const [n, name] of ['alpha', 'beta', 'gamma', 'alpha'].entries()) {
      const id = `${name}-${randomUUID().slice(0, 8)}`;
      ids.push(id);
      await s.createTask(newTask(id, { n }, { name, timeQueued: base + n }));
    }
    const page = await s.queryTasks({ status: 'QUEUED', limit: 100 });
    const mine = page.tasks.map((t) => t.id).filter((id) => ids.includes(id));
    assert.deepEqual(mine, [...ids].reverse());
  });
});
