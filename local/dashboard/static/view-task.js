/**
 * One task in full (`get_task`): its times, kwargs, result, the error of each attempt,
 * progress and cost when it has them, its sub-tasks (`get_tasks` by `from_task`), its
 * workflow when it is a task of one (view-workflow.js), and the actions its state allows:
 * revoke (not ready), purge its dead letter (dead-lettered).
 */
import { ago, cost, fill, h, PAYLOAD, payload, progress, seconds, status, table, taskLink, time, when } from './dom.js';
import { runTime, taskTable } from './view-tasks.js';
import { workflowOf, workflowPanel } from './view-workflow.js';

const READY = ['SUCCESS', 'FAILURE', 'REVOKED'];

/** The task's facts, one a row; those it does not have are left out. */
function facts(t) {
  const due = t.eta ?? t.time_queued;
  const rows = [
    ['job', h('a', { href: `#/tasks?job=${encodeURIComponent(t.name)}` }, t.name)],
    ['status', status(t.status)],
    ['attempts', t.attempts],
    ['queued', when(t.time_queued)],
    ['due', t.eta ? when(t.eta) : null],
    ['started', when(t.time_started)],
    ['ended', when(t.time_ended)],
    ['expiry', t.expiry ? [time(t.expiry), ` (${ago(t.expiry)})`] : null],
    ['waited', t.time_started ? seconds(t.time_started - due) : null],
    ['run time', runTime(t) || null],
    ['progress', progress(t) || null],
    ['cost', t.cost === undefined ? null : cost(t.cost)],
    ['parent', t.from_task ? taskLink(t.from_task) : null],
    ['worker', t.worker],
    ['caller', t.caller],
    ['lock', t.lock_id],
    ['revoke requested', t.revoke_requested ? 'yes: the run is told to stop' : null],
    ['dead-lettered', t.dead_lettered ? 'yes: its message is on the dead-letter queue' : null],
  ];
  return h(
    'dl',
    { class: 'facts' },
    rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

/** The error of each attempt: the earlier ones (`errors`), then the last (`error`, with its stack). */
function attemptErrors(t) {
  const rows = (t.errors ?? []).map((e) => [e.attempt, when(e.time), h('pre', {}, e.error)]);
  if (t.error) rows.push([t.attempts, when(t.time_ended), h('pre', {}, t.error)]);
  if (!rows.length) return null;
  return [
    h('h3', {}, 'Errors'),
    table(['attempt', 'time', 'error'], rows, (r) => r),
    t.stack ? h('details', {}, h('summary', {}, 'stack'), h('pre', { class: 'stack' }, t.stack)) : null,
  ];
}

/** The buttons of the actions the task's state allows. */
function actions(t, ctx) {
  const revoke = async () => {
    const running = t.status === 'STARTED';
    const text = running
      ? `Revoke ${t.id}? It is running: its run is told to stop.`
      : `Revoke ${t.id}? It will not run.`;
    if (!(await ctx.confirm(text, { ok: 'Revoke' }))) return;
    try {
      const done = await ctx.rpc('revoke_task', { id: t.id });
      ctx.notify(done.status === 'REVOKED' ? `revoked ${t.id}` : `revoke requested: ${t.id} is running`);
    } catch (err) {
      ctx.failed(err);
    }
    ctx.refresh();
  };
  const purge = async () => {
    const text = `Purge the dead letter of ${t.id}? The task stays FAILURE and will not be redriven.`;
    if (!(await ctx.confirm(text, { ok: 'Purge' }))) return;
    try {
      const result = await ctx.rpc('purge_dead_letters', { ids: [t.id] });
      ctx.notify(`purged: ${result.deleted} letter deleted`);
    } catch (err) {
      ctx.failed(err);
    }
    ctx.refresh();
  };
  return h(
    'div',
    { class: 'actions' },
    READY.includes(t.status) ? null : h('button', { type: 'button', class: 'danger', onclick: revoke }, 'Revoke…'),
    t.dead_lettered ? h('button', { type: 'button', class: 'danger', onclick: purge }, 'Purge dead letter…') : null,
  );
}

/** Members the panel of a task's workflow shows. */
const MEMBERS = 10;

function render(t, children, workflow, ctx) {
  const subtasks = children.tasks.length
    ? [
        h('h3', {}, 'Sub-tasks'),
        taskTable(children.tasks),
        children.cursor ? h('a', { href: `#/tasks?parent=${encodeURIComponent(t.id)}` }, 'all sub-tasks →') : null,
      ]
    : null;
  return [
    h('h2', {}, 'Task ', h('code', {}, t.id), ' ', status(t.status)),
    actions(t, ctx),
    facts(t),
    h('h3', {}, 'kwargs'),
    payload(t.kwargs),
    t.status === 'SUCCESS' ? [h('h3', {}, 'result'), payload(t.result)] : null,
    attemptErrors(t),
    subtasks,
    workflow
      ? workflowPanel(
          workflow,
          ctx,
          workflow.cursor
            ? h('a', { href: `#/workflow/${encodeURIComponent(workflow.id)}` }, `all ${workflow.size} →`)
            : null,
        )
      : null,
  ];
}

export function mount(main, params, ctx) {
  const body = h('div', { class: 'task' });
  main.append(body);
  let shown = '';
  return {
    async refresh() {
      const flow = workflowOf(params.id);
      const [task, children, workflow] = await ctx.rpcBatch([
        ['get_task', { id: params.id }],
        ['get_tasks', { from_task: params.id, limit: 25 }],
        ...(flow ? [['get_workflow', { id: flow, limit: MEMBERS }]] : []),
      ]);
      if (task.error) throw task.error;
      // Unchanged: left as it is, so that an open stack stays open. A payload's link is signed
      // anew by every get_task: it counts as changed only every half hour (it works for one).
      const seen = JSON.stringify([task.result, children.result, workflow?.result], (k, v) =>
        k === PAYLOAD ? [v?.sha256, Math.floor(v?.expires / 1800)] : v,
      );
      if (seen === shown) return;
      shown = seen;
      if (!task.result)
        return fill(
          body,
          h('h2', {}, 'Task ', h('code', {}, params.id)),
          h('p', {}, 'No such task (or past its retention).'),
        );
      fill(body, render(task.result, children.result ?? { tasks: [] }, workflow?.result, ctx));
    },
  };
}
