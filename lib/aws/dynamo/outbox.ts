/** Removing sent events from a task's outbox (the marks: outbox-marks.ts; docs/events.md). */
import type { EventMarks, TaskEventKind } from '../../task-events.js';
import { markAttr } from './outbox-marks.js';
import type { TaskTable } from './table.js';
import { updateTask } from './update.js';

/**
 * Remove sent events from the head, each only if it still holds the time it was sent with
 * (a later change of the same kind — a new attempt's STARTED — keeps its own mark). One
 * UpdateItem a mark (usually one); a mark already gone or replaced writes nothing.
 */
export async function clearEvents(table: TaskTable, id: string, marks: EventMarks): Promise<void> {
  await Promise.all(
    Object.entries(marks).map(([kind, time]) =>
      updateTask(table, id, {
        remove: [markAttr(kind as TaskEventKind)],
        condition: `#${markAttr(kind as TaskEventKind)} = :sent`,
        values: { ':sent': time },
      }),
    ),
  );
}
