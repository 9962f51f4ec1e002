/**
 * Parking (docs/limits.md#parking): a task over its key's concurrency limit waits WAITING in
 * its key's queue (lib/park-store.ts), with no message, until a run of the key gives its
 * permit back (lib/tasks/end.ts `releasePermit`) and passes it on here: the permit is
 * reserved for the oldest parked task of the key, which is released as a workflow's WAITING
 * task is (WAITING → QUEUED, one conditional write, and its message) and takes the permit at
 * its delivery — a task delivered meanwhile cannot take it first. No polling, no receives
 * while it waits, no attempt counted.
 *
 * What a crash or a race could leave — a permit freed and no task handed it (a crash between
 * the two, a released task revoked before it ran), a task parked just as the last permit
 * freed — is made good by the parker's look at the permits after it parks and by the
 * reconciler's sweep (`sweepParked`).
 */
import type { Job } from '../job.js';
import type { TaskLimits } from '../key-limits.js';
import { taskLogger } from '../log.js';
import type { ParkEntry } from '../park-store.js';
import type { HeldPermit } from '../permit-store.js';
import { SETTINGS } from '../settings.js';
import { expiredReason, isIdle, type Task } from '../task.js';
import type { TaskDeps } from './deps.js';
import type { endTask } from './end.js';
import { sendTaskMessage } from './send.js';

type EndTask = typeof endTask;

/** Park entries read at once by a hand-on: the first may be stale (its task released, revoked or deleted). */
const PEEK = 5;

/** Free permits of `key` (at most `limit`) at `now`: one strongly consistent Query of its permits. */
export async function freePermits(deps: TaskDeps, key: string, limit: number): Promise<number> {
  const now = deps.clock();
  const held = (await deps.store.permitsOf(key)).filter((p) => p.index < limit && p.holder && p.leaseUntil >= now);
  return Math.max(0, limit - held.length);
}

/**
 * Park `task` for a permit of its concurrency key: its message is then deleted by the
 * caller. Then look at the permits again: one freed between this task's take and its park
 * handed on before this task's park item existed, so hand it on now. False when the task
 * was not idle (another delivery has it, or it ended): nothing to do.
 */
export async function parkForPermit(
  deps: TaskDeps,
  task: Task,
  key: NonNullable<TaskLimits['concurrency']>,
  end: EndTask,
): Promise<boolean> {
  const parked = await deps.store.parkTask(task, { key: key.hash, now: deps.clock() });
  if (!parked) return false;
  taskLogger(deps.logger, task).info({ limit: 'concurrency', key: key.label }, 'over its per-key limit: parked');
  const free = await freePermits(deps, key.hash, key.limit);
  if (free) await handOn(deps, key.hash, end, free);
  return true;
}

/**
 * A run gives its permit back: it is passed to the oldest task parked for its key (reserved
 * for that task, one conditional write: `passPermit`), which is then released — WAITING →
 * QUEUED, due now, its expiry kept, its message sent — and its park entry dropped. With no
 * one parked, the permit is freed, and the key's entries are read once more: a task that
 * parked meanwhile saw the permit still held. The permit goes to no one when it was taken
 * over (its lease lapsed): its new holder hands it on.
 */
export async function passOn(deps: TaskDeps, permit: HeldPermit, end: EndTask): Promise<void> {
  let from = permit;
  for (let round = 0, dropped = true; round < 4 && dropped; round++) {
    const entries = await deps.store.parkedOf(permit.key, PEEK);
    dropped = false;
    for (const entry of entries) {
      const task = await parkedTask(deps, entry, end);
      dropped ||= task === 'dropped';
      if (typeof task !== 'object') continue;
      const now = deps.clock();
      const leaseUntil = now + (from.leaseSeconds ?? SETTINGS.leaseSeconds.default);
      const reserved = await deps.store.passPermit(from, { taskId: task.id, now, leaseUntil });
      if (!reserved) return;
      from = reserved;
      if (await release(deps, entry, task)) return;
    }
    dropped &&= entries.length === PEEK;
  }
  await deps.store.releasePermit(from, deps.clock());
  await handOn(deps, permit.key, end);
}

