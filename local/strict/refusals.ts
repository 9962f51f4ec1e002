/**
 * How the strict emulators say no: the refusal goes back as the AWS error it stands for
 * (so the SDK throws what it would on AWS), and one line on stderr names the service, the
 * operation and the rule, so that a test or a local stack shows where the code would fail
 * on AWS. Only refusals of a request's content are logged: a failed condition, a missing
 * queue or a stale receipt handle are the application's normal paths.
 */

/** Error codes that mean "AWS refuses this request's content". */
const CONTENT_REFUSALS = new Set([
  // DynamoDB
  'ValidationException',
  'SerializationException',
  // SQS
  'InvalidMessageContents',
  'InvalidParameterValue',
  'InvalidAttributeValue',
  'InvalidAttributeName',
  'MissingParameter',
  'TooManyEntriesInBatchRequest',
  'BatchRequestTooLong',
  'BatchEntryIdsNotDistinct',
  'InvalidBatchEntryId',
  'EmptyBatchRequest',
]);

/** The code of an AWS JSON error type: `com.amazon.coral.validate#ValidationException` → `ValidationException`. */
export function errorCode(type: string): string {
  return type.slice(type.lastIndexOf('#') + 1);
}

/**
 * Set-up calls: their refusal fails the set-up itself, which reports it (a failed
 * `skytask start` says it in one line), so a second line would only repeat it. The line is
 * for the data plane, where application code can swallow or retry an error.
 */
const SET_UP = new Set([
  'CreateTable',
  'UpdateTable',
  'DeleteTable',
  'CreateQueue',
  'SetQueueAttributes',
  'DeleteQueue',
]);

/** Writes the stderr line for a refusal of a data-plane request's content; other errors pass silently. */
export function reportRefusal(service: 'DynamoDB' | 'SQS', action: string, code: string, message: string): void {
  if (!CONTENT_REFUSALS.has(code) || SET_UP.has(action)) return;
  // A message can quote the caller's input (dynalite quotes whole values): keep the line short.
  const text = message.length > 300 ? `${message.slice(0, 300)}…` : message;
  process.stderr.write(`[skytask strict] ${service} ${action} refused as AWS would: ${code}: ${text}\n`);
}
