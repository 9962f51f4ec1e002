import { randomUUID } from 'node:crypto';
import { type HeldPermit, type PermitState, type PermitStore, windowStart } from '../permit-store.js';

/**
 * The memory store's permits and windows: the DynamoDB adapter's verbs (lib/aws/dynamo/permits.ts)
 * with the same conditions, each atomic (no await between its check and its write). `clear`
 * empties them (the store's flush).
 */
export function memoryPermits(): PermitStore & { clear(): void } {
  /** Permits by key, then index. */
  const permits = new Map<string, Map<number, PermitState>>();
  /** Starts counted and the window's end, by `<key>#<window start>`; past windows are dropped as new ones open. */
  const windows = new Map<string, { n: number; end: number }>();
  const held = (key: string, permit: Pick<HeldPermit, 'index' | 'holder'>) => {
    const state = permits.get(key)?.get(permit.index);
    return state?.holder === permit.holder ? state : undefined;
  };
  /** Hold permit `index` of `key` for `taskId` (the caller checked it may). */
  const hold = (key: string, index: number, to: { taskId: string; now: number; leaseUntil: number }) => {
    const { taskId, now, leaseUntil } = to;
    const permit: HeldPermit = { key, index, holder: randomUUID(), since: now, leaseSeconds: leaseUntil - now };
    const ofKey = permits.get(key)!;
    ofKey.set(index, { ...ofKey.get(index), index, holder: permit.holder, taskId, since: now, leaseUntil });
    return { ...permit };
  };
  return {
    async takePermit({ key, limit, taskId, now, leaseUntil }) {
      const ofKey = permits.get(key) ?? new Map<number, PermitState>();
      permits.set(key, ofKey);
      const live = (i: number) => {
        const p = ofKey.get(i);
        return p?.holder !== undefined && p.leaseUntil >= now;
      };
      // A permit a run passed to this task (passPermit) is this task's to take.
      const passed = [...ofKey.values()].find((p) => p.taskId === taskId && live(p.index) && p.index < limit);
      if (passed) return { taken: true, permit: hold(key, passed.index, { taskId, now, leaseUntil }) };
      const free = Array.from({ length: limit }, (_, i) => i).filter((i) => !live(i));
      if (!free.length) return { taken: false, permits: [...ofKey.values()].filter((p) => p.index < limit) };
      const index = free[Math.floor(Math.random() * free.length)];
      return { taken: true, permit: hold(key, index, { taskId, now, leaseUntil }) };
    },
    async passPermit(permit, to) {
      return held(permit.key, permit) ? hold(permit.key, permit.index, to) : undefined;
    },
    async extendPermit(permit, leaseUntil) {
      const state = held(permit.key, permit);
      if (state) state.leaseUntil = leaseUntil;
      return state !== undefined;
    },
    async releasePermit(permit, now) {
      const state = held(permit.key, permit);
      if (!state) return;
      permits.get(permit.key)!.set(permit.index, {
        index: permit.index,
        leaseUntil: 0,
        lastSeconds: Math.max(0, Math.round((now - permit.since) * 1000) / 1000),
        since: state.since,
      });
    },
    permitsOf: async (key) => [...(permits.get(key)?.values() ?? [])].map((p) => ({ ...p })),
    async takeWindow({ key, max, per, now }) {
      const window = windowStart(now, per);
      const id = `${key}#${window}`;
      const counted = windows.get(id) ?? { n: 0, end: window + per };
      if (counted.n >= max) return { taken: false, retryAt: counted.end };
      if (!windows.has(id)) for (const [old, w] of windows) if (w.end <= now) windows.delete(old);
      windows.set(id, { n: counted.n + 1, end: counted.end });
      return { taken: true };
    },
    clear() {
      permits.clear();
      windows.clear();
    },
  };
}
