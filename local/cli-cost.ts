/**
 * `skytask cost`: its flags checked in its own terms (`--since` is seconds ago, not the RPC's
 * epoch `since`), then the report as a table. Imported with the client commands' bodies.
 */
import type { SkytaskClient } from '../lib/client/types.js';
import { type CostSum, costReportToWire, LAMBDA_MEMORY_MB } from '../lib/cost.js';
import { ValidationError } from '../lib/errors.js';
import { COST_BOUNDS } from '../lib/rpc/cost-method.js';
import { type EndpointOptions, out, when } from './cli-output.js';

type CostOptions = EndpointOptions & { job?: string[]; since: string; limit?: string; memoryMb?: string };

/**
 * A number flag from `min` to `max` (a whole one when `whole`), or undefined when not given;
 * else a ValidationError naming the flag and what it means (`what`).
 */
function flag(
  name: string,
  value: string | undefined,
  [min, max]: readonly [number, number],
  what: string,
  whole = false,
) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n)))
    throw new ValidationError(
      `--${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max} (${what}), not "${value}"`,
    );
  return n;
}

/** The flags as `costReport`'s options: the period the last `--since` seconds up to now. */
function costOptions(options: CostOptions) {
  const what = 'seconds ago: the period is the last this many';
  const since = flag('since', options.since, [0, COST_BOUNDS.pastSeconds], what)!;
  if (since === 0) throw new ValidationError(`--since must be more than 0 seconds (${what}), not "${options.since}"`);
  const now = Date.now() / 1000;
  return {
    jobs: options.job,
    since: now - since,
    until: now,
    maxTasks: flag('limit', options.limit, [1, COST_BOUNDS.maxTasks], 'tasks summed at most', true),
    memoryMb: flag(
      'memory-mb',
      options.memoryMb,
      [LAMBDA_MEMORY_MB.min, LAMBDA_MEMORY_MB.max],
      'MB of Lambda memory',
      true,
    ),
  };
}

const row = (name: string, s: CostSum) =>
  `${name.padEnd(20)} ${String(s.tasks).padStart(7)} ${s.writeUnits.toFixed(0).padStart(9)} ${s.sqsRequests.toFixed(1).padStart(8)} ${(s.lambdaMs / 1000).toFixed(1).padStart(9)} ${`$${s.dollars.toFixed(6)}`.padStart(12)}`;

/** `skytask cost`: what the tasks queued in the last `--since` seconds cost, by job (docs/cost.md). */
export async function cost(client: SkytaskClient, options: CostOptions): Promise<void> {
  const report = await client.costReport(costOptions(options));
  const { total, memoryMb } = report;
  out(options, costReportToWire(report), () =>
    [
      `tasks queued ${when(report.since)} → ${when(report.until)}, at AWS list prices (us-east-1)` +
        (memoryMb ? `; run time off Lambda priced at ${memoryMb} MB` : ''),
      `${'job'.padEnd(20)} ${'tasks'.padStart(7)} ${'write u.'.padStart(9)} ${'SQS req.'.padStart(8)} ${'run s'.padStart(9)} ${'dollars'.padStart(12)}`,
      ...report.jobs.map((j) => row(j.name, j)),
      row('total', total),
      ...(total.unpricedMs > 0
        ? [
            `(run time not priced: ${(total.unpricedMs / 1000).toFixed(1)} s ran off Lambda, which records no GB-seconds;` +
              ' --memory-mb <MB> prices it as a Lambda function of that memory)',
          ]
        : []),
      ...(report.complete
        ? []
        : [`(the newest ${total.tasks} tasks of the period only, across the jobs: raise --limit for all of it)`]),
    ].join('\n'),
  );
}
