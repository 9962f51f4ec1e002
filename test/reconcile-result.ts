import type { ReconcileResult } from '../lib/index.js';

/** What a reconciler run reports (lib/tasks/reconcile.ts): `counts`, and 0 for every other count. */
export const reconciled = (counts: Partial<ReconcileResult> = {}): ReconcileResult => ({
  resent: 0,
  failed: 0,
  failedSends: 0,
  deadLettered: 0,
  waiting: 0,
  events: 0,
  parked: 0,
  ...counts,
});
