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

/** Writes the stderr line for a refusal of content; other errors pass silently. */
export function reportRefusal(service: 'DynamoDB' | 'SQS', action: string, code: string, message: string): void {
  if (!CONTENT_REFUSALS.has(code)) return;
  // A message can quote the caller's input (dynalite quotes whole values): keep the line short.
  const text = message.length > 300 ? `${message.slice(0, 300)}…` : message;
  process.stderr.write(`[skytask strict] ${service} ${action} refused as AWS would: ${code}: ${text}\n`);
}
