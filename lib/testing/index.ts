/**
 * `skytask/testing`: run jobs in-process, without emulators, on the in-memory store and
 * queue and a fake clock, through the same backend and consumer as production.
 */
export { createTestQueue, type TestQueue, type TestQueueOptions } from './test-queue.js';
export type { RunOptions, RunReport } from './drain.js';
export { createFakeClock, DEFAULT_START, type FakeClock } from './fake-clock.js';
export { createMemoryTimer, type MemoryTimer } from '../memory/memory-timer.js';
export { createMemoryStore, type MemoryStoreOptions } from '../memory/memory-store.js';
export {
  createMemoryQueue,
  type MemoryQueue,
  type MemoryQueueOptions,
  type DeadLetterView,
} from '../memory/memory-queue.js';
