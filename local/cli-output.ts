/**
 * What the client commands print: a task for a person or as JSON, the spinner while
 * waiting, and an error as one line on stderr with its exit code.
 */
import {
  ConflictError,
  EndpointError,
  TaskNotFoundError,
  ValidationError,
  WaitTimeoutError,
  WorkflowConflictError,
  WorkflowNotFoundError,
  WorkflowWaitTimeoutError,
} from '../lib/errors.js';
import { dollarsOf, LIST_PRICES } from '../lib/cost.js';
import { type AttemptError, type TaskCost, toWire, type Task } from '../lib/task.js';
import { EXIT } from './cli-exit.js';
import { printable } from './cli-printable.js';
import { progressSummary } from './cli-progress.js';

/** The options every client command has (cli-client-commands.ts declares them). */
export interface EndpointOptions {
  url?: string;
  token?: string;
  sigv4?: boolean;
  json?: boolean;
}

/** An epoch-seconds time as ISO 8601. */
export const when = (epoch?: number) => (epoch === undefined ? undefined : new Date(epoch * 1000).toISOString());
const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * A task's cost for a person (docs/cost.md), priced at list prices; run time without
 * GB-seconds (off Lambda) is said to be left out. Request shares are rounded to 2 decimals,
 * GB-seconds to 4 (--json gives them exact).
 */
export function costSummary(cost: TaskCost): string {
  // Shares of batches are fractions (7.966019 SQS requests): rounded to be read, exact in --json.
  const round = (n: number, digits = 2) => String(Number(n.toFixed(digits)));
  const unpriced = cost.gbSeconds === undefined && cost.lambdaMs > 0 ? ' (run time not priced: off Lambda)' : '';
  return [
    `${cost.writeUnits} write units`,
    `${round(cost.sqsRequests)} SQS requests`,
    `${round(cost.lambdaRequests)} Lambda invocations`,
    `${cost.lambdaMs} ms run`,
    ...(cost.gbSeconds !== undefined ? [`${round(cost.gbSeconds, 4)} GB-s`] : []),
    ...(cost.heartbeats ? [`${cost.heartbeats} heartbeats`] : []),
    `$${dollarsOf(cost, LIST_PRICES).toFixed(7)} at list prices${unpriced}`,
  ].join(', ');
}

/** A task's attempt history for a person: a line per failed attempt, `attempt 2  <time>  <error>`. */
const attemptErrors = (errors: AttemptError[]) =>
  errors.map((e) => `attempt ${e.attempt}  ${when(e.time)}  ${e.error}`).join('\n');

/** Column of a field's value in `humanTask`: a value of several lines goes on at it. */
const VALUE_COLUMN = 10;

/**
 * A task for a person: the fields that are set, one a line (its last progress too: `skytask
 * wait`'s summary); a value of several lines (an error) has its next lines indented to the
 * value's column, so no line of it reads as another field.
 */
export function humanTask(task: Task): string {
  const rows: [string, unknown][] = [
    ['id', task.id],
    ['job', task.name],
    ['status', task.status],
    ['kwargs', JSON.stringify(task.kwargs)],
    ['result', task.result === undefined ? undefined : show(task.result)],
    ['error', task.error],
    ['stack', task.stack],
    ['queued', when(task.timeQueued)],
    ['due', when(task.eta)],
    ['started', when(task.timeStarted)],
    ['ended', when(task.timeEnded)],
    ['expiry', when(task.expiry)],
    ['attempts', task.attempts],
    ['errors', task.errors?.length ? attemptErrors(task.errors) : undefined],
    ['progress', task.progress && progressSummary(task.progress)],
    ['from task', task.fromTask],
    ['cost', task.cost && costSummary(task.cost)],
  ];
  return rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(VALUE_COLUMN - 1)} ${String(v).replaceAll('\n', `\n${' '.repeat(VALUE_COLUMN)}`)}`)
    .join('\n');
}

/**
 * One value on stdout: as JSON with --json, else as `human()` writes it, its control
 * characters escaped (local/cli-printable.ts: a task's text must not drive the terminal).
 */
export function out(options: EndpointOptions, value: unknown, human: () => string): void {
  process.stdout.write(`${options.json ? JSON.stringify(value) : printable(human(), { lines: true })}\n`);
}

/** The exit code for a ready task. */
export const taskExit = (task: Task) =>
  task.status === 'FAILURE' || task.status === 'REVOKED' ? EXIT.taskFailed : EXIT.ok;

/**
 * A spinner with the elapsed time on stdout, only when a person watches (a TTY, not --json).
 * Calling the result stops it; `.pause()` stops it and leaves the line to another display.
 */
export function spinner(options: EndpointOptions, label: string): (() => void) & { pause(): void } {
  const none = Object.assign(() => undefined, { pause: () => undefined });
  if (options.json || !process.stdout.isTTY) return none;
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  const started = Date.now();
  let i = 0;
  let timer: NodeJS.Timeout | undefined = setInterval(() => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`\r${frames[i++ % frames.length]} ${label} ${elapsed}s`);
  }, 100);
  const pause = () => {
    if (timer) clearInterval(timer), process.stdout.write('\r\x1b[K');
    timer = undefined;
  };
  return Object.assign(pause, { pause });
}

function exitCodeOf(err: unknown): number {
  if (err instanceof ValidationError) return EXIT.usage;
  if (err instanceof TaskNotFoundError || err instanceof WorkflowNotFoundError) return EXIT.notFound;
  if (err instanceof EndpointError) return EXIT.unreachable;
  if (err instanceof ConflictError || err instanceof WorkflowConflictError) return EXIT.conflict;
  if (err instanceof WaitTimeoutError || err instanceof WorkflowWaitTimeoutError) return EXIT.timeout;
  return EXIT.error;
}

/** An error of a command: one line on stderr (a JSON object with --json); returns its exit code. */
export function reportError(options: EndpointOptions, err: unknown): number {
  const code = exitCodeOf(err);
  const e = err as Error & { task?: Task };
  process.stderr.write(
    options.json
      ? `${JSON.stringify({ error: { type: e.name, message: e.message, exit: code, ...(e.task ? { task: toWire(e.task) } : {}) } })}\n`
      : `skytask: ${printable(String(e.message), { lines: true })}\n`,
  );
  return code;
}
