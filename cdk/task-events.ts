import { EventBus, type EventPattern, type IEventBus, type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { SETTINGS } from '../lib/settings.js';
import { TASK_EVENT_SOURCE, TASK_EVENTS, type TaskEventKind } from '../lib/task-events.js';

/**
 * The bus of task events (docs/events.md), as the `events` prop asks: a new one (`true`),
 * the one given, or none. Sets SKYTASK_EVENT_BUS in `environment`, which every function gets.
 */
export function createEventBus(
  scope: Construct,
  events: boolean | IEventBus | undefined,
  environment: Record<string, string>,
): IEventBus | undefined {
  if (!events) return undefined;
  const bus = events === true ? new EventBus(scope, 'Events', { description: 'skytask task events' }) : events;
  environment[SETTINGS.eventBus.env] = bus.eventBusArn;
  return bus;
}

/** events:PutEvents on the bus, and on nothing else, for each function that sends task events. */
export function grantPutEvents(bus: IEventBus | undefined, functions: (IGrantable | undefined)[]): void {
  if (!bus) return;
  for (const fn of functions) if (fn) bus.grantPutEventsTo(fn);
}

/** Which task events a rule takes (docs/events.md): by kind and by job; all of either when left out. */
export interface TaskEventFilter {
  /** The kinds (`'succeeded'`, `'failed'`, …: lib/task-events.ts TASK_EVENTS). @default every kind */
  readonly kinds?: readonly TaskEventKind[];
  /** The job names. @default every job that sends events */
  readonly jobs?: readonly string[];
}

/**
 * A rule on the bus of task events sending those `filter` takes to `targets`: the pattern
 * matches `source: skytask`, the kinds' detail-types and the jobs' names (`detail.name`).
 * Throws when the construct has no bus (the `events` prop) or a kind is unknown.
 */
export function taskEventRule(
  scope: Construct,
  id: string,
  bus: IEventBus | undefined,
  filter: TaskEventFilter,
  targets: IRuleTarget[],
): Rule {
  if (!bus) throw new Error('TaskQueue.onTaskEvent: the construct has no bus of task events (set the `events` prop)');
  const unknown = (filter.kinds ?? []).filter((kind) => !(kind in TASK_EVENTS));
  if (unknown.length) throw new Error(`TaskQueue.onTaskEvent: unknown kinds ${unknown.join(', ')}`);
  const pattern: EventPattern = {
    source: [TASK_EVENT_SOURCE],
    ...(filter.kinds?.length ? { detailType: filter.kinds.map((kind) => TASK_EVENTS[kind]) } : {}),
    ...(filter.jobs?.length ? { detail: { name: [...filter.jobs] } } : {}),
  };
  return new Rule(scope, id, { eventBus: bus, eventPattern: pattern, targets, description: 'skytask task events' });
}
