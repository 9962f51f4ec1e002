import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { cutBytes } from './bytes.js';
import { ECHO_BYTES } from './echo.js';
import { decodeEnvelope, taskIdOf } from './envelope.js';
import { SETTINGS } from './settings.js';
import { traceFields } from './trace.js';

export type Logger = PinoLogger;

/** UTF-8 bytes a string field of a log line, or an error's message, takes at most; a stack twice that. */
export const LOG_VALUE_BYTES = 4096;

/**
 * Top-level strings of a log line cut to LOG_VALUE_BYTES (the net under every call site's
 * own bound), and errors under any key serialized as `err` is (JSON makes an Error `{}`).
 */
function boundFields(object: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === 'string' && value.length > LOG_VALUE_BYTES / 3) object[key] = cutBytes(value, LOG_VALUE_BYTES);
    else if (value instanceof Error && key !== 'err') object[key] = boundError(value);
  }
  return object;
}

/** pino's error serializer, with the message and stack cut (an error may quote outside input). */
function boundError(err: unknown) {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (typeof out?.message === 'string') out.message = cutBytes(out.message, LOG_VALUE_BYTES);
  if (typeof out?.stack === 'string') out.stack = cutBytes(out.stack, 2 * LOG_VALUE_BYTES);
  return out;
}

const cutField = (value: unknown) => (typeof value === 'string' ? cutBytes(value, ECHO_BYTES) : value);

/**
 * Structured JSON logs (one object a line, what CloudWatch and log tools want). The
 * local stack passes a pretty stream when a person is at the terminal. Every line about
 * a task carries `task_id` and `job`: use `taskLogger`. No line carries a whole outside
 * input: call sites echo it bounded (lib/echo.ts), and this logger cuts any top-level
 * string to 4 KB, `job` and `task_id` (also in child bindings) to 200 bytes, errors'
 * messages to 4 KB and stacks to 8 KB.
 */
export function createLogger(options: { level?: string; stream?: DestinationStream } = {}): Logger {
  const level = options.level ?? process.env[SETTINGS.logLevel.env] ?? SETTINGS.logLevel.default;
  const opts = {
    level,
    base: undefined,
    messageKey: 'msg',
    formatters: { log: boundFields },
    serializers: { err: boundError, job: cutField, task_id: cutField },
  };
  return options.stream ? pino(opts, options.stream) : pino(opts);
}

/** A logger whose lines carry `task_id`, `job` and, in a trace, `trace_id` and `span_id` (lib/trace.ts). */
export function taskLogger(logger: Logger, task: { id: string; name: string; traceparent?: string }): Logger {
  return logger.child({ task_id: task.id, job: task.name, ...traceFields(task.traceparent) });
}

/**
 * A logger for one received message: `message_id`, and `task_id` and `job` when the body
 * is an envelope (cut to 200 bytes: a producer's body is outside input). Never throws.
 */
export function messageLogger(logger: Logger, message: { messageId: string; body: string }): Logger {
  const decoded = decodeEnvelope(message.body);
  if ('invalid' in decoded) return logger.child({ message_id: message.messageId });
  const job = (decoded.envelope ?? decoded.producer).job;
  return logger.child({
    task_id: cutBytes(taskIdOf(decoded, message.messageId), ECHO_BYTES),
    job: cutBytes(job, ECHO_BYTES),
    message_id: message.messageId,
  });
}
