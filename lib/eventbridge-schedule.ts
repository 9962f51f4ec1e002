import { ScheduleError } from './errors.js';
import type { Job } from './job.js';
import { scheduleOf, type Schedule } from './schedule.js';

/** What one EventBridge Scheduler schedule of a periodic job is deployed with. */
export interface EventBridgeSchedule {
  /** `cron(…)` in EventBridge's dialect (the reconciler's own schedule is a `rate(…)`). */
  expression: string;
  /** IANA time zone EventBridge evaluates a cron expression in (`UTC` for `runEvery`). */
  timezone: string;
}

/**
 * The input EventBridge Scheduler sends to the scheduler function (functions/scheduler.ts)
 * for each run: the job and the scheduled time, from which the fire derives its
 * idempotent task id. `<aws.scheduler.scheduled-time>` is filled in by EventBridge.
 */
export function schedulerInput(jobName: string): { job: string; time: string } {
  return { job: jobName, time: '<aws.scheduler.scheduled-time>' };
}

/**
 * A rate whose period divides a day evenly with a fixed minute in every run: every whole
 * number of minutes dividing an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), or every
 * whole number of hours dividing a day (2, 3, 4, 6, 8, 12, 24). Its slots then fall at the
 * same UTC times every day (the epoch is a UTC midnight), which an exact UTC `cron()`
 * says, with no start date to keep fresh. Undefined for other periods.
 */
function exactCron(s: Extract<Schedule, { kind: 'rate' }>): string | undefined {
  const offset = ((s.anchor % s.every) + s.every) % s.every;
  if (3_600 % s.every === 0) {
    const step = s.every / 60;
    const first = offset / 60;
    const minute = step === 1 ? '*' : step === 60 ? String(first) : `${first}/${step}`;
    return `cron(${minute} * * * ? *)`;
  }
  if (s.every % 3_600 === 0 && 86_400 % s.every === 0) {
    const step = s.every / 3_600;
    const first = Math.floor(offset / 3_600);
    const hour = step === 24 ? String(first) : `${first}/${step}`;
    return `cron(${(offset % 3_600) / 60} ${hour} * * ? *)`;
  }
  return undefined;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The coarsest grid an exact UTC cron can say that holds every slot of `s`: the greatest
 * common divisor of the period and a day, or of that and an hour when it is not whole
 * hours (90 minutes → 30; 7 minutes → 1; 5 hours → 1 hour; 7 days → 1 day). It divides
 * the period, so the job's slots are the grid's slots that are on the anchor grid.
 */
function firingGrid(s: Extract<Schedule, { kind: 'rate' }>): Extract<Schedule, { kind: 'rate' }> {
  const day = gcd(s.every, 86_400);
  return { ...s, every: day % 3_600 === 0 ? day : gcd(day, 3_600) };
}

function rate(job: string, s: Extract<Schedule, { kind: 'rate' }>): EventBridgeSchedule {
  if (s.every < 60)
    throw new ScheduleError(job, `runs every ${s.every} s: EventBridge Scheduler fires at most once a minute`);
  if (s.every % 60 !== 0)
    throw new ScheduleError(job, `runs every ${s.every} s: EventBridge Scheduler rates are whole minutes`);
  if (s.anchor % 60 !== 0) {
    throw new ScheduleError(
      job,
      `anchor ${s.anchor} is not on a whole minute: EventBridge Scheduler fires in whole minutes`,
    );
  }
  // No rate(): a rate counts from its StartDate, which would have to be a literal fixed at
  // synth, and Scheduler refuses one more than 5 minutes in the past at a later deploy.
  return { expression: exactCron(s) ?? exactCron(firingGrid(s))!, timezone: 'UTC' };
}

/**
 * One cron field from croner's parsed flags (index i set: value i + offset runs), in a
 * form every EventBridge field accepts: `*`, `start/step` running to the field's end
 * (not in day-of-week, where EventBridge has no `/`), or a list of values and ranges.
 */
function field(flags: number[], offset: number, steps = true): string {
  const values = flags.flatMap((on, i) => (on ? [i + offset] : []));
  if (values.length === flags.length) return '*';
  const step = values.length > 2 ? values[1] - values[0] : 0;
  const last = flags.length - 1 + offset;
  if (
    steps &&
    step > 1 &&
    values.every((v, i) => v === values[0] + i * step) &&
    values[values.length - 1] + step > last
  ) {
    return `${values[0]}/${step}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j > i ? `${values[i]}-${values[j]}` : String(values[i]));
    i = j + 1;
  }
  return parts.join(',');
}

function cron(job: string, s: Extract<Schedule, { kind: 'cron' }>): EventBridgeSchedule {
  const p = s.pattern;
  // Unix cron runs a day that matches day-of-month OR day-of-week when both are given;
  // EventBridge takes one of them (the other is `?`) and cannot say "either".
  if (!p.starDOM && !p.starDOW) {
    throw new ScheduleError(
      job,
      `cron "${s.cron}" restricts both day-of-month and day-of-week (Unix runs either): EventBridge Scheduler can use only one of them`,
    );
  }
  // AWS numbers days 1-7 from Sunday; Unix 0-6 from Sunday.
  const dow = p.starDOW ? '?' : field(p.dayOfWeek, 1, false);
  const dom = p.starDOW ? field(p.day, 1) : '?';
  const expression = `cron(${field(p.minute, 0)} ${field(p.hour, 0)} ${dom} ${field(p.month, 1)} ${dow} *)`;
  return { expression, timezone: s.timezone };
}

/**
 * What EventBridge Scheduler deploys for a periodic job: a 6-field `cron()` (with `?` and
 * the year) and its time zone; for a `runEvery`, an exact `cron()` in UTC. A period that
 * divides an hour, or a day in whole hours, fires on the job's slots exactly; any other
 * period fires on the coarsest finer grid a cron can say (every 30 minutes for 90), and the
 * fire skips the times off the job's anchor grid (lib/scheduler.ts), so no start date is
 * needed and the template deploys whenever it is deployed.
 * Throws ScheduleError, naming the job, for what EventBridge cannot express: periods
 * under a minute or not whole minutes, an anchor off the minute, a cron restricting both
 * day fields. (The local scheduler runs those anyway.)
 *
 * @example
 * eventBridgeSchedule(anchoredeveryhour) // every hour at minute 25
 * // { expression: 'cron(25 * * * ? *)', timezone: 'UTC' }
 * eventBridgeSchedule({ name: 'n', runEvery: 5400 }) // every 90 minutes from 00:00 UTC
 * // { expression: 'cron(0/30 * * * ? *)', timezone: 'UTC' }: two fires in three skipped
 */
export function eventBridgeSchedule(
  job: Pick<Job, 'name' | 'runEvery' | 'anchor' | 'cron' | 'timezone'>,
): EventBridgeSchedule {
  const s = scheduleOf(job);
  if (!s) throw new ScheduleError(job.name, 'is not periodic (no runEvery or cron)');
  return s.kind === 'rate' ? rate(job.name, s) : cron(job.name, s);
}
