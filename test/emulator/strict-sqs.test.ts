/**
 * The strict SQS emulator (local/strict/): through the AWS SDK against startEmulators(),
 * each of SQS's limits refuses at the limit + 1 with SQS's error and accepts at the limit;
 * characters beyond the BMP, which fauxqs alone refuses, are accepted and round-trip.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  InvalidMessageContents,
  type MessageAttributeValue,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { createClients } from '../../lib/index.js';
import { emulators } from '../helpers.js';

let sqs: SQSClient;
let QueueUrl: string;
const MiB = 1024 * 1024;
/** A string of exactly `bytes` UTF-8 bytes, mostly 3-byte characters. */
const ofBytes = (bytes: number) => '€'.repeat(Math.floor(bytes / 3)) + 'a'.repeat(bytes % 3);

const refused = (promise: Promise<unknown>, code: string | (new (...args: any[]) => Error), message?: RegExp) =>
  assert.rejects(promise, (err: any) => {
    if (typeof code === 'string') assert.equal(err.name, code);
    else assert.ok(err instanceof code, `${err.name} is not ${code.name}`);
    if (message) assert.match(err.message, message);
    return true;
  });
const send = (MessageBody: string, extra: Record<string, any> = {}) =>
  sqs.send(new SendMessageCommand({ QueueUrl, MessageBody, ...extra }));
const withAttributes = (MessageAttributes: Record<string, MessageAttributeValue>, body = 'x') =>
  send(body, { MessageAttributes });
const str = (StringValue: string, DataType = 'String'): MessageAttributeValue => ({ DataType, StringValue });

async function receiveAll() {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 60,
    }),
  );
  return out.Messages ?? [];
}

before(async () => {
  sqs = createClients(await emulators()).sqs;
  ({ QueueUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: `strict-${randomUUID().slice(0, 8)}` }))) as {
    QueueUrl: string;
  });
});
after(() => sqs.destroy());

describe('strict SQS: characters', () => {
  it('accepts characters beyond the BMP, and they round-trip in the body and in attribute values', async () => {
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    await withAttributes({ reason: str('job 😀 failed') }, 'hello 😀 \u{10FFFF}');
    const [message] = await receiveAll();
    assert.equal(message.Body, 'hello 😀 \u{10FFFF}');
    assert.equal(message.MessageAttributes?.reason?.StringValue, 'job 😀 failed');
  });

  it("accepts every class of SQS's character rule at its bounds", async () => {
    await send('\t\n\r\x20\uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}');
  });

  it('refuses characters outside the rule in the body with InvalidMessageContents', async () => {
    for (const bad of ['\u0000', '\u0008', '\u001F', '\uFFFE', '\uFFFF', '\uD800', '\uDFFF']) {
      await refused(send(`a${bad}b`), InvalidMessageContents, /Invalid characters found/);
    }
  });

  it('applies the body rule to String attribute values and types', async () => {
    await refused(withAttributes({ reason: str('a\u0001b') }), 'InvalidParameterValue', /reason/);
    await refused(withAttributes({ reason: str('x', 'String.\u0001') }), 'InvalidParameterValue');
  });
});

describe('strict SQS: message size, counted in bytes with the attributes', () => {
  it('accepts a 1 MiB body and refuses 1 MiB + 1 byte', async () => {
    await send(ofBytes(MiB));
    await refused(send(ofBytes(MiB + 1)), 'InvalidParameterValue', /Message must be shorter than 1048576 bytes/);
  });

  it("counts each attribute's name, type and value", async () => {
    const attrs = { reason: str('€€') }; // 6 + 6 + 6 bytes
    await withAttributes(attrs, ofBytes(MiB - 18));
    await refused(withAttributes(attrs, ofBytes(MiB - 17)), 'InvalidParameterValue', /shorter than/);
  });

  it('SendMessageBatch: accepts 1 MiB in all and refuses 1 MiB + 1 byte', async () => {
    const batch = (a: number, b: number) =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'a', MessageBody: ofBytes(a) },
            { Id: 'b', MessageBody: ofBytes(b) },
          ],
        }),
      );
    await batch(MiB / 2, MiB / 2);
    await refused(batch(MiB / 2, MiB / 2 + 1), 'BatchRequestTooLong');
  });
});

