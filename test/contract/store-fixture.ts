import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TaskStore } from '../../lib/store.js';
import type { Task } from '../../lib/task.js';
import type { TestClock } from './clock.js';

/** One fresh, empty store to run a contract test on. */
export interface StoreFixture {
  store: TaskStore;
  /** The store's notion of now: what it reads where it takes no timestamp (retention, requeue). */
  clock: TestClock;
  /** The retention the store was made with. */
  retentionSeconds: number;
  cleanup(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

/** What a contract test gets: its fixture, a `now` fixed at its start, and task builders. */
export interface StoreWorld extends StoreFixture {
  /** Whole seconds, the clock's time at the test's start. */
  now: number;
  /** A QUEUED task of job `job`, queued 100 s ago, with `over` applied. */
  newTask(id: string, over?: Partial<Task>): Task;
  /** Create `newTask(id, over)`; returns it. */
  create(id: string, over?: Partial<Task>): Promise<Task>;
  /** Create it and claim it at `now` by worker w1 with a 30 s lease; returns the claimed task. */
  start(id: string, over?: Partial<Task>): Promise<Task>;
}

/** `it`, on a fresh store per test, cleaned up after. */
export function storeTest(factory: StoreFactory) {
  return (name: string, fn: (w: StoreWorld) => Promise<void>, options: { todo?: string } = {}) =>
    it(name, options, async () => {
      const fixture = await factory();
      try {
        await fn(world(fixture));
      } finally {
        await fixture.cleanup();
      }
    });
}

function world(fixture: StoreFixture): StoreWorld {
  const now = Math.floor(fixture.clock.now());
  const newTask = (id: string, over: Partial<Task> = {}): Task => ({
    id,
    name: 'job',
    status: 'QUEUED',
    kwargs: { n: 1 },
    timeQueued: now - 100,
    attempts: 0,
    ...over,
  });
  const create = async (id: string, over?: Partial<Task>) => {
    const task = newTask(id, over);
    await fixture.store.createTask(task);
    return task;
  };
  const start = async (id: string, over?: Partial<Task>) => {
    await create(id, over);
    const claim = await fixture.store.claimTask({ id, now, leaseUntil: now + 30, worker: 'w1' });
    assert.equal(claim.claimed, true, `could not claim ${id}`);
    return claim.task!;
  };
  return { ...fixture, now, newTask, create, start };
}

/** The ids of tasks, in order. */
export const ids = (tasks: readonly { id: string }[] | undefined) => (tasks ?? []).map((t) => t.id);
