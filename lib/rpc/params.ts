import { ValidationError } from '../errors.js';
import { LIMITS } from '../limits.js';

/** A JSON-RPC call's params, by name (positional params are named by the method first). */
export type Params = Record<string, unknown>;

/** A ValidationError (→ -32602 invalid params). */
export const invalid = (message: string) => new ValidationError(message);

/** A non-empty string of at most 1,024 characters, or undefined when absent or null. */
export function optionalString(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw invalid(`${name} must be a non-empty string`);
  return v;
}

export function requiredString(params: Params, name: string): string {
  const v = optionalString(params, name);
  if (v === undefined) throw invalid(`${name} is required`);
  return v;
}

/** A finite number in [min, max], or undefined when absent or null. */
export function optionalNumber(params: Params, name: string, min: number, max: number): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw invalid(`${name} must be a number from ${min} to ${max}`);
  }
  return v;
}

/** A list of at most `LIMITS.maxIdsPerCall` non-empty strings, or undefined when absent or null. */
export function optionalStringList(params: Params, name: string): string[] | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > LIMITS.maxIdsPerCall || v.some((x) => typeof x !== 'string' || !x)) {
    throw invalid(`${name} must be a list of at most ${LIMITS.maxIdsPerCall} strings`);
  }
  return v as string[];
}
