/**
 * The TaskQueue construct with routed queues and priorities (docs/routing.md), on the
 * synthesized template (no bundling): per routed queue, three lanes and a dead-letter queue,
 * a consumer sized by the queue, one event source per lane (the low one capped), every
 * function told every lane, the default queue's dead-letter alarm on every dead-letter queue,
 * cdk-nag clean; and the synth-time checks per queue, Lambda's 4 KB environment among them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULTS } from '../../cdk/defaults.js';
import { deployedEnvironment } from '../../cdk/environment-size.js';
import { checkJobs, resolveProps } from '../../cdk/resolve-props.js';
import { routedQueueSettings } from '../../cdk/routed-queues.js';
import { TaskQueue } from '../../cdk/task-queue.js';
import { environmentBytes } from '../../lib/aws-rules/lambda.js';
import { configFromEnv } from '../../lib/config.js';
import { defineJob, defineQueue } from '../../lib/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'cdk-routing-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Routed');
const tasks = new TaskQueue(stack, 'Tasks', { jobs: join(root, 'test/fixtures/routed-jobs.ts') });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const json = app.synth().getStackByName('Routed').template;
const template = Template.fromJSON(json);
const resources: Record<string, { Type: string; Properties: any }> = json.Resources;
const idOf = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const route = (name: string) => tasks.routes.find((r) => r.settings.name === name)!;

describe('TaskQueue with routed queues', () => {
  test('one set per queue: default, hooks, reports — three lanes and a dead-letter queue each, a consumer each', () => {
    assert.deepEqual(
      tasks.routes.map((r) => r.settings.name),
      ['default', 'hooks', 'reports'],
    );
    template.resourceCountIs('AWS::SQS::Queue', 3 * 4 + 1); // + the schedules' dead-letter queue
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3 * 3);
    assert.equal(route('default').consumer, tasks.consumer);
    assert.equal(route('default').lanes.default, tasks.queue);
    for (const [name, timeout, memory] of [
      ['default', 60, 512],
      ['hooks', 10, 256],
      ['reports', 900, 2048],
    ] as const) {
      const r = route(name);
      const fn = resources[idOf(r.consumer)].Properties;
      assert.equal(fn.Timeout, timeout, name);
      assert.equal(fn.MemorySize, memory, name);
      assert.equal(fn.Environment.Variables.SKYTASK_LEASE_SECONDS, String(timeout));
      for (const lane of Object.values(r.lanes)) {
        const q = resources[idOf(lane)].Properties;
        // AWS: the visibility timeout at least 6× the function's timeout.
        assert.equal(q.VisibilityTimeout, 6 * timeout, `${name} lane visibility`);
        assert.deepEqual(q.RedrivePolicy.deadLetterTargetArn, { 'Fn::GetAtt': [idOf(r.deadLetterQueue), 'Arn'] });
      }
    }
  });

  test('event sources: the queue batch size; high and default up to maxConcurrency, low capped', () => {
    const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    const of = (lane: { node: any }) =>
      mappings.find((m) => m.Properties.EventSourceArn['Fn::GetAtt'][0] === idOf(lane))!.Properties;
    for (const [name, batch, high, low] of [
      ['default', 5, 10, 3],
      ['hooks', 10, 50, 5],
      ['reports', 1, 20, 5],
    ] as const) {
      const r = route(name);
      const fn = { Ref: idOf(r.consumer) };
      assert.deepEqual(of(r.lanes.high), { ...of(r.lanes.high), FunctionName: fn, BatchSize: batch });
      assert.equal(of(r.lanes.high).ScalingConfig.MaximumConcurrency, high, name);
      assert.equal(of(r.lanes.default).ScalingConfig.MaximumConcurrency, high, name);
      assert.equal(of(r.lanes.low).ScalingConfig.MaximumConcurrency, low, name);
    }
  });

  test('every function gets SKYTASK_QUEUES naming every lane of every queue, as configFromEnv reads it', () => {
    const joined = (v: any) =>
      v['Fn::Join'][1].map((part: any) => (typeof part === 'string' ? part : part['Fn::GetAtt'][0])).join('');
    for (const fn of [tasks.consumer, route('reports').consumer, tasks.rpcFunction, tasks.reconciler]) {
      const vars = resources[idOf(fn)].Properties.Environment.Variables;
      const config = configFromEnv({
        SKYTASK_TABLE: 't',
        SKYTASK_QUEUE_URL: 'https://q/1/x',
        SKYTASK_QUEUES: joined(vars.SKYTASK_QUEUES),
      });
      assert.deepEqual(Object.keys(config.queues!), ['default', 'hooks', 'reports']);
      assert.equal(config.queues!.reports.low, `https://q/1/${idOf(route('reports').lanes.low)}`);
    }
  });

  test("every routed queue's dead-letter queue has the default one's alarm, to the topic, on the dashboard", () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5 + 2);
    const alarmOf = (name: string) => resources[idOf(route(name).deadLetterAlarm)].Properties;
    assert.equal(route('default').deadLetterAlarm, tasks.alarms.deadLetters);
    const { Dimensions: _, AlarmDescription: __, ...same } = alarmOf('default');
    assert.deepEqual(same.AlarmActions, [{ Ref: idOf(tasks.alarmTopic as never) }]);
    for (const name of ['hooks', 'reports']) {
      const alarm = alarmOf(name);
      assert.deepEqual(alarm, {
        ...same,
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf(route(name).deadLetterQueue), 'QueueName'] } }],
        AlarmDescription: alarm.AlarmDescription,
      });
      assert.match(alarm.AlarmDescription, new RegExp(`dead-letter queue of routed queue "${name}"`));
    }
    const [dashboard] = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    const shown = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const name of ['hooks', 'reports']) assert.ok(shown.includes(`"${idOf(route(name).deadLetterAlarm)}"`), name);
  });

  test('cdk-nag AwsSolutions: no finding on the routed queues', () => {
    // The synth above ran the checks: a finding fails app.synth(). Here: it ran, and the queues are TLS-only.
    template.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', {}, 13);
  });
});

describe('synth-time checks per routed queue', () => {
  const p = resolveProps({ jobs: 'x' });
  const settingsOf = (queue: ReturnType<typeof defineQueue>) => routedQueueSettings(p, [queue]);

  test("a job's timeLimit must fit its own queue's timeout less 3 s", () => {
    const slow = defineQueue({ name: 'slow', timeout: 300 });
    const ok = defineJob({ name: 'ok', queue: slow, timeLimit: 297, run: () => 1 });
    const over = defineJob({ name: 'over', queue: slow, timeLimit: 298, run: () => 1 });
    assert.doesNotThrow(() => checkJobs([ok], settingsOf(slow)));
    assert.throws(
      () => checkJobs([ok, over], settingsOf(slow)),
      /timeLimit over the timeout of queue "slow" \(300 s\) less 3 s for the finish write: over \(298 s\)/,
    );
    // The same timeLimit on the default queue is judged against consumerTimeout (60 s).
    assert.throws(
      () => checkJobs([{ ...ok, queue: undefined }], settingsOf(slow)),
      /timeLimit over consumerTimeout \(60 s\)/,
    );
  });

  test('what AWS refuses fails the synth naming the queue and its option', () => {
    for (const [options, message] of [
      [{ timeout: 901 }, /queue "q": timeout is at most 15 minutes/],
      [{ batchSize: 50 }, /queue "q": a batchSize over 10 needs a maxBatchingWindow/],
      [{ batchSize: 20_000, maxBatchingWindow: 1 }, /queue "q": batchSize is 1–10,000/],
      [{ maxConcurrency: 1 }, /queue "q": maxConcurrency and lowMaxConcurrency are 2–1000/],
      [{ lowMaxConcurrency: 1001 }, /queue "q": maxConcurrency and lowMaxConcurrency are 2–1000/],
      [{ memorySize: 64 }, /queue "q": memorySize is 128–10,240 MB/],
    ] as const) {
      assert.throws(() => checkJobs([], settingsOf(defineQueue({ name: 'q', ...options }))), message);
    }
    assert.doesNotThrow(() =>
      checkJobs([], settingsOf(defineQueue({ name: 'q', batchSize: 50, maxBatchingWindow: 5 }))),
    );
    assert.throws(
      () => resolveProps({ jobs: 'x', lowMaxConcurrency: 1 }),
      /TaskQueue: maxConcurrency and lowMaxConcurrency are 2–1000/,
    );
    assert.equal(DEFAULTS.maxConcurrency, 10);
  });

  test("a routed queue's settings default to the props", () => {
    const [, q] = routedQueueSettings(resolveProps({ jobs: 'x', consumerTimeout: Duration.seconds(120) }), [
      defineQueue({ name: 'q' }),
    ]);
    assert.equal(q.consumerTimeout.toSeconds(), 120);
    assert.equal(q.visibilityTimeout.toSeconds(), 720);
    assert.equal(q.batchSize, 5);
    assert.equal(q.lowMaxConcurrency, 3);
  });
});

describe("Lambda's 4 KB environment, checked at synth", () => {
  /** A synth of `jobs` in a stack of its own; `edit` changes the construct first. */
  const synth = (jobs: string, edit: (tasks: TaskQueue) => void = () => {}) => {
    const other = new App({ outdir: mkdtempSync(join(outdir, 'env-')), context: { 'aws:cdk:bundling-stacks': [] } });
    edit(new TaskQueue(new Stack(other, 'Many'), 'Tasks', { jobs: join(root, jobs) }));
    return () => other.synth();
  };

  test('each function of the three routed queues above fits, its queue names counted as CloudFormation makes them', () => {
    for (const fn of [tasks.consumer, route('reports').consumer, tasks.rpcFunction, tasks.reconciler]) {
      const variables = deployedEnvironment(fn);
      assert.ok(environmentBytes(variables) < 2000, fn.node.path);
      assert.match(variables.SKYTASK_QUEUES, /"reports":\{"high":"Routed-TasksQueuereportsQueueHigh[0-9A-F]{8}-X{13}"/);
      assert.match(variables.SKYTASK_QUEUE_URL, /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\d{12}\/Routed-/);
    }
  });

  test('sixteen routed queues fail the synth naming the function, its size, the limit and SKYTASK_QUEUES', () => {
    assert.throws(synth('test/fixtures/many-queues-jobs.ts'), (err: Error) => {
      assert.match(
        err.message,
        /\[Many\/Tasks\/Consumer\] TaskQueue: the environment of function Many\/Tasks\/Consumer would be about (\d,\d{3}) bytes once deployed, over Lambda's limit of 4 KB \(4,096 bytes/,
      );
      assert.match(err.message, /The largest: SKYTASK_QUEUES \d,\d{3} bytes/);
      assert.match(err.message, /Many\/Tasks\/Rpc\]/, 'every function is checked');
      return true;
    });
  });

  test('a variable added to a function after the construct counts too', () => {
    assert.doesNotThrow(
      synth('test/fixtures/routed-jobs.ts', (t) => t.consumer.addEnvironment('EXTRA', 'x'.repeat(2000))),
    );
    const over = synth('test/fixtures/routed-jobs.ts', (t) => t.consumer.addEnvironment('EXTRA', 'x'.repeat(3000)));
    assert.throws(over, /Many\/Tasks\/Consumer would be about [\d,]+ bytes .* The largest: EXTRA 3,0\d\d bytes/s);
  });
});
