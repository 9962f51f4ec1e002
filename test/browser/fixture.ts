/**
 * The browser tests' setup: a test stack served as `skytask start` serves it (the RPC handler
 * behind the local HTTP server, the poller running), Chromium, and pages that record their
 * console errors so a test can check a page logged none.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { createRpcHandler } from '../../functions/rpc-handler.js';
import { startHttpServer } from '../../local/http.js';
import { emulators, type TestStack, testStack } from '../helpers.js';
import { launch } from './browser.js';

export interface ServedDashboard {
  s: TestStack;
  http: Awaited<ReturnType<typeof startHttpServer>>;
  /** The local server's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  browser: Browser;
  /** A fresh page (1280×860) at `hash` of `base` (the local server by default), its errors recorded. */
  open(hash: string, base?: string): Promise<Page>;
  /** The browser closed, then the server, then the poller. */
  close(): Promise<void>;
}

/** A page's console errors and uncaught exceptions. */
const problems = new WeakMap<Page, string[]>();

/**
 * Serve the dashboard over a fresh test stack of `jobs` (the sample jobs by default); with
 * `events`, `GET /events` shows the strict PutEvents endpoint's events (docs/events.md).
 */
export async function serveDashboard(options: { jobs?: unknown; events?: boolean } = {}): Promise<ServedDashboard> {
  const s = await testStack({ jobs: options.jobs });
  const poller = s.poll();
  const { eventsEndpoint } = await emulators();
  const feed = options.events ? () => eventsEndpoint : undefined;
  const http = await startHttpServer({ port: 0, handler: createRpcHandler(s.rpc), logger: s.logger, feed });
  const origin = new URL(http.url).origin;
  let browser: Browser;
  try {
    browser = await launch();
  } catch (err) {
    await http.close();
    await poller.stop(5);
    throw err;
  }
  return {
    s,
    http,
    origin,
    browser,
    async open(hash, base = origin) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      const seen: string[] = [];
      problems.set(page, seen);
      page.on('console', (m) => m.type() === 'error' && seen.push(m.text()));
      page.on('pageerror', (err) => seen.push(err.message));
      await page.goto(`${base}/${hash}`);
      return page;
    },
    async close() {
      await browser.close();
      await http.close();
      await poller.stop(5);
    },
  };
}

/** Close a page, after checking it logged no error (CSP violations included) but those `allow` matches. */
export async function done(page: Page, { allow }: { allow?: RegExp } = {}) {
  const seen = (problems.get(page) ?? []).filter((text) => !allow?.test(text));
  await page.context().close();
  assert.deepEqual(seen, [], 'console errors');
}
