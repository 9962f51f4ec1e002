/**
 * A workflow (`get_workflow`, docs/workflows.md): its kind, status and counts, its callback
 * and error path, and its steps or members with their status, each linked; a running one can
 * be revoked after a confirmation (`revoke_workflow`). Shown in full at `#/workflow/<id>`
 * (members a page at a time), and as a panel in the view of any of its tasks.
 */
import { fill, h, status, taskLink, when } from './dom.js';
import { taskTable } from './view-tasks.js';

/** Members a page of the full view. */
const PAGE = 50;

/**
 * The workflow a task id says it belongs to (lib/keys.ts `workflowRoleOf`): `<workflow>:<n>`,
 * `<workflow>:callback`, `<workflow>:error`; undefined for any other id.
 */
export function workflowOf(taskId) {
  const at = taskId.lastIndexOf(':');
  if (at <= 0) return undefined;
  const tail = taskId.slice(at + 1);
  return tail === 'callback' || tail === 'error' || /^(0|[1-9]\d{0,5})$/.test(tail) ? taskId.slice(0, at) : undefined;
}

const workflowLink = (id) => h('a', { href: `#/workflow/${encodeURIComponent(id)}`, class: 'id' }, id);

/**
 * `revoke_workflow` until it got through every task: a call works within a time budget and
 * answers `more` with a cursor to go on from. `progress` hears the sums after each call.
 */
export async function revokeToEnd(ctx, id, progress = () => {}) {
  const sum = { revoked: 0, requested: 0, ended: 0 };
  let cursor;
  do {
    const r = await ctx.rpc('revoke_workflow', cursor ? { id, cursor } : { id });
    for (const k of Object.keys(sum)) sum[k] += r[k];
    cursor = r.more ? r.cursor : undefined;
    if (cursor) progress(sum);
  } while (cursor);
  return sum;
}

const revokeSummary = (r) => `${r.revoked} revoked, ${r.requested} asked to stop, ${r.ended} had ended`;

/** The revoke button of a running workflow: asks first, then says what it did (as it goes, for a large one). */
function revoke(w, ctx) {
  const run = async () => {
    const text = `Revoke workflow ${w.id}? Its ${w.counts.pending} pending tasks${w.callback ? ' and its callback' : ''} will not run; running ones are told to stop.`;
    if (!(await ctx.confirm(text, { ok: 'Revoke' }))) return;
    try {
      const r = await revokeToEnd(ctx, w.id, (sum) => ctx.notify(`workflow ${w.id}: ${revokeSummary(sum)} so far…`));
      ctx.notify(`workflow ${w.id}: ${revokeSummary(r)}`);
    } catch (err) {
      ctx.failed(err);
    }
    ctx.refresh();
  };
  return h('button', { type: 'button', class: 'danger', onclick: run }, 'Revoke workflow…');
}

/** The workflow's facts, its action, and the members shown (`more`: a link or pager under them). */
export function workflowPanel(w, ctx, more = null) {
  const c = w.counts;
  const rows = [
    ['status', status(w.status)],
    [
      'counts',
      `${c.total} total · ${c.pending} pending · ${c.succeeded} succeeded · ${c.failed} failed · ${c.revoked} revoked`,
    ],
    ['policy', w.policy],
    ['callback', w.callback && [taskLink(w.callback.id), ' ', status(w.callback.status)]],
    [
      'error path',
      w.link_error && [w.link_error.job, ' ', w.link_error.task ? taskLink(w.link_error.task.id) : '(not queued)'],
    ],
    ['parent', w.parent && taskLink(w.parent)],
    ['queued', when(w.time_queued)],
    ['ended', when(w.time_ended)],
  ];
  return h(
    'section',
    { class: 'workflow', 'data-workflow': w.id },
    h('h3', {}, `Workflow (${w.kind}) `, workflowLink(w.id)),
    w.status === 'RUNNING' ? h('div', { class: 'actions' }, revoke(w, ctx)) : null,
    h(
      'dl',
      { class: 'facts' },
      rows.filter(([, v]) => v).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
    h('h3', {}, w.kind === 'chain' ? 'Steps' : 'Members'),
    taskTable(w.members),
    more,
  );
}

export function mount(main, params, ctx) {
  const body = h('div', { class: 'workflow-view' });
  main.append(h('h2', {}, 'Workflow ', h('code', {}, params.id)), body);
  const cursors = [undefined];
  return {
    async refresh() {
      let w;
      try {
        w = await ctx.rpc('get_workflow', { id: params.id, limit: PAGE, cursor: cursors.at(-1) });
      } catch (err) {
        if (err.code === -32002) return fill(body, h('p', {}, 'No such workflow (or past its retention).'));
        throw err;
      }
      const pager = h(
        'div',
        { class: 'pager' },
        h(
          'button',
          { type: 'button', disabled: cursors.length === 1, onclick: () => (cursors.pop(), ctx.refresh()) },
          '← earlier',
        ),
        h('span', {}, ` page ${cursors.length} `),
        h(
          'button',
          { type: 'button', disabled: !w.cursor, onclick: () => (cursors.push(w.cursor), ctx.refresh()) },
          'later →',
        ),
      );
      fill(body, workflowPanel(w, ctx, pager));
    },
  };
}
