/**
 * A job's kwargs schema: any Standard Schema (https://standardschema.dev — Zod, Valibot,
 * ArkType…). skytask only calls `~standard.validate`; it imports the spec's types, never a
 * schema library. The pure parts live here: reading a validation result, naming the
 * refused fields, and finding the keys a schema dropped.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError } from './errors.js';
import type { Kwargs } from './job.js';

/** A Standard Schema for a job's kwargs: `I` what callers give (and what is stored), `O` what `run` receives. */
export type KwargsSchema<I extends Kwargs = Kwargs, O extends Kwargs = I> = StandardSchemaV1<I, O>;

/** One refused kwarg: its path from the kwargs object (keys and array indexes), and why. */
export interface KwargsIssue {
  path: (string | number)[];
  message: string;
}

/** The issues a ValidationError's message spells out; `data.issues` has them all (up to `MAX_ISSUES`). */
const ISSUES_IN_MESSAGE = 5;
/** A hostile input can make a schema report one issue per element: `data.issues` keeps this many. */
const MAX_ISSUES = 100;

/** Whether a value is a Standard Schema of version 1 (what `schema` of `defineJob` must be). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { '~standard'?: StandardSchemaV1.Props } | null | undefined)?.['~standard'];
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    !!props &&
    props.version === 1 &&
    typeof props.validate === 'function'
  );
}

const segment = (s: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey =>
  typeof s === 'object' && s !== null ? s.key : s;

/** A Standard Schema path as plain keys: numbers stay numbers (array indexes), symbols become strings. */
function plainPath(path: StandardSchemaV1.Issue['path']): (string | number)[] {
  return (path ?? []).map((s) => {
    const key = segment(s);
    return typeof key === 'number' ? key : String(key);
  });
}

/**
 * A path as a reader finds it in the kwargs: `kwargs.user.name`, `kwargs.tags[0]`,
 * `kwargs["a b"]`; `kwargs` for the whole object.
 */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return /^[A-Za-z_$][\w$]*$/.test(key) ? `${out}.${key}` : `${out}[${JSON.stringify(key)}]`;
  }, 'kwargs');
}

/**
 * The ValidationError for refused kwargs: its message names each field
 * (`kwargs.b: Expected number, received string; …`), its `data` is
 * `{ issues: [{ path: ['b'], message }] }` (→ JSON-RPC -32602 with that data).
 */
export function kwargsError(issues: readonly KwargsIssue[]): ValidationError {
  const shown = issues.slice(0, ISSUES_IN_MESSAGE).map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = issues.length > ISSUES_IN_MESSAGE ? ` (and ${issues.length - ISSUES_IN_MESSAGE} more)` : '';
  return new ValidationError(`${shown.join('; ')}${more}`, { issues: issues.slice(0, MAX_ISSUES) });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/**
 * The paths of the keys of `input` that `output` lacks: recursively through nested plain
 * objects, and through arrays by index (a key inside an array's element counts; a shorter
 * array does not). Only where input and output are both plain objects (or both arrays) is
 * anything compared: a value the schema transformed (a date string into a Date) is its
 * business. The input is JSON within skytask's depth cap, so the recursion is bounded.
 */
export function droppedKeys(input: unknown, output: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((v, i) => (i < output.length ? droppedKeys(v, output[i], [...path, i]) : []));
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return [];
  return Object.keys(input).flatMap((key) =>
    key in output ? droppedKeys(input[key], output[key], [...path, key]) : [[...path, key]],
  );
}

/**
 * Read a schema's result for `input` (a JSON object): its output, or a ValidationError naming
 * every refused field — the schema's issues, else the keys it dropped (most object schemas
 * strip unknown keys silently: a mistyped kwarg must not vanish), else an output that is
 * not an object.
 */
export function kwargsFromResult(result: StandardSchemaV1.Result<unknown>, input: Kwargs): Kwargs {
  if (result.issues) {
    const issues = result.issues.map((i) => ({ path: plainPath(i.path), message: i.message }));
    throw kwargsError(issues.length ? issues : [{ path: [], message: 'refused by the schema' }]);
  }
  const output = result.value;
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    throw kwargsError([{ path: [], message: "the job's schema did not give an object" }]);
  }
  const dropped = droppedKeys(input, output);
  if (dropped.length) {
    throw kwargsError(dropped.map((path) => ({ path, message: "unknown key (the job's schema does not keep it)" })));
  }
  return output as Kwargs;
}
