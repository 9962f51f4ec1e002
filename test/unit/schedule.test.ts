import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScheduleError } from '../../lib/errors.js';
import { eventBridgeSchedule } from '../../lib/eventbridge-schedule.js';
import { isSlot, nextSlot, previousSlot, scheduleOf, type Schedule } from '../../lib/schedule.js';

// A fixed reference clock: every test computes from these instants, never from Date.now().
const at = (iso: string) => Date.parse(iso) / 1000;
const iso = (t: number | undefined) =>
  t === undefined ? undefined : new Date(t * 1000).toISOString().replace('.000', '');
const NOW = at('2026-01-01T10:00:00Z');

function schedule(job: Omit<Parameters<typeof scheduleOf>[0], 'name'>): Schedule {
  return scheduleOf({ name: 'job', ...job })!;
}

/** The next `n` slots after `from`. */
function slots(s: Schedule, from: number, n: number): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  let t: number | undefined = from;
  for (let i = 0; i < n && t !== undefined; i++) out.push(iso((t = nextSlot(s, t))));
  return out;
}

describe('runEvery and anchor', () => {
  test('without an anchor the grid starts at the epoch: whole minutes, whole hours', () => {
    assert.equal(iso(nextSlot(schedule({ runEvery: 60 }), at('2026-01-01T10:00:30Z'))), '2026-01-01T10:01:00Z');
    assert.equal(iso(nextSlot(schedule({ runEvery: 3600 }), NOW)), '2026-01-01T11:00:00Z');
  });

  test('an anchor aligns the runs: every hour at minute 25', () => {
    const s = schedule({ runEvery: 3600, anchor: 25 * 60 });
    assert.deepEqual(slots(s, NOW, 2), ['2026-01-01T10:25:00Z', '2026-01-01T11:25:00Z']);
    assert.equal(iso(previousSlot(s, NOW)), '2026-01-01T09:25:00Z');
  });

  test('any point of the grid is the same anchor, past or future', () => {
    const a = schedule({ runEvery: 3600, anchor: at('2030-06-01T00:25:00Z') });
    const b = schedule({ runEvery: 3600, anchor: 25 * 60 });
    assert.deepEqual(slots(a, NOW, 3), slots(b, NOW, 3));
  });

  test('a slot is due at its own instant: previous slot ≤ t < next slot', () => {
    const s = schedule({ runEvery: 300 });
    assert.equal(previousSlot(s, NOW), NOW);
    assert.equal(nextSlot(s, NOW), NOW + 300);
  });

  test('periods of a day or more', () => {
    const daily = schedule({ runEvery: 86_400, anchor: at('2026-01-01T06:00:00Z') });
    assert.deepEqual(slots(daily, NOW, 2), ['2026-01-02T06:00:00Z', '2026-01-03T06:00:00Z']);
    const weekly = schedule({ runEvery: 7 * 86_400, anchor: at('2026-01-05T00:00:00Z') }); // a Monday
    assert.deepEqual(slots(weekly, NOW, 2), ['2026-01-05T00:00:00Z', '2026-01-12T00:00:00Z']);
  });

  test('sub-second and odd periods are fine locally', () => {
    assert.equal(nextSlot(schedule({ runEvery: 0.5 }), 10.2), 10.5);
    assert.equal(nextSlot(schedule({ runEvery: 7, anchor: 3 }), 10), 17);
  });
});

