/**
 * Task events (docs/events.md): the newest the local stack's event bus accepted, newest
 * first, from the read-only feed `GET /events` of the same origin. Locally only: behind
 * `skytask dashboard` (a deployed stack) the events go to rules on the bus, and the panel
 * says so.
 */
import { fill, h, table, taskLink, when } from './dom.js';

/** Events shown, the newest. */
const SHOWN = 50;

export function mount(main) {
  const list = h('div', { id: 'events' });
  fill(main, h('h2', {}, 'Task events'), list);
  const seen = [];
  let after = 0;
  let shown = -1;
  return {
    async refresh() {
      const res = await fetch(`/events?after=${after}`, { headers: { accept: 'application/json' } });
      if (!res.ok) {
        const why = `No events feed here (${res.status}): the local stack has one; on AWS, rules on the bus get the events.`;
        return fill(list, h('p', { class: 'empty' }, why));
      }
      const { events, last } = await res.json();
      seen.push(...events);
      seen.splice(0, Math.max(0, seen.length - SHOWN));
      after = last;
      if (shown === last) return;
      shown = last;
      fill(
        list,
        table(
          ['received', 'event', 'task', 'job', 'attempt', 'event id'],
          [...seen].reverse(),
          (e) => [
            when(e.received),
            h('span', { class: 'event' }, e.detailType),
            taskLink(e.detail.id),
            e.detail.name,
            e.detail.attempt,
            h('code', {}, e.detail.event_id),
          ],
          'no task events yet: jobs with events: true send them',
        ),
      );
    },
  };
}
