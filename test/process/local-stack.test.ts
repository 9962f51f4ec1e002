/**
 * `npm start` as a user runs it: the CLI as a child process, with its emulators in a
 * process of their own. Kill -9 of the worker, restart recovery, graceful Ctrl-C.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { alive } from '../../local/processes.js';
import { emulatorState, rpc, type StackProcess, startStack, tempDataDir } from './stack-process.js';

const dataDir = tempDataDir('skytask-stack-');

/** Start `skytask start` and wait for its JSON-RPC URL. */
const start = () => startStack(dataDir, { env: { SKYTASK_VISIBILITY_TIMEOUT: '2', SKYTASK_GRACE_SECONDS: '10' } });

async function waitAll(worker: StackProcess, ids: string[]): Promise<any[]> {
  const tasks = [];
  for (const id of ids) {
    let task: any;
    for (let i = 0; i < 4 && task?.status !== 'SUCCESS'; i++) {
      task = await rpc(worker, 'wait_for_task', { id, timeout: 10 }).catch(() => undefined);
    }
    tasks.push(task);
  }
  return tasks;
}

const emulatorPid = () => emulatorState(dataDir).pid as number;

describe('the local stack (skytask start)', () => {
  it('runs tasks, survives kill -9 of the worker, recovers after a full restart, stops gracefully', async () => {
    // 1. Start: emulators in their own process, tasks run.
    const first = await start();
    assert.ok(first.logs.some((l) => l.msg === 'emulators started'));
    const pid = emulatorPid();
    const sum = await rpc(first, 'queue_task', { jobname: 'addition', a: 1, b: 2 });
    assert.equal((await waitAll(first, [sum.id]))[0].result, 3);

    // 2. kill -9 the worker while tasks run: the emulators (and queued messages) stay up.
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push((await rpc(first, 'queue_task', { jobname: 'asynchronous', lag: 0.3, i })).id);
    await new Promise((r) => setTimeout(r, 400));
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(alive(pid), 'the emulators outlive the worker');

    // 3. A new worker reuses them; every task finishes, a killed run is retried as a new attempt.
    const second = await start();
    assert.ok(second.logs.some((l) => l.msg === 'emulators of an earlier run reused'));
    assert.equal(emulatorPid(), pid);
    const tasks = await waitAll(second, ids);
    assert.deepEqual(
      tasks.map((t) => t?.status),
      ids.map(() => 'SUCCESS'),
    );

    // 4. Ctrl-C with delayed tasks queued: everything stops, the in-memory queue is gone...
    const delayed: string[] = [];
    for (let i = 0; i < 3; i++)
      delayed.push((await rpc(second, 'queue_task', { jobname: 'addition', a: i, delay: 2 })).id);
    second.child.kill('SIGINT');
    assert.equal(await second.exited, 0);
    assert.ok(!alive(pid), 'Ctrl-C stops the emulators too');
    assert.ok(!existsSync(join(dataDir, 'emulators.json')));

    // 5. ...and the next start sends their messages again: nothing queued is lost.
    const third = await start();
    const recovery = third.logs.find((l) => l.msg?.startsWith('restart recovery'));
    assert.equal(recovery?.tasks, 3);
    const recovered = await waitAll(third, delayed);
    assert.deepEqual(
      recovered.map((t) => t.result),
      [0, 1, 2],
    );

    // 6. Ctrl-C while a task runs: it finishes within the grace period before the exit.
    const running = await rpc(third, 'queue_task', { jobname: 'asynchronous', lag: 1 });
    for (let i = 0; i < 50 && (await rpc(third, 'get_task', [running.id])).status !== 'STARTED'; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    third.child.kill('SIGINT');
    assert.equal(await third.exited, 0);
    const fourth = await start();
    const finished = await rpc(fourth, 'get_task', [running.id]);
    assert.equal(finished.status, 'SUCCESS');
    assert.equal(finished.attempts, 1);
    fourth.child.kill('SIGINT');
    assert.equal(await fourth.exited, 0);
  });
});
