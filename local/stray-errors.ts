/**
 * A job's stray error: a throw in a timer the job set (`setTimeout(() => { throw … })`), or a
 * promise it rejected and never awaited. It reaches the process, not the attempt — no
 * `await` of the job body sees it — so it is not that task's outcome.
 *
 * On Lambda the runtime reports it and fails the invocation (its execution environment
 * restarts): the whole batch comes back after the visibility timeout, and a run it cut short
 * is retried as a crashed one. An error that fires after the invocation returned fails a
 * later one. Locally one process runs every task: exiting would interrupt all of them, so
 * the local stack logs the error loudly, naming the tasks running at that moment (one of
 * them set it off), and keeps serving.
 */
import type { Logger } from '../lib/index.js';

const WHAT =
  "outside any task's await (a job's timer or unawaited promise?): logged, the local stack keeps serving " +
  '(on Lambda it fails the invocation, and its batch comes back)';

/**
 * Log `uncaughtException` and `unhandledRejection` with the running task ids (`running_tasks`)
 * instead of exiting. Returns the function that removes the handlers (at the stack's stop).
 */
export function logStrayErrors(logger: Logger, runningTasks: () => string[]): () => void {
  const report = (kind: string) => (err: unknown) => {
    try {
      logger.error({ err, running_tasks: runningTasks() }, `${kind} ${WHAT}`);
    } catch {
      // The logger itself failed on this value: the stray error is still said, on stderr.
      process.stderr.write(`skytask start: ${kind} ${WHAT}\n`);
    }
  };
  const onException = report('uncaught exception');
  const onRejection = report('unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
