/**
 * Dead letters (`list_dead_letters`): the tasks that ended dead-lettered — what, why, when —
 * and SQS's count of letters, with those that have no such task. Actions, each after a
 * confirmation: redrive every letter (`redrive_dead_letters`), purge the selected tasks'
 * letters or every letter (`purge_dead_letters`). A call works within a time budget and
 * says `more`: the page calls again, a few times, and says what is left.
 */
import { fill, h, table, taskLink, when } from './dom.js';

const PAGE = 25;
/** Calls an action makes at most while the answer says `more`. */
const ROUNDS = 10;

/** Call `method` while it answers `more` (at most ROUNDS times); the answers. */
async function whileMore(ctx, method, params) {
  const answers = [];
  for (let n = 0; n < ROUNDS; n++) {
    answers.push(await ctx.rpc(method, params));
    if (!answers.at(-1).more) break;
  }
  return answers;
}

const sum = (answers, field) => answers.reduce((n, a) => n + (Array.isArray(a[field]) ? a[field].length : a[field]), 0);

/** Run an action after its confirmation; its summary as a notice, then a refresh. */
async function act(ctx, text, ok, run) {
  if (!(await ctx.confirm(text, { ok }))) return;
  try {
    ctx.notify(await run());
  } catch (err) {
    ctx.failed(err);
  }
  ctx.refresh();
}

function toolbar(ctx, selected) {
  const redrive = () =>
    act(ctx, 'Redrive every dead letter? Their tasks are queued again for a new attempt.', 'Redrive', async () => {
      const answers = await whileMore(ctx, 'redrive_dead_letters', {});
      const last = answers.at(-1);
      return `redriven ${sum(answers, 'moved')}, dropped ${sum(answers, 'dropped')}, left ${sum(answers, 'skipped')}; about ${last.remaining} letters left`;
    });
  const purge = (ids) => () =>
    act(
      ctx,
      ids
        ? `Purge the dead letters of ${ids.length} task(s)? The tasks stay FAILURE and are not redriven.`
        : 'Purge every dead letter? This cannot be undone: their tasks stay FAILURE and are not redriven.',
      'Purge',
      async () => {
        const answers = await whileMore(ctx, 'purge_dead_letters', ids ? { ids } : {});
        const last = answers.at(-1);
        return `purged ${sum(answers, 'purged')} tasks' letters (${sum(answers, 'deleted')} deleted); about ${last.remaining} letters left${last.more ? ': purge again to go on' : ''}`;
      },
    );
  const purgeSelected = () => {
    if (!selected.size) return ctx.notify('tick the tasks whose dead letters to purge first');
    const ids = [...selected];
    selected.clear();
    return purge(ids)();
  };
  return h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', onclick: redrive }, 'Redrive all…'),
    h('button', { type: 'button', class: 'danger', onclick: purgeSelected }, 'Purge selected…'),
    h('button', { type: 'button', class: 'danger', onclick: purge(undefined) }, 'Purge all…'),
  );
}

export function mount(main, _params, ctx) {
  const summary = h('p', { class: 'summary' });
  const list = h('div', { class: 'list' });
  const pager = h('div', { class: 'pager' });
  /** Task ids ticked, kept across refreshes. */
  const selected = new Set();
  main.append(h('h2', {}, 'Dead letters'), summary, toolbar(ctx, selected), list, pager);
  const cursors = [undefined];
  let shown = '';
  return {
    every: 5,
    async refresh() {
      const page = await ctx.rpc('list_dead_letters', { limit: PAGE, cursor: cursors.at(-1) });
      const seen = JSON.stringify(page);
      if (seen === shown) return;
      shown = seen;
      const without = page.unrecorded === null ? '' : `, ${page.unrecorded} of them with no dead-lettered task`;
      fill(summary, `About ${page.messages} letters on the dead-letter queue${without}.`);
      const tick = (id) =>
        h('input', {
          type: 'checkbox',
          checked: selected.has(id),
          'aria-label': `select ${id}`,
          onchange: (e) => (e.target.checked ? selected.add(id) : selected.delete(id)),
        });
      fill(
        list,
        table(
          ['', 'id', 'job', 'failed', 'attempts', 'why'],
          page.tasks,
          (t) => [
            tick(t.id),
            taskLink(t.id),
            t.name,
            when(t.time_ended),
            t.attempts,
            h('span', { class: 'why' }, t.error ?? ''),
          ],
          'no dead-lettered task',
        ),
      );
      const newer = h(
        'button',
        { type: 'button', disabled: cursors.length === 1, onclick: () => (cursors.pop(), (shown = ''), ctx.refresh()) },
        '← newer',
      );
      const older = h(
        'button',
        {
          type: 'button',
          disabled: !page.cursor,
          onclick: () => (cursors.push(page.cursor), (shown = ''), ctx.refresh()),
        },
        'older →',
      );
      fill(pager, newer, h('span', {}, ` page ${cursors.length} `), older);
    },
  };
}
