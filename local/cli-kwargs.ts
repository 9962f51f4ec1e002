/**
 * The kwargs of `skytask queue`: `key=value` pairs, and `--kwargs-file` for kwargs too
 * large for an argument (Linux takes at most 128 KiB an argument, MAX_ARG_STRLEN).
 */
import { readFileSync } from 'node:fs';
import { ValidationError } from '../lib/errors.js';

/**
 * `key=value` → kwargs; a value is JSON when it parses as JSON, else a string. Every key is
 * the object's own, `__proto__` too (an assignment would set the prototype instead): the
 * CLI sends what JSON-RPC's own `{"__proto__": …}` param would.
 */
export function parseKwargs(pairs: string[]): Record<string, unknown> {
  const kwargs: [string, unknown][] = [];
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ValidationError(`expected key=value, not "${pair}"`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    kwargs.push([pair.slice(0, at), value]);
  }
  return Object.fromEntries(kwargs);
}

/**
 * The kwargs of a `queue` command: the JSON object in `file` (`-`: stdin) if given, then
 * the `key=value` pairs over it (a pair wins over the file's key). Throws ValidationError
 * (exit 2) for a file that cannot be read or is not a JSON object.
 */
export function kwargsOf(pairs: string[], file: string | undefined): Record<string, unknown> {
  const extra = parseKwargs(pairs);
  if (file === undefined) return extra;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (err) {
    throw new ValidationError(`--kwargs-file must hold a JSON object: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationError('--kwargs-file must hold a JSON object');
  return Object.fromEntries([...Object.entries(value), ...Object.entries(extra)]);
}
