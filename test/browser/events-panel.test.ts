/**
 * The dashboard's events panel in Chromium (docs/events.md): the local server's read-only
 * feed of the strict PutEvents endpoint, under the same Host and Origin rules as /rpc; a
 * task of a job with `events: true` shows its events without a reload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as eventJobs from '../fixtures/event-jobs.js';
import { skipReason } from './browser.js';
import { done, type ServedDashboard, serveDashboard } from './fixture.js';

let served: ServedDashboard;

describe('the events panel in Chromium', { skip: skipReason() }, () => {
  before(async () => {
    served = await serveDashboard({ jobs: eventJobs, events: true });
  });
  after(() => served?.close());

  it("shows a task's events as they arrive, newest first, each linking to the task", async () => {
    const page = await served.open('#/events');
    await page.locator('#events table').waitFor();
    const task = await served.s.backend.queueTask('add', { a: 1, b: 2 });
    const rows = page.locator(`#events tr:has(a[href="#/task/${task!.id}"])`);
    await rows.filter({ hasText: 'Task Succeeded' }).waitFor();
    const texts = await rows.allInnerTexts();
    assert.deepEqual(
      texts.map((t) => /Task \w+/.exec(t)![0]),
      ['Task Succeeded', 'Task Started', 'Task Queued'],
    );
    assert.match(texts[0], new RegExp(`${task!.id}/succeeded/`));
    await done(page);
  });

  it('the Jobs view shows what a job was declared with: priority, per-key limits, events', async () => {
    const page = await served.open('#/jobs');
    const traits = page.locator('tr[data-job="tenant"] .traits');
    await traits.waitFor();
    assert.equal(await traits.innerText(), 'high priority · ≤ 2 at once per key · ≤ 10 per 1 min per key · events');
    assert.equal(await page.locator('tr[data-job="quiet"] .traits').count(), 0, 'a job with none shows none');
    await done(page);
  });

  it('the feed keeps the Host and Origin rules of /rpc', async () => {
    const ok = await fetch(`${served.origin}/events?after=0`);
    assert.equal(ok.status, 200);
    assert.ok(Array.isArray(((await ok.json()) as { events: unknown[] }).events));
    const cross = await fetch(`${served.origin}/events`, { headers: { origin: 'http://evil.example' } });
    assert.equal(cross.status, 403);
    const bad = await fetch(`${served.origin}/events?after=-1`);
    assert.equal(bad.status, 400);
  });
});
