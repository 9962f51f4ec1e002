import { RegistryError, UnknownJobError } from './errors.js';
import { isJob, type Job } from './job.js';
import { checkKeyLimitOptions } from './key-limits.js';
import { isJobQueue, type JobQueue, routedQueues } from './job-queue.js';
import { isPriority, PRIORITIES } from './priority.js';
import { isStandardSchema, kwargsFromResult } from './kwargs-schema.js';
import { checkRetrySettings } from './retry.js';
import { scheduleOf } from './schedule.js';

/** A name → job map built from a jobs module. A duplicate name is an error at load. */
export interface JobRegistry {
  get(name: string): Job | undefined;
  /** The job, or an UnknownJobError naming it. */
  require(name: string): Job;
  all(): Job[];
  regular(): Job[];
  periodic(): Job[];
  /** The routed queues its jobs run on besides `default` (lib/job-queue.ts), sorted by name. */
  queues(): JobQueue[];
}

/**
 * A job's `schema` must be a Standard Schema, and a periodic job's must accept `{}` (every
 * fire queues a task with no kwargs): refused here, at load (so at `cdk synth` too), rather
 * than at each fire. A schema that answers asynchronously cannot be asked at load: its
 * refusal surfaces at the fire, which goes through the same check (a ValidationError).
 */
function checkSchema(job: Job): void {
  if (job.schema === undefined) return;
  if (!isStandardSchema(job.schema)) {
    throw new RegistryError(
      `job "${job.name}": schema is not a Standard Schema (v1; e.g. a Zod, Valibot or ArkType schema)`,
    );
  }
  if (job.type !== 'periodic') return;
  const result = job.schema['~standard'].validate({});
  if (typeof (result as PromiseLike<unknown>).then === 'function') {
    return void Promise.resolve(result).catch(() => undefined);
  }
  try {
    kwargsFromResult(result as Awaited<typeof result>, {});
  } catch (err) {
    throw new RegistryError(
      `periodic job "${job.name}": its schema refuses the empty kwargs every run gets: ${(err as Error).message}`,
    );
  }
}

/**
 * Build a registry from a jobs module's exports: every export that is a job, or an
 * array or object of jobs (e.g. `export default [a, b]`).
 */
export function createRegistry(moduleExports: unknown): JobRegistry {
  const jobs = new Map<string, Job>();
  const seen = new Set<unknown>();
  const exportedQueues: JobQueue[] = [];
  const add = (value: unknown): void => {
    if (seen.has(value)) return;
    seen.add(value);
    if (isJobQueue(value)) {
      exportedQueues.push(value);
    } else if (isJob(value)) {
      if (typeof value.run !== 'function') throw new RegistryError(`job "${value.name}" has no run function`);
      if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(value.name)) {
        throw new RegistryError(`job name "${value.name}" must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
      }
      if (jobs.has(value.name)) throw new RegistryError(`two jobs are named "${value.name}"`);
      checkRetrySettings(value);
      checkSchema(value);
      checkKeyLimitOptions(value);
      // A schedule that makes no sense anywhere fails the load (ScheduleError names the job).
      scheduleOf(value);
      if (value.priority !== undefined && !isPriority(value.priority)) {
        throw new RegistryError(`job "${value.name}": priority must be one of ${PRIORITIES.join(', ')}`);
      }
      jobs.set(value.name, value);
    } else if (Array.isArray(value)) {
      value.forEach(add);
    } else if (value && typeof value === 'object') {
      Object.values(value).forEach(add);
    }
  };
  add(moduleExports);
  const all = [...jobs.values()].sort((a, b) => a.name.localeCompare(b.name));
  const queues = routedQueues(all, exportedQueues);
  return {
    get: (name) => jobs.get(name),
    require(name) {
      const job = jobs.get(name);
      if (!job) throw new UnknownJobError(name);
      return job;
    },
    all: () => all,
    regular: () => all.filter((j) => j.type === 'regular'),
    periodic: () => all.filter((j) => j.type === 'periodic'),
    queues: () => queues,
  };
}

/** Load a jobs module by path (local stack and tools; Lambda bundles it instead). */
export async function loadRegistry(modulePath: string): Promise<JobRegistry> {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  return createRegistry(await import(pathToFileURL(resolve(modulePath)).href));
}
