/**
 * Tasks (`get_tasks`), newest first, filtered by job, status and parent, a page at a time
 * (the cursors of the pages seen are kept, to go back). The filters live in the address
 * (`#/tasks?job=addition&status=FAILURE&parent=<id>`), so a view can be linked to.
 */
import { fill, h, progress, seconds, status, table, taskLink, when } from './dom.js';

const STATUSES = ['QUEUED', 'STARTED', 'RETRY', 'WAITING', 'SUCCESS', 'FAILURE', 'REVOKED'];
/** Tasks a page. */
const PAGE = 25;

/** How long a task ran, or has run so far. */
export function runTime(task) {
  if (!task.time_started) return '';
  return seconds((task.time_ended ?? Date.now() / 1000) - task.time_started);
}

/** The rows of a listing of tasks; a progress column when one of them reports progress. */
export function taskTable(tasks, empty = 'no tasks') {
  const withProgress = tasks.some((t) => t.progress !== undefined && t.progress !== null);
  const headings = ['id', 'job', 'status', 'queued', 'started', 'ended', 'run time', 'attempts'];
  return table(
    withProgress ? [...headings, 'progress'] : headings,
    tasks,
    (t) =>
      [
        taskLink(t.id),
        t.name,
        status(t.status),
        when(t.time_queued),
        when(t.time_started),
        when(t.time_ended),
        runTime(t),
        t.attempts,
        withProgress ? progress(t) : null,
      ].filter((cell) => cell !== null),
    empty,
  );
}

/** The filter bar: job, status, parent; a change goes to the address. */
function filters(params, ctx) {
  const job = h('select', { name: 'job' }, h('option', { value: '' }, 'any job'));
  const state = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'any status'),
    STATUSES.map((s) => h('option', { value: s, selected: params.status === s }, s)),
  );
  const parent = h('input', { name: 'parent', placeholder: 'parent task id', value: params.parent ?? '' });
  const apply = (event) => {
    event?.preventDefault();
    const query = new URLSearchParams(
      Object.entries({ job: job.value, status: state.value, parent: parent.value.trim() }).filter(([, v]) => v),
    );
    ctx.go(`#/tasks${query.size ? `?${query}` : ''}`);
  };
  job.addEventListener('change', apply);
  state.addEventListener('change', apply);
  ctx
    .rpc('job_list')
    .then(
      (jobs) => job.append(...jobs.map((j) => h('option', { value: j.name, selected: params.job === j.name }, j.name))),
      ctx.failed,
    );
  return h(
    'form',
    { class: 'filters', onsubmit: apply },
    job,
    state,
    parent,
    h('button', { type: 'submit' }, 'Filter'),
  );
}

export function mount(main, params, ctx) {
  const list = h('div', { class: 'list' });
  const pager = h('div', { class: 'pager' });
  main.append(h('h2', {}, 'Tasks'), filters(params, ctx), list, pager);
  /** The cursors of the pages seen: the last is this page's. */
  const cursors = [undefined];
  const query = Object.fromEntries(
    Object.entries({ name: params.job, status: params.status, from_task: params.parent }).filter(([, v]) => v),
  );
  const view = {
    async refresh() {
      const page = await ctx.rpc('get_tasks', { ...query, limit: PAGE, cursor: cursors.at(-1) });
      fill(list, taskTable(page.tasks));
      const newer = h(
        'button',
        { type: 'button', disabled: cursors.length === 1, onclick: () => (cursors.pop(), ctx.refresh()) },
        '← newer',
      );
      const older = h(
        'button',
        { type: 'button', disabled: !page.cursor, onclick: () => (cursors.push(page.cursor), ctx.refresh()) },
        'older →',
      );
      fill(pager, newer, h('span', {}, ` page ${cursors.length} `), older);
    },
  };
  return view;
}
