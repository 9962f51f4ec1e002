import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atScheduleInput, schedulerInput, timerScheduleName } from '../../lib/index.js';

const options = {
  groupName: 'skytask-timers',
  roleArn: 'arn:aws:iam::123456789012:role/skytask-timer',
  queueArn: 'arn:aws:sqs:us-east-1:123456789012:skytask',
};

test('a one-time at() schedule sends the envelope to the queue and deletes itself', () => {
  const input = atScheduleInput(
    { id: 'abc-123', job: 'addition' },
    Date.parse('2026-03-01T12:30:00.250Z') / 1000,
    options,
  );
  assert.deepEqual(input, {
    Name: 't-abc-123',
    GroupName: 'skytask-timers',
    // Rounded up to the second: never before the task is due.
    ScheduleExpression: 'at(2026-03-01T12:30:01)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Description: 'skytask task abc-123 of job addition',
    Target: {
      Arn: options.queueArn,
      RoleArn: options.roleArn,
      Input: '{"v":1,"id":"abc-123","job":"addition"}',
      RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
    },
  });
});

test('what a schedule cannot deliver within its retry policy goes to the dead-letter queue, when there is one', () => {
  const due = Date.parse('2026-03-01T12:30:00Z') / 1000;
  const input = atScheduleInput({ id: 'abc', job: 'j' }, due, {
    ...options,
    deadLetterArn: 'arn:aws:sqs:us-east-1:1:dlq',
  });
  assert.deepEqual(input.Target?.DeadLetterConfig, { Arn: 'arn:aws:sqs:us-east-1:1:dlq' });
  // Its body is the schedule's input: the task's envelope, which redrive_dead_letters reads.
  assert.equal(input.Target?.Input, '{"v":1,"id":"abc","job":"j"}');
  assert.equal(atScheduleInput({ id: 'abc', job: 'j' }, due, options).Target?.DeadLetterConfig, undefined);
});

test('schedule names fit EventBridge (64 chars of [0-9A-Za-z_.-]) and stay one per task', () => {
  const long = timerScheduleName('x'.repeat(128));
  const colon = timerScheduleName('testperiodic:20260101T100000Z');
  for (const name of [long, colon]) assert.match(name, /^[0-9A-Za-z_.-]{1,64}$/);
  assert.notEqual(timerScheduleName('a:b'), timerScheduleName('a:c'));
  assert.equal(timerScheduleName('a:b'), timerScheduleName('a:b'));
});

test('the periodic schedule input names the job and asks for the scheduled time', () => {
  assert.deepEqual(schedulerInput('testperiodic'), { job: 'testperiodic', time: '<aws.scheduler.scheduled-time>' });
});
