/**
 * Per-key limits as docs/limits.md shows them (type-checked with the code; the docs quote
 * these lines, and a test checks that they still match).
 */
import { defineJob } from 'skytask';

declare function callPartnerApi(tenant: string, order: string): Promise<string>;

const byTenant = (kwargs: { tenant: string }) => kwargs.tenant;

export const syncOrder = defineJob({
  name: 'sync-order',
  // At most 5 runs at once per tenant, across every Lambda and worker.
  concurrency: { key: byTenant, limit: 5 },
  // At most 100 runs start per tenant in each minute (the partner's quota).
  rateLimit: { key: byTenant, max: 100, per: 60 },
  run: (_ctx, { tenant, order }: { tenant: string; order: string }) => callPartnerApi(tenant, order),
});
