/**
 * Makes fauxqs (an in-process Fastify app) refuse what SQS refuses and accept what SQS
 * accepts. Fastify hooks run the rules of lib/aws-rules/sqs-requests.ts on every JSON-protocol request
 * before fauxqs sees it: a request SQS refuses gets SQS's error; a batch's refused entries
 * are taken out and put back into the answer's `Failed` list, as SQS reports them. And
 * fauxqs's character check, which refuses every character beyond the BMP (SQS allows
 * #x10000–#x10FFFF), is replaced by SQS's rule. Supports fauxqs 1.9.x (pinned in package.json).
 */
import type { buildApp } from 'fauxqs';
import { errorCode, reportRefusal } from './refusals.js';
import { INVALID_CHARACTER } from '../../lib/aws-rules/sqs.js';
import { entryRefusals, type FailedEntry, requestRefusal } from '../../lib/aws-rules/sqs-requests.js';

type FauxqsApp = ReturnType<typeof buildApp>;

/** fauxqs's body character check, in its sqs/sqsTypes.js module (shared by the process). */
async function allowCharactersBeyondTheBmp(): Promise<void> {
  const url = new URL('./sqs/sqsTypes.js', import.meta.resolve('fauxqs'));
  const types = await import(url.href);
  if (!(types.INVALID_MESSAGE_BODY_CHAR instanceof RegExp)) {
    throw new Error('skytask strict emulators: fauxqs internals changed; local/strict/ supports fauxqs 1.9.x');
  }
  types.INVALID_MESSAGE_BODY_CHAR.test = (text: string) => INVALID_CHARACTER.test(text);
}

/** The SQS action of a JSON-protocol request, or undefined for anything else (health, SNS…). */
function sqsAction(request: any): string | undefined {
  const target = request.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith('AmazonSQS.')) return undefined;
  return request.body && typeof request.body === 'object' ? target.slice('AmazonSQS.'.length) : undefined;
}

/**
 * The query-protocol code SQS puts in `x-amzn-query-error` for an error code (the SDK names
 * its exception after it): SQS's API model prefixes a few, renames two, leaves the rest.
 * fauxqs prefixes every code, so that e.g. InvalidMessageContents reached the SDK as
 * `AWS.SimpleQueueService.InvalidMessageContents` and not as the modeled exception.
 */
const PREFIXED = [
  'BatchEntryIdsNotDistinct',
  'BatchRequestTooLong',
  'EmptyBatchRequest',
  'InvalidBatchEntryId',
  'MessageNotInflight',
  'PurgeQueueInProgress',
  'QueueDeletedRecently',
  'TooManyEntriesInBatchRequest',
  'UnsupportedOperation',
];
const RENAMED: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
};
const queryError = (code: string) =>
  `${RENAMED[code] ?? (PREFIXED.includes(code) ? `AWS.SimpleQueueService.${code}` : code)};Sender`;

/** SQS's JSON error response. */
function sendError(reply: any, code: string, message: string) {
  return reply
    .code(400)
    .header('content-type', 'application/x-amz-json-1.0')
    .header('x-amzn-query-error', queryError(code))
    .send({ __type: `com.amazonaws.sqs#${code}`, message });
}

function addHooks(app: FauxqsApp): void {
  const refusedEntries = new WeakMap<object, FailedEntry[]>();
  app.addHook('preHandler', async (request: any, reply: any) => {
    const action = sqsAction(request);
    if (!action) return;
    const refusal = requestRefusal(action, request.body);
    if (refusal) return sendError(reply, refusal.code, refusal.message);
    const failed = entryRefusals(action, request.body);
    if (!failed.length) return;
    const refused = new Set(failed.map((entry) => entry.Id));
    request.body.Entries = request.body.Entries.filter((entry: any) => !refused.has(entry.Id));
    refusedEntries.set(request, failed);
    if (!request.body.Entries.length) return reply.send({ Successful: [], Failed: [] });
  });
  app.addHook('preSerialization', async (request: any, _reply: any, payload: any) => {
    const action = sqsAction(request);
    if (!action || !Array.isArray(payload?.Failed)) return payload;
    payload.Failed.push(...(refusedEntries.get(request) ?? []));
    for (const entry of payload.Failed) reportRefusal('SQS', action, entry.Code, entry.Message);
    return payload;
  });
  app.addHook('onSend', async (request: any, reply: any, payload: any) => {
    const action = sqsAction(request);
    if (!action || reply.statusCode < 400 || typeof payload !== 'string') return payload;
    try {
      const body = JSON.parse(payload);
      const code = errorCode(body.__type ?? '');
      reply.header('x-amzn-query-error', queryError(code));
      reportRefusal('SQS', action, code, body.message ?? '');
    } catch {
      // not a JSON error body
    }
    return payload;
  });
}

/**
 * Makes a fauxqs app strict (the rules of lib/aws-rules/sqs.ts and sqs-requests.ts): call after
 * `buildApp` and before `listen`. Every refusal is SQS's error and a line on stderr.
 */
export async function strictFauxqs(app: FauxqsApp): Promise<void> {
  await allowCharactersBeyondTheBmp();
  addHooks(app);
}
