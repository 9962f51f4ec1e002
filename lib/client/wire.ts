/** Wire (snake_case JSON-RPC results) → the client's camelCase shapes, for both clients. */
import { checkPrices, costSumFromWire, LIST_PRICES, pricesFromWire, pricesToWire } from '../cost.js';
import { type CostReport, type CostReportOptions, checkCostOptions, epochSecondsOf } from '../tasks/cost-report.js';
import type { JobInfo } from './types.js';

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The params that are set: JSON-RPC params without the undefined ones. */
export const defined = (params: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));

/** A `job_list` entry; null fields are left out. */
export function jobInfoFromWire(wire: Record<string, unknown>): JobInfo {
  const info: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire)) if (value !== null && value !== undefined) info[camel(key)] = value;
  return info as unknown as JobInfo;
}

/**
 * `cost`'s params from the client's options. Throws ValidationError, before anything is sent,
 * for an option it does not know or `jobs: []` (`checkCostOptions`) and prices that are none (`checkPrices`).
 */
export function costParams(options: CostReportOptions): Record<string, unknown> {
  checkCostOptions(options);
  const given = checkPrices(options.prices, 'camel');
  const prices = given && pricesToWire({ ...LIST_PRICES, ...given });
  return defined({
    jobnames: options.jobs,
    since: epochSecondsOf('since', options.since),
    until: epochSecondsOf('until', options.until),
    prices,
    limit: options.maxTasks,
    memory_mb: options.memoryMb,
  });
}

/** `cost`'s answer as the client returns it. */
export function costReportFromWire(wire: any): CostReport {
  return {
    since: wire.since,
    until: wire.until,
    prices: pricesFromWire(wire.prices),
    jobs: wire.jobs.map(({ name, ...sum }: any) => ({ name, ...costSumFromWire(sum) })),
    total: costSumFromWire(wire.total),
    ...(wire.memory_mb ? { memoryMb: wire.memory_mb } : {}),
    complete: wire.complete,
  };
}