describe('cron in a time zone', () => {
  test('a weekday-morning job in Rome runs at 09:00 local, in UTC+1 and UTC+2', () => {
    const s = schedule({ cron: '0 9 * * MON-FRI', timezone: 'Europe/Rome' });
    assert.deepEqual(slots(s, at('2026-01-02T12:00:00Z'), 2), ['2026-01-05T08:00:00Z', '2026-01-06T08:00:00Z']);
    assert.equal(iso(nextSlot(s, at('2026-07-01T12:00:00Z'))), '2026-07-02T07:00:00Z');
  });

  test('UTC by default', () => {
    assert.equal(iso(nextSlot(schedule({ cron: '30 2 * * *' }), NOW)), '2026-01-02T02:30:00Z');
  });

  // New York: spring forward 2026-03-08 02:00 EST → 03:00 EDT; fall back 2026-11-01 02:00 EDT → 01:00 EST.
  test('spring forward: a local time that does not exist does not run that day', () => {
    const s = schedule({ cron: '30 2 * * *', timezone: 'America/New_York' });
    assert.deepEqual(slots(s, at('2026-03-06T12:00:00Z'), 3), [
      '2026-03-07T07:30:00Z', // 02:30 EST
      '2026-03-09T06:30:00Z', // 02:30 EDT: 2026-03-08 02:30 never happened
      '2026-03-10T06:30:00Z',
    ]);
    assert.equal(iso(previousSlot(s, at('2026-03-09T00:00:00Z'))), '2026-03-07T07:30:00Z');
  });

  test('spring forward: an interval job skips the missing hour', () => {
    const s = schedule({ cron: '*/30 * * * *', timezone: 'America/New_York' });
    assert.deepEqual(slots(s, at('2026-03-08T06:20:00Z'), 3), [
      '2026-03-08T06:30:00Z', // 01:30 EST
      '2026-03-08T07:00:00Z', // 03:00 EDT
      '2026-03-08T07:30:00Z',
    ]);
  });

  test('fall back: a repeated local time runs once, at its first occurrence', () => {
    const daily = schedule({ cron: '30 1 * * *', timezone: 'America/New_York' });
    assert.deepEqual(slots(daily, at('2026-10-31T12:00:00Z'), 2), ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']);
    const interval = schedule({ cron: '*/30 * * * *', timezone: 'America/New_York' });
    assert.deepEqual(slots(interval, at('2026-11-01T04:50:00Z'), 4), [
      '2026-11-01T05:00:00Z', // 01:00 EDT
      '2026-11-01T05:30:00Z', // 01:30 EDT
      '2026-11-01T07:00:00Z', // 02:00 EST: 01:00 and 01:30 EST were the repeats
      '2026-11-01T07:30:00Z',
    ]);
    assert.equal(iso(previousSlot(interval, at('2026-11-01T06:45:00Z'))), '2026-11-01T05:30:00Z');
  });

  test('a cron that never matches has no next slot', () => {
    assert.equal(nextSlot(schedule({ cron: '0 0 30 2 *' }), NOW), undefined);
  });
});

describe('refusals at definition', () => {
  const refuses = (job: object, reason: RegExp) =>
    assert.throws(
      () => scheduleOf({ name: 'bad', ...job }),
      (err: unknown) => {
        assert.ok(err instanceof ScheduleError);
        assert.equal(err.jobName, 'bad');
        assert.match(err.message, /^job "bad": /);
        assert.match(err.message, reason);
        return true;
      },
    );

  test('periods must be > 0', () => {
    refuses({ runEvery: 0 }, /> 0/);
    refuses({ runEvery: -60 }, /> 0/);
    refuses({ runEvery: Number.NaN }, /> 0/);
  });
  test('runEvery and cron together', () => refuses({ runEvery: 60, cron: '* * * * *' }, /not both/));
  test('a time zone on a rate', () => refuses({ runEvery: 60, timezone: 'Europe/Rome' }, /cron schedules only/));
  test('an unknown time zone', () => refuses({ cron: '0 9 * * *', timezone: 'Mars/Olympus' }, /IANA/));
  test('not 5 fields', () => refuses({ cron: '0 0 9 * * *' }, /5 fields/));
  test('non-standard cron features', () => {
    refuses({ cron: '0 0 L * *' }, /not standard/);
    refuses({ cron: '0 0 ? * 1' }, /not standard/);
    refuses({ cron: '0 0 * * 1#2' }, /not standard/);
  });
  test('an invalid value', () => refuses({ cron: '61 * * * *' }, /not valid/));
  test('a regular job has no schedule', () => assert.equal(scheduleOf({ name: 'plain' }), undefined));
});

describe('eventBridgeSchedule', () => {
  const eb = (job: object) => eventBridgeSchedule({ name: 'job', ...job });

  test('a period dividing an hour, or a day in whole hours: an exact cron() in UTC on the anchor grid, no start date', () => {
    const cases: [object, string][] = [
      [{ runEvery: 60 }, 'cron(* * * * ? *)'],
      [{ runEvery: 60, anchor: 7 * 60 }, 'cron(* * * * ? *)'],
      [{ runEvery: 300 }, 'cron(0/5 * * * ? *)'],
      [{ runEvery: 300, anchor: 2 * 60 }, 'cron(2/5 * * * ? *)'],
      [{ runEvery: 300, anchor: -3 * 60 }, 'cron(2/5 * * * ? *)'],
      [{ runEvery: 900, anchor: at('2026-01-01T10:50:00Z') }, 'cron(5/15 * * * ? *)'],
      [{ runEvery: 1800 }, 'cron(0/30 * * * ? *)'],
      [{ runEvery: 3600 }, 'cron(0 * * * ? *)'],
      [{ runEvery: 3600, anchor: 25 * 60 }, 'cron(25 * * * ? *)'],
      [{ runEvery: 2 * 3600 }, 'cron(0 0/2 * * ? *)'],
      [{ runEvery: 6 * 3600, anchor: at('2026-01-01T17:45:00Z') }, 'cron(45 5/6 * * ? *)'],
      [{ runEvery: 12 * 3600, anchor: 3600 + 60 }, 'cron(1 1/12 * * ? *)'],
      [{ runEvery: 86_400 }, 'cron(0 0 * * ? *)'],
      [{ runEvery: 86_400, anchor: at('2026-01-01T06:30:00Z') }, 'cron(30 6 * * ? *)'],
    ];
    for (const [job, expression] of cases) {
      assert.deepEqual(eb(job), { expression, timezone: 'UTC' }, JSON.stringify(job));
    }
  });

  test('the cron fires on every slot; an exact one nowhere else, a finer one off the grid where isSlot is false (a week of minutes)', () => {
    const exact = [
      { runEvery: 300, anchor: 2 * 60 },
      { runEvery: 3600, anchor: 25 * 60 },
      { runEvery: 6 * 3600, anchor: at('2026-01-01T17:45:00Z') },
      { runEvery: 86_400, anchor: at('2026-01-01T06:30:00Z') },
    ];
    const finer = [
      { runEvery: 5400, anchor: 0 },
      { runEvery: 7 * 60, anchor: NOW + 180 },
      { runEvery: 5 * 3600, anchor: at('2026-01-01T01:15:00Z') },
      { runEvery: 2 * 86_400, anchor: at('2026-01-02T06:30:00Z') },
    ];
    for (const job of [...exact, ...finer]) {
      const rate = schedule(job);
      const [, minute, hour] = /^cron\((\S+) (\S+) \* \* \? \*\)$/.exec(eb(job).expression)!;
      const matches = (fieldText: string, value: number) => {
        if (fieldText === '*') return true;
        const [start, step] = fieldText.split('/').map(Number);
        return step === undefined ? value === start : value >= start && (value - start) % step === 0;
      };
      let fires = 0;
      for (let t = NOW; t < NOW + 7 * 86_400; t += 60) {
        const d = new Date(t * 1000);
        const fired = matches(minute, d.getUTCMinutes()) && matches(hour, d.getUTCHours());
        const slot = previousSlot(rate, t) === t;
        fires += Number(fired);
        assert.equal(isSlot(rate, t), slot, `${JSON.stringify(job)} at ${iso(t)}`);
        assert.equal(fired && isSlot(rate, t), slot, `${JSON.stringify(job)} at ${iso(t)}`);
      }
      if (exact.includes(job)) assert.equal(fires, (7 * 86_400) / job.runEvery, JSON.stringify(job));
    }
  });

  test('other periods: an exact UTC cron on the coarsest finer grid (gcd with a day, then an hour), no start date', () => {
    const cases: [object, string][] = [
      [{ runEvery: 5400 }, 'cron(0/30 * * * ? *)'],
      [{ runEvery: 5400, anchor: at('2026-01-01T00:20:00Z') }, 'cron(20/30 * * * ? *)'],
      [{ runEvery: 7 * 60, anchor: NOW + 180 }, 'cron(* * * * ? *)'],
      [{ runEvery: 45 * 60 }, 'cron(0/15 * * * ? *)'],
      [{ runEvery: 5 * 3600 }, 'cron(0 * * * ? *)'],
      [{ runEvery: 5 * 3600, anchor: at('2026-01-01T01:15:00Z') }, 'cron(15 * * * ? *)'],
      [{ runEvery: 25 * 3600 }, 'cron(0 * * * ? *)'],
      [{ runEvery: 7 * 86_400, anchor: at('2026-01-05T06:00:00Z') }, 'cron(0 6 * * ? *)'],
      [{ runEvery: 14 * 86_400 }, 'cron(0 0 * * ? *)'],
      [{ runEvery: 36 * 3600 }, 'cron(0 0/12 * * ? *)'],
    ];
    for (const [job, expression] of cases) {
      assert.deepEqual(eb(job), { expression, timezone: 'UTC' }, JSON.stringify(job));
    }
  });

  test('isSlot: a rate to the millisecond (a local period may be fractional); every time of a cron', () => {
    const tenth = schedule({ runEvery: 0.1, anchor: 0.05 });
    assert.equal(isSlot(tenth, 1_767_225_600.35), true);
    assert.equal(isSlot(tenth, 1_767_225_600.3), false);
    assert.equal(isSlot(schedule({ runEvery: 5400 }), at('2026-01-01T01:30:00Z')), true);
    assert.equal(isSlot(schedule({ runEvery: 5400 }), at('2026-01-01T01:00:00Z')), false);
    assert.equal(isSlot(schedule({ cron: '0 9 * * *' }), at('2026-01-01T01:00:00Z')), true);
  });

  test('5-field cron becomes the 6-field dialect: ? in one day field, the year, days 1-7 from Sunday', () => {
    const cases: [string, string][] = [
      ['* * * * *', 'cron(* * * * ? *)'],
      ['0 9 * * MON-FRI', 'cron(0 9 ? * 2-6 *)'],
      ['0 0 * * 0', 'cron(0 0 ? * 1 *)'],
      ['0 0 * * 7', 'cron(0 0 ? * 1 *)'],
      ['0 0 * * 5-7', 'cron(0 0 ? * 1,6-7 *)'],
      ['0 0 * * */2', 'cron(0 0 ? * 1,3,5,7 *)'],
      ['30 2 1,15 * *', 'cron(30 2 1,15 * ? *)'],
      ['*/15 9-17 * * *', 'cron(0/15 9-17 * * ? *)'],
      ['5,20,35,50 */5 */10 JAN-MAR *', 'cron(5/15 0/5 1/10 1-3 ? *)'],
      ['0 0 1 */2 *', 'cron(0 0 1 1/2 ? *)'],
    ];
    for (const [unix, aws] of cases) assert.equal(eb({ cron: unix }).expression, aws, unix);
  });

  test('the time zone goes along; no start date for cron', () => {
    assert.deepEqual(eb({ cron: '0 9 * * 1-5', timezone: 'Europe/Rome' }), {
      expression: 'cron(0 9 ? * 2-6 *)',
      timezone: 'Europe/Rome',
    });
  });

  const refuses = (job: object, reason: RegExp) =>
    assert.throws(
      () => eb({ ...job, name: 'tooodd' }),
      (err: unknown) => {
        assert.ok(err instanceof ScheduleError);
        assert.match(err.message, /^job "tooodd": /);
        assert.match(err.message, reason);
        return true;
      },
    );

  test('refuses under a minute, not whole minutes, an anchor off the minute', () => {
    refuses({ runEvery: 1 }, /at most once a minute/);
    refuses({ runEvery: 30 }, /at most once a minute/);
    refuses({ runEvery: 90 }, /whole minutes/);
    refuses({ runEvery: 3600, anchor: 10 }, /anchor 10 is not on a whole minute/);
  });

  test('refuses a cron restricting both day fields (Unix ORs them)', () => {
    refuses({ cron: '0 0 1 * 1' }, /both day-of-month and day-of-week/);
  });

  test('refuses a job that is not periodic', () => refuses({}, /not periodic/));
});

test('every periodic sample job deploys to EventBridge as written', async () => {
  const samples = await import('../../examples/jobs.js');
  const { createRegistry } = await import('../../lib/registry.js');
  const got = Object.fromEntries(
    createRegistry(samples)
      .periodic()
      .map((job) => [job.name, eventBridgeSchedule(job).expression]),
  );
  assert.deepEqual(got, {
    anchoredeveryhour: 'cron(25 * * * ? *)',
    testperiodic: 'cron(* * * * ? *)',
    testperiodicerror: 'cron(0/5 * * * ? *)',
    weekdaymorning: 'cron(0 9 ? * 2-6 *)',
  });
});
