/**
 * What one JSON-RPC reply may weigh. On AWS the reply is the `body` of a Lambda proxy
 * response, and Lambda refuses a synchronous response over 6 MB: the caller then gets API
 * Gateway's bare 500, not JSON-RPC (Lambda quotas, "Invocation payload (request and
 * response)"). The body travels as a JSON string inside that response, so each quote and
 * backslash of the reply counts twice: every size here is measured that way.
 */
import { utf8Bytes } from '../bytes.js';
import { cursorAfter } from '../keys.js';
import { LIMITS } from '../limits.js';
import type { TaskWire } from '../task.js';
import { workflowCursor } from '../tasks/workflow-inspect.js';
import type { WorkflowWire } from '../workflow-state.js';
import { invalid } from './params.js';

/** UTF-8 bytes `value` adds to a Lambda proxy response: its JSON, escaped as a JSON string. */
export function replyBytes(value: unknown): number {
  return escapedBytes(JSON.stringify(value) ?? 'null');
}

/** UTF-8 bytes of JSON text once escaped as a JSON string (the Lambda proxy response's `body`). */
export const escapedBytes = (json: string): number => utf8Bytes(JSON.stringify(json));

/** The leading tasks whose replies fit in `budget` bytes together (at least none, at most all). */
function fitting(tasks: readonly TaskWire[], budget: number): number {
  let used = 0;
  for (const [n, task] of tasks.entries()) {
    used += replyBytes(task) + 1;
    if (used > budget) return n;
  }
  return tasks.length;
}

/**
 * A listing page cut to `LIMITS.maxPageBytes`: the tasks that fit (always the first: one
 * task's reply is far below the budget), newest first, and the cursor that resumes after
 * the last of them — the store's own cursor when all fit.
 */
export function fitListing(tasks: TaskWire[], cursor: string | null): { tasks: TaskWire[]; cursor: string | null } {
  const n = Math.max(1, fitting(tasks, LIMITS.maxPageBytes));
  if (n >= tasks.length) return { tasks, cursor };
  const last = tasks[n - 1];
  return { tasks: tasks.slice(0, n), cursor: cursorAfter(last.time_queued, last.id) };
}

/** `get_tasks`' cursor over an `ids` list: the position of the next id to answer. */
export const encodeIdsCursor = (offset: number) => Buffer.from(JSON.stringify({ i: offset })).toString('base64url');

/** The position in a cursor from `encodeIdsCursor`. Throws ValidationError (-32602) for any other. */
export function decodeIdsCursor(cursor: string, ids: readonly string[]): number {
  try {
    const { i } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(i) && i > 0 && i < ids.length) return i;
  } catch {
    /* fall through */
  }
  throw invalid('cursor is not one that get_tasks returned for these ids');
}

/**
 * The tasks of an `ids` query (read from `ids[offset]` on, in that order) cut to
 * `LIMITS.maxPageBytes`, and a cursor when some are left: the same ids with that cursor
 * answer the rest.
 */
export function fitIds(
  tasks: TaskWire[],
  ids: readonly string[],
  offset: number,
): { tasks: TaskWire[]; cursor: string | null } {
  const n = Math.max(1, fitting(tasks, LIMITS.maxPageBytes));
  if (n >= tasks.length) return { tasks, cursor: null };
  // Tasks come in the ids' order (absent ids dropped, repeats kept): walk both to the first left out.
  let position = offset - 1;
  for (const task of tasks.slice(0, n + 1)) position = ids.indexOf(task.id, position + 1);
  return { tasks: tasks.slice(0, n), cursor: encodeIdsCursor(position) };
}

/** The error that replaces a batch answer with no room left in the reply. */
export const tooLarge = (bytes: number) =>
  `this answer (${bytes} bytes) does not fit in the reply with the others (${LIMITS.maxReplyBytes} bytes at most, Lambda's 6 MB response limit): call it on its own`;

/**
 * A workflow's state with its page of members cut to what `LIMITS.maxPageBytes` leaves
 * besides the rest of it (the callback, the error path, the result): at least one member,
 * and the cursor that resumes at the first left out.
 */
export function fitWorkflow(state: WorkflowWire): WorkflowWire {
  const budget = LIMITS.maxPageBytes - replyBytes({ ...state, members: [] });
  const n = Math.max(1, fitting(state.members, budget));
  if (n >= state.members.length) return state;
  const next = state.members[n].id;
  return {
    ...state,
    members: state.members.slice(0, n),
    cursor: workflowCursor(Number(next.slice(next.lastIndexOf(':') + 1))),
  };
}
