import { Cron, CronPattern } from 'croner';
import { ScheduleError } from './errors.js';
import type { Job } from './job.js';

/**
 * Schedule maths: when a periodic job's runs (its *slots*) fall. Times are epoch seconds.
 *
 * - `runEvery` + `anchor`: the slots are anchor + k × runEvery for every integer k, so
 *   any point on the grid is a valid anchor (default 0: the Unix epoch, so 60 runs on
 *   whole minutes and 3600 on whole hours, UTC).
 * - `cron` (5 fields, Unix) in an IANA `timezone` (default UTC). The calendar matching is
 *   croner's; on top of it the daylight-saving rules of EventBridge Scheduler: a local
 *   time that does not exist (spring forward) does not run, and a local time that occurs
 *   twice (fall back) runs once, at its first occurrence. croner alone would move the
 *   first to just after the gap and run interval jobs twice in the repeated hour.
 */
export type Schedule =
  | { kind: 'rate'; every: number; anchor: number }
  | { kind: 'cron'; cron: string; timezone: string; pattern: CronPattern; matcher: Cron };

/** Month and day names are the only letters standard 5-field cron allows. */
const NAMES = /(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)/gi;

function checkTimezone(job: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new ScheduleError(job, `timezone "${timezone}" is not an IANA time zone`);
  }
}

/**
 * The job's schedule, checked; undefined for a regular job. Throws ScheduleError naming
 * the job for a schedule that makes no sense anywhere (the registry calls this at load).
 */
export function scheduleOf(job: Pick<Job, 'name' | 'runEvery' | 'anchor' | 'cron' | 'timezone'>): Schedule | undefined {
  const { name, runEvery, anchor, cron, timezone } = job;
  if (runEvery !== undefined && cron !== undefined) throw new ScheduleError(name, 'give runEvery or cron, not both');
  if (runEvery !== undefined) {
    if (typeof runEvery !== 'number' || !Number.isFinite(runEvery) || runEvery <= 0) {
      throw new ScheduleError(name, `runEvery must be a number of seconds > 0, not ${runEvery}`);
    }
    if (anchor !== undefined && !(typeof anchor === 'number' && Number.isFinite(anchor))) {
      throw new ScheduleError(name, 'anchor must be a time in epoch seconds');
    }
    if (timezone !== undefined) {
      throw new ScheduleError(name, 'timezone applies to cron schedules only (runEvery counts real seconds)');
    }
    return { kind: 'rate', every: runEvery, anchor: anchor ?? 0 };
  }
  if (cron === undefined) {
    if (anchor !== undefined || timezone !== undefined)
      throw new ScheduleError(name, 'anchor and timezone need runEvery or cron');
    return undefined;
  }
  if (anchor !== undefined) throw new ScheduleError(name, 'anchor applies to runEvery only');
  const tz = timezone ?? 'UTC';
  checkTimezone(name, tz);
  const fields = typeof cron === 'string' ? cron.trim().split(/\s+/) : [];
  if (fields.length !== 5)
    throw new ScheduleError(name, `cron "${cron}" must have 5 fields: minute hour day-of-month month day-of-week`);
  const odd = fields.find((f) => !/^[0-9*,/-]+$/.test(f.replace(NAMES, '0')));
  if (odd !== undefined) {
    throw new ScheduleError(name, `cron field "${odd}" is not standard 5-field cron (digits, names, * , - / only)`);
  }
  try {
    const pattern = new CronPattern(fields.join(' '), tz, { mode: '5-part' });
    const matcher = new Cron(fields.join(' '), { timezone: tz, mode: '5-part' });
    return { kind: 'cron', cron: fields.join(' '), timezone: tz, pattern, matcher };
  } catch (err) {
    throw new ScheduleError(name, `cron "${cron}" is not valid: ${(err as Error).message}`);
  }
}

/** Offset of `timezone` from UTC at instant `t`, in seconds (positive east of Greenwich). */
const formats = new Map<string, Intl.DateTimeFormat>();
export function utcOffset(t: number, timezone: string): number {
  let f = formats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timezone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(Math.floor(t) * 1000)).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000 - Math.floor(t);
}

/**
 * Whether a croner candidate is a run as EventBridge Scheduler makes it: its local time
 * matches the expression (croner moves a time that falls in a spring-forward gap to
 * after it: that run is skipped), and it is not the second occurrence of a local time
 * repeated at fall back (that hour runs once).
 */
function runsAsWritten(s: Extract<Schedule, { kind: 'cron' }>, t: number): boolean {
  if (!s.matcher.match(new Date(t * 1000))) return false;
  const now = utcOffset(t, s.timezone);
  // DST changes are months apart and shift at most 2 h, so 3 h back is before any
  // transition that could have repeated this local time.
  const before = utcOffset(t - 3 * 3600, s.timezone);
  if (before <= now) return true;
  const firstOccurrence = t - (before - now);
  return utcOffset(firstOccurrence, s.timezone) !== before;
}

/** A cron schedule's candidates are filtered; give up after this many (e.g. `0 0 30 2 *` never runs). */
const MAX_CANDIDATES = 1000;

/** The first slot strictly after `t`. Undefined when the schedule has no more runs. */
export function nextSlot(s: Schedule, t: number): number | undefined {
  if (s.kind === 'rate') return s.anchor + (Math.floor((t - s.anchor) / s.every) + 1) * s.every;
  let from = new Date(Math.floor(t * 1000));
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const d = s.matcher.nextRun(from);
    if (!d) return undefined;
    if (runsAsWritten(s, d.getTime() / 1000)) return d.getTime() / 1000;
    from = d;
  }
  return undefined;
}

/**
 * Whether `t` is one of the schedule's slots, to the millisecond (an EventBridge scheduled
 * time is whole seconds; a local anchor or period may be fractional). A deployed `runEvery`
 * whose period a cron cannot say fires on a finer grid (lib/eventbridge-schedule.ts), and
 * a fire at a time that is not a slot queues nothing. A cron schedule's fires are its
 * slots by construction: true.
 */
export function isSlot(s: Schedule, t: number): boolean {
  if (s.kind !== 'rate') return true;
  const nearest = s.anchor + Math.round((t - s.anchor) / s.every) * s.every;
  return Math.abs(nearest - t) < 0.001;
}

/** The last slot at or before `t` (the one due at `t`). Undefined when there is none. */
export function previousSlot(s: Schedule, t: number): number | undefined {
  if (s.kind === 'rate') return s.anchor + Math.floor((t - s.anchor) / s.every) * s.every;
  // croner's previous runs are strictly before the reference: 1 ms past t includes t.
  let ref = new Date(Math.floor(t * 1000) + 1);
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const [d] = s.matcher.previousRuns(1, ref);
    if (!d) return undefined;
    if (runsAsWritten(s, d.getTime() / 1000)) return d.getTime() / 1000;
    ref = d;
  }
  return undefined;
}
