/**
 * What tasks cost, in dollars: list prices, and a task's cost (TaskCost, lib/task.ts) priced
 * and summed. docs/cost.md says how each figure is counted and which are estimates.
 */
import { ValidationError } from './errors.js';
import type { TaskCost } from './task.js';
import type { CostReport } from './tasks/cost-report.js';

/** Dollars per unit of each thing a task consumes. */
export interface Prices {
  /** A DynamoDB write request unit (on-demand). */
  writeUnit: number;
  /** An SQS request (standard queue, per 64 KB chunk). */
  sqsRequest: number;
  /** A Lambda invocation. */
  lambdaRequest: number;
  /** A GB-second of Lambda run time (x86). */
  gbSecond: number;
}

/**
 * AWS list prices, us-east-1, on-demand, as published in 2026-11 (they change: give your own
 * to `costReport`): DynamoDB $0.625 per million write request units, SQS $0.40 per million
 * requests, Lambda $0.20 per million invocations and $0.0000166667 per GB-second. Free tiers
 * are not subtracted. Exact literals (not `0.4 / 1e6`, which is 4.0000000000000003e-7), so
 * that they print as written.
 */
export const LIST_PRICES: Prices = {
  writeUnit: 6.25e-7,
  sqsRequest: 4e-7,
  lambdaRequest: 2e-7,
  gbSecond: 0.0000166667,
};

/**
 * The most a price may be, in dollars per unit: $1, over a million times any list price —
 * a price per million units given as one per unit is refused, not summed into nonsense.
 */
export const MAX_PRICE = 1;

/** Each price's name in TypeScript (the clients' options) and on the wire (JSON-RPC `cost`'s `prices`). */
const PRICE_NAMES = {
  writeUnit: 'write_unit',
  sqsRequest: 'sqs_request',
  lambdaRequest: 'lambda_request',
  gbSecond: 'gb_second',
} as const satisfies Record<keyof Prices, string>;

/**
 * Prices a caller gave, checked — the one home of this check, for JSON-RPC `cost` and both
 * clients: an object of dollars per unit, each a finite number from 0 to MAX_PRICE, named
 * as `names` says (`camel`: `writeUnit`, as the clients take them; `wire`: `write_unit`).
 * Undefined for none (undefined or null). Throws ValidationError naming `prices.<name>`: a
 * name that is no price (the other style's name among them), a value that is no such number.
 */
