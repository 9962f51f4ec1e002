/** configFromEnv: the names and defaults of lib/settings.ts, and what it refuses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFromEnv } from '../../lib/config.js';
import { SkytaskError } from '../../lib/errors.js';
import { SECONDS_PER_DAY, SETTINGS } from '../../lib/settings.js';

const required = { [SETTINGS.table.env]: 't', [SETTINGS.queueUrl.env]: 'http://q' };

describe('configFromEnv', () => {
  it('falls back on the defaults of SETTINGS', () => {
    const config = configFromEnv(required);
    assert.deepEqual(config, {
      table: 't',
      queueUrl: 'http://q',
      dlqUrl: undefined,
      queues: undefined,
      dynamodbEndpoint: undefined,
      sqsEndpoint: undefined,
      eventBus: undefined,
      eventbridgeEndpoint: undefined,
      payloadBucket: undefined,
      s3Endpoint: undefined,
      concurrency: SETTINGS.concurrency.default,
      leaseSeconds: SETTINGS.leaseSeconds.default,
      retentionSeconds: SETTINGS.retentionDays.default * SECONDS_PER_DAY,
      maxReceiveCount: SETTINGS.maxReceiveCount.default,
      reconcileAfter: SETTINGS.reconcileAfter.default,
      maxResends: SETTINGS.maxResends.default,
      timer: undefined,
      metricsNamespace: undefined,
    });
  });

  it('reads SKYTASK_QUEUES: SQS queue names resolved against the task queue URL; refuses any other shape, naming it', () => {
    const names = { high: 'a-h', default: 'a', low: 'a-l', dlq: 'a-dlq' };
    const config = configFromEnv({
      [SETTINGS.table.env]: 't',
      [SETTINGS.queueUrl.env]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/a',
      [SETTINGS.queues.env]: JSON.stringify({ default: names, reports: { ...names, default: 'r' } }),
    });
    assert.equal(config.queues?.default.low, 'https://sqs.eu-west-1.amazonaws.com/123456789012/a-l');
    assert.equal(config.queues?.reports.default, 'https://sqs.eu-west-1.amazonaws.com/123456789012/r');
    for (const bad of ['{', '[]', JSON.stringify({ reports: names }), JSON.stringify({ default: { high: 'x' } })]) {
      assert.throws(
        () => configFromEnv({ ...required, [SETTINGS.queues.env]: bad }),
        (err: Error) => err instanceof SkytaskError && err.message.startsWith('SKYTASK_QUEUES'),
      );
    }
  });

  it('reads every runtime variable by its SETTINGS name; an empty one counts as unset', () => {
    const config = configFromEnv({
      ...required,
      [SETTINGS.dlqUrl.env]: 'http://dlq',
      [SETTINGS.dynamodbEndpoint.env]: 'http://127.0.0.1:1',
      [SETTINGS.sqsEndpoint.env]: '',
      [SETTINGS.concurrency.env]: '3',
      [SETTINGS.leaseSeconds.env]: '0.5',
      [SETTINGS.retentionDays.env]: '2',
      [SETTINGS.maxReceiveCount.env]: '4',
      [SETTINGS.reconcileAfter.env]: '',
      [SETTINGS.maxResends.env]: '9',
      [SETTINGS.timerGroup.env]: 'g',
      [SETTINGS.timerRoleArn.env]: 'arn:role',
      [SETTINGS.queueArn.env]: 'arn:queue',
      [SETTINGS.deadLetterQueueArn.env]: 'arn:dlq',
      [SETTINGS.eventBus.env]: 'bus',
      [SETTINGS.eventbridgeEndpoint.env]: 'http://127.0.0.1:2',
      [SETTINGS.metricsNamespace.env]: 'skytask/orders-Tasks',
    });
    assert.equal(config.dlqUrl, 'http://dlq');
    assert.equal(config.eventBus, 'bus');
    assert.equal(config.eventbridgeEndpoint, 'http://127.0.0.1:2');
    assert.equal(config.metricsNamespace, 'skytask/orders-Tasks');
    assert.equal(config.dynamodbEndpoint, 'http://127.0.0.1:1');
    assert.equal(config.sqsEndpoint, undefined);
    assert.equal(config.concurrency, 3);
    assert.equal(config.leaseSeconds, 0.5);
    assert.equal(config.retentionSeconds, 2 * SECONDS_PER_DAY);
    assert.equal(config.maxReceiveCount, 4);
    assert.equal(config.reconcileAfter, SETTINGS.reconcileAfter.default);
    assert.equal(config.maxResends, 9);
    assert.deepEqual(config.timer, {
      groupName: 'g',
      roleArn: 'arn:role',
      queueArn: 'arn:queue',
      deadLetterArn: 'arn:dlq',
    });
  });

  it('refuses a missing table or queue, a number that is not positive, half a timer', () => {
    assert.throws(() => configFromEnv({ [SETTINGS.table.env]: 't' }), /SKYTASK_TABLE and SKYTASK_QUEUE_URL/);
    assert.throws(
      () => configFromEnv({ ...required, [SETTINGS.concurrency.env]: '0' }),
      (err) => err instanceof SkytaskError && /SKYTASK_CONCURRENCY must be a positive number/.test(err.message),
    );
    assert.throws(() => configFromEnv({ ...required, [SETTINGS.leaseSeconds.env]: 'soon' }), /SKYTASK_LEASE_SECONDS/);
    assert.throws(
      () => configFromEnv({ ...required, [SETTINGS.timerGroup.env]: 'g' }),
      /SKYTASK_TIMER_GROUP, SKYTASK_TIMER_ROLE_ARN and SKYTASK_QUEUE_ARN go together/,
    );
    for (const bad of ['AWS/Lambda', 'has space', 'x'.repeat(256)]) {
      assert.throws(
        () => configFromEnv({ ...required, [SETTINGS.metricsNamespace.env]: bad }),
        /SKYTASK_METRICS_NAMESPACE must be 1-255 of/,
      );
    }
  });
});

describe('configFromEnv: counts', () => {
  it('refuses a count that is not a whole number (a concurrency of 0.5 would run nothing)', () => {
    const env = { SKYTASK_TABLE: 't', SKYTASK_QUEUE_URL: 'q' };
    assert.throws(
      () => configFromEnv({ ...env, SKYTASK_CONCURRENCY: '0.5' }),
      /SKYTASK_CONCURRENCY must be a whole number/,
    );
    assert.throws(() => configFromEnv({ ...env, SKYTASK_MAX_RECEIVE_COUNT: '2.5' }), /whole number/);
    assert.equal(configFromEnv({ ...env, SKYTASK_CONCURRENCY: '3' }).concurrency, 3);
  });
});
