/**
 * The strict local PutEvents endpoint (local/strict/strict-eventbridge.ts) through the real
 * SDK client: each of EventBridge's limits refuses at the limit + 1 and accepts at the limit,
 * entries fail one by one as AWS fails them, and injected failures come back as
 * `FailedEntryCount`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENTBRIDGE_LIMITS, entryBytes } from '../../lib/aws-rules/eventbridge.js';
import { type LocalEventBus, startEventBus } from '../../local/strict/strict-eventbridge.js';
import '../helpers.js';

let bus: LocalEventBus;
let client: EventBridgeClient;
before(async () => {
  bus = await startEventBus();
  client = new EventBridgeClient({ endpoint: bus.endpoint, maxAttempts: 1 });
});
after(() => bus.close());

/** An entry of exactly `bytes` as EventBridge counts it. */
function entryOf(bytes: number, detailType = 'Test'): PutEventsRequestEntry {
  const base = { Source: 'skytask', DetailType: detailType, Detail: '{"x":""}' };
  return { ...base, Detail: `{"x":"${'a'.repeat(bytes - entryBytes(base))}"}` };
}
const put = (Entries: PutEventsRequestEntry[]) => client.send(new PutEventsCommand({ Entries }));

describe('strict PutEvents endpoint', () => {
  it('takes 10 entries a request and refuses 11 (ValidationException)', async () => {
    const ten = await put(Array.from({ length: 10 }, () => entryOf(100)));
    assert.equal(ten.FailedEntryCount, 0);
    assert.equal(ten.Entries?.filter((e) => e.EventId).length, 10);
    await assert.rejects(put(Array.from({ length: 11 }, () => entryOf(100))), { name: 'ValidationException' });
  });

  it('takes an entry of 256 KB as AWS counts it, refuses one byte more', async () => {
    const at = entryOf(EVENTBRIDGE_LIMITS.entryBytes);
    assert.equal(entryBytes(at), 262_144);
    assert.equal((await put([at])).FailedEntryCount, 0);
    await assert.rejects(put([entryOf(EVENTBRIDGE_LIMITS.entryBytes + 1)]), { name: 'ValidationException' });
    // Multi-byte characters count in UTF-8 bytes: 1 character, 3 bytes.
    const euro = { ...at, Detail: `${at.Detail!.slice(0, -5)}€"}` };
    assert.equal(entryBytes(euro), 262_144);
    assert.equal((await put([euro])).FailedEntryCount, 0);
  });

  it('takes entries of 1 MB together in a request, refuses more', async () => {
    const quarter = entryOf(EVENTBRIDGE_LIMITS.requestBytes / 4);
    const rest = entryOf(EVENTBRIDGE_LIMITS.requestBytes / 4 - 100);
    assert.equal((await put([quarter, quarter, quarter, rest, entryOf(100)])).FailedEntryCount, 0);
    await assert.rejects(put([quarter, quarter, quarter, rest, entryOf(101)]), /Total size of the entries/);
  });

  it('fails an entry alone for a missing field or a Detail that is no JSON object', async () => {
    const out = await put([
      entryOf(100),
      { Source: 'skytask', DetailType: 'Test' },
      { Source: 'skytask', DetailType: 'Test', Detail: '[1]' },
      { Source: 'aws.s3', DetailType: 'Test', Detail: '{}' },
      { ...entryOf(100), EventBusName: 'nope' },
    ]);
    assert.equal(out.FailedEntryCount, 4);
    assert.deepEqual(
      out.Entries?.map((e) => e.ErrorCode),
      [undefined, 'InvalidArgument', 'MalformedDetail', 'NotAuthorizedForSourceException', 'ResourceNotFoundException'],
    );
  });

  it('fails injected entries with FailedEntryCount, then accepts again', async () => {
    bus.faults.fail = { code: 'ThrottlingException', count: 2 };
    const out = await put([entryOf(100), entryOf(100), entryOf(100)]);
    assert.equal(out.FailedEntryCount, 2);
    assert.deepEqual(
      out.Entries?.map((e) => e.ErrorCode),
      ['ThrottlingException', 'ThrottlingException', undefined],
    );
    assert.equal((await put([entryOf(100)])).FailedEntryCount, 0);
  });
});
