/**
 * A payload kept in S3 on the dashboard's task view, in Chromium (docs/payloads.md,
 * docs/dashboard.md): kwargs too large for get_task's reply come as a presigned GET, which
 * the page shows as a link a person can open — in a new tab, without a handle back to the
 * page — and never as a link when its URL is not http(s).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { LIMITS } from '../../lib/limits.js';
import { MARKER } from '../../lib/payloads/ref.js';
import { startHttpServer } from '../../local/http.js';
import * as payloadJobs from '../fixtures/payload-jobs.js';
import { testStack, type TestStack } from '../helpers.js';
import { launch, skipReason } from './browser.js';

let s: TestStack;
let http: Awaited<ReturnType<typeof startHttpServer>>;
let origin: string;
let browser: Browser;

/** A page of the task view of `id`, with its console errors and uncaught exceptions. */
async function taskPage(id: string, edit?: (reply: any) => void): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  if (edit) {
    // The reply as a forged or broken server would give it: the page must not trust the URL.
    await page.route('**/rpc', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      for (const answer of Array.isArray(body) ? body : [body]) if (answer.result?.id === id) edit(answer.result);
      await route.fulfill({ response, json: body });
    });
  }
  await page.goto(`${origin}/#/task/${id}`);
  await page.locator('.task h3').first().waitFor();
  return { page, errors };
}

describe('a payload kept in S3 on the task view', { skip: skipReason() }, () => {
  before(async () => {
    // No poller: the task stays queued, its kwargs in the bucket.
    s = await testStack({ jobs: payloadJobs });
    http = await startHttpServer({ port: 0, handler: createRpcHandler(s.rpc), logger: s.logger });
    origin = new URL(http.url).origin;
    browser = await launch();
    await s.backend.queueTask('double', { text: 'k'.repeat(LIMITS.maxReplyBytes) }, { id: 'large' });
  });
  after(async () => {
    await browser?.close();
    await http?.close();
  });

  it('is a link that opens the JSON in a new tab, with rel=noopener', async () => {
    const { page, errors } = await taskPage('large');
    const link = page.locator('.task p.payload a');
    await link.waitFor();
    const size = (LIMITS.maxReplyBytes + '{"text":""}'.length).toLocaleString('en');
    assert.ok((await page.locator('.task p.payload').innerText()).startsWith(`kept in S3: ${size} bytes, SHA-256 `));
    const href = (await link.getAttribute('href'))!;
    assert.ok(href.startsWith('http://127.0.0.1:'), href);
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.deepEqual((await link.getAttribute('rel'))?.split(' ').sort(), ['noopener', 'noreferrer']);
    const [tab] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    await tab.waitForURL(href);
    assert.ok((await tab.locator('body').innerText()).startsWith('{"text":"kkkk'), 'the browser shows the JSON');
    assert.equal(await tab.evaluate('window.opener'), null, 'the new tab has no handle on the dashboard');
    await page.context().close();
    assert.deepEqual(errors, []);
  });

  it('a link whose URL is not http(s) is shown as text, not as a link', async () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'not a url']) {
      const { page, errors } = await taskPage('large', (task) => (task.kwargs[MARKER].url = url));
      await page.locator('.task pre.json').first().waitFor();
      assert.equal(await page.locator('.task a[href^="javascript:"], .task a[href^="data:"]').count(), 0);
      assert.equal(await page.locator('.task p.payload').count(), 0);
      assert.match(await page.locator('.task pre.json').first().innerText(), new RegExp(url.slice(0, 10)));
      await page.context().close();
      assert.deepEqual(errors, []);
    }
  });
});
