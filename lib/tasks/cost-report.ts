import { addCost, type CostSum, emptySum, LIST_PRICES, type Prices } from '../cost.js';
import type { TaskDeps } from './deps.js';

/** What `costReport` sums. Times in epoch seconds. */
export interface CostReportOptions {
  /** The jobs to sum, each once (a name given twice is counted once). @default every job of the registry */
  jobs?: string[];
  /** Tasks queued from this time. @default a day before `until` */
  since?: number;
  /** Tasks queued up to this time. @default now */
  until?: number;
  /** Prices to use instead of the list prices. @default LIST_PRICES */
  prices?: Partial<Prices>;
  /** Tasks read at most (each listing page reads tasks whole). @default 10,000 */
  maxTasks?: number;
}

/** The sums by job, the total, and whether every task of the period was read. */
export interface CostReport {
  since: number;
  until: number;
  prices: Prices;
  jobs: ({ name: string } & CostSum)[];
  total: CostSum;
  /** False when `maxTasks` stopped the walk: the sums cover the newest tasks of the period only. */
  complete: boolean;
}

/**
 * The cost of the tasks of each job queued in a period (`cost`): each job's tasks are listed
 * newest first (by_job: one query per status group and shard a page) down to `since`, and
 * those that recorded a cost — every task a finish ended — are summed and priced. Tasks
 * that never ran (revoked, expired while waiting) record none.
 */
export async function costReport(
  deps: Pick<TaskDeps, 'store' | 'registry' | 'clock'>,
  options: CostReportOptions = {},
): Promise<CostReport> {
  const until = options.until ?? deps.clock();
  const since = options.since ?? until - 86_400;
  const prices = { ...LIST_PRICES, ...options.prices };
  let budget = options.maxTasks ?? 10_000;
  const total = emptySum();
  const jobs: CostReport['jobs'] = [];
  // A name given twice is one job: its tasks are summed once, in the order first given.
  for (const name of new Set(options.jobs ?? deps.registry.all().map((j) => j.name))) {
    const sum = { name, ...emptySum() };
    let cursor: string | undefined;
    walk: do {
      const page = await deps.store.queryTasks({ name, limit: Math.min(1000, budget), cursor });
      for (const task of page.tasks) {
        budget--;
        if (task.timeQueued < since) break walk;
        if (task.timeQueued > until || !task.cost) continue;
        addCost(sum, task.cost, prices);
        addCost(total, task.cost, prices);
      }
      cursor = page.cursor ?? undefined;
    } while (cursor && budget > 0);
    jobs.push(sum);
    if (budget <= 0) return { since, until, prices, jobs, total, complete: false };
  }
  return { since, until, prices, jobs, total, complete: true };
}
