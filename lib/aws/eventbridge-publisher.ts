import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENTBRIDGE_LIMITS, entryBytes, type PutEventsEntry } from '../aws-rules/eventbridge.js';
import type { EventPublisher } from '../event-publisher.js';
import type { Logger } from '../log.js';
import { traceFields, traceparentOfXRay } from '../trace.js';
import { type Backoff, backoffDelay, isThrottling } from './backoff.js';

/**
 * Entries PutEvents failed one by one (`FailedEntryCount` > 0) with a code worth trying
 * again: throttled, or EventBridge's own failure. 6 rounds wait at most 0.1 + 0.2 + 0.4 +
 * 0.8 + 1.6 s ≈ 3 s; an entry still failing stays pending in its task's outbox, and the
 * reconciler sends it later (docs/events.md).
 */
export const EVENTS_BACKOFF: Backoff = { baseMs: 100, capMs: 2_000, retries: 5 };

const RETRYABLE = new Set(['ThrottlingException', 'InternalFailure', 'InternalException', 'ServiceUnavailable']);

export interface EventBridgePublisherOptions {
  client: EventBridgeClient;
  /** The bus's name or ARN. */
  busName: string;
  logger: Logger;
  /** @default EVENTS_BACKOFF */
  backoff?: Backoff;
  /** Log every accepted event at info (the local stack: its events in the log). @default false */
  logEvents?: boolean;
}

/**
 * `entries` in PutEvents requests, in order: at most 10 entries and 1 MB (entries counted as
 * EventBridge counts them) a request. Each entry is within 256 KB already (lib/task-events.ts).
 */
export function requestsOf<T>(entries: T[], entryOf: (item: T) => PutEventsEntry): T[][] {
  const requests: T[][] = [];
  let bytes = 0;
  for (const item of entries) {
    const size = entryBytes(entryOf(item));
    const last = requests.at(-1);
    if (last && last.length < EVENTBRIDGE_LIMITS.entriesPerRequest && bytes + size <= EVENTBRIDGE_LIMITS.requestBytes) {
      last.push(item);
      bytes += size;
    } else {
      requests.push([item]);
      bytes = size;
    }
  }
  return requests;
}

type Pending = { entry: PutEventsEntry; done: (sent: boolean) => void };

/**
 * The EventBridge adapter of the publisher port. Calls made in the same turn of the event loop
 * (a consumer batch's tasks finishing together, `queue_tasks`) go out together, in requests of
 * ≤ 10 entries and ≤ 1 MB. Entries PutEvents fails one by one with a retryable code, or all of a
 * request that failed as a whole (throttled, 5xx, the network), are sent again after a
 * full-jitter wait (`EVENTS_BACKOFF`); the entries it accepted are never sent again.
 */
export function createEventBridgePublisher(options: EventBridgePublisherOptions): EventPublisher {
  let queued: Pending[] = [];
  const flush = () => {
    const batch = queued;
    queued = [];
    void sendAll(options, batch);
  };
  return {
    publish(entries) {
      if (!entries.length) return Promise.resolve([]);
      if (!queued.length) setImmediate(flush);
      return Promise.all(entries.map((entry) => new Promise<boolean>((done) => queued.push({ entry, done }))));
    },
  };
}

/** Send `pending` until each is accepted or refused for good; tell each how it went. */
async function sendAll(options: EventBridgePublisherOptions, pending: Pending[]): Promise<void> {
  const backoff = options.backoff ?? EVENTS_BACKOFF;
  let left = pending;
  let lastError = '';
  for (let round = 0; left.length && round <= backoff.retries; round++) {
    if (round) await (backoff.sleep ?? sleep)(backoffDelay(round, backoff));
    const again: Failed[] = [];
    for (const request of requestsOf(left, (p) => p.entry)) {
      let failed: Failed[];
      try {
        failed = await sendRequest(options, request);
      } catch (err) {
        lastError = `${(err as Error).name}: ${(err as Error).message}`;
        if (!isThrottling(err) && !isServerSide(err)) {
          refuse(options, request, lastError);
          continue;
        }
        failed = request.map((p) => ({ ...p, code: 'ThrottlingException' }));
      }
      for (const f of failed) {
        if (RETRYABLE.has(f.code)) again.push(f);
        else refuse(options, [f], f.code);
      }
    }
    left = again;
  }
  if (left.length) refuse(options, left, `still failing after ${backoff.retries + 1} tries (${lastError})`);
}

type Failed = Pending & { code: string };

/** One PutEvents request; the entries it failed, with their codes. Accepted entries are told so. */
async function sendRequest(options: EventBridgePublisherOptions, request: Pending[]): Promise<Failed[]> {
  const out = await options.client.send(
    new PutEventsCommand({ Entries: request.map((p) => ({ ...p.entry, EventBusName: options.busName })) }),
  );
  const failed: Failed[] = [];
  for (const [k, result] of (out.Entries ?? []).entries()) {
    if (result.EventId && !result.ErrorCode) {
      request[k].done(true);
      if (options.logEvents) logAccepted(options.logger, request[k].entry);
    } else failed.push({ ...request[k], code: result.ErrorCode ?? 'InternalFailure' });
  }
  return failed;
}

function refuse(options: EventBridgePublisherOptions, pending: Pending[], why: string): void {
  for (const p of pending) p.done(false);
  if (pending.length) {
    options.logger.warn(
      { events: pending.length, reason: why },
      'task events not sent: they stay pending in the outbox',
    );
  }
}

function logAccepted(logger: Logger, entry: PutEventsEntry): void {
  const detail = JSON.parse(entry.Detail ?? '{}');
  const { trace_id } = traceFields(traceparentOfXRay(entry.TraceHeader));
  logger.info(
    { task_id: detail.id, job: detail.name, event: entry.DetailType, event_id: detail.event_id, trace_id },
    'task event',
  );
}

/** A 5xx, or no answer at all (the network). */
const isServerSide = (err: unknown) =>
  ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500) >= 500;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
