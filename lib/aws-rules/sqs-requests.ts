/**
 * SQS's rules applied to whole requests, by action (the JSON protocol's members). A request
 * SQS refuses as a whole gets `requestRefusal`; the entries of a batch SQS refuses one by one
 * (SendMessageBatch, ChangeMessageVisibilityBatch answer 200 with a `Failed` list) get
 * `entryRefusals`. The memory queue checks the requests the SQS adapter would send with
 * them; the strict emulator checks every request fauxqs gets. Sources: see sqs.ts.
 */
import { messageBytes, messageRefusal, rangeRefusal, SQS_LIMITS, type SqsRefusal } from './sqs.js';

const BATCHES = new Set(['SendMessageBatch', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch']);
const BATCH_ID = new RegExp(`^[A-Za-z0-9_-]{1,${SQS_LIMITS.batchIdChars}}$`);
const MAX_VISIBILITY = SQS_LIMITS.maxVisibilitySeconds;

/** SQS's bounds on queue attributes, in seconds or bytes. */
const QUEUE_ATTRIBUTE_RANGES: Record<string, [number, number]> = {
  VisibilityTimeout: [0, MAX_VISIBILITY],
  DelaySeconds: [0, SQS_LIMITS.maxDelaySeconds],
  ReceiveMessageWaitTimeSeconds: [0, SQS_LIMITS.maxWaitSeconds],
  MaximumMessageSize: [1024, SQS_LIMITS.messageBytes],
  MessageRetentionPeriod: [60, 1_209_600],
};

/** Entries count (1–10) and ids (1–80 of `[A-Za-z0-9_-]`, distinct) of any batch action. */
function batchShapeRefusal(entries: unknown): SqsRefusal | undefined {
  const list = Array.isArray(entries) ? entries : [];
  if (list.length === 0) {
    return { code: 'EmptyBatchRequest', message: "The batch request doesn't contain any entries." };
  }
  if (list.length > SQS_LIMITS.batchEntries) {
    return {
      code: 'TooManyEntriesInBatchRequest',
      message: `Maximum number of entries per request are ${SQS_LIMITS.batchEntries}. You have sent ${list.length}.`,
    };
  }
  const ids = new Set<string>();
  for (const entry of list) {
    if (typeof entry?.Id !== 'string' || !BATCH_ID.test(entry.Id)) {
      return {
        code: 'InvalidBatchEntryId',
        message:
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      };
    }
    if (ids.has(entry.Id)) {
      return {
        code: 'BatchEntryIdsNotDistinct',
        message: 'Two or more batch entries in the request have the same Id.',
      };
    }
    ids.add(entry.Id);
  }
  return undefined;
}

function queueAttributesRefusal(attributes: Record<string, string> = {}): SqsRefusal | undefined {
  for (const [name, [min, max]] of Object.entries(QUEUE_ATTRIBUTE_RANGES)) {
    const value = attributes[name];
    if (value === undefined) continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      return {
        code: 'InvalidAttributeValue',
        message: `Invalid value for the parameter ${name}. Reason: Must be between ${min} and ${max}.`,
      };
    }
  }
  if (attributes.RedrivePolicy) {
    let count = Number.NaN;
    try {
      count = Number(JSON.parse(attributes.RedrivePolicy).maxReceiveCount);
    } catch {
      // not JSON: refused below
    }
    if (!Number.isInteger(count) || count < 1 || count > SQS_LIMITS.maxReceiveCount) {
      return {
        code: 'InvalidParameterValue',
        message: `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${count}, valid values are from 1 to 1000 both inclusive.`,
      };
    }
  }
  return undefined;
}

/** The error SQS answers for the whole request, or undefined. */
export function requestRefusal(action: string, body: Record<string, any>): SqsRefusal | undefined {
  if (BATCHES.has(action)) {
    const shape = batchShapeRefusal(body.Entries);
    if (shape) return shape;
  }
  switch (action) {
    case 'SendMessage':
      return messageRefusal(body);
    case 'SendMessageBatch': {
      const total = body.Entries.reduce(
        (sum: number, e: any) => sum + messageBytes(e.MessageBody, e.MessageAttributes),
        0,
      );
      if (total <= SQS_LIMITS.messageBytes) return undefined;
      return {
        code: 'BatchRequestTooLong',
        message: `Batch requests cannot be longer than ${SQS_LIMITS.messageBytes} bytes. You have sent ${total} bytes.`,
      };
    }
    case 'ReceiveMessage':
      return (
        rangeRefusal('MaxNumberOfMessages', body.MaxNumberOfMessages, 1, SQS_LIMITS.batchEntries) ??
        rangeRefusal('VisibilityTimeout', body.VisibilityTimeout, 0, MAX_VISIBILITY) ??
        rangeRefusal('WaitTimeSeconds', body.WaitTimeSeconds, 0, SQS_LIMITS.maxWaitSeconds)
      );
    case 'ChangeMessageVisibility':
      return rangeRefusal('VisibilityTimeout', body.VisibilityTimeout, 0, MAX_VISIBILITY);
    case 'CreateQueue':
    case 'SetQueueAttributes':
      return queueAttributesRefusal(body.Attributes);
    default:
      return undefined;
  }
}

/** A refused entry as SQS lists it in a batch's `Failed`. */
export interface FailedEntry {
  Id: string;
  SenderFault: true;
  Code: string;
  Message: string;
}

/** The entries of a batch SQS refuses one by one (the request itself passed `requestRefusal`). */
export function entryRefusals(action: string, body: Record<string, any>): FailedEntry[] {
  const check =
    action === 'SendMessageBatch'
      ? messageRefusal
      : action === 'ChangeMessageVisibilityBatch'
        ? (e: any) => rangeRefusal('VisibilityTimeout', e.VisibilityTimeout, 0, MAX_VISIBILITY)
        : undefined;
  if (!check) return [];
  const failed: FailedEntry[] = [];
  for (const entry of body.Entries) {
    const refusal = check(entry);
    if (refusal) failed.push({ Id: entry.Id, SenderFault: true, Code: refusal.code, Message: refusal.message });
  }
  return failed;
}
