/**
 * Trace context: the W3C `traceparent` a task carries from its enqueue to its run, so a
 * trace shows enqueue → run. Stored on the task, carried in its message's envelope, bound to
 * its log lines (`trace_id`, `span_id`) and metrics (`trace_id`). X-Ray trace headers are
 * read as the same context: an X-Ray trace id is a W3C trace id written differently.
 *
 * W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `version-traceid-parentid-flags`, lowercase hex, 2-32-16-2 digits; version `ff`, an
 * all-zero trace id or parent id are invalid; a version above 00 may carry more fields
 * after a `-`, which a version 00 reader ignores.
 */
import { randomBytes } from 'node:crypto';
import { ValidationError } from './errors.js';

/** A traceparent's parts. */
export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** The caller's span: 16 lowercase hex digits. */
  parentId: string;
  /** 2 hex digits; `01`: sampled. */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

/** The parts of a valid traceparent, or undefined (never throws: headers come from outside). */
export function parseTraceparent(text: unknown): TraceContext | undefined {
  if (typeof text !== 'string' || text.length > 512) return undefined;
  const m = TRACEPARENT.exec(text);
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, more] = m;
  if (version === 'ff' || ZEROS.test(traceId) || ZEROS.test(parentId)) return undefined;
  if (version === '00' && more !== undefined) return undefined;
  return { traceId, parentId, flags };
}

/** A context as a version 00 traceparent (what skytask stores and sends, whatever version it read). */
export const formatTraceparent = (c: TraceContext): string => `00-${c.traceId}-${c.parentId}-${c.flags}`;

/**
 * A caller's traceparent, checked before anything is written: the version 00 form of a
 * valid one. Throws ValidationError (JSON-RPC -32602) naming the param otherwise.
 */
export function checkTraceparent(value: unknown, param = 'traceparent'): string {
  const context = parseTraceparent(value);
  if (!context) {
    throw new ValidationError(
      `${param} must be a W3C traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase, ids not all zero`,
    );
  }
  return formatTraceparent(context);
}

/**
 * A request's `traceparent` header as a task's trace context: the version 00 form of a valid
 * one, else undefined. W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header,
 * §3.2.2.3–4): a vendor MUST ignore a traceparent whose ids are invalid, and restart the
 * trace; so a proxy's or a tracer's malformed header fails no call. Two headers joined by a
 * comma are invalid.
 */
export function headerTraceparent(header: unknown): string | undefined {
  const context = parseTraceparent(header);
  return context && formatTraceparent(context);
}

const XRAY_ROOT = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})(?:;|$)/;
const XRAY_PARENT = /(?:^|;)\s*Parent=([0-9a-f]{16})(?:;|$)/;
const XRAY_SAMPLED = /(?:^|;)\s*Sampled=1(?:;|$)/;

/**
 * An X-Ray trace header (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`:
 * Lambda's `_X_AMZN_TRACE_ID`, SQS's `AWSTraceHeader`) as a traceparent: the root's two parts
 * are the trace id; without a `Parent` there is no span to hang from (undefined).
 */
export function traceparentOfXRay(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const root = XRAY_ROOT.exec(header);
  const parent = XRAY_PARENT.exec(header);
  if (!root || !parent) return undefined;
  const traceparent = `00-${root[1]}${root[2]}-${parent[1]}-${XRAY_SAMPLED.test(header) ? '01' : '00'}`;
  return parseTraceparent(traceparent) && traceparent;
}

/**
 * A traceparent as an X-Ray trace header, the inverse of `traceparentOfXRay`: the trace id's
 * first 8 and last 24 hex digits as the root, its span as `Parent`, its sampled flag. What
 * EventBridge's PutEvents takes as an entry's `TraceHeader` and passes on to the rule's
 * targets. Undefined for no or an invalid traceparent.
 *
 * @example xrayOfTraceparent('00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01') === 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'
 */
export function xrayOfTraceparent(traceparent: string | undefined): string | undefined {
  const c = parseTraceparent(traceparent);
  if (!c) return undefined;
  const sampled = Number.parseInt(c.flags, 16) & 1;
  return `Root=1-${c.traceId.slice(0, 8)}-${c.traceId.slice(8)};Parent=${c.parentId};Sampled=${sampled}`;
}

/** The trace the code runs in, when Lambda says (`_X_AMZN_TRACE_ID`, set per invocation); undefined elsewhere. */
export const ambientTraceparent = (env: NodeJS.ProcessEnv = process.env): string | undefined =>
  traceparentOfXRay(env._X_AMZN_TRACE_ID);

/** A new span in the same trace, child of `traceparent`'s (a run of the task it was queued with). */
export function childTraceparent(traceparent: string): string | undefined {
  const c = parseTraceparent(traceparent);
  return c && formatTraceparent({ ...c, parentId: randomBytes(8).toString('hex') });
}

/** The fields a log line or a metric carries for a traceparent: `trace_id`, `span_id` (none without one). */
export function traceFields(traceparent: string | undefined): { trace_id?: string; span_id?: string } {
  const c = parseTraceparent(traceparent);
  return c ? { trace_id: c.traceId, span_id: c.parentId } : {};
}
