/** Wire (snake_case JSON-RPC results) → the client's camelCase shapes, for both clients. */
import type { JobInfo } from './types.js';

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A `job_list` entry; null fields are left out. */
export function jobInfoFromWire(wire: Record<string, unknown>): JobInfo {
  const info: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire)) if (value !== null && value !== undefined) info[camel(key)] = value;
  return info as unknown as JobInfo;
}