describe('strict SQS: message attributes', () => {
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, str('v')]));

  it('accepts 10 attributes and refuses 11', async () => {
    await withAttributes(many(10));
    await refused(withAttributes(many(11)), 'InvalidParameterValue', /Number of message attributes \[11\]/);
  });

  it('accepts 256-character names of the allowed characters and refuses the rest', async () => {
    await withAttributes({ ['a'.repeat(256)]: str('v'), 'Aa0_-.b': str('v') });
    for (const name of ['a'.repeat(257), 'a b', 'é', 'AWS.x', 'amazon.x', '.x', 'x.', 'a..b']) {
      await refused(withAttributes({ [name]: str('v') }), 'InvalidParameterValue');
    }
  });

  it('checks the type, the value and Number values', async () => {
    await withAttributes({
      t: str('v', 'String.custom'),
      n: str('-1.5e3', 'Number'),
      b: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) },
    });
    await withAttributes({ n: str('1'.repeat(38), 'Number') });
    await refused(withAttributes({ t: str('v', 'Text') }), 'InvalidParameterValue');
    await refused(withAttributes({ t: str('') }), 'InvalidParameterValue', /non-empty value/);
    await refused(withAttributes({ n: str('abc', 'Number') }), 'InvalidParameterValue');
    await refused(withAttributes({ n: str('1'.repeat(39), 'Number') }), 'InvalidParameterValue');
  });
});

describe('strict SQS: numeric parameters', () => {
  it('DelaySeconds: 0 to 900, per message and per batch entry', async () => {
    await send('x', { DelaySeconds: 900 });
    await refused(send('x', { DelaySeconds: 901 }), 'InvalidParameterValue', /DelaySeconds/);
    await refused(send('x', { DelaySeconds: -1 }), 'InvalidParameterValue', /DelaySeconds/);
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'ok', MessageBody: 'x', DelaySeconds: 900 },
          { Id: 'late', MessageBody: 'x', DelaySeconds: 901 },
        ],
      }),
    );
    assert.deepEqual(
      out.Successful?.map((e) => e.Id),
      ['ok'],
    );
    assert.deepEqual(
      out.Failed?.map((e) => [e.Id, e.Code, e.SenderFault]),
      [['late', 'InvalidParameterValue', true]],
    );
  });

  it('ReceiveMessage: MaxNumberOfMessages 1–10, WaitTimeSeconds 0–20, VisibilityTimeout 0–43,200', async () => {
    await send('x');
    const receive = (extra: Record<string, number>) => sqs.send(new ReceiveMessageCommand({ QueueUrl, ...extra }));
    await receive({ MaxNumberOfMessages: 10, WaitTimeSeconds: 20, VisibilityTimeout: 43_200 });
    await refused(receive({ MaxNumberOfMessages: 11 }), 'InvalidParameterValue', /MaxNumberOfMessages/);
    await refused(receive({ MaxNumberOfMessages: 0 }), 'InvalidParameterValue', /MaxNumberOfMessages/);
    await refused(receive({ WaitTimeSeconds: 21 }), 'InvalidParameterValue', /WaitTimeSeconds/);
    await refused(receive({ VisibilityTimeout: 43_201 }), 'InvalidParameterValue', /VisibilityTimeout/);
  });

  it('ChangeMessageVisibility(Batch) and the queue attribute: 0–43,200', async () => {
    await send('x');
    const [message] = await receiveAll();
    const change = (VisibilityTimeout: number) =>
      sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout }),
      );
    await change(43_200);
    await refused(change(43_201), 'InvalidParameterValue', /VisibilityTimeout/);
    const batch = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [{ Id: 'm', ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 43_201 }],
      }),
    );
    assert.deepEqual(
      batch.Failed?.map((e) => [e.Id, e.Code]),
      [['m', 'InvalidParameterValue']],
    );
    const setVisibility = (v: number) =>
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: String(v) } }));
    await setVisibility(43_200);
    await refused(setVisibility(43_201), 'InvalidAttributeValue');
    await setVisibility(30);
  });
});

describe('strict SQS: batches', () => {
  const entries = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x', ReceiptHandle: 'r' }));

  it('accepts 10 entries and refuses 11, for every batch action', async () => {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(10) }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: entries(10) }));
    await refused(
      sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(11) })),
      TooManyEntriesInBatchRequest,
    );
    await refused(
      sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: entries(11) })),
      TooManyEntriesInBatchRequest,
    );
    const changes = entries(11).map((e) => ({ ...e, VisibilityTimeout: 1 }));
    await refused(
      sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries: changes })),
      TooManyEntriesInBatchRequest,
    );
  });

  it('refuses batch entry ids that repeat or break the id rule', async () => {
    const twice = [...entries(1), ...entries(1)];
    await refused(sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: twice })), 'BatchEntryIdsNotDistinct');
    const badId = [{ Id: 'a.b', MessageBody: 'x' }];
    await refused(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: badId })), 'InvalidBatchEntryId');
  });
});

describe('strict SQS: refusals are loud', () => {
  it('writes one line on stderr naming the operation and the rule', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: any) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      await refused(send('a\u0000'), InvalidMessageContents);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^\[skytask strict\] SQS SendMessage refused as AWS would: InvalidMessageContents: Invalid characters/,
    );
  });
});
