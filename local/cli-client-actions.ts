/**
 * What the client commands do, over the HTTP client (`skytask/client`): imported only when
 * one of them runs, so that `skytask --help` or `start` never loads the client.
 */
import { createHttpClient } from '../lib/client/http-client.js';
import type { HttpAuth } from '../lib/client/transport.js';
import type { SkytaskClient } from '../lib/client/types.js';
import { TaskNotFoundError, ValidationError, WaitTimeoutError } from '../lib/errors.js';
import { checkPriority } from '../lib/priority.js';
import { envValue, SETTINGS } from '../lib/settings.js';
import { toWire, type Task } from '../lib/task.js';
import { cost } from './cli-cost.js';
import { EXIT } from './cli-exit.js';
import { kwargsOf } from './cli-kwargs.js';
import { progressDisplay } from './cli-progress.js';
import { type EndpointOptions, humanTask, out, reportError, spinner, taskExit, when } from './cli-output.js';
import { queueWorkflowFrom, revokeWorkflow, showWorkflow } from './cli-workflow-actions.js';

/**
 * The endpoint: `--url`, else SKYTASK_URL, else the local stack's default URL. Never the
 * generic PORT: that is whatever else the shell runs, not where a stack listens. Its auth:
 * `--token` (or SKYTASK_TOKEN), `--sigv4`, else the client's default (SigV4 for execute-api).
 */
export function endpointOf(options: EndpointOptions): { url: string; auth: HttpAuth | undefined } {
  const url = options.url ?? envValue(SETTINGS.url) ?? SETTINGS.url.default;
  const token = options.token ?? envValue(SETTINGS.token);
  return { url, auth: token ? { token } : options.sigv4 ? 'sigv4' : undefined };
}

function clientOf(options: EndpointOptions): SkytaskClient {
  const { url, auth } = endpointOf(options);
  try {
    return createHttpClient({ url, auth });
  } catch (err) {
    throw new ValidationError(`--url: ${(err as Error).message}`);
  }
}

const seconds = (value: string | undefined) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ValidationError(`not a number of seconds: "${value}"`);
  return n;
};

/** Seconds of one wait while a task runs: how often `skytask wait` looks at its progress. */
const PROGRESS_POLL_SECONDS = 2;

/**
 * Wait for the task in slices of PROGRESS_POLL_SECONDS, drawing its progress after each
 * (local/cli-progress.ts), until it is ready or `--timeout` passes.
 */
async function waitAndReport(client: SkytaskClient, id: string, options: WaitOptions): Promise<number> {
  const timeout = seconds(options.timeout);
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
  const display = progressDisplay(options);
  const stop = spinner(options, `waiting for ${id}`);
  let task: Task | undefined;
  try {
    while (!task) {
      const slice = Math.min(PROGRESS_POLL_SECONDS, Math.max(0, (deadline - Date.now()) / 1000));
      try {
        task = await client.waitForTask(id, { timeout: slice });
      } catch (err) {
        if (!(err instanceof WaitTimeoutError) || Date.now() >= deadline) throw err;
        if (err.task.progress) stop.pause(), display.show(err.task);
      }
    }
  } finally {
    stop();
    display.clear();
  }
  out(options, toWire(task), () => humanTask(task));
  return taskExit(task);
}

type WaitOptions = EndpointOptions & { timeout?: string };
type QueueOptions = WaitOptions & {
  id?: string;
  delay?: string;
  expiry?: string;
  priority?: string;
  wait?: boolean;
  kwargsFile?: string;
};
type TasksOptions = EndpointOptions & {
  job?: string;
  status?: string;
  parent?: string;
  limit: string;
  cursor?: string;
};

async function queue(job: string, pairs: string[], options: QueueOptions): Promise<number> {
  const client = clientOf(options);
  // Every option is checked before the task is queued: a usage error (exit 2) queued nothing.
  const priority = options.priority === undefined ? undefined : checkPriority(options.priority, '--priority');
  const queueOptions = { id: options.id, delay: seconds(options.delay), expiry: seconds(options.expiry), priority };
  const kwargs = kwargsOf(pairs, options.kwargsFile);
  if (options.wait) seconds(options.timeout);
  const task = await client.queueTask(job, kwargs, queueOptions);
  if (!task) {
    out(options, null, () => `not queued: job "${job}" cannot overlap and an equal task is not finished`);
    return EXIT.ok;
  }
  if (!options.wait) {
    out(options, toWire(task), () => humanTask(task));
    return EXIT.ok;
  }
  if (!options.json) process.stdout.write(`queued ${task.id}\n`);
  return waitAndReport(client, task.id, options);
}

async function tasks(options: TasksOptions): Promise<void> {
  const limit = count('limit', options.limit);
  const page = await clientOf(options).getTasks({
    name: options.job,
    status: options.status as Task['status'] | undefined,
    fromTask: options.parent,
    limit,
    cursor: options.cursor,
  });
  out(options, { tasks: page.tasks.map(toWire), cursor: page.cursor }, () => {
    const lines = page.tasks.map(
      (t) => `${t.id.padEnd(38)} ${t.name.padEnd(18)} ${t.status.padEnd(8)} ${when(t.timeQueued)}`,
    );
    if (!lines.length) lines.push('no tasks');
    if (page.cursor) lines.push(`more: --cursor ${page.cursor}`);
    return lines.join('\n');
  });
}

/** A whole number of an option, or a usage error naming it. */
function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ValidationError(`--${name} must be a whole number, not "${value}"`);
  return n;
}

