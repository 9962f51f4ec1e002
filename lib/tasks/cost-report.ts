import { addCost, checkPrices, type CostSum, emptySum, LAMBDA_MEMORY_MB, LIST_PRICES, type Prices } from '../cost.js';
import { ValidationError } from '../errors.js';
import { cursorAfter } from '../keys.js';
import type { Task, TaskCost } from '../task.js';
import type { TaskDeps } from './deps.js';

/** What `costReport` sums. Times in epoch seconds, or Dates. */
export interface CostReportOptions {
  /** The jobs to sum, each once (a name given twice is counted once). @default every job of the registry */
  jobs?: string[];
  /** Tasks queued from this time (epoch seconds, or a Date). @default a day before `until` */
  since?: number | Date;
  /** Tasks queued up to this time (epoch seconds, or a Date). @default now */
  until?: number | Date;
  /** Prices to use instead of the list prices (checked: `checkPrices`, lib/cost.ts). @default LIST_PRICES */
  prices?: Partial<Prices>;
  /**
   * Tasks of the period summed at most: the newest, across every job. The walk reads fewer
   * than twice as many (listing pages read tasks whole), and one more per job to see where
   * its period ends. @default 10,000
   */
  maxTasks?: number;
  /**
   * Price the run time of tasks that recorded no GB-seconds (they ran off Lambda: locally) as
   * a Lambda function of this memory, MB, would be billed for it (`withRunPriced`,
   * lib/cost.ts). Without it, that run time is left out of the dollars (`unpricedMs`).
   */
  memoryMb?: number;
}

/** The keys of `CostReportOptions`: every one, and no other (the type checks both). */
const COST_OPTIONS = Object.keys({
  jobs: 0,
  since: 0,
  until: 0,
  prices: 0,
  maxTasks: 0,
  memoryMb: 0,
} satisfies Record<keyof CostReportOptions, 0>);
/** The `cost` RPC's names of options the client names otherwise (lib/rpc/cost-method.ts): said in the error. */
const RPC_NAMES: Record<string, string> = { jobnames: 'jobs', limit: 'maxTasks', memory_mb: 'memoryMb' };

/**
 * A list of jobs to sum, refused when empty (`name`: the param or option's name): an empty
 * list would sum nothing, and read as "cost nothing". Absent means every job.
 */
export function checkJobList<T extends string[] | undefined>(jobs: T, name: string): T {
  if (jobs?.length === 0)
    throw new ValidationError(`${name} must not be empty: name at least one job, or leave it out for every job`);
  return jobs;
}

/**
 * `costReport`'s options checked before anything is read or sent (both clients: the direct
 * one through `costReport`, the HTTP one in `costParams`): an option it does not know is a
 * ValidationError naming it, and the client's name when it is the RPC's (`jobnames` → `jobs`);
 * else an ignored `limit` would sum every task. `jobs: []` is refused (`checkJobList`).
 */
export function checkCostOptions(options: CostReportOptions): CostReportOptions {
  for (const key of Object.keys(options)) {
    if (COST_OPTIONS.includes(key)) continue;
    const alias = Object.hasOwn(RPC_NAMES, key)
      ? `: the option is ${RPC_NAMES[key]} (${key} is the cost RPC's name)`
      : '';
    throw new ValidationError(
      `costReport: unknown option "${key}"${alias || `; the options are ${COST_OPTIONS.join(', ')}`}`,
    );
  }
  checkJobList(options.jobs, 'jobs');
  return options;
}

/** The sums by job, the total, and whether every task of the period was read. */
export interface CostReport {
  since: number;
  until: number;
  prices: Prices;
  /** The memory the run time without GB-seconds was priced at (`CostReportOptions.memoryMb`). */
  memoryMb?: number;
  jobs: ({ name: string } & CostSum)[];
  total: CostSum;
  /** False when `maxTasks` stopped the walk: the sums cover the newest tasks of the period only. */
  complete: boolean;
}

/**
 * A time of the period (`since`, `until`) as epoch seconds: a number as it is, a Date's time;
 * undefined for none. Throws ValidationError naming `name` for anything but a finite number
 * or a valid Date. The HTTP client sends what it answers.
 */
export function epochSecondsOf(name: string, time: number | Date | undefined): number | undefined {
  const seconds = time instanceof Date ? time.getTime() / 1000 : time;
  if (seconds === undefined || (typeof seconds === 'number' && Number.isFinite(seconds))) return seconds;
  throw new ValidationError(`${name} must be epoch seconds (a finite number) or a valid Date`);
}

/** The period of a report, checked: `since` to `until`, a day before now to now by default. Throws ValidationError when reversed. */
function periodOf(deps: Pick<TaskDeps, 'clock'>, options: CostReportOptions) {
  const until = epochSecondsOf('until', options.until) ?? deps.clock();
  const since = epochSecondsOf('since', options.since) ?? until - 86_400;
  if (since <= until) return { since, until };
  const iso = (t: number) => (Math.abs(t) < 8.64e12 ? new Date(t * 1000).toISOString() : String(t));
  throw new ValidationError(`since (${iso(since)}) is after until (${iso(until)}): the period is reversed`);
}

