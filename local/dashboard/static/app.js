/**
 * The dashboard: a hash router over six views (jobs, tasks, one task, a workflow, dead
 * letters, events), the queue's counts in the header, and a refresh every few seconds while the tab is visible —
 * live without a reload. Actions ask for a confirmation first (`confirm`).
 */
import { RpcError, rpc, rpcBatch, takeToken } from './api.js';
import { fill, h } from './dom.js';
import * as deadLetters from './view-dead-letters.js';
import * as events from './view-events.js';
import * as jobs from './view-jobs.js';
import * as task from './view-task.js';
import * as tasks from './view-tasks.js';
import * as workflow from './view-workflow.js';

const VIEWS = { jobs, tasks, task, workflow, 'dead-letters': deadLetters, events };
/** Seconds between two refreshes of the counts, and of a view that does not say. */
const EVERY = 2;

const $ = (id) => document.getElementById(id);

/** The view and its params from the address: `#/tasks?job=x`, `#/task/<id>`. */
function route() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/');
  const params = Object.fromEntries(new URLSearchParams(query));
  if (rest.length) params.id = decodeURIComponent(rest.join('/'));
  return { name: VIEWS[name] ? name : 'jobs', params };
}

/** Ask before an action: resolves true when the person confirms. */
function confirm(text, { ok = 'OK', detail = '' } = {}) {
  const dialog = $('confirm');
  $('confirm-text').textContent = text;
  $('confirm-detail').textContent = detail;
  $('confirm-detail').hidden = !detail;
  $('confirm-ok').textContent = ok;
  return new Promise((resolve) => {
    const done = (answer) => () => {
      dialog.close();
      resolve(answer);
    };
    $('confirm-ok').onclick = done(true);
    $('confirm-cancel').onclick = done(false);
    dialog.oncancel = done(false);
    dialog.showModal();
  });
}

/** A message over the view: an error (kept until the next one) or a notice (gone after a while). */
function notify(message, { error = false } = {}) {
  const banner = $('banner');
  banner.className = error ? 'error' : 'notice';
  banner.textContent = message;
  banner.hidden = false;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => (banner.hidden = true), error ? 15_000 : 6_000);
}

/** An action's failure, as a person reads it. */
function failed(err) {
  if (err instanceof RpcError && err.code === -32600 && /token/.test(err.message)) {
    notify(`${err.message}.`, { error: true });
  } else notify(err instanceof Error ? err.message : String(err), { error: true });
}

async function refreshStats() {
  const s = await rpc('queue_stats');
  const cell = (label, value, href) => [h('dt', {}, label), h('dd', {}, href ? h('a', { href }, value) : value)];
  fill(
    $('stats'),
    cell('queued', s.queued),
    cell('delayed', s.delayed),
    cell('in flight', s.in_flight),
    cell('dead letters', s.dead_letters, '#/dead-letters'),
  );
}

const state = { view: undefined, last: {}, busy: false, again: false };

/** Refresh what is due (or everything, `force`); the live mark says how it went. */
async function tick(force = false) {
  if (state.busy) {
    state.again ||= force; // an action's refresh waits for the one under way, then runs
    return;
  }
  if (document.hidden && !force) return;
  state.busy = true;
  const now = Date.now();
  const due = (what, every) => force || now - (state.last[what] ?? 0) >= every * 1000;
  try {
    const jobs = [];
    if (due('stats', EVERY)) jobs.push(refreshStats().then(() => (state.last.stats = now)));
    if (state.view && due('view', state.view.every ?? EVERY))
      jobs.push(state.view.refresh().then(() => (state.last.view = now)));
    await Promise.all(jobs);
    fill($('live'), h('span', { class: 'dot' }), ` live · ${new Date().toLocaleTimeString()}`);
    $('live').className = 'ok';
  } catch (err) {
    const offline = !(err instanceof RpcError) || err.code === undefined;
    fill($('live'), `${offline ? 'offline' : 'error'}: ${err.message}`);
    $('live').className = 'down';
  } finally {
    state.busy = false;
    if (state.again) {
      state.again = false;
      tick(true);
    }
  }
}

const ctx = {
  rpc,
  rpcBatch,
  confirm,
  notify,
  failed,
  go: (hash) => (location.hash = hash),
  /** Refresh now, after an action. */
  refresh: () => tick(true),
};

function show() {
  const { name, params } = route();
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('current', a.dataset.view === (name === 'task' || name === 'workflow' ? 'tasks' : name));
  const main = $('view');
  main.replaceChildren();
  state.view = VIEWS[name].mount(main, params, ctx);
  state.last.view = 0;
  tick(true);
}

takeToken();
window.addEventListener('hashchange', show);
document.addEventListener('visibilitychange', () => !document.hidden && tick(true));
setInterval(() => tick(), 1000);
show();
