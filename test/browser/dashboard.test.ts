/**
 * The dashboard in a real browser (issue 13): headless Chromium over the local HTTP server,
 * the RPC handler and the poller on the emulators, as `skytask start` serves it — and
 * through `skytask dashboard`'s proxy. Pages load, a task queued from a job's form appears
 * and finishes without a reload, revoke and purge ask first and work, what tasks carry is
 * shown as text. `SKYTASK_SCREENSHOTS=docs/images` also writes the screenshots of
 * docs/dashboard.md (`npm run screenshots`).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { callbackTaskId, chord, endTask, signature, workflowTaskId } from '../../lib/index.js';
import { createRpc } from '../../lib/rpc/protocol.js';
import { startDashboardProxy } from '../../local/dashboard/proxy.js';
import { startHttpServer } from '../../local/http.js';
import type { TestStack } from '../helpers.js';
import { skipReason } from './browser.js';
import { done, type ServedDashboard, serveDashboard } from './fixture.js';

const shots = process.env.SKYTASK_SCREENSHOTS;
let served: ServedDashboard;
let s: TestStack;
let http: ServedDashboard['http'];
let origin: string;

/** A fresh page at `hash` of `base` (the local server by default). */
const open = (hash: string, base?: string) => served.open(hash, base);

async function shot(page: Page, name: string) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `dashboard-${name}.png`) });
}

/** Wait until `selector` matches `n` elements (Playwright's own polling: a string to evaluate would break the page's CSP). */
const count = (page: Page, selector: string, n: number) =>
  page.waitForFunction(
    ([sel, want]) =>
      (
        globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
      ).document.querySelectorAll(sel).length === want,
    [selector, n] as const,
  );

/** Click `button`, then answer the confirmation: OK or Cancel. */
async function confirmAfter(page: Page, button: string, answer: 'ok' | 'cancel') {
  await page.click(button);
  await page.locator('#confirm[open]').waitFor();
  await page.click(`#confirm-${answer}`);
  await page.locator('#confirm[open]').waitFor({ state: 'detached' });
}

