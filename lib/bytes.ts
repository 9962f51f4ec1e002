/**
 * Text in bytes, as AWS counts it: the UTF-8 bytes of a string (DynamoDB keys, items and
 * expressions; SQS bodies and attributes), or the bytes a string takes inside stored JSON
 * text. The one place text is measured and the one place it is cut to a byte budget.
 */

/** The UTF-8 bytes of a text, as AWS counts it (a lone surrogate is sent as U+FFFD: 3 bytes). */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** How a text's bytes are counted: its UTF-8 bytes, or the bytes of its JSON string literal. */
export interface CutOptions {
  /**
   * Count the bytes of the text's JSON string literal without the quotes (a string inside
   * stored JSON text): `"`, `\` and `\b\f\n\r\t` take 2 bytes, other control characters
   * and lone surrogates 6 (`\u0001`), everything else its UTF-8 bytes. @default false
   */
  json?: boolean;
  /** What marks a cut, counted within the budget (in UTF-8 bytes: no character JSON escapes). @default '…' */
  mark?: string;
}

/** The code point starting at `i`: its UTF-16 length, and its bytes in UTF-8 or in a JSON string literal. */
function codePointAt(text: string, i: number, json: boolean): { units: number; bytes: number } {
  const c = text.charCodeAt(i);
  if (c < 0x80) {
    if (!json || (c >= 0x20 && c !== 0x22 && c !== 0x5c)) return { units: 1, bytes: 1 };
    return { units: 1, bytes: c === 0x22 || c === 0x5c || '\b\f\n\r\t'.includes(text[i]) ? 2 : 6 };
  }
  if (c < 0x800) return { units: 1, bytes: 2 };
  if (c < 0xd800 || c > 0xdfff) return { units: 1, bytes: 3 };
  const low = text.charCodeAt(i + 1);
  if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) return { units: 2, bytes: 4 };
  return { units: 1, bytes: json ? 6 : 3 }; // a lone surrogate: U+FFFD in UTF-8, `\udXXX` in JSON
}

/**
 * `text` if it takes at most `maxBytes` bytes, else its longest prefix that fits with the
 * mark appended (the result takes at most `maxBytes`); empty when not even the mark fits.
 * Cuts between code points, never inside a surrogate pair. Costs O(maxBytes), whatever the
 * text's length, so it is safe on a megabyte of outside input.
 *
 * @example cutBytes('héllo', 4) === 'h…'
 * @example cutBytes('€'.repeat(100), 50, { mark: '… [truncated]' }) // 11 '€' and the mark: 48 bytes
 * @example cutBytes('\u0001'.repeat(100), 20, { json: true }) // 2 characters (12 bytes as JSON) and '…'
 */
export function cutBytes(text: string, maxBytes: number, { json = false, mark = '…' }: CutOptions = {}): string {
  if (text.length * (json ? 6 : 3) <= maxBytes) return text;
  const markBytes = utf8Bytes(mark);
  let bytes = 0;
  let fits = 0; // UTF-16 length of the longest prefix that leaves room for the mark
  for (let i = 0; i < text.length; ) {
    const point = codePointAt(text, i, json);
    if (bytes + point.bytes > maxBytes) return maxBytes >= markBytes ? text.slice(0, fits) + mark : '';
    bytes += point.bytes;
    i += point.units;
    if (bytes <= maxBytes - markBytes) fits = i;
  }
  return text;
}
