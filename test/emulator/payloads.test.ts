/**
 * Large payloads on the emulators: the S3 adapter on s3rver (strict: signatures, checksums,
 * tags) over 127.0.0.1, and a 10 MB task end to end through the HTTP client's upload path,
 * the poller and the consumer; forged references; a caller killed between its upload and its
 * queue_task.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Payloads } from '../../lib/aws/s3-payloads.js';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { createHttpClient } from '../../lib/client/index.js';
import type { PayloadStore } from '../../lib/payload-store.js';
import { MARKER, refOf, sha256Hex, uploadKey } from '../../lib/payloads/ref.js';
import { startHttpServer } from '../../local/http.js';
import * as payloadJobs from '../fixtures/payload-jobs.js';
import { testStack, type TestStack } from '../helpers.js';

let stack: TestStack;
let payloads: PayloadStore;
let server: Awaited<ReturnType<typeof startHttpServer>>;
const tagOf = async (key: string) => {
  const { TagSet } = await stack.clients.s3!.send(new GetObjectTaggingCommand({ Bucket: payloads.bucket, Key: key }));
  return TagSet?.map((t) => `${t.Key}=${t.Value}`).join('&') ?? '';
};

before(async () => {
  stack = await testStack({ jobs: payloadJobs });
  payloads = stack.runtime.payloads!;
  server = await startHttpServer({ port: 0, handler: createRpcHandler(stack.rpc), logger: stack.logger });
});
after(() => server.close());

describe('the S3 adapter on s3rver', () => {
  it('puts, reads, copies with tags, deletes', async () => {
    await payloads.put('t/a', Buffer.from('{"a":1}'), 'ended');
    assert.equal(await tagOf('t/a'), 'skytask-expiry=ended');
    const read = await payloads.get('t/a');
    assert.equal(read?.body.toString(), '{"a":1}');
    assert.ok(Math.abs(read!.created - Date.now() / 1000) < 5);
    await payloads.copy('t/a', 't/b');
    assert.equal(await tagOf('t/b'), '', 'a copy without a tag is untagged');
    await payloads.copy('t/b', 't/b', 'ended');
    assert.equal(await tagOf('t/b'), 'skytask-expiry=ended', 'in place, tagged');
    // Any key, as the other emulators take: a direct client with its own credentials reads it.
    const other = new S3Client({
      endpoint: stack.config.s3Endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'someone-else', secretAccessKey: 'x' },
    });
    assert.equal((await createS3Payloads({ client: other, bucket: payloads.bucket }).get('t/b'))?.body.length, 7);
    await payloads.delete(['t/a', 't/b', 't/none']);
    assert.equal(await payloads.get('t/a'), undefined);
  });

  it('a read right after a large write reads it all (s3rver answered the PUT before its file was written)', async () => {
    const body = Buffer.alloc(64 * 1024 * 1024, 0x61);
    await payloads.put('t/large', body);
    assert.equal((await payloads.get('t/large'))?.body.length, body.length);
    await payloads.delete(['t/large']);
  });

  it('a presigned PUT takes exactly the signed body, length and tag', async () => {
    const body = Buffer.from('{"x":"signed"}');
    const put = await payloads.presignPut('uploads/p/1', { size: body.length, sha256: sha256Hex(body) }, 60);
    const { 'content-length': _, ...headers } = put.headers;
    const send = (h: Record<string, string>, b: Buffer) => fetch(put.url, { method: 'PUT', headers: h, body: b });
    const other = Buffer.from('{"x":"forged"}');
    assert.equal((await send(headers, other)).status, 400, 'another body of the same length: BadDigest');
    assert.equal((await send({ ...headers, 'x-amz-tagging': 'skytask-expiry=ended' }, body)).status, 403);
    assert.equal((await send(headers, Buffer.from('{"x":"signed!"}'))).status, 403, 'another length');
    assert.equal((await send(headers, body)).status, 200);
    assert.equal(await tagOf('uploads/p/1'), 'skytask-expiry=upload');
  });
});

describe('a 10 MB task end to end', () => {
  it('uploads its kwargs, runs, keeps its large result, and get_task links both', async () => {
    const poller = stack.poll();
    try {
      const client = createHttpClient<typeof payloadJobs>({ url: server.url });
      const text = 'z'.repeat(10 * 1024 * 1024);
      const started = Date.now();
      const task = await client.queueTask('double', { text });
      assert.equal(task!.kwargs.text.length, text.length);
      const done = await client.waitForTask(task!, { timeout: 60 });
      const seconds = (Date.now() - started) / 1000;
      assert.equal(done.status, 'SUCCESS', done.error);
      assert.equal((done.result as { text: string }).text.length, 2 * text.length);
      assert.equal(done.kwargs.text, text);
      // Over the reply budget: get_task gives presigned GETs, not the payloads.
      const { result } = await stack.call('get_task', { id: task!.id });
      assert.ok(result.kwargs[MARKER].url.startsWith('http://127.0.0.1:'));
      assert.equal(result.result[MARKER].size, Buffer.byteLength(JSON.stringify(done.result)));
      // The task ended: both objects are tagged to expire.
      const stored = (await stack.store.getTask(task!.id))!;
      assert.equal(await tagOf(refOf(stored.kwargs)!.key), 'skytask-expiry=ended');
      assert.equal(await tagOf(refOf(stored.result)!.key), 'skytask-expiry=ended');
      console.log(`# 10 MB kwargs, 20 MB result: queued, run and read back in ${seconds.toFixed(1)} s`);
    } finally {
      await poller.stop(5);
    }
  });

  it('get_task gives a payload inline when the reply has room', async () => {
    const task = await stack.backend.queueTask('double', { text: 'w'.repeat(200_000) });
    const { result } = await stack.call('get_task', { id: task!.id });
    assert.equal(result.kwargs.text.length, 200_000);
  });
});

describe('references from outside', () => {
  const params = async (id: string) => {
    const body = Buffer.from(JSON.stringify({ text: 'v'.repeat(200_000) }));
    const { result } = await stack.call('presign_kwargs', { size: body.length, sha256: sha256Hex(body), id });
    const { 'content-length': _, ...headers } = result.headers;
    assert.equal((await fetch(result.url, { method: 'PUT', headers, body })).status, 200);
    return result;
  };

  it('a forged reference is refused (-32602) and nothing is written', async () => {
    const mine = await params('forge-a');
    const other = await stack.backend.queueTask('double', { text: 'u'.repeat(200_000) });
    const taskObject = refOf((await stack.store.getTask(other!.id))!.kwargs)!;
    const forged = [
      { ...taskObject, key: taskObject.key },
      { ...mine.ref, bucket: 'someone-elses' },
      { ...mine.ref, key: uploadKey('forge-a') },
      { ...mine.ref, size: mine.ref.size - 1 },
    ];
    for (const ref of forged) {
      const { error } = await stack.call('queue_task', { jobname: 'double', id: 'forge-a', kwargs_ref: ref });
      assert.equal(error?.code, -32602, JSON.stringify(ref));
    }
    const { error } = await stack.call('queue_task', { jobname: 'double', id: 'forge-b', kwargs_ref: mine.ref });
    assert.match(error.message, /for task id "forge-b"/);
    assert.equal(await stack.store.getTask('forge-a'), undefined);
    assert.equal(await stack.store.getTask('forge-b'), undefined);
  });

  it('a caller killed between upload and queue_task loses nothing: its upload is tagged to expire', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/upload-then-die.ts', server.url, '1200000'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk) && out.includes('\n') && resolve(out.split('\n')[0]));
      child.once('exit', (code) => reject(new Error(`exited with ${code} before uploading`)));
    });
    child.kill('SIGKILL');
    const sent = JSON.parse(line);
    assert.equal(await tagOf(sent.kwargs_ref.key), 'skytask-expiry=upload', 'an orphan: the lifecycle rule expires it');
    assert.equal(await stack.store.getTask(sent.id), undefined);
    // Nothing that matters was lost: the caller (or its retry) queues it, once.
    for (let i = 0; i < 2; i++) {
      const { result, error } = await stack.call('queue_task', sent);
      assert.equal(error, undefined);
      assert.equal(result.id, sent.id);
    }
  });
});

describe('an error answer shows a task as a listing does', () => {
  it("-32003 and -32001 give the task's kwargs as a link and name the task and job, not the object", async () => {
    await stack.call('queue_task', { jobname: 'double', text: 't'.repeat(200_000), id: 'conflicted' });
    const { error } = await stack.call('queue_task', { jobname: 'double', text: 'other', id: 'conflicted' });
    assert.equal(error.code, -32003);
    assert.match(error.message, /^task conflicted exists for job "double" with other kwargs/);
    const timedOut = (await stack.call('wait_for_task', { id: 'conflicted', timeout: 0 })).error;
    assert.equal(timedOut.code, -32001);
    for (const { data } of [error, timedOut]) {
      assert.equal(data.task.id, 'conflicted');
      assert.ok(data.task.kwargs[MARKER].url.startsWith('http://127.0.0.1:'));
      // A link (what a caller can open), not the reference skytask keeps: no bucket or key.
      assert.deepEqual(Object.keys(data.task.kwargs[MARKER]).sort(), ['expires', 'sha256', 'size', 'url']);
    }
  });
});