describe('the dashboard in Chromium', { skip: skipReason() }, () => {
  before(async () => {
    served = await serveDashboard();
    ({ s, http, origin } = served);
  });
  after(() => served?.close());

  it('loads: the jobs with their doc, schedule and next run, the queue counts, live', async () => {
    const page = await open('');
    await page.locator('tr[data-job="addition"]').waitFor();
    assert.match(await page.locator('tr[data-job="addition"] td.doc').innerText(), /^Add two numbers/);
    const cron = await page.locator('tr[data-job="weekdaymorning"]').innerText();
    assert.match(cron, /0 9 \* \* MON-FRI Europe\/Rome/);
    assert.match(cron, /in \d/);
    assert.match(await page.locator('tr[data-job="testperiodic"]').innerText(), /every 1 min/);
    assert.match(
      await page.locator('#stats').innerText(),
      /queued\s+\d+\s+delayed\s+\d+\s+in flight\s+\d+\s+dead letters\s+\d+/,
    );
    await page.locator('#live.ok').waitFor();
    await done(page);
  });

  it('a task queued from its job’s form, after a confirmation, appears and finishes without a reload', async () => {
    const page = await open('#/jobs');
    const form = 'form[data-job="addition"]';
    await page.click('tr[data-job="addition"] button');
    await page.fill(`${form} textarea`, '{"a": 20, "b": 22}');
    const before = (await s.backend.getTasks({ name: 'addition', limit: 100 })).tasks.length;
    await confirmAfter(page, `${form} button[type=submit]`, 'cancel');
    assert.equal(
      (await s.backend.getTasks({ name: 'addition', limit: 100 })).tasks.length,
      before,
      'cancelled: nothing queued',
    );
    await page.click(`${form} button[type=submit]`);
    await page.locator('#confirm[open]').waitFor();
    assert.match(await page.locator('#confirm-detail').innerText(), /"a": 20/);
    await shot(page, 'queue');
    await page.click('#confirm-ok');
    await page.waitForURL(/#\/task\//);
    const id = decodeURIComponent(page.url().split('#/task/')[1]);
    await page.locator('h2 .status.success').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('pre.json').nth(1).innerText(), '42');
    assert.equal((await s.backend.getTask(id))?.result, 42);
    await page.goto(`${origin}/#/tasks?job=addition`);
    await page.locator(`a[href="#/task/${id}"]`).waitFor();
    await done(page);
  });

  it('the task list follows the queue live: a task queued elsewhere shows up and turns SUCCESS', async () => {
    const page = await open('#/tasks');
    await page.locator('table').waitFor();
    const task = (await s.backend.queueTask('asynchronous', { lag: 1 }))!;
    const row = page.locator('tr', { has: page.locator(`a[href="#/task/${task.id}"]`) });
    await row.waitFor({ timeout: 10_000 });
    await row.locator('.status.success').waitFor({ timeout: 20_000 });
    await shot(page, 'tasks');
    await done(page);
  });

  it('filters by job and status, and pages with the cursors', async () => {
    for (let i = 0; i < 27; i++) await s.backend.queueTask('checkworker', { i });
    const page = await open('#/tasks?job=checkworker');
    await page.locator('tbody tr').nth(24).waitFor();
    assert.equal(await page.locator('tbody tr').count(), 25);
    await page.click('button:has-text("older")');
    await page.locator('.pager span:has-text("page 2")').waitFor();
    await count(page, 'tbody tr', 2);
    await page.click('button:has-text("newer")');
    await count(page, 'tbody tr', 25);
    await page.selectOption('select[name=status]', 'FAILURE');
    await page.waitForURL(/status=FAILURE/);
    assert.match(page.url(), /job=checkworker/);
    await page.locator('td.empty').waitFor();
    await done(page);
  });

  it('one task in full: result, sub-tasks, and the error of a failed one', async () => {
    const parent = (await s.backend.queueTask('standarddeviation', { sample: 3, size: 5 }))!;
    const page = await open(`#/task/${parent.id}`);
    await page.locator('h2 .status.success').waitFor({ timeout: 20_000 });
    await count(page, '.task tbody tr', 3);
    assert.match(await page.locator('dl.facts').innerText(), /run time\s+\d/);
    await shot(page, 'task');
    const failed = (await s.backend.queueTask('standarddeviation', { inputs: [] }))!;
    await page.goto(`${origin}/#/task/${failed.id}`);
    await page.locator('h2 .status.failure').waitFor({ timeout: 20_000 });
    assert.match(await page.locator('.task table').innerText(), /inputs must be a non-empty list/);
    await done(page);
  });

  it('progress and cost show when the wire task carries them', async () => {
    const task = (await s.backend.queueTask('addition', { a: 1 }, { delay: 600 }))!;
    const page = await open('#/jobs');
    // What the progress and cost work will add to the wire task, set on the answers here.
    await page.route('**/rpc', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      for (const answer of Array.isArray(body) ? body : [body]) {
        if (answer.result?.id === task.id)
          Object.assign(answer.result, { progress: { value: 40, message: 'step 2 of 5' }, cost: { write_units: 3 } });
      }
      await route.fulfill({ response, json: body });
    });
    await page.goto(`${origin}/#/task/${task.id}`);
    await page.locator('dl.facts meter').waitFor();
    const facts = await page.locator('dl.facts').innerText();
    assert.match(facts, /progress\s+40% step 2 of 5/);
    assert.match(facts, /cost\s+write_units 3/);
    await done(page);
  });

  it('a task’s cost so far, its null fields left out (no GB-seconds off Lambda)', async () => {
    const task = (await s.backend.queueTask('addition', { a: 1 }, { delay: 600 }))!;
    const page = await open(`#/task/${task.id}`);
    await page.locator('dl.facts .cost').waitFor();
    const cost = await page.locator('dl.facts .cost').innerText();
    assert.match(cost, /^write_units \d+, sqs_requests 1, lambda_requests 0, lambda_ms 0, heartbeats 0$/);
    await done(page);
  });

  it('revoke asks first: cancelled, the task stays QUEUED; confirmed, it is REVOKED', async () => {
    const task = (await s.backend.queueTask('addition', { a: 1 }, { delay: 600 }))!;
    const page = await open(`#/task/${task.id}`);
    await page.locator('h2 .status.queued').waitFor();
    await confirmAfter(page, '.actions button:has-text("Revoke")', 'cancel');
    assert.equal((await s.backend.getTask(task.id))?.status, 'QUEUED');
    await confirmAfter(page, '.actions button:has-text("Revoke")', 'ok');
    await page.locator('h2 .status.revoked').waitFor();
    assert.equal((await s.backend.getTask(task.id))?.status, 'REVOKED');
    await page.locator('.actions button:has-text("Revoke")').waitFor({ state: 'detached' });
    await done(page);
  });

  it('a task of a chord shows its workflow: members with their status, counts, the callback, each linked', async () => {
    const members = [1, 2, 3].map((a) => signature('addition', { a, b: 1 }));
    const flow = await s.backend.queueWorkflow(chord(members, signature('addition')));
    const page = await open(`#/task/${encodeURIComponent(workflowTaskId(flow.id, 1))}`);
    const panel = page.locator(`section.workflow[data-workflow="${flow.id}"]`);
    await panel.locator('dl.facts .status.success').first().waitFor({ timeout: 20_000 });
    for (let n = 0; n < 3; n++)
      await panel.locator(`a[href="#/task/${encodeURIComponent(workflowTaskId(flow.id, n))}"]`).waitFor();
    assert.match(await panel.locator('dl.facts').innerText(), /3 total · 0 pending · 3 succeeded/);
    await panel.locator(`a[href="#/task/${encodeURIComponent(callbackTaskId(flow.id))}"]`).click();
    await page.locator('h2 .status.success').waitFor();
    assert.match(page.url(), /callback$/);
    await page.locator(`section.workflow a[href="#/workflow/${flow.id}"]`).click();
    await count(page, '.workflow-view tbody tr', 3);
    await shot(page, 'workflow');
    await done(page);
  });

  it('a running chord: its callback listed WAITING; revoked from the page after a confirmation', async () => {
    const members = [1, 2].map((a) => signature('addition', { a }, { delay: 600 }));
    const flow = await s.backend.queueWorkflow(chord(members, signature('addition')));
    const page = await open('#/tasks?status=WAITING');
    await page.locator(`a[href="#/task/${encodeURIComponent(callbackTaskId(flow.id))}"]`).waitFor();
    assert.equal(await page.locator('select[name=status]').inputValue(), 'WAITING', 'the filter knows WAITING');
    await page.goto(`${origin}/#/workflow/${flow.id}`);
    await page.locator('.workflow .status.waiting').waitFor();
    await confirmAfter(page, 'button:has-text("Revoke workflow")', 'cancel');
    assert.equal((await s.backend.getWorkflow(flow.id)).status, 'RUNNING');
    await confirmAfter(page, 'button:has-text("Revoke workflow")', 'ok');
    await page.locator('dl.facts > dd > .status.revoked').first().waitFor();
    assert.match(await page.locator('#banner').innerText(), /3 revoked/);
    assert.equal((await s.backend.getTask(callbackTaskId(flow.id)))?.status, 'REVOKED');
    await page.locator('button:has-text("Revoke workflow")').waitFor({ state: 'detached' });
    await done(page);
  });

  it('a chord too large for one revoke_workflow call: the page calls again with the cursor until done', async () => {
    const { backend, registry, scheduler } = s.runtime;
    // Every call answers after one round of 100 members, as one past its time budget would.
    const hurried = {
      ...backend,
      revokeWorkflow: (id: string, o?: { cursor?: string }) => backend.revokeWorkflow(id, { ...o, budgetSeconds: 0 }),
    };
    const rpc = createRpc({ backend: hurried, registry, scheduler, logger: s.logger });
    const slow = await startHttpServer({ port: 0, handler: createRpcHandler(rpc), logger: s.logger });
    try {
      const members = Array.from({ length: 150 }, (_, a) => signature('addition', { a }, { delay: 600 }));
      const flow = await s.backend.queueWorkflow(chord(members, signature('addition')));
      const page = await open(`#/workflow/${flow.id}`, new URL(slow.url).origin);
      await page.locator('.workflow .status.waiting').waitFor();
      await confirmAfter(page, 'button:has-text("Revoke workflow")', 'ok');
      await page
        .locator('#banner', { hasText: /151 revoked, 0 asked to stop, 0 had ended$/ })
        .waitFor({ timeout: 20_000 });
      const state = await s.backend.getWorkflow(flow.id, { limit: 0 });
      assert.deepEqual([state.status, state.counts.revoked, state.counts.pending], ['REVOKED', 150, 0]);
      await done(page);
    } finally {
      await slow.close();
    }
  });

  it('dead letters: listed with why; the ticked ones purged after a confirmation', async () => {
    const dead = [];
    for (const a of [1, 2]) {
      const task = (await s.backend.queueTask('addition', { a }, { delay: 600 }))!;
      await endTask(s.runtime, task.id, {
        idle: 'FAILURE',
        reason: `dead-lettered after 3 deliveries: boom ${a}`,
        deadLettered: true,
      });
      await s.queue.deadLetter(JSON.stringify({ v: 1, id: task.id, job: 'addition' }), 'test');
      dead.push(task.id);
    }
    const page = await open('#/dead-letters');
    await page.locator(`a[href="#/task/${dead[1]}"]`).waitFor();
    assert.match(await page.locator('table').innerText(), /boom 2/);
    assert.match(await page.locator('.summary').innerText(), /About \d+ letters on the dead-letter queue/);
    await shot(page, 'dead-letters');
    await page.check(`input[aria-label="select ${dead[0]}"]`);
    await confirmAfter(page, 'button:has-text("Purge selected")', 'ok');
    await page.locator(`a[href="#/task/${dead[0]}"]`).waitFor({ state: 'detached' });
    assert.match(await page.locator('#banner').innerText(), /purged 1 tasks' letters \(1 deleted\)/);
    const purged = (await s.backend.getTask(dead[0]))!;
    assert.equal(purged.status, 'FAILURE');
    assert.equal(purged.deadLettered, undefined);
    assert.equal((await s.backend.getTask(dead[1]))?.deadLettered, true, 'the other stays');
    await done(page);
  });

  it('shows what tasks carry as text: markup in kwargs and errors runs nothing', async () => {
    const markup = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    const task = (await s.backend.queueTask('addition', { a: 1, b: 2, note: markup } as never, { delay: 600 }))!;
    const page = await open(`#/task/${task.id}`);
    await page.locator('pre.json').first().waitFor();
    assert.match(await page.locator('pre.json').first().innerText(), /<img src=x onerror/);
    assert.equal(await page.evaluate('window.__xss'), undefined);
    assert.equal(await page.locator('.task img').count(), 0);
    await done(page);
  });

  it('through skytask dashboard: the page with the launch’s token works; without it every call is refused', async () => {
    const proxy = await startDashboardProxy({ url: http.url, port: 0, logger: s.logger });
    try {
      const page = await open(proxy.url.slice(proxy.origin.length + 1), proxy.origin);
      await page.locator('tr[data-job="addition"]').waitFor();
      assert.doesNotMatch(page.url(), /token/, 'the token leaves the address bar');
      await page.locator('#live.ok').waitFor();
      await shot(page, 'jobs');
      await page.reload();
      await page.locator('#live.ok').waitFor({ timeout: 5000 });
      await done(page);
      const stranger = await open('#/jobs', proxy.origin);
      await stranger.locator('#live.down').waitFor();
      assert.match(await stranger.locator('#live').innerText(), /token is missing or wrong/);
      await done(stranger, { allow: /401/ });
    } finally {
      await proxy.close();
    }
  });
});
