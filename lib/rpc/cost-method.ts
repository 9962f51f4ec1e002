import { costReportToWire, type Prices } from '../cost.js';
import type { Backend } from '../tasks/backend.js';
import { invalid, JOB_KEY, optionalKeyList, optionalNumber, type Params } from './params.js';

/** The wire names of `prices`, and the fields they set. */
const PRICE_PARAMS: Record<string, keyof Prices> = {
  write_unit: 'writeUnit',
  sqs_request: 'sqsRequest',
  lambda_request: 'lambdaRequest',
  gb_second: 'gbSecond',
};

/** `prices`: an object of dollars per unit, each a number from 0 to 1; the names it may have are PRICE_PARAMS'. */
function pricesParam(params: Params): Partial<Prices> | undefined {
  const given = params.prices;
  if (given === undefined || given === null) return undefined;
  if (typeof given !== 'object' || Array.isArray(given)) throw invalid('prices must be an object');
  const prices: Partial<Prices> = {};
  for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
    const field = PRICE_PARAMS[name];
    if (!field) throw invalid(`prices.${name} is not a price (${Object.keys(PRICE_PARAMS).join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw invalid(`prices.${name} must be dollars per unit, a number from 0 to 1`);
    }
    prices[field] = value;
  }
  return prices;
}

/** The accepted params of `cost`. */
export const COST_PARAMS = ['jobnames', 'since', 'until', 'prices', 'limit'];

/**
 * `cost`: what the tasks of each job queued between `since` and `until` (epoch seconds;
 * default the last day) cost, at list prices or the `prices` given, summed by job and in
 * total; `complete: false` when `limit` tasks (default 10,000) were read before the period's
 * start. Read-only.
 */
export async function costMethod(backend: Backend, params: Params) {
  const year = 365 * 86_400;
  const now = Date.now() / 1000;
  const report = await backend.costReport({
    jobs: optionalKeyList(params, 'jobnames', JOB_KEY),
    since: optionalNumber(params, 'since', now - 2 * year, now + year),
    until: optionalNumber(params, 'until', now - 2 * year, now + year),
    prices: pricesParam(params),
    maxTasks: optionalNumber(params, 'limit', 1, 100_000, true),
  });
  return costReportToWire(report);
}
