import { SkytaskError } from '../errors.js';
import { INVALID_CHARACTER, MAX_MESSAGE_BYTES, messageBytes } from '../sqs-message.js';

export { MAX_MESSAGE_BYTES, messageBytes };

/**
 * What SQS checks and refuses, for the memory queue: the same limits and error codes a
 * caller of the SQS adapter meets.
 */

/** SQS's longest long poll. */
export const MAX_WAIT_SECONDS = 20;
/** The dead-letter queue's visibility timeout: SQS's default, which the provisioned DLQ keeps. */
export const DEAD_LETTER_VISIBILITY_SECONDS = 30;

/**
 * A request SQS would refuse. `name` is SQS's error code (`InvalidMessageContents`,
 * `MessageNotInflight`…), as on the SDK's exceptions, so code that tells errors apart by
 * name sees the same thing from both queues.
 */
export class QueueRequestError extends SkytaskError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The SDK's error for an aborted request. */
export function abortError(): Error {
  const err = new Error('Request aborted');
  err.name = 'AbortError';
  return err;
}

/** The delay the SQS adapter sends: whole seconds, rounded up, 0 to 900. */
export const normalizeDelay = (seconds = 0) => (seconds > 0 ? Math.min(900, Math.ceil(seconds)) : 0);

/** The visibility timeout the SQS adapter sends: whole seconds, rounded up, 0 to 12 hours. */
export const normalizeVisibility = (seconds: number) => Math.max(0, Math.min(43_200, Math.ceil(seconds)));

/** The message count the SQS adapter asks for: 1 to 10. */
export const normalizeMax = (max: number) => Math.max(1, Math.min(10, max));

/** Why SQS would refuse this message on its own, or undefined. */
export function messageProblem(body: string, attributes?: Record<string, string>): QueueRequestError | undefined {
  if (!body) return new QueueRequestError('MissingParameter', 'The request must contain the parameter MessageBody.');
  if ([body, ...Object.values(attributes ?? {})].some((text) => INVALID_CHARACTER.test(text))) {
    return new QueueRequestError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF and #xE000 to #xFFFD.',
    );
  }
  if (messageBytes(body, attributes) > MAX_MESSAGE_BYTES) {
    return new QueueRequestError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
    );
  }
  return undefined;
}

/** Throws as SQS does for a long poll it does not allow. */
export function checkWait(waitSeconds: number): void {
  if (waitSeconds < 0 || waitSeconds > MAX_WAIT_SECONDS) {
    throw new QueueRequestError(
      'InvalidParameterValue',
      `Value ${waitSeconds} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= ${MAX_WAIT_SECONDS}, if provided.`,
    );
  }
}
