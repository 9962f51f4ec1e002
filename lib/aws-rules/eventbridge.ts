/**
 * EventBridge PutEvents, as AWS counts and refuses it. The publisher (lib/aws/eventbridge-
 * publisher.ts) fits its requests to these rules; the strict local endpoint
 * (local/strict/strict-eventbridge.ts) refuses what breaks them, as AWS does.
 *
 * Sources (AWS, 2026-11): PutEvents (API reference: Entries 1–10; Detail, DetailType and
 * Source required for an event to be sent); PutEventsRequestEntry (Source 1–256 characters,
 * not `aws.`; DetailType 1–128; Resources ≤ 100 of ≤ 2,048); "Calculating PutEvents event
 * entry size" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html):
 * an entry is at most 256 KB, counted as Time 14 bytes if given, plus the UTF-8 bytes of
 * Source, DetailType, Detail and each of Resources; a request is at most 1 MB.
 */
import { utf8Bytes } from '../bytes.js';

export const EVENTBRIDGE_LIMITS = {
  /** Entries in one PutEvents request. */
  entriesPerRequest: 10,
  /** One entry, counted by `entryBytes`: 256 KB. */
  entryBytes: 256 * 1024,
  /** One PutEvents request's entries together, counted by `entryBytes`: 1 MB. */
  requestBytes: 1024 * 1024,
  /** Source, in characters. */
  sourceChars: 256,
  /** DetailType, in characters. */
  detailTypeChars: 128,
} as const;

/** A PutEvents entry (the JSON protocol carries `Time` as epoch seconds: only its presence counts here). */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: Date;
  /**
   * An X-Ray trace header (1–500 characters) EventBridge passes to the targets; it is not
   * counted in the entry's size, and an invalid one is dropped by X-Ray, the event still
   * sent (AWS: "Amazon EventBridge integration with AWS X-Ray").
   */
  TraceHeader?: string;
}

/** An entry's size as EventBridge counts it toward its 256 KB (the AWS page above, word for word). */
export function entryBytes(entry: PutEventsEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  size += utf8Bytes(entry.Source ?? '') + utf8Bytes(entry.DetailType ?? '');
  if (entry.Detail !== undefined) size += utf8Bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8Bytes(resource);
  return size;
}

/** Why EventBridge refuses a whole request (HTTP 400 ValidationException), or undefined. */
export function requestRefusal(entries: unknown): string | undefined {
  if (!Array.isArray(entries) || entries.length === 0) {
    return "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null";
  }
  if (entries.length > EVENTBRIDGE_LIMITS.entriesPerRequest) {
    return `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${EVENTBRIDGE_LIMITS.entriesPerRequest}`;
  }
  let total = 0;
  for (const [i, entry] of (entries as PutEventsEntry[]).entries()) {
    const bytes = entryBytes(entry ?? {});
    if (bytes > EVENTBRIDGE_LIMITS.entryBytes) return `Entry ${i} is ${bytes} bytes: over the entry limit of 256 KB.`;
    if ((entry?.DetailType?.length ?? 0) > EVENTBRIDGE_LIMITS.detailTypeChars) {
      return `1 validation error detected: Value at 'entries.${i + 1}.member.detailType' failed to satisfy constraint: Member must have length less than or equal to ${EVENTBRIDGE_LIMITS.detailTypeChars}`;
    }
    total += bytes;
  }
  if (total > EVENTBRIDGE_LIMITS.requestBytes) return 'Total size of the entries in the request is over the limit.';
  return undefined;
}

/** Why EventBridge fails one entry of an accepted request (its `ErrorCode` and `ErrorMessage`), or undefined. */
export function entryRefusal(entry: PutEventsEntry): { code: string; message: string } | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return {
        code: 'InvalidArgument',
        message: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  if (entry.Source!.length > EVENTBRIDGE_LIMITS.sourceChars || entry.Source!.startsWith('aws.')) {
    return { code: 'NotAuthorizedForSourceException', message: `Not authorized for the source ${entry.Source}.` };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail!);
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  return undefined;
}
