/**
 * The jobs (`job_list`): doc, schedule, next run and last runs, and a form to queue a task
 * of each (`queue_task`, after a confirmation). Refreshed every 5 s: the last runs take
 * one `get_tasks` per job, sent as one JSON-RPC batch.
 */
import { ago, h, markdown, seconds, status, taskLink, when } from './dom.js';

/** Last runs shown per job. */
const LAST_RUNS = 3;

/** A periodic job's schedule in words. */
function schedule(job) {
  if (job.type !== 'periodic') return '';
  if (job.cron) return h('span', {}, h('code', {}, job.cron), ` ${job.timezone ?? 'UTC'}`);
  const anchor = job.anchor ? `, anchored at ${new Date(job.anchor * 1000).toISOString().replace('.000Z', 'Z')}` : '';
  return `every ${seconds(job.run_every)}${anchor}`;
}

/** What a job was declared with beyond the defaults: its queue, priority, per-key limits, events. */
function traits(job) {
  const parts = [];
  if (job.queue && job.queue !== 'default') parts.push(`queue ${job.queue}`);
  if (job.priority && job.priority !== 'default') parts.push(`${job.priority} priority`);
  if (job.concurrency) parts.push(`≤ ${job.concurrency.limit} at once per key`);
  if (job.rate_limit) parts.push(`≤ ${job.rate_limit.max} per ${seconds(job.rate_limit.per)} per key`);
  if (job.events) parts.push('events');
  return parts.length ? h('div', { class: 'traits' }, h('small', {}, parts.join(' · '))) : '';
}

/** When a periodic job runs next (`next_run` is seconds from now). */
function nextRun(job) {
  if (job.type !== 'periodic' || job.next_run === null || job.next_run === undefined) return '';
  return job.next_run <= 0 ? 'due' : `in ${seconds(job.next_run)}`;
}

/** The form that queues a task of `job`: kwargs as JSON, an optional delay and id. */
function queueForm(job, ctx) {
  const kwargs = h('textarea', { name: 'kwargs', rows: 3, spellcheck: false }, '{}');
  const delay = h('input', { name: 'delay', type: 'number', min: 0, step: 'any', placeholder: 'seconds' });
  const id = h('input', { name: 'id', placeholder: 'optional' });
  async function submit(event) {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(kwargs.value || '{}');
    } catch (err) {
      return ctx.notify(`kwargs are not JSON: ${err.message}`, { error: true });
    }
    const params = { jobname: job.name, kwargs: parsed };
    if (delay.value) params.delay = Number(delay.value);
    if (id.value) params.id = id.value;
    const detail = JSON.stringify(params, null, 2);
    if (!(await ctx.confirm(`Queue a task of ${job.name}?`, { ok: 'Queue', detail }))) return;
    try {
      const task = await ctx.rpc('queue_task', params);
      if (!task) return ctx.notify(`not queued: ${job.name} cannot overlap and an equal task is not finished`);
      ctx.notify(`queued ${task.id}`);
      ctx.go(`#/task/${encodeURIComponent(task.id)}`);
    } catch (err) {
      ctx.failed(err);
    }
  }
  return h(
    'form',
    { class: 'queue', onsubmit: submit, 'data-job': job.name },
    h('label', {}, 'kwargs (JSON) ', kwargs),
    h('label', {}, 'delay ', delay),
    h('label', {}, 'id ', id),
    h('button', { type: 'submit', class: 'primary' }, `Queue ${job.name}`),
  );
}

/** One job's row: name and type, doc, schedule, next run, last run, last runs, and the button that opens its form. */
function jobRow(job, runs, formRow) {
  const open = h('button', { type: 'button', onclick: () => (formRow.hidden = !formRow.hidden) }, 'Queue…');
  const lastRuns = runs.map((t) =>
    h('div', {}, status(t.status), ' ', taskLink(t.id, { short: true }), ' ', h('small', {}, ago(t.time_queued))),
  );
  const doc = (job.doc ?? '').trim();
  const periodic = job.type === 'periodic';
  return h(
    'tr',
    { 'data-job': job.name },
    h(
      'td',
      {},
      h('a', { href: `#/tasks?job=${encodeURIComponent(job.name)}`, class: 'job' }, job.name),
      h('div', {}, h('small', {}, job.type)),
      traits(job),
    ),
    h('td', { class: 'doc', title: doc }, markdown(doc.split('\n')[0])),
    h('td', {}, schedule(job)),
    h('td', {}, nextRun(job)),
    h('td', {}, periodic ? [when(job.last_run_at), h('div', {}, h('small', {}, `${job.runs_count} runs`))] : ''),
    h('td', { class: 'runs' }, lastRuns.length ? lastRuns : h('small', {}, 'none yet')),
    h('td', {}, open),
  );
}

export function mount(main, _params, ctx) {
  const body = h('tbody');
  const headings = ['job', 'doc', 'schedule', 'next run', 'last run', 'last runs', ''];
  main.append(
    h('h2', {}, 'Jobs'),
    h(
      'table',
      { class: 'jobs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headings.map((x) => h('th', {}, x)),
        ),
      ),
      body,
    ),
  );
  /** Each job's rows; a refresh replaces its row only, so that its open form keeps what a person typed, and the focus. */
  const rows = new Map();
  return {
    every: 5,
    async refresh() {
      const list = await ctx.rpc('job_list');
      const runs = await ctx.rpcBatch(list.map((j) => ['get_tasks', { name: j.name, limit: LAST_RUNS }]));
      for (const [n, job] of list.entries()) {
        const known = rows.get(job.name);
        const formRow =
          known?.formRow ?? h('tr', { class: 'form', hidden: true }, h('td', { colspan: 7 }, queueForm(job, ctx)));
        const row = jobRow(job, runs[n].result?.tasks ?? [], formRow);
        if (known) known.row.replaceWith(row);
        else body.append(row, formRow);
        rows.set(job.name, { row, formRow });
      }
    },
  };
}
