import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { SETTINGS } from '../lib/settings.js';

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
