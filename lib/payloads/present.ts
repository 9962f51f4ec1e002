/**
 * A task's payloads on the wire. A JSON-RPC reply is capped by Lambda's response limit
 * (`LIMITS.maxReplyBytes`, lib/rpc/reply-size.ts): `get_task` and `wait_for_task` give kwargs
 * and results kept in the payload bucket inline while the reply fits, and otherwise a link —
 * the marker with a presigned GET instead of the object's place:
 * `{"skytask:payload": {size, sha256, url, expires}}`. Listings always give links.
 */
import { LIMITS } from '../limits.js';
import type { PayloadRef, PayloadStore } from '../payload-store.js';
import { replyBytes } from '../rpc/reply-size.js';
import type { TaskWire } from '../task.js';
import { readPayload } from './claim-check.js';
import { GET_URL_SECONDS, MARKER, refOf } from './ref.js';

/** The link a reply gives for a payload: its size, its SHA-256 and a presigned GET. */
export interface PayloadLink {
  size: number;
  sha256: string;
  url: string;
  /** When the URL stops working, epoch seconds. */
  expires: number;
}

const FIELDS = ['kwargs', 'result'] as const;

async function linkOf(payloads: PayloadStore, ref: PayloadRef, now: number) {
  const url = await payloads.presignGet(ref.key, GET_URL_SECONDS);
  const link: PayloadLink = { size: ref.size, sha256: ref.sha256, url, expires: Math.floor(now + GET_URL_SECONDS) };
  return { [MARKER]: link };
}

/**
 * `wire` with each payload marker replaced: inline (the object read back) when `inline` and
 * the whole reply stays within `LIMITS.maxReplyBytes`, the smaller payload first; otherwise
 * by its link. A task without markers is returned as it is.
 */
export async function presentTask(
  payloads: PayloadStore | undefined,
  wire: TaskWire,
  o: { inline: boolean; now: number },
): Promise<TaskWire> {
  const refs = FIELDS.map((field) => ({ field, ref: refOf(wire[field]) })).filter((r) => r.ref);
  if (!refs.length || !payloads) return wire;
  const shown: TaskWire = { ...wire };
  for (const { field, ref } of refs) shown[field] = (await linkOf(payloads, ref!, o.now)) as never;
  if (!o.inline) return shown;
  for (const { field, ref } of refs.sort((a, b) => a.ref!.size - b.ref!.size)) {
    // A payload's JSON escaped in the reply weighs at least its size: larger ones are not read.
    if (ref!.size > LIMITS.maxReplyBytes - replyBytes(shown)) continue;
    const link = shown[field];
    shown[field] = JSON.parse((await readPayload(payloads, ref!)).toString('utf8'));
    if (replyBytes(shown) > LIMITS.maxReplyBytes) shown[field] = link as never;
  }
  return shown;
}

/** Every task of a listing with its payloads as links. */
export const presentListing = (payloads: PayloadStore | undefined, tasks: TaskWire[], now: number) =>
  Promise.all(tasks.map((task) => presentTask(payloads, task, { inline: false, now })));
