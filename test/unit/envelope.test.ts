import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEnvelope, encodeEnvelope } from '../../lib/envelope.js';

describe('envelope', () => {
  it('round-trips', () => {
    const body = encodeEnvelope({ id: 'abc-1', job: 'addition' });
    assert.deepEqual(JSON.parse(body), { v: 1, id: 'abc-1', job: 'addition' });
    assert.deepEqual(decodeEnvelope(body), { envelope: { v: 1, id: 'abc-1', job: 'addition' } });
  });

  it('a task message names any task, derived ids too', () => {
    const body = encodeEnvelope({ id: 'testperiodic:20260101T100000Z', job: 'testperiodic' });
    assert.deepEqual(decodeEnvelope(body), {
      envelope: { v: 1, id: 'testperiodic:20260101T100000Z', job: 'testperiodic' },
    });
  });

  it('says why a body is not an envelope', () => {
    const cases: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['[1,2]', /not a JSON object/],
      ['null', /not a JSON object/],
      ['{"v":2,"id":"a","job":"b"}', /version 2/],
      ['{"id":"a","job":"b"}', /version undefined/],
      // Neither an id nor kwargs: what each form needs.
      ['{"v":1,"job":"b"}', /a task message needs an id; a producer message needs kwargs/],
      ['{"v":1,"id":"has space","job":"b"}', /id/],
      ['{"v":1,"id":"a"}', /job/],
      ['{"v":1,"id":"a","job":7}', /job/],
    ];
    for (const [body, why] of cases) {
      const decoded = decodeEnvelope(body);
      assert.ok('invalid' in decoded, body);
      assert.match(decoded.invalid, why, body);
    }
  });

  it('decodes a producer message (kwargs, optional id)', () => {
    assert.deepEqual(decodeEnvelope('{"v":1,"job":"addition","kwargs":{"a":1}}'), {
      producer: { v: 1, job: 'addition', kwargs: { a: 1 } },
    });
    assert.deepEqual(decodeEnvelope('{"v":1,"job":"addition","kwargs":{},"id":"order-1"}'), {
      producer: { v: 1, job: 'addition', kwargs: {}, id: 'order-1' },
    });
    // null is no kwargs, as queue_task takes it.
    assert.deepEqual(decodeEnvelope('{"v":1,"job":"addition","kwargs":null}'), {
      producer: { v: 1, job: 'addition', kwargs: {} },
    });
    const bad: [string, RegExp][] = [
      ['{"v":1,"job":"a","kwargs":[1]}', /kwargs must be a JSON object/],
      ['{"v":1,"job":"a","kwargs":{},"id":"a b"}', /id/],
      // A producer's id is a caller's: a colon marks the ids skytask derives (periodic runs…).
      ['{"v":1,"job":"a","kwargs":{},"id":"testperiodic:20260101T100000Z"}', /no ":"/],
      ['{"v":1,"job":"a","kwargs":{},"id":"sqs:1"}', /no ":"/],
      ['{"v":1,"kwargs":{}}', /job/],
    ];
    for (const [body, why] of bad) {
      const decoded = decodeEnvelope(body);
      assert.ok('invalid' in decoded, body);
      assert.match(decoded.invalid, why, body);
    }
  });
});
