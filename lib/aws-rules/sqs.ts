/**
 * Amazon SQS's documented limits on what a request carries, as pure checks over the JSON
 * protocol's request members (the SDK sends `X-Amz-Target: AmazonSQS.<Action>` with the
 * API's member names): the one home of these rules. The memory queue checks the requests
 * the SQS adapter would send with them, the adapter's attribute sanitizer
 * (lib/sqs-message.ts) fits its values to them, and the strict emulator
 * (local/strict/strict-fauxqs.ts) refuses with them. Each check answers the error SQS
 * sends, or undefined when SQS accepts.
 *
 * Sources:
 * - SendMessage / SendMessageBatch (characters, 1 MiB, DelaySeconds 0–900, batches of 10):
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 * - Message attributes (≤ 10; name, type and value rules; all parts count toward the size):
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html
 * - ReceiveMessage (MaxNumberOfMessages 1–10, WaitTimeSeconds 0–20, VisibilityTimeout 0–43,200),
 *   ChangeMessageVisibility(Batch), DeleteMessageBatch, queue attributes (SetQueueAttributes):
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 * The messages follow what SQS answers (as LocalStack's snapshot tests record it).
 */

import { utf8Bytes } from '../bytes.js';
import { parseDecimal } from './decimal.js';

/** An SQS error: the code (`__type` without its namespace) and the message. */
export interface SqsRefusal {
  code: string;
  message: string;
}

/** SQS's limits: bytes (1 MiB = 1,048,576), entries per batch, attributes, characters, seconds. */
export const SQS_LIMITS = {
  /** A message: the body plus each attribute's name, type and value (`messageBytes`); also a whole batch. */
  messageBytes: 1024 * 1024,
  /** Entries of one batch request; also ReceiveMessage's MaxNumberOfMessages. */
  batchEntries: 10,
  messageAttributes: 10,
  attributeNameChars: 256,
  attributeTypeChars: 256,
  batchIdChars: 80,
  /** DelaySeconds, of a message or a queue. */
  maxDelaySeconds: 900,
  /** VisibilityTimeout (12 hours). */
  maxVisibilitySeconds: 43_200,
  /** WaitTimeSeconds: the longest long poll. */
  maxWaitSeconds: 20,
  /** A redrive policy's maxReceiveCount: 1 to this. */
  maxReceiveCount: 1000,
  /** The chunk of a request's payload SQS bills as one request (64 KB: `billedRequests`). */
  billedChunkBytes: 64 * 1024,
} as const;

/**
 * The requests SQS bills for one request carrying `bytes` of payload: one per 64 KB chunk
 * begun, at least one. AWS, Amazon SQS pricing (https://aws.amazon.com/sqs/pricing/): "Each
 * 64 KB chunk of a payload is billed as 1 request (for example, an API action with a 256 KB
 * payload is billed as 4 requests)".
 */
export const billedRequests = (bytes: number): number => Math.max(1, Math.ceil(bytes / SQS_LIMITS.billedChunkBytes));

/**
 * Matches a character SQS refuses in a body or a String attribute value: anything outside
 * W3C XML's Char (`#x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF`), so
 * characters beyond the BMP are allowed; with the `u` flag a lone surrogate is a code point
 * of its own, and refused.
 */
export const INVALID_CHARACTER = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** A message attribute as the JSON protocol carries it (a Binary value in base64). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

const invalid = (message: string): SqsRefusal => ({ code: 'InvalidParameterValue', message });

/** An integer parameter outside [min, max], when given. */
export function rangeRefusal(name: string, value: unknown, min: number, max: number): SqsRefusal | undefined {
  if (value === undefined || value === null) return undefined;
  if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max) return undefined;
  return invalid(`Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}.`);
}

const NAME_CHARS = /^[A-Za-z0-9_.-]+$/;
/**
 * SQS Number: up to 38 digits of precision, from 10^-128 to 10^+126 (read inclusively: the
 * first significant digit's power of ten within [-128, 126]).
 */
