/**
 * A task's side items (lib/keys.ts): the items beside its head that the head names — its body
 * (`BODY_ATTR`: kwargs and caller too large for the head) and its fail item (`FAIL_ATTR`: the
 * error, stack and history of an attempt that will be retried). Each is written once under a
 * fresh random ref, never updated but for its TTL, and read with its head. Their layout,
 * shared by the DynamoDB adapter (lib/aws/dynamo/side-items.ts reads and writes them) and the
 * memory store (which counts their writes); the head's is lib/task-items.ts.
 */
import { bodyKey, failKey, taskIdOfPartition } from './keys.js';
import type { AttemptError } from './task.js';

/** A DynamoDB item as the document client reads and writes it. */
export type Item = Record<string, any>;

/** The attribute naming the body's ref on a head whose kwargs live in a body. */
export const BODY_ATTR = 'body';
/** The attribute naming the fail item's ref on a head whose last attempt's error, stack and history live in one. */
export const FAIL_ATTR = 'fail';

/**
 * A task's side items, written once and never updated, cannot take their TTL from the task's
 * end as the head does (that would be a write as large as the item). A body gets one at
 * enqueue, a fail item at its RETRY finish: the time the task is due (for the retry), plus
 * the retention, plus this slack — the time it has to run and end. A claim that finds less
 * left moves it on (lib/aws/dynamo/side-items.ts `keepSideItems`), as does an end that finds
 * its head would outlive the item. docs/storage.md: the body's lifetime.
 */
export const BODY_SLACK_SECONDS = 86_400;

/** The TTL a side item (a body, a fail item) gets when its task is due at `due` (epoch seconds). */
export const bodyTtl = (retentionSeconds: number, due: number) =>
  Math.ceil(due + retentionSeconds + BODY_SLACK_SECONDS);

/** A task's side items: those its head names (`BODY_ATTR`, `FAIL_ATTR`), read with it. */
export interface SideItems {
  body?: Item;
  fail?: Item;
}

/** The attributes a fail item holds, as a head holds them: the error, the stack, the history (`errors`, JSON text). */
export const FAIL_FIELDS = ['error', 'stack', 'errors'] as const;
export type Failure = { [attr in (typeof FAIL_FIELDS)[number]]?: string };

/** An outcome's error, stack and history as a head or a fail item stores them (absent ones undefined). */
export const failureOf = (outcome: { error?: string; stack?: string; errors?: AttemptError[] }): Failure => ({
  error: outcome.error,
  stack: outcome.stack,
  errors: outcome.errors?.length ? JSON.stringify(outcome.errors) : undefined,
});

/**
 * The fail item of task `id` under `ref`: a failed attempt's error, stack and history, kept
 * off the head so that the retry's claim and heartbeats cost what the head weighs (1 unit),
 * and `ttl` (`bodyTtl` from the retry's due time). docs/storage.md: the head and the body.
 */
export function failItem(id: string, ref: string, failure: Failure, ttl: number): Item {
  const item: Item = { ...failKey(id, ref), ttl };
  for (const attr of FAIL_FIELDS) if (failure[attr] !== undefined) item[attr] = failure[attr];
  return item;
}

/**
 * A head's attributes as its task shows them: the fail item's error, stack and history fill
 * those the head lacks; the head's own win (an end after the RETRY — a revoke, an expiry, a
 * dead letter — writes its reason as the error and keeps the attempt's stack and history).
 */
export function withFailure(head: Item, fail: Item | undefined): Item {
  if (!fail) return head;
  const shown = { ...head };
  for (const attr of FAIL_FIELDS) if (shown[attr] === undefined && fail[attr] !== undefined) shown[attr] = fail[attr];
  return shown;
}

/** The keys of the side items a head names. */
export function sideKeys(head: Item): Item[] {
  const id = taskIdOfPartition(head.pk);
  const keys: Item[] = [];
  if (head[BODY_ATTR] !== undefined) keys.push(bodyKey(id, head[BODY_ATTR]));
  if (head[FAIL_ATTR] !== undefined) keys.push(failKey(id, head[FAIL_ATTR]));
  return keys;
}

/**
 * The side items a head names among `items` (its partition's, a batch read's). Any other
 * body or fail item there — a crash's, a lost race's, an earlier attempt's — is passed over.
 */
export function sidesOf(head: Item, items: readonly Item[]): SideItems {
  const id = taskIdOfPartition(head.pk);
  const find = (key: Item) => items.find((item) => item.pk === key.pk && item.sk === key.sk);
  const sides: SideItems = {};
  if (head[BODY_ATTR] !== undefined) sides.body = find(bodyKey(id, head[BODY_ATTR]));
  if (head[FAIL_ATTR] !== undefined) sides.fail = find(failKey(id, head[FAIL_ATTR]));
  return sides;
}
