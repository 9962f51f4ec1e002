import { checkPrices, costReportToWire, LAMBDA_MEMORY_MB } from '../cost.js';
import type { Backend } from '../tasks/backend.js';
import { checkJobList } from '../tasks/cost-report.js';
import { JOB_KEY, optionalKeyList, optionalNumber, type Params } from './params.js';

/** The accepted params of `cost`. */
export const COST_PARAMS = ['jobnames', 'since', 'until', 'prices', 'limit', 'memory_mb'];

/**
 * `cost`: what the tasks of each job queued between `since` and `until` (epoch seconds;
 * default the last day) cost, at list prices or the `prices` given, summed by job and in
 * total; `complete: false` when `limit` tasks (default 10,000) were read before the period's
 * start. Read-only. `jobnames: []` is refused (`checkJobList`): it would sum nothing.
 */
export async function costMethod(backend: Backend, params: Params) {
  const year = 365 * 86_400;
  const now = Date.now() / 1000;
  const report = await backend.costReport({
    jobs: checkJobList(optionalKeyList(params, 'jobnames', JOB_KEY), 'jobnames'),
    since: optionalNumber(params, 'since', now - 2 * year, now + year),
    until: optionalNumber(params, 'until', now - 2 * year, now + year),
    prices: checkPrices(params.prices, 'wire'),
    maxTasks: optionalNumber(params, 'limit', 1, 100_000, true),
    memoryMb: optionalNumber(params, 'memory_mb', LAMBDA_MEMORY_MB.min, LAMBDA_MEMORY_MB.max, true),
  });
  return costReportToWire(report);
}
