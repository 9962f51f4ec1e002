/**
 * Echoes of outside input — in log lines, dead-letter reasons, error messages — bounded by
 * UTF-8 bytes and never recursing on the value. A hostile body (a megabyte string, arrays
 * nested thousands deep, lone surrogates) can neither make an echo large nor make the code
 * that builds it throw: `JSON.stringify` of such a value overflows the stack.
 */

/** UTF-8 bytes an echo of one outside value takes at most, unless a caller asks for fewer or more. */
export const ECHO_BYTES = 200;

/** What marks a cut: one character, 3 UTF-8 bytes, counted within the budget. */
const CUT = '…';
const CUT_BYTES = 3;

/** UTF-8 bytes of the code point starting at `i` (a lone surrogate becomes U+FFFD: 3 bytes), and its UTF-16 length. */
function codePointAt(text: string, i: number): { bytes: number; units: number } {
  const c = text.charCodeAt(i);
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  const low = text.charCodeAt(i + 1);
  if (c >= 0xd800 && c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) return { bytes: 4, units: 2 };
  return { bytes: 3, units: 1 };
}

/**
 * `text` if it takes at most `maxBytes` UTF-8 bytes, else its longest prefix that fits
 * with "…" appended (the result is at most `maxBytes` bytes). Cuts on a code point
 * boundary, never inside a surrogate pair. Costs O(maxBytes), whatever the text's length.
 *
 * @example cutUtf8('héllo', 4) === 'h…'
 */
export function cutUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  let bytes = 0;
  let fits = 0; // UTF-16 length of the prefix that leaves room for the cut mark
  for (let i = 0; i < text.length; ) {
    const { bytes: b, units } = codePointAt(text, i);
    if (bytes + b > maxBytes) return maxBytes >= CUT_BYTES ? text.slice(0, fits) + CUT : '';
    bytes += b;
    i += units;
    if (bytes <= maxBytes - CUT_BYTES) fits = i;
  }
  return text;
}

/**
 * A short description of any outside value for a message: the JSON of a string, number,
 * boolean or null (cut to `maxBytes`), or only the kind of an object or array, whose
 * contents are never walked.
 *
 * @example echo(2) === '2'; echo('x'.repeat(1e6)).length < 200; echo([[[]]]) === 'an array'; echo(undefined) === 'undefined'
 */
export function echo(value: unknown, maxBytes = ECHO_BYTES): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return cutUtf8(JSON.stringify(cutUtf8(value, maxBytes)), maxBytes);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