export function checkPrices(given: unknown, names: 'camel' | 'wire'): Partial<Prices> | undefined {
  if (given === undefined || given === null) return undefined;
  if (typeof given !== 'object' || Array.isArray(given)) throw new ValidationError('prices must be an object');
  const fields = Object.entries(PRICE_NAMES).map(([camel, wire]) => [names === 'camel' ? camel : wire, camel]);
  const known = new Map(fields as [string, keyof Prices][]);
  const prices: Partial<Prices> = {};
  for (const [name, value] of Object.entries(given)) {
    const field = known.get(name);
    if (!field)
      throw new ValidationError(`prices.${name} is not a price: the names are ${[...known.keys()].join(', ')}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_PRICE) {
      throw new ValidationError(`prices.${name} must be dollars per unit, a number from 0 to ${MAX_PRICE}`);
    }
    prices[field] = value;
  }
  return prices;
}

/** Costs summed over tasks, with their number and their price. */
export interface CostSum extends Required<TaskCost> {
  tasks: number;
  dollars: number;
  /**
   * Run time (ms) of tasks that recorded no GB-seconds — they ran off Lambda — and so is not
   * in `gbSeconds` nor `dollars`; 0 when a `memoryMb` priced it.
   */
  unpricedMs: number;
}

/** The memory a Lambda function may have, MB (AWS Lambda: 128 MB to 10,240 MB): what `memoryMb` may be. */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;

/**
 * The cost as priced: its GB-seconds as recorded on Lambda; none recorded (it ran off
 * Lambda), its `lambdaMs` at `memoryMb` when given — what a function of that memory would
 * be billed for that run time (an estimate: the same code runs at another speed there).
 */
export function withRunPriced(cost: TaskCost, memoryMb?: number): TaskCost {
  if (cost.gbSeconds !== undefined || !memoryMb) return cost;
  return { ...cost, gbSeconds: (cost.lambdaMs / 1000) * (memoryMb / 1024) };
}

/** A task's cost in dollars at `prices`. */
export function dollarsOf(cost: TaskCost, prices: Prices): number {
  return (
    cost.writeUnits * prices.writeUnit +
    cost.sqsRequests * prices.sqsRequest +
    cost.lambdaRequests * prices.lambdaRequest +
    (cost.gbSeconds ?? 0) * prices.gbSecond
  );
}

/** Nothing yet. */
export const emptySum = (): CostSum => ({
  tasks: 0,
  writeUnits: 0,
  sqsRequests: 0,
  lambdaRequests: 0,
  lambdaMs: 0,
  gbSeconds: 0,
  heartbeats: 0,
  dollars: 0,
  unpricedMs: 0,
});

/** `sum` with one more task's cost added (in place), its run time priced at `memoryMb` when it recorded no GB-seconds (`withRunPriced`); returns it. */
export function addCost(sum: CostSum, given: TaskCost, prices: Prices, memoryMb?: number): CostSum {
  const cost = withRunPriced(given, memoryMb);
  if (cost.gbSeconds === undefined) sum.unpricedMs += cost.lambdaMs;
  sum.tasks++;
  sum.writeUnits += cost.writeUnits;
  sum.sqsRequests += cost.sqsRequests;
  sum.lambdaRequests += cost.lambdaRequests;
  sum.lambdaMs += cost.lambdaMs;
  sum.gbSeconds += cost.gbSeconds ?? 0;
  sum.heartbeats += cost.heartbeats;
  sum.dollars += dollarsOf(cost, prices);
  return sum;
}

/** The wire form of a sum: snake_case, as JSON-RPC answers it. */
export function costSumToWire(sum: CostSum) {
  return {
    tasks: sum.tasks,
    write_units: sum.writeUnits,
    sqs_requests: round(sum.sqsRequests),
    lambda_requests: round(sum.lambdaRequests),
    lambda_ms: sum.lambdaMs,
    gb_seconds: round(sum.gbSeconds),
    heartbeats: sum.heartbeats,
    dollars: round(sum.dollars, 9),
    unpriced_ms: sum.unpricedMs,
  };
}

/** The wire form of prices. */
export const pricesToWire = (p: Prices) => ({
  write_unit: p.writeUnit,
  sqs_request: p.sqsRequest,
  lambda_request: p.lambdaRequest,
  gb_second: p.gbSecond,
});

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A sum back from its wire form. */
export function costSumFromWire(wire: ReturnType<typeof costSumToWire>): CostSum {
  return {
    tasks: wire.tasks,
    writeUnits: wire.write_units,
    sqsRequests: wire.sqs_requests,
    lambdaRequests: wire.lambda_requests,
    lambdaMs: wire.lambda_ms,
    gbSeconds: wire.gb_seconds,
    heartbeats: wire.heartbeats,
    dollars: wire.dollars,
    unpricedMs: wire.unpriced_ms,
  };
}

/** Prices back from their wire form. */
export const pricesFromWire = (w: ReturnType<typeof pricesToWire>): Prices => ({
  writeUnit: w.write_unit,
  sqsRequest: w.sqs_request,
  lambdaRequest: w.lambda_request,
  gbSecond: w.gb_second,
});

/** A cost report's wire form: what JSON-RPC `cost` answers, and `skytask cost --json` prints. */
export function costReportToWire(report: CostReport) {
  return {
    since: report.since,
    until: report.until,
    prices: pricesToWire(report.prices),
    jobs: report.jobs.map(({ name, ...sum }) => ({ name, ...costSumToWire(sum) })),
    total: costSumToWire(report.total),
    memory_mb: report.memoryMb ?? null,
    complete: report.complete,
  };
}
