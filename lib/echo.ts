/**
 * Echoes of outside input — in log lines, dead-letter reasons, error messages — bounded by
 * UTF-8 bytes and never recursing on the value. A hostile body (a megabyte string, arrays
 * nested thousands deep, lone surrogates) can neither make an echo large nor make the code
 * that builds it throw: `JSON.stringify` of such a value overflows the stack. Text is cut
 * by `cutBytes` (lib/bytes.ts).
 */
import { cutBytes } from './bytes.js';

/** UTF-8 bytes an echo of one outside value takes at most, unless a caller asks for fewer or more. */
export const ECHO_BYTES = 200;

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
  if (typeof value === 'string') return cutBytes(JSON.stringify(cutBytes(value, maxBytes)), maxBytes);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
