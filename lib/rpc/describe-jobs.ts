import { canOverlapLabel, type Job } from '../job.js';
import { queueNameOf } from '../job-queue.js';
import { DEFAULT_PRIORITY } from '../priority.js';
import type { JobRegistry } from '../registry.js';
import type { JobSchedule, Scheduler } from '../scheduler.js';

/**
 * `job_list`'s entry for a job (wire form, snake_case): Pulsar's fields; skytask's routing,
 * priority, per-key limits (their numbers: a key is a function) and events flag; plus the
 * schedule of a periodic job.
 */
export function describeJob(job: Job, schedule?: JobSchedule): Record<string, unknown> {
  const described: Record<string, unknown> = {
    name: job.name,
    doc: job.doc ?? '',
    doc_syntax: 'markdown',
    type: job.type,
    can_overlap: canOverlapLabel(job),
    expires: job.expires ?? null,
    queue: queueNameOf(job),
    priority: job.priority ?? DEFAULT_PRIORITY,
    concurrency: job.concurrency ? { limit: job.concurrency.limit } : null,
    rate_limit: job.rateLimit ? { max: job.rateLimit.max, per: job.rateLimit.per } : null,
    events: job.events === true,
  };
  if (schedule) {
    Object.assign(described, {
      run_every: job.runEvery ?? null,
      anchor: job.runEvery !== undefined ? (job.anchor ?? 0) : null,
      cron: job.cron ?? null,
      timezone: job.cron !== undefined ? (job.timezone ?? 'UTC') : null,
      next_run: schedule.nextRun,
      runs_count: schedule.entry?.runsCount ?? 0,
      last_run_at: schedule.entry?.lastRunAt ?? null,
    });
  }
  return described;
}

/** The named jobs, or all; UnknownJobError for a name not in the registry. */
export const jobsNamed = (registry: JobRegistry, names?: string[]) =>
  names ? names.map((n) => registry.require(n)) : registry.all();

/**
 * `job_list`'s answer: the named jobs (or all) with their schedules; a name the registry
 * does not know is left out, as Pulsar's `job_list` does (`["xxxxxx"]` answers `[]`). The
 * direct client uses it too.
 */
export async function describeJobs(
  { registry, scheduler }: { registry: JobRegistry; scheduler: Scheduler },
  names?: string[],
): Promise<Record<string, unknown>[]> {
  const jobs = names ? names.flatMap((name) => registry.get(name) ?? []) : registry.all();
  const schedules = new Map((await scheduler.schedules(jobs)).map((s) => [s.job.name, s]));
  return jobs.map((job) => describeJob(job, schedules.get(job.name)));
}