function numberRefusal(name: string, text: string): SqsRefusal | undefined {
  const decimal = parseDecimal(text);
  if (!decimal) return invalid(`Can't cast message (user) attribute '${name}' to a number.`);
  const { digits, exponent } = decimal;
  if (digits && (digits.length > 38 || exponent > 126 || exponent < -128)) {
    return invalid(
      `Message (user) attribute '${name}' is out of range: a Number has up to 38 digits, from 10^-128 to 10^+126.`,
    );
  }
  return undefined;
}

function attributeNameRefusal(name: string): SqsRefusal | undefined {
  if (name.length > SQS_LIMITS.attributeNameChars) {
    return invalid('Message (user) attribute names must be shorter than 256 Bytes');
  }
  if (!NAME_CHARS.test(name)) {
    return invalid(
      'Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ',
    );
  }
  if (/^(aws|amazon)\./i.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
    return invalid(
      "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.",
    );
  }
  return undefined;
}

/** One message attribute: name, type and value by SQS's rules. */
function attributeRefusal(name: string, attr: any): SqsRefusal | undefined {
  const nameRefusal = attributeNameRefusal(name);
  if (nameRefusal) return nameRefusal;
  const type: string = attr?.DataType ?? '';
  if (!/^(String|Number|Binary)(\..+)?$/.test(type) || INVALID_CHARACTER.test(type)) {
    return invalid(
      `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
    );
  }
  if (type.length > SQS_LIMITS.attributeTypeChars)
    return invalid('Message (user) attribute types must be shorter than 256 Bytes');
  const binary = type.startsWith('Binary');
  const value = binary ? attr.BinaryValue : attr.StringValue;
  if (typeof value !== 'string' || value === '') {
    return invalid(
      `Message (user) attribute '${name}' must contain a non-empty value of type '${binary ? 'Binary' : 'String'}'.`,
    );
  }
  if (!binary && INVALID_CHARACTER.test(value)) {
    return invalid(
      `Message (user) attribute '${name}' contains characters that are not allowed: valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
  return type.startsWith('Number') ? numberRefusal(name, value) : undefined;
}

/**
 * Bytes SQS counts for a message against `SQS_LIMITS.messageBytes`: the body's UTF-8 bytes,
 * plus each attribute's name, data type and value (a String value in UTF-8 bytes, a Binary
 * one decoded).
 *
 * @example messageBytes('€', { n: { DataType: 'String', StringValue: 'é' } }) === 3 + 1 + 6 + 2
 */
export function messageBytes(body: string, attributes: Record<string, MessageAttributeValue> = {}): number {
  let size = utf8Bytes(body ?? '');
  for (const [name, attr] of Object.entries(attributes)) {
    size += utf8Bytes(name) + utf8Bytes(attr?.DataType ?? '');
    if (typeof attr?.StringValue === 'string') size += utf8Bytes(attr.StringValue);
    if (typeof attr?.BinaryValue === 'string') size += Buffer.from(attr.BinaryValue, 'base64').length;
  }
  return size;
}

/** One message of SendMessage or of a SendMessageBatch entry (`MessageBody`, `MessageAttributes`, `DelaySeconds`). */
export function messageRefusal(message: Record<string, any>): SqsRefusal | undefined {
  const body = message.MessageBody;
  if (typeof body !== 'string' || body === '') {
    return { code: 'MissingParameter', message: 'The request must contain the parameter MessageBody.' };
  }
  if (INVALID_CHARACTER.test(body)) {
    return {
      code: 'InvalidMessageContents',
      message:
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    };
  }
  const attributes = message.MessageAttributes ?? {};
  const names = Object.keys(attributes);
  if (names.length > SQS_LIMITS.messageAttributes) {
    return invalid(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${SQS_LIMITS.messageAttributes}].`,
    );
  }
  for (const name of names) {
    const refusal = attributeRefusal(name, attributes[name]);
    if (refusal) return refusal;
  }
  if (messageBytes(body, attributes) > SQS_LIMITS.messageBytes) {
    return invalid(
      `One or more parameters are invalid. Reason: Message must be shorter than ${SQS_LIMITS.messageBytes} bytes.`,
    );
  }
  return rangeRefusal('DelaySeconds', message.DelaySeconds, 0, SQS_LIMITS.maxDelaySeconds);
}