async function deadLetters(options: EndpointOptions & { limit: string; cursor?: string }): Promise<void> {
  const page = await clientOf(options).listDeadLetters({
    limit: count('limit', options.limit),
    cursor: options.cursor,
  });
  out(options, { ...page, tasks: page.tasks.map(toWire) }, () => {
    const lines = page.tasks.map(
      (t) =>
        `${t.id.padEnd(38)} ${t.name.padEnd(18)} ${when(t.timeEnded)} ${(t.error ?? '').split('\n')[0].slice(0, 80)}`,
    );
    if (!lines.length) lines.push('no dead-lettered tasks');
    const unrecorded = page.unrecorded === null ? '' : `, ${page.unrecorded} of them without a task`;
    lines.push(`about ${page.messages} letters on the dead-letter queue${unrecorded}`);
    if (page.cursor) lines.push(`more: --cursor ${page.cursor}`);
    return lines.join('\n');
  });
}

async function purge(ids: string[], options: EndpointOptions & { all?: boolean; limit?: string }): Promise<void> {
  if (!ids.length && !options.all) throw new ValidationError('give task ids, or --all to purge every dead letter');
  if (ids.length && options.all) throw new ValidationError('give task ids or --all, not both');
  const limit = count('limit', options.limit);
  const result = await clientOf(options).purgeDeadLetters({ ids: ids.length ? ids : undefined, limit });
  out(
    options,
    result,
    () =>
      `purged ${result.purged.length} tasks' letters: deleted ${result.deleted}, kept ${result.kept}, failed ${result.failed}; ` +
      `about ${result.remaining} on the dead-letter queue${result.more ? ': run purge again to go on' : ''}`,
  );
}

async function stats(options: EndpointOptions): Promise<void> {
  const s = await clientOf(options).queueStats();
  const depth = (d: { queued: number; delayed: number; inFlight: number }) => ({
    queued: d.queued,
    delayed: d.delayed,
    in_flight: d.inFlight,
  });
  const queues = s.queues.map((q) => ({
    queue: q.queue,
    lanes: Object.fromEntries(Object.entries(q.lanes).map(([lane, d]) => [lane, depth(d!)])),
    dead_letters: q.deadLetters,
  }));
  // Per queue and lane only when there is more than the one queue's one lane.
  const lanes = s.queues.flatMap((q) =>
    Object.entries(q.lanes).map(
      ([lane, d]) =>
        `  ${`${q.queue}/${lane}`.padEnd(24)} ${d!.queued} queued, ${d!.delayed} delayed, ${d!.inFlight} in flight`,
    ),
  );
  out(options, { ...depth(s), dead_letters: s.deadLetters, queues }, () =>
    [
      `queued       ${s.queued}`,
      `delayed      ${s.delayed}`,
      `in flight    ${s.inFlight}`,
      `dead letters ${s.deadLetters}`,
      ...(lanes.length > 1 ? ['by queue and priority:', ...lanes] : []),
    ].join('\n'),
  );
}

/** Each client command's body: its arguments, then its options; an exit code, or nothing for 0. */
export const ACTIONS = {
  async jobs(options: EndpointOptions) {
    const jobs = await clientOf(options).jobList();
    out(options, jobs, () =>
      jobs
        .map((j) => `${j.name.padEnd(20)} ${j.type.padEnd(8)} ${(j.doc.split('\n')[0] ?? '').slice(0, 80)}`)
        .join('\n'),
    );
  },
  queue,
  async get(id: string, options: EndpointOptions) {
    const task = await clientOf(options).getTask(id);
    if (!task) throw new TaskNotFoundError(id);
    out(options, toWire(task), () => humanTask(task));
  },
  wait: (id: string, options: WaitOptions) => waitAndReport(clientOf(options), id, options),
  tasks,
  async revoke(id: string, options: EndpointOptions) {
    const task = await clientOf(options).revokeTask(id);
    out(options, toWire(task), () =>
      task.status === 'REVOKED' ? `revoked ${id}` : `revoke requested: ${id} is running`,
    );
  },
  async redrive(options: EndpointOptions & { limit?: string }) {
    const result = await clientOf(options).redriveDeadLetters(count('limit', options.limit));
    out(options, result, () =>
      [
        `moved ${result.moved.length}, dropped ${result.dropped}, left ${result.skipped}, failed ${result.failed}; ` +
          `about ${result.remaining} on the dead-letter queue${result.more ? ': run redrive again to go on' : ''}`,
        ...(result.left ?? []).map((l) => `left ${l.id ?? '(no task)'}: ${l.reason}`),
      ].join('\n'),
    );
  },
  deadLetters,
  purge,
  stats,
  workflow: (id: string, options: EndpointOptions & { limit: string; cursor?: string }) =>
    showWorkflow(clientOf(options), id, options),
  'queue-workflow': (kind: string, file: string | undefined, options: WaitOptions & { wait?: boolean }) =>
    queueWorkflowFrom(clientOf(options), kind, file, { ...options, timeout: seconds(options.timeout) }),
  'revoke-workflow': (id: string, options: EndpointOptions) => revokeWorkflow(clientOf(options), id, options),
  cost: (options: EndpointOptions & Parameters<typeof cost>[1]) => cost(clientOf(options), options),
} as const;

export type ActionName = keyof typeof ACTIONS;

/**
 * Run a command's body with commander's arguments (the command's own arguments, its
 * options, the Command). Errors become a line on stderr and an exit code.
 */
export async function runAction(name: ActionName, args: unknown[], options: EndpointOptions): Promise<number> {
  const body = ACTIONS[name] as (...a: unknown[]) => Promise<unknown>;
  try {
    const code = await body(...args);
    return typeof code === 'number' ? code : EXIT.ok;
  } catch (err) {
    return reportError(options, err);
  }
}
