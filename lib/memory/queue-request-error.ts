import { requestRefusal } from '../aws-rules/sqs-requests.js';
import { SkytaskError } from '../errors.js';

/**
 * A request SQS would refuse, as the memory queue throws it. `name` is SQS's error code
 * (`InvalidMessageContents`, `MessageNotInflight`…), as on the SDK's exceptions, so code
 * that tells errors apart by name sees the same thing from both queues.
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

/**
 * Throws what SQS answers to this request (an action and its JSON protocol members, as the
 * SQS adapter would send them), by SQS's rules (lib/aws-rules/): the memory queue refuses
 * exactly what the strict emulator and SQS refuse.
 */
export function checkRequest(action: string, request: Record<string, unknown>): void {
  const refusal = requestRefusal(action, request);
  if (refusal) throw new QueueRequestError(refusal.code, refusal.message);
}

/** The SDK's error for an aborted request. */
export function abortError(): Error {
  const err = new Error('Request aborted');
  err.name = 'AbortError';
  return err;
}
