/**
 * The TaskQueue construct's task events (docs/events.md), on the synthesized template: no
 * bus without the `events` prop; with `events: true` a bus, SKYTASK_EVENT_BUS on every
 * function, and events:PutEvents on that bus only for the four functions that send events;
 * a bus given is used as it is. cdk-nag's AwsSolutions checks pass.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TaskQueue, type TaskQueueProps } from '../../cdk/task-queue.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cdkContext = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context;
const outdirs: string[] = [];
after(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function synth(
  props: Partial<TaskQueueProps>,
  own?: (stack: Stack) => Partial<TaskQueueProps>,
  then?: (tasks: TaskQueue, stack: Stack) => void,
) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-events-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const tasks = new TaskQueue(stack, 'Tasks', { jobs: join(root, 'examples/jobs.ts'), ...props, ...own?.(stack) });
  then?.(tasks, stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: any }>;
}

const ofType = (resources: ReturnType<typeof synth>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);
const functions = (resources: ReturnType<typeof synth>) =>
  ofType(resources, 'AWS::Lambda::Function').filter(([, r]) => r.Properties.Description?.startsWith?.('skytask'));
const putEventsStatements = (resources: ReturnType<typeof synth>) =>
  ofType(resources, 'AWS::IAM::Policy').flatMap(([, p]) =>
    p.Properties.PolicyDocument.Statement.filter((s: any) => [s.Action].flat().includes('events:PutEvents')),
  );

describe('TaskQueue task events', () => {
  test('no bus, no variable, no PutEvents without the events prop', () => {
    const resources = synth({});
    assert.equal(ofType(resources, 'AWS::Events::EventBus').length, 0);
    assert.equal(putEventsStatements(resources).length, 0);
    for (const [, fn] of functions(resources))
      assert.equal(fn.Properties.Environment.Variables.SKYTASK_EVENT_BUS, undefined);
  });

  test('events: true: a bus, its ARN in every function, PutEvents on it only, for the four functions', () => {
    const resources = synth({ events: true });
    const [[busId]] = ofType(resources, 'AWS::Events::EventBus');
    const busArn = { 'Fn::GetAtt': [busId, 'Arn'] };
    const fns = functions(resources);
    assert.ok(fns.length >= 4);
    for (const [, fn] of fns) assert.deepEqual(fn.Properties.Environment.Variables.SKYTASK_EVENT_BUS, busArn);
    const grants = putEventsStatements(resources);
    assert.equal(grants.length, 4, 'consumer, RPC, scheduler, reconciler');
    for (const s of grants)
      assert.deepEqual(
        { Action: s.Action, Effect: s.Effect, Resource: s.Resource },
        {
          Action: 'events:PutEvents',
          Effect: 'Allow',
          Resource: busArn,
        },
      );
  });

  test('events: true with a routed queue: its consumer gets PutEvents too (every consumer sends events)', () => {
    const resources = synth({ events: true, jobs: join(root, 'test/fixtures/routed-jobs.ts') });
    const consumers = functions(resources).filter(([, fn]) => fn.Properties.Description.startsWith('skytask consumer'));
    assert.ok(consumers.length >= 2, 'the default queue and a routed one');
    const granted = new Set(
      ofType(resources, 'AWS::IAM::Policy')
        .filter(([, p]) =>
          p.Properties.PolicyDocument.Statement.some((st: any) => [st.Action].flat().includes('events:PutEvents')),
        )
        .flatMap(([, p]) => p.Properties.Roles.map((r: { Ref: string }) => r.Ref)),
    );
    for (const [id, fn] of consumers)
      assert.ok(granted.has(fn.Properties.Role['Fn::GetAtt'][0]), `${id} may send events`);
  });

  test('a bus given is used, not created', () => {
    const resources = synth({}, (stack) => ({ events: EventBus.fromEventBusName(stack, 'Bus', 'team-bus') }));
    assert.equal(ofType(resources, 'AWS::Events::EventBus').length, 0);
    const grants = putEventsStatements(resources);
    assert.equal(grants.length, 4);
    assert.match(JSON.stringify(grants[0].Resource), /event-bus\/team-bus/);
  });

  test("onTaskEvent: a rule on the bus matching source, the kinds' detail-types and the jobs; none without a bus", () => {
    const resources = synth({ events: true }, undefined, (tasks, stack) => {
      const failed = new Queue(stack, 'FailuresDlq', { enforceSSL: true });
      const deadLetterQueue = { queue: failed, maxReceiveCount: 3 };
      const failures = new Queue(stack, 'Failures', { enforceSSL: true, deadLetterQueue });
      tasks.onTaskEvent('Failures', { kinds: ['failed', 'deadLettered'], jobs: ['add'] }, new SqsQueue(failures));
    });
    const [[busId]] = ofType(resources, 'AWS::Events::EventBus');
    const [[, rule]] = ofType(resources, 'AWS::Events::Rule');
    assert.deepEqual(rule.Properties.EventBusName, { Ref: busId });
    assert.deepEqual(rule.Properties.EventPattern, {
      source: ['skytask'],
      'detail-type': ['Task Failed', 'Task Dead-Lettered'],
      detail: { name: ['add'] },
    });
    assert.equal(rule.Properties.Targets.length, 1);
    assert.throws(() => synth({}, undefined, (tasks) => tasks.onTaskEvent('R', {})), /no bus of task events/);
    assert.throws(
      () => synth({ events: true }, undefined, (tasks) => tasks.onTaskEvent('R', { kinds: ['done' as 'failed'] })),
      /unknown kinds done/,
    );
  });
});