/**
 * Release the oldest `count` parked tasks of `key` (as many permits of it are free), each to
 * take a free permit at its delivery (or park again, at its place, if another taker was
 * first): the parker's look after it parked, the reconciler's sweep. Returns the tasks released.
 */
export async function handOn(deps: TaskDeps, key: string, end: EndTask, count = 1): Promise<number> {
  let released = 0;
  for (let round = 0, dropped = true; round < 4 && dropped && released < count; round++) {
    const want = count - released + PEEK;
    const entries = await deps.store.parkedOf(key, want);
    dropped = false;
    for (const entry of entries) {
      if (released >= count) break;
      const task = await parkedTask(deps, entry, end);
      dropped ||= task === 'dropped';
      if (typeof task === 'object' && (await release(deps, entry, task))) released++;
    }
    dropped &&= entries.length === want;
  }
  return released;
}

/**
 * What a park entry's task is now: the task, still parked there and not expired; `left`, an
 * idle task — about to park (its entry is put before its head moves) or released and not yet
 * delivered (its releaser stopped before the drop) —, whose entry stays; else `dropped`: the
 * entry is deleted, and a parked task past its expiry ends REVOKED, as its delivery would end it.
 */
async function parkedTask(deps: TaskDeps, entry: ParkEntry, end: EndTask): Promise<Task | 'left' | 'dropped'> {
  const task = await deps.store.getTask(entry.taskId);
  const now = deps.clock();
  if (task && isIdle(task, now)) return 'left';
  if (task?.status === 'WAITING' && task.parked === entry.key) {
    if (task.expiry === undefined || task.expiry > now) return task;
    const error = expiredReason(task);
    if (await end(deps, task.id, { waiting: { status: 'REVOKED', error, time: now } }))
      taskLogger(deps.logger, task).info({ reason: error }, 'task REVOKED');
  }
  await deps.store.dropParked(entry);
  return 'dropped';
}

/** Release a parked task and send its message, then drop its entry: true when it was released. */
async function release(deps: TaskDeps, entry: ParkEntry, task: Task): Promise<boolean> {
  const released = await deps.store.releaseTask(task.id, { time: deps.clock(), expiry: task.expiry });
  if (released) {
    taskLogger(deps.logger, released).info('parked task released: a permit of its key is free');
    await sendTaskMessage(deps, released);
  }
  // After the send: a crash before it leaves the entry, and the next hand-on finds its task QUEUED.
  await deps.store.dropParked(entry);
  return released !== undefined;
}

/** The keys of parked tasks as the reconciler lists them: by key hash, its job's name and how many are parked. */
export type ParkedKeys = Map<string, { job: string; parked: number }>;

/** Count a listed WAITING task in `keys` if it is parked; false if it is not (a workflow's WAITING task). */
export function noteParked(keys: ParkedKeys, task: Task): boolean {
  if (!task.parked) return false;
  const seen = keys.get(task.parked) ?? { job: task.name, parked: 0 };
  keys.set(task.parked, { ...seen, parked: seen.parked + 1 });
  return true;
}

/**
 * The reconciler's sweep of parked tasks, on every run: for each key that has some, its free
 * permits are read (one Query) and as many of its parked tasks handed on, oldest first — a
 * hand-on that a crash or a race lost. Returns the tasks released.
 */
export async function sweepParked(deps: TaskDeps, keys: ParkedKeys, end: EndTask): Promise<number> {
  let released = 0;
  for (const [key, { job: name, parked }] of keys) {
    const job: Job | undefined = deps.registry.get(name);
    // A job no longer limited (a deploy took its limit away, or the job): its parked tasks all go.
    const free = job?.concurrency ? await freePermits(deps, key, job.concurrency.limit) : parked;
    if (free) released += await handOn(deps, key, end, Math.min(free, parked));
  }
  return released;
}
