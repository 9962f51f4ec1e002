/** Text in bytes (lib/bytes.ts): the one byte-cut, in UTF-8 bytes or in the bytes of a JSON string literal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutBytes, utf8Bytes } from '../../lib/bytes.js';

const TRUNCATED = '… [truncated]';
/** The bytes of a string inside JSON text, without the quotes. */
const jsonBytes = (text: string) => utf8Bytes(JSON.stringify(text)) - 2;

describe('cutBytes', () => {
  it('cuts by UTF-8 bytes on a code point boundary, marking the cut', () => {
    assert.equal(cutBytes('héllo', 10), 'héllo');
    assert.equal(cutBytes('héllo', 4), 'h…');
    assert.equal(cutBytes('a😀b', 6), 'a😀b');
    assert.equal(cutBytes('a😀bc', 6), 'a…', 'never half a surrogate pair');
    assert.equal(cutBytes('abc', 2), '', 'not even the mark fits');
    for (const max of [3, 10, 200, 1024]) assert.ok(utf8Bytes(cutBytes('é😀x'.repeat(1000), max)) <= max);
  });

  it('takes any mark, counted within the budget', () => {
    assert.equal(cutBytes('short', 10, { mark: TRUNCATED }), 'short');
    const euros = cutBytes('€'.repeat(100), 50, { mark: TRUNCATED });
    assert.ok(utf8Bytes(euros) <= 50);
    assert.match(euros, /^€+… \[truncated\]$/);
    const emoji = cutBytes('😀'.repeat(100), 51, { mark: TRUNCATED });
    assert.ok(utf8Bytes(emoji) <= 51 && !emoji.includes('\ufffd'), 'no half of a surrogate pair');
    assert.equal(
      cutBytes('x'.repeat(20), 10, { mark: TRUNCATED }),
      '',
      'a budget below the mark: nothing, not over it',
    );
  });

  it('counts a lone surrogate as U+FFFD: 3 bytes', () => {
    assert.equal(cutBytes('\ud800'.repeat(3), 9), '\ud800'.repeat(3));
    assert.equal(cutBytes('\ud800'.repeat(4), 9), '\ud800\ud800…');
  });

  it('json: counts the bytes of the JSON string literal, escapes included', () => {
    const control = cutBytes('\u0001'.repeat(1000), 100, { json: true, mark: TRUNCATED });
    assert.ok(jsonBytes(control) <= 100, 'a control character is 6 bytes in JSON');
    assert.equal(cutBytes('"\\'.repeat(10), 40, { json: true }), '"\\'.repeat(10), 'quote and backslash: 2 bytes each');
    assert.equal(cutBytes('\n\t'.repeat(10), 40, { json: true }), '\n\t'.repeat(10), '\\n and \\t: 2 bytes each');
    for (const text of ['\ud800x'.repeat(50), '\u001f😀é"'.repeat(50), '\udc00\ud83d'.repeat(50)]) {
      for (const max of [3, 7, 20, 101]) {
        const cut = cutBytes(text, max, { json: true });
        assert.ok(jsonBytes(cut) <= max, `${JSON.stringify(cut)} within ${max}`);
      }
    }
  });

  it('costs O(maxBytes), whatever the length of the text', () => {
    const huge = 'é'.repeat(50_000_000);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) cutBytes(huge, 200);
    assert.ok(performance.now() - started < 2000);
  });
});
