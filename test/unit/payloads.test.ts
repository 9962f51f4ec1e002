/**
 * Large payloads (lib/payloads/): the pure rules, and the claim-check end to end on
 * skytask/testing — the in-memory payload bucket keeps S3's tags and lifecycle rules on the
 * fake clock, so an object's whole life (upload, task, end, expiry) runs in fake days.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineJob, LIMITS } from '../../lib/index.js';
import { createTestQueue } from '../../lib/testing/index.js';
import { checkUploadRef, endedDays, expiresAt, MARKER, refOf, sha256Hex, uploadKey } from '../../lib/payloads/ref.js';

const DAY = 86_400;
const big = (bytes: number) => 'x'.repeat(bytes);
let seen: { size: number; fromTask: number } | undefined;
const jobs = {
  echo: defineJob({
    name: 'echo',
    run: (ctx, kwargs: { text: string; times?: number }) => {
      seen = { size: kwargs.text.length, fromTask: String((ctx.task.kwargs as { text: string }).text).length };
      return { text: kwargs.text.repeat(kwargs.times ?? 1) };
    },
  }),
  hang: defineJob({ name: 'hang', run: () => new Promise(() => undefined) }),
  forger: defineJob({
    name: 'forger',
    run: () => ({ [MARKER]: { bucket: 'b', key: 'tasks/x', size: 1, sha256: '0' } }),
  }),
};
const queue = () => createTestQueue({ jobs });
const marker = (value: unknown) => refOf(value) ?? assert.fail(`not a payload marker: ${JSON.stringify(value)}`);

describe('payload refs (pure)', () => {
  const sha = sha256Hex('{}');
  it('takes an upload only under uploads/<the task id>/ in our bucket', () => {
    const key = uploadKey('t1');
    assert.deepEqual(checkUploadRef({ bucket: 'b', key, size: 2, sha256: sha }, 't1', 'b'), {
      bucket: 'b',
      key,
      size: 2,
      sha256: sha,
    });
    const refused = [
      [{ bucket: 'other', key, size: 2, sha256: sha }, /bucket/],
      [{ bucket: 'b', key: uploadKey('t2'), size: 2, sha256: sha }, /task id "t1"/],
      [{ bucket: 'b', key: 'tasks/t1/kwargs-abc', size: 2, sha256: sha }, /key/],
      [{ bucket: 'b', key: `${key}/../../tasks/x`, size: 2, sha256: sha }, /key/],
      [{ bucket: 'b', key, size: 0, sha256: sha }, /size/],
      [{ bucket: 'b', key, size: LIMITS.payloadBytes + 1, sha256: sha }, /size/],
      [{ bucket: 'b', key, size: 2, sha256: 'abc' }, /sha256/],
      [{ bucket: 'b', key, size: 2, sha256: sha, extra: 1 }, /unknown field extra/],
      ['uploads/t1/x', /kwargs_ref must be/],
    ] as const;
    for (const [ref, message] of refused) assert.throws(() => checkUploadRef(ref, 't1', 'b'), message);
  });

  it('counts lifecycle days as S3 does: from creation, rounded up to midnight UTC', () => {
    const created = Date.UTC(2026, 0, 1, 23, 59) / 1000;
    assert.equal(expiresAt(created, 1), Date.UTC(2026, 0, 3) / 1000);
    assert.equal(expiresAt(Date.UTC(2026, 0, 1) / 1000, 1), Date.UTC(2026, 0, 2) / 1000);
    assert.equal(endedDays(7 * DAY), 8);
    assert.equal(endedDays(1.5 * DAY), 3);
  });

  it('a marker is a plain object with the one key', () => {
    const ref = { bucket: 'b', key: 'k', size: 1, sha256: 'x' };
    assert.deepEqual(refOf({ [MARKER]: ref }), ref);
    assert.equal(refOf({ [MARKER]: ref, other: 1 }), undefined);
    assert.equal(refOf([MARKER]), undefined);
  });
});

describe('claim-check on skytask/testing', () => {
  it('kwargs and result over the item budget go to the bucket; the job sees neither', async () => {
    const q = queue();
    const text = big(2 * 1024 * 1024);
    const task = await q.runTask('echo', { text, times: 2 });
    assert.equal(task.status, 'SUCCESS');
    assert.deepEqual(seen, { size: text.length, fromTask: text.length });
    assert.equal((task.result as { text: string }).text.length, 2 * text.length);
    const stored = (await q.runtime.store.getTask(task.id))!;
    const [kwargs, result] = [marker(stored.kwargs), marker(stored.result)];
    assert.match(kwargs.key, new RegExp(`^tasks/${task.id}/kwargs-`));
    assert.equal(result.size, Buffer.byteLength(JSON.stringify(task.result)));
    // Ending the task tagged both to expire: the kwargs copied onto itself, the result written so.
    assert.equal(q.payloads.tagOf(kwargs.key), 'ended');
    assert.equal(q.payloads.tagOf(result.key), 'ended');
  });

  it('kwargs within the budget stay in the item; over the cap they are refused', async () => {
    const q = queue();
    const small = await q.queueTask('echo', { text: big(1000) });
    assert.equal(refOf((await q.runtime.store.getTask(small!.id))!.kwargs), undefined);
    await assert.rejects(q.queueTask('echo', { text: big(LIMITS.payloadBytes) }), /over the 104857600-byte limit/);
    await assert.rejects(q.queueTask('echo', { [MARKER]: {}, text: '' } as never), /reserved/);
  });

  it('a task due in 30 days finds its kwargs; after its end they expire past the retention', async () => {
    const q = queue();
    const queued = (await q.queueTask('echo', { text: big(300_000) }, { delay: 30 * DAY }))!;
    const { key } = marker((await q.runtime.store.getTask(queued.id))!.kwargs);
    for (let day = 0; day < 30; day++) {
      q.clock.advance(DAY);
      assert.deepEqual(q.payloads.sweep(), [], `day ${day + 1}: S3's lifecycle takes nothing`);
    }
    await q.run();
    const done = (await q.getTask(queued.id))!;
    assert.equal(done.status, 'SUCCESS');
    assert.equal((done.result as { text: string }).text.length, 300_000);
    assert.equal(q.payloads.tagOf(key), 'ended');
    // The record is kept 7 days after the end: its kwargs with it, then they go.
    q.clock.advance(7 * DAY);
    q.payloads.sweep();
    assert.ok(await q.getTask(queued.id), 'the record is still there');
    assert.equal(q.payloads.tagOf(key), 'ended', 'and so is its kwargs object');
    q.clock.advance(2 * DAY);
    assert.ok(q.payloads.sweep().includes(key));
  });

  it('ending a task that never ran (revoked) tags its objects', async () => {
    const q = queue();
    const queued = (await q.queueTask('echo', { text: big(200_000) }, { delay: 3600 }))!;
    const { key } = marker((await q.runtime.store.getTask(queued.id))!.kwargs);
    assert.equal(q.payloads.tagOf(key), undefined, 'untagged while the task waits');
    await q.revokeTask(queued.id);
    assert.equal(q.payloads.tagOf(key), 'ended');
  });

  it('an upload no task takes expires; a queued one is copied to the task', async () => {
    const q = queue();
    const { backend } = q.runtime;
    const body = Buffer.from(JSON.stringify({ text: big(150_000) }));
    const orphan = await backend.presignKwargs({ size: body.length, sha256: sha256Hex(body) });
    await q.payloads.upload(orphan.url, orphan.headers, body);
    assert.equal(q.payloads.tagOf(orphan.ref.key), 'upload');
    const taken = await backend.presignKwargs({ size: body.length, sha256: sha256Hex(body), id: 'mine' });
    await q.payloads.upload(taken.url, taken.headers, body);
    const task = await backend.queueUploaded('echo', taken.ref, { id: 'mine' });
    const own = marker((await q.runtime.store.getTask(task!.id))!.kwargs).key;
    assert.equal(q.payloads.tagOf(own), undefined);
    q.clock.advance(2 * DAY);
    assert.deepEqual(q.payloads.sweep().sort(), [orphan.ref.key, taken.ref.key].sort());
    assert.equal(q.payloads.tagOf(own), undefined, "the task's own copy stays");
  });

  it('an upload must match what was signed', async () => {
    const q = queue();
    const body = Buffer.from('{"text":"a"}');
    const put = await q.runtime.backend.presignKwargs({ size: body.length, sha256: sha256Hex(body) });
    await assert.rejects(q.payloads.upload(put.url, put.headers, Buffer.from('{"text":"b"}')), /BadDigest/);
    await assert.rejects(q.payloads.upload(put.url, { ...put.headers, 'x-amz-tagging': '' }, body), /tagging/);
  });

  it('refuses forged references before writing anything', async () => {
    const q = queue();
    const { backend } = q.runtime;
    const body = Buffer.from(JSON.stringify({ text: 'hello' }));
    const put = await backend.presignKwargs({ size: body.length, sha256: sha256Hex(body), id: 'a' });
    await q.payloads.upload(put.url, put.headers, body);
    const done = await q.runTask('echo', { text: big(200_000) });
    const taskObject = marker((await q.runtime.store.getTask(done.id))!.kwargs);
    const cases: [unknown, string, RegExp][] = [
      [put.ref, 'b', /for task id "b"/],
      [{ ...taskObject, bucket: put.ref.bucket }, 'a', /key must be/],
      [{ ...put.ref, size: body.length + 1 }, 'a', /size/],
      [{ ...put.ref, sha256: sha256Hex('other') }, 'a', /sha256 does not match/],
      [{ ...put.ref, key: uploadKey('a') }, 'a', /no object/],
    ];
    for (const [ref, id, message] of cases) {
      await assert.rejects(backend.queueUploaded('echo', ref, { id }), message);
      assert.equal(await q.runtime.store.getTask(id), undefined);
    }
    q.clock.advance(13 * 3600);
    await assert.rejects(backend.queueUploaded('echo', put.ref, { id: 'a' }), /over 12 hours old/);
  });

  it('a job cannot return a marker', async () => {
    const task = await queue().runTask('forger');
    assert.equal(task.status, 'FAILURE');
    assert.match(task.error!, /reserved/);
  });
});
