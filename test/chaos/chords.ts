/**
 * The chord workload of the fault-injection run: chords of `work` members whose callback,
 * `collect`, sums their results. What counts: every callback SUCCESS with the right sum (a
 * lost callback is one that is not), and each released once (the worker's log line for the
 * release of a WAITING task: a second one for the same callback is a double callback).
 */
import { existsSync, readFileSync } from 'node:fs';

type Rpc = (calls: { method: string; params?: unknown }[]) => Promise<any[]>;

export interface ChordReport {
  chords: number;
  members: number;
  /** Callbacks not SUCCESS with the sum of their members' results when the run ended. */
  lostCallbacks: number;
  /** Callbacks released (queued) more than once. */
  doubleCallbacks: number;
  /** Callbacks whose release the logs show (a kill can cut a log line short). */
  released: number;
  /** Runs of callback bodies, and how many callbacks ran more than once (a kill cut a run). */
  callbackRuns: number;
  callbacksRerun: number;
  /** Members not SUCCESS. */
  lostMembers: number;
}

/** Queue `chords` chords of `size` members; the ids and the sum each callback must find. */
export async function queueChords(rpc: Rpc, chords: number, size: number) {
  const calls = Array.from({ length: chords }, (_, c) => ({
    method: 'queue_chord',
    params: {
      id: `chord-${c}`,
      members: Array.from({ length: size }, (_, n) => ({ jobname: 'work', kwargs: { i: c * 1000 + n } })),
      callback: { jobname: 'collect' },
    },
  }));
  const queued: { id: string; expected: number }[] = [];
  for (let i = 0; i < calls.length; i += 5) {
    for (const state of await rpc(calls.slice(i, i + 5))) {
      const c = Number(state.id.slice('chord-'.length));
      queued.push({
        id: state.id,
        expected: Array.from({ length: size }, (_, n) => c * 1000 + n).reduce((a, b) => a + b),
      });
    }
  }
  return queued;
}

/** Wait for every chord to end (or the deadline), then count what the report says. */
export async function checkChords(
  rpc: Rpc,
  chords: { id: string; expected: number }[],
  size: number,
  files: { callbacks: string; releases: Map<string, number> },
  deadline: number,
): Promise<ChordReport> {
  const states: any[] = [];
  for (const { id } of chords) {
    let state: any;
    while (Date.now() < deadline) {
      [state] = await rpc([{ method: 'get_workflow', params: { id, limit: 0 } }]);
      if (state.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    states.push(state);
  }
  const runs = existsSync(files.callbacks) ? readFileSync(files.callbacks, 'utf8').split('\n').filter(Boolean) : [];
  const perCallback = new Map<string, number>();
  for (const id of runs) perCallback.set(id, (perCallback.get(id) ?? 0) + 1);
  const callbackIds = chords.map((c) => `${c.id}:callback`);
  return {
    chords: chords.length,
    members: chords.length * size,
    lostCallbacks: states.filter((s, n) => !(s?.status === 'SUCCESS' && s.result === chords[n].expected)).length,
    doubleCallbacks: callbackIds.filter((id) => (files.releases.get(id) ?? 0) > 1).length,
    released: callbackIds.filter((id) => files.releases.has(id)).length,
    callbackRuns: runs.length,
    callbacksRerun: [...perCallback.values()].filter((n) => n > 1).length,
    lostMembers: states.reduce((n, s) => n + (s ? s.counts.total - s.counts.succeeded : size), 0),
  };
}
