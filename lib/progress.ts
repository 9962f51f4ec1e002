/**
 * Progress: how far a running task got, as its job reports it (`ctx.progress`). One value
 * per task, the latest, stored on the task's head item (`progress`, JSON text) by the
 * heartbeat's lease write or the finish — never a write of its own (lib/consumer/progress.ts).
 */
import { ValidationError } from './errors.js';
import { toJson } from './json.js';
import { itemBytes, LIMITS } from './limits.js';

/** What a job reports of how far it got; on the wire as it is (`progress` of a task). */
export interface TaskProgress {
  /** A number from 0 to 100 (percent done), or a small JSON object of the job's own (`{ "rows": 1200 }`). */
  value: number | Record<string, unknown>;
  /** A line for a person: `step 2 of 5`. */
  message?: string;
}

/** The head item's attribute holding a task's progress. */
export const PROGRESS_ATTR = 'progress';

/**
 * Seconds between two writes that carry progress, at least: a report sooner than this after
 * the last write waits for the next heartbeat (or the finish), which carries the latest.
 */
export const PROGRESS_INTERVAL_SECONDS = 5;

/** The stored text of a progress report: `{"value":…,"message":…}`. */
export const progressText = (p: TaskProgress): string =>
  JSON.stringify(p.message === undefined ? { value: p.value } : { value: p.value, message: p.message });

/** The progress in a stored text (undefined for none). */
export const progressOfText = (text: string | undefined): TaskProgress | undefined =>
  text === undefined ? undefined : JSON.parse(text);

/**
 * A job's report, checked: `value` a number from 0 to 100 or a plain JSON object (at most
 * `LIMITS.maxDepth` levels), `message` a string or absent; together, as the head stores them
 * (the attribute's name and its JSON text, counted in UTF-8 bytes as DynamoDB counts an item),
 * at most `LIMITS.progressBytes` (512) — the room a running head keeps free for them
 * (lib/task-items.ts), so a report never makes a heartbeat cost more than 1 write unit.
 * Throws ValidationError naming what is wrong.
 */
export function checkProgress(value: unknown, message?: unknown): TaskProgress {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > 100)
      throw new ValidationError(`progress value must be a number from 0 to 100 (percent), not ${value}`);
  } else if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('progress value must be a number from 0 to 100 or a JSON object');
  }
  if (message !== undefined && typeof message !== 'string')
    throw new ValidationError('progress message must be a string');
  const json = toJson(value, 'progress value', LIMITS.maxDepth);
  if ('problem' in json) throw new ValidationError(json.problem);
  const progress: TaskProgress = { value: JSON.parse(json.json), message };
  if (message === undefined) delete progress.message;
  const bytes = itemBytes({ [PROGRESS_ATTR]: progressText(progress) });
  if (bytes > LIMITS.progressBytes) {
    throw new ValidationError(
      `progress is ${bytes} bytes as stored (value and message as JSON), over the ${LIMITS.progressBytes}-byte limit`,
      { bytes, limit: LIMITS.progressBytes },
    );
  }
  return progress;
}