/** `memoryMb` checked: undefined, or a Lambda function's memory. Throws ValidationError. */
function checkMemoryMb(memoryMb: number | undefined): number | undefined {
  const { min, max } = LAMBDA_MEMORY_MB;
  if (memoryMb === undefined || (Number.isInteger(memoryMb) && memoryMb >= min && memoryMb <= max)) return memoryMb;
  throw new ValidationError(`memoryMb must be an integer from ${min} to ${max} (a Lambda function's memory, MB)`);
}

/** A task that recorded no cost. */
const NO_COST: TaskCost = { writeUnits: 0, sqsRequests: 0, lambdaRequests: 0, lambdaMs: 0, heartbeats: 0 };

/** The most tasks one listing page reads (get_tasks' own cap). */
const PAGE = 1000;

/** One job's tasks, newest first: the page read and not summed yet, and where the listing goes on. */
interface Listing {
  name: string;
  tasks: Task[];
  cursor: string | undefined;
  /** No task of the period is left in it past `tasks`. */
  ended: boolean;
}

/**
 * Read a listing's next page of at most `limit` tasks into it (again while a page comes
 * back empty with a cursor). A task older than `since` ends it: the listing is newest first.
 */
async function readPage(deps: Pick<TaskDeps, 'store'>, listing: Listing, limit: number, since: number) {
  while (!listing.tasks.length && !listing.ended) {
    const page = await deps.store.queryTasks({ name: listing.name, limit, cursor: listing.cursor });
    listing.tasks = page.tasks.filter((t) => t.timeQueued >= since);
    listing.cursor = page.cursor ?? undefined;
    listing.ended = !listing.cursor || listing.tasks.length < page.tasks.length;
  }
}

/** The listing whose next task is the newest of all (the first of equals), or undefined when none has one. */
const newestOf = (listings: Listing[]) =>
  listings.reduce<Listing | undefined>(
    (best, l) => (l.tasks.length && (!best || l.tasks[0].timeQueued > best.tasks[0].timeQueued) ? l : best),
    undefined,
  );

/**
 * The tasks of each job queued in `[since, until]`, newest of all first, `maxTasks` at most:
 * a k-way merge of the jobs' listings (each newest first). A listing reads its next page when
 * it has no task left: an equal share of what the sums can still take, so that the walk
 * reads fewer than twice `maxTasks` tasks (and one more per job, to see where its period
 * ends). Calls `take` with each task in order; true when every task of the period was taken.
 */
async function mergeNewest(
  deps: Pick<TaskDeps, 'store'>,
  names: string[],
  period: { since: number; until: number },
  maxTasks: number,
  take: (listing: Listing, task: Task) => void,
): Promise<boolean> {
  // A listing starts just after `until` (its index sort key is the time queued): newer tasks are not read.
  const start = cursorAfter(period.until + 0.001, '');
  const listings: Listing[] = names.map((name) => ({ name, tasks: [], cursor: start, ended: false }));
  let taken = 0;
  for (;;) {
    const open = listings.filter((l) => !l.ended || l.tasks.length);
    for (const listing of open.filter((l) => !l.tasks.length)) {
      // A share of what the sums can still take; 1 when they are full: is there more of the period?
      const share = Math.max(1, Math.min(PAGE, Math.ceil((maxTasks - taken) / open.length)));
      await readPage(deps, listing, share, period.since);
    }
    const next = newestOf(listings);
    if (!next) return true;
    if (taken === maxTasks) return false;
    take(next, next.tasks.shift()!);
    taken++;
  }
}

/**
 * The cost of the tasks of each job queued in a period (`cost`): the jobs' listings (by_job,
 * newest first: one query per status group and shard a page) merged by time queued down to
 * `since` (mergeNewest), so that with `maxTasks` the sums cover the newest tasks of every
 * job. Every task of the period is counted, with the cost it recorded so far (its enqueue's,
 * then each finish's: a task that never ran, or still runs, shows its enqueue's), summed and
 * priced. Throws ValidationError for an option it does not know or `jobs: []` (`checkCostOptions`), a reversed period (`since` after `until`), UnknownJobError
 * (a ValidationError: -32602) for a name the registry does not know.
 */
export async function costReport(
  deps: Pick<TaskDeps, 'store' | 'registry' | 'clock'>,
  options: CostReportOptions = {},
): Promise<CostReport> {
  checkCostOptions(options);
  const { since, until } = periodOf(deps, options);
  const prices = { ...LIST_PRICES, ...checkPrices(options.prices, 'camel') };
  const memoryMb = checkMemoryMb(options.memoryMb);
  // A name given twice is one job: its tasks are summed once, in the order first given.
  const names = [...new Set(options.jobs ?? deps.registry.all().map((j) => j.name))];
  // An unknown name is refused, as queue_task refuses it: a typo must not read as "cost nothing".
  for (const name of names) deps.registry.require(name);
  const jobs = names.map((name) => ({ name, ...emptySum() }));
  const total = emptySum();
  const complete = await mergeNewest(deps, names, { since, until }, options.maxTasks ?? 10_000, (listing, task) => {
    if (task.timeQueued > until) return;
    // Every task of the period counts, at what it recorded so far (none: a record older than costs).
    const cost = task.cost ?? NO_COST;
    addCost(jobs[names.indexOf(listing.name)], cost, prices, memoryMb);
    addCost(total, cost, prices, memoryMb);
  });
  return { since, until, prices, ...(memoryMb ? { memoryMb } : {}), jobs, total, complete };
}
