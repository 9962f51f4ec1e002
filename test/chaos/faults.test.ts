/** Fault injection: kills of the worker and of the whole stack, a DynamoDB outage. */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { configFromEnv, createClients, createLogger, createRegistry, createRuntime } from '../../lib/index.js';
import * as sampleJobs from '../../examples/jobs.js';
import { provision } from '../../local/provision.js';
import { useLocalCredentials } from '../../local/stack-emulators.js';
import { chaos } from './chaos.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
useLocalCredentials();

describe('kill -9', () => {
  it('of the worker at random points, and of the whole stack: every task SUCCESS once, none lost', async (t) => {
    const options = { tasks: 300, kills: 3, stackKills: 1, concurrency: 10 };
    const report = await chaos({ ...options, log: (line) => t.diagnostic(line) });
    t.diagnostic(JSON.stringify(report));
    assert.equal(report.lost, 0);
    assert.equal(report.succeeded, options.tasks);
    assert.equal(report.wrongResults, 0);
    assert.equal(report.neverRan, 0);
    // A job body runs again only when a kill interrupted its run: at most the tasks in
    // flight at each kill.
    assert.ok(report.reruns <= (options.kills + options.stackKills) * options.concurrency, `${report.reruns} re-runs`);
  });
});

describe('kill -9 in the middle of joins', () => {
  it('20 chords of 50 members through 10 kills of the worker and 1 of the stack: no callback lost or doubled', async (t) => {
    const options = { tasks: 0, kills: 10, stackKills: 1, concurrency: 10, chords: 20, chordSize: 50 };
    const report = await chaos({ ...options, log: (line) => t.diagnostic(line) });
    t.diagnostic(JSON.stringify(report));
    const chords = report.chords!;
    assert.equal(chords.lostCallbacks, 0);
    assert.equal(chords.doubleCallbacks, 0);
    assert.equal(chords.lostMembers, 0);
    // A callback body runs again only when a kill cut its run short.
    assert.ok(chords.callbacksRerun <= options.kills + options.stackKills, `${chords.callbacksRerun} callbacks re-run`);
  });
});

describe('kill -9 during runs under a per-key limit', () => {
  it('never more than the limit of a key at once, no task lost, no permit held past a lease', async (t) => {
    const limited = { tasks: 300, keys: 3, limit: 3 };
    const options = { tasks: 0, kills: 4, stackKills: 1, concurrency: 10, limited };
    const report = await chaos({ ...options, log: (line) => t.diagnostic(line) });
    t.diagnostic(JSON.stringify(report));
    const limits = report.limits!;
    assert.equal(limits.lost, 0);
    assert.equal(report.succeeded, limited.tasks);
    assert.equal(report.neverRan, 0);
    assert.ok(limits.mostAtOnce <= limited.limit, `${limits.mostAtOnce} runs of one key at once`);
    assert.equal(limits.leaked, 0);
    assert.equal(limits.stranded, 0, 'a parked task left WAITING');
    assert.ok(limits.parks > 0, 'tasks over the limit parked');
    // A wait is not an attempt: only a kill can make a second one.
    assert.ok(limits.maxAttempts <= 1 + options.kills + options.stackKills, `${limits.maxAttempts} attempts`);
  });
});

describe('DynamoDB outage', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skytask-outage-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('enqueue fails loudly and leaves nothing orphaned; work resumes when DynamoDB is back', async () => {
    const listen = async (server: Server, port = 0) => {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    };
    let dynamo = dynalite({ path: dataDir, createTableMs: 0 });
    const port = await listen(dynamo);
    const sqs = buildApp({ logger: false, host: '127.0.0.1' });
    await sqs.listen({ port: 0, host: '127.0.0.1' });
    after(() => sqs.close());
    const env = await provision({
      dynamodbEndpoint: `http://127.0.0.1:${port}`,
      sqsEndpoint: `http://127.0.0.1:${(sqs.server.address() as AddressInfo).port}`,
      table: 'outage',
      queueName: 'outage',
    });
    const config = configFromEnv(env);
    const logger = createLogger({ level: 'silent' });
    const { backend, consumer, rpc, queue } = createRuntime(config, createRegistry(sampleJobs), logger, {
      clients: createClients(config),
    });
    const before = await backend.queueTask('addition', { a: 1, b: 1 });

    // DynamoDB goes away.
    dynamo.closeAllConnections();
    await new Promise<void>((resolve) => dynamo.close(() => resolve()));

    await assert.rejects(backend.queueTask('addition', { a: 2 }, { id: 'during-outage' }), /ECONNREFUSED|connect/);
    const answer = JSON.parse(
      (await rpc.handle('{"jsonrpc":"2.0","id":1,"method":"queue_task","params":{"jobname":"addition"}}'))!,
    );
    assert.equal(answer.error.code, -32603);
    // Nothing orphaned: the only message is the one queued before the outage.
    const messages = await queue.receive(10, 1);
    assert.deepEqual(
      messages.map((m) => JSON.parse(m.body).id),
      [before!.id],
    );
    // The consumer cannot claim it: the message goes back to the queue, not lost.
    const results = await consumer.handleBatch(messages);
    assert.equal(results[0].status, 'rejected');
    await queue.changeVisibility(messages[0].receiptHandle, 0);

    // DynamoDB is back, with its data.
    dynamo = dynalite({ path: dataDir, createTableMs: 0 });
    await listen(dynamo, port);
    after(() => new Promise<void>((resolve) => (dynamo.closeAllConnections(), dynamo.close(() => resolve()))));
    assert.equal(await backend.getTask('during-outage'), undefined);
    const [again] = await queue.receive(10, 1);
    await consumer.handleMessage(again);
    assert.equal((await backend.getTask(before!.id))?.result, 2);
    assert.ok(await backend.queueTask('addition', { a: 2 }, { id: 'during-outage' }));
  });
});
