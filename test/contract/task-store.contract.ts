/**
 * The task store contract: what every TaskStore implementation answers, written from the
 * DynamoDB adapter's documented guarantees (each conditional write's comment) so that the
 * adapter and the memory store cannot drift apart. Run it with a factory that makes a
 * fresh, empty store per test:
 *
 *   taskStoreContract('memory', async () => ({ store, clock, retentionSeconds, cleanup }));
 */
import { describe } from 'node:test';
import { parkStoreContract } from './park-store.contract.js';
import { permitStoreContract } from './permit-store.contract.js';
import type { StoreFactory } from './store-fixture.js';
import { taskStoreBookkeepingContract } from './task-store-bookkeeping.contract.js';
import { taskStoreFailuresContract } from './task-store-failures.contract.js';
import { taskStoreRecordsContract } from './task-store-records.contract.js';
import { taskStoreRunsContract } from './task-store-runs.contract.js';
import { workflowStoreContract } from './workflow-store.contract.js';

export type { StoreFactory, StoreFixture } from './store-fixture.js';

export function taskStoreContract(label: string, factory: StoreFactory): void {
  describe(`TaskStore contract: ${label}`, () => {
    taskStoreRecordsContract(factory);
    taskStoreRunsContract(factory);
    taskStoreFailuresContract(factory);
    taskStoreBookkeepingContract(factory);
    workflowStoreContract(factory);
    permitStoreContract(factory);
    parkStoreContract(factory);
  });
}
