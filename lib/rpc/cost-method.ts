import { checkPrices, costReportToWire, LAMBDA_MEMORY_MB } from '../cost.js';
import type { Backend } from '../tasks/backend.js';
import { checkJobList } from '../tasks/cost-report.js';
import { JOB_KEY, optionalKeyList, optionalNumber, type Params } from './params.js';

/**
 * The bounds of `cost`'s params: `since` and `until` at most 2 years back and 1 year ahead
 * (epoch seconds, against now), `limit` 1 to 100,000 tasks. `skytask cost` checks its flags
 * against them in its own terms (local/cli-cost.ts).
 */
export const COST_BOUNDS = { pastSeconds: 2 * 365 * 86_400, futureSeconds: 365 * 86_400, maxTasks: 100_000 } as const;

/** The accepted params of `cost`. */
export const COST_PARAMS = ['jobnames', 'since', 'until', 'prices', 'limit', 'memory_mb'];

/**
 * `cost`: what the tasks of each job queued between `since` and `until` (epoch seconds;
 * default the last day) cost, at list prices or the `prices` given, summed by job and in
 * total; `complete: false` when `limit` tasks (default 10,000) were read before the period's
 * start. Read-only. `jobnames: []` is refused (`checkJobList`): it would sum nothing.
 */
export async function costMethod(backend: Backend, params: Params) {
  const now = Date.now() / 1000;
  const [from, to] = [now - COST_BOUNDS.pastSeconds, now + COST_BOUNDS.futureSeconds];
  const report = await backend.costReport({
    jobs: checkJobList(optionalKeyList(params, 'jobnames', JOB_KEY), 'jobnames'),
    since: optionalNumber(params, 'since', from, to),
    until: optionalNumber(params, 'until', from, to),
    prices: checkPrices(params.prices, 'wire'),
    maxTasks: optionalNumber(params, 'limit', 1, COST_BOUNDS.maxTasks, true),
    memoryMb: optionalNumber(params, 'memory_mb', LAMBDA_MEMORY_MB.min, LAMBDA_MEMORY_MB.max, true),
  });
  return costReportToWire(report);
}
