/**
 * The client commands of the `skytask` CLI: jobs, queue, get, wait, tasks, revoke,
 * redrive, stats — over the HTTP client (`skytask/client`). Human output by default,
 * `--json` for scripts (tasks in their wire form, as JSON-RPC returns them).
 */
import type { Command } from 'commander';
import {
  ConflictError,
  createHttpClient,
  EndpointError,
  TaskNotFoundError,
  ValidationError,
  WaitTimeoutError,
  toWire,
  type HttpAuth,
  type SkytaskClient,
  type Task,
} from '../lib/client/index.js';
import { envValue, SETTINGS } from '../lib/settings.js';

/** Exit codes. */
export const EXIT = {
  ok: 0,
  /** The task ended FAILURE or REVOKED (queue --wait, wait). */
  taskFailed: 1,
  /** Wrong command line, unknown job, invalid params. */
  usage: 2,
  notFound: 3,
  /** The endpoint could not be reached or did not answer JSON-RPC. */
  unreachable: 4,
  /** The task's state does not allow it (revoking a finished task). */
  conflict: 5,
  /** wait --timeout passed before the task was ready. */
  timeout: 6,
  /** Any other error (an internal error of the endpoint…). */
  error: 7,
} as const;

export const EXIT_HELP = `
Endpoint: --url, else ${SETTINGS.url.env}, else the local stack on its default port (${SETTINGS.url.default}).
SigV4 (the default AWS credential chain) for an execute-api host or with --sigv4; --token / ${SETTINGS.token.env} for a bearer token.

Exit codes:
  0  success
  1  the task ended FAILURE or REVOKED (queue --wait, wait)
  2  usage error: bad arguments, unknown job, invalid params
  3  task not found
  4  endpoint unreachable (or not a JSON-RPC answer)
  5  conflict with the task's state (revoke of a finished task)
  6  wait timed out (--timeout)
  7  other error
`;

interface EndpointOptions {
  url?: string;
  token?: string;
  sigv4?: boolean;
  json?: boolean;
}

class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * The endpoint: `--url`, else SKYTASK_URL, else the local stack's default URL. Never the
 * generic PORT: that is whatever else the shell runs, not where a stack listens.
 */
function clientOf(options: EndpointOptions): SkytaskClient {
  const url = options.url ?? envValue(SETTINGS.url) ?? SETTINGS.url.default;
  const token = options.token ?? envValue(SETTINGS.token);
  const auth: HttpAuth | undefined = token ? { token } : options.sigv4 ? 'sigv4' : undefined;
  try {
    return createHttpClient({ url, auth });
  } catch (err) {
    throw new ValidationError(`--url: ${(err as Error).message}`);
  }
}

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ValidationError(`not a number of seconds: "${value}"`);
  return n;
};

const when = (epoch?: number) => (epoch === undefined ? undefined : new Date(epoch * 1000).toISOString());
const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** A task for a person: the fields that are set, one a line. */
function humanTask(task: Task): string {
  const rows: [string, unknown][] = [
    ['id', task.id],
    ['job', task.name],
    ['status', task.status],
    ['kwargs', JSON.stringify(task.kwargs)],
    ['result', task.result === undefined ? undefined : show(task.result)],
    ['error', task.error],
    ['queued', when(task.timeQueued)],
    ['due', when(task.eta)],
    ['started', when(task.timeStarted)],
    ['ended', when(task.timeEnded)],
    ['expiry', when(task.expiry)],
    ['attempts', task.attempts],
    ['from task', task.fromTask],
  ];
  return rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(9)} ${v}`)
    .join('\n');
}

function out(options: EndpointOptions, value: unknown, human: () => string): void {
  process.stdout.write(`${options.json ? JSON.stringify(value) : human()}\n`);
}

/** The exit code for a ready task. */
const taskExit = (task: Task) =>
  task.status === 'SUCCESS'
    ? EXIT.ok
    : task.status === 'FAILURE' || task.status === 'REVOKED'
      ? EXIT.taskFailed
      : EXIT.ok;

/** A spinner with the elapsed time on stdout, only when a person watches (a TTY, not --json). */
function spinner(options: EndpointOptions, label: string): () => void {
  if (options.json || !process.stdout.isTTY) return () => undefined;
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  const started = Date.now();
  let i = 0;
  const timer = setInterval(() => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`\r${frames[i++ % frames.length]} ${label} ${elapsed}s`);
  }, 100);
  return () => {
    clearInterval(timer);
    process.stdout.write('\r\x1b[K');
  };
}

async function waitAndReport(
  client: SkytaskClient,
  id: string,
  options: EndpointOptions & { timeout?: string },
): Promise<number> {
  const stop = spinner(options, `waiting for ${id}`);
  let task: Task;
  try {
    task = await client.waitForTask(id, {
      timeout: options.timeout === undefined ? undefined : seconds(options.timeout),
    });
  } finally {
    stop();
  }
  out(options, toWire(task), () => humanTask(task));
  return taskExit(task);
}

/** `key=value` → kwargs; a value is JSON when it parses as JSON, else a string. */
export function parseKwargs(pairs: string[]): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ValidationError(`expected key=value, not "${pair}"`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    kwargs[pair.slice(0, at)] = value;
  }
  return kwargs;
}

function exitCodeOf(err: unknown): number {
  if (err instanceof ValidationError) return EXIT.usage;
  if (err instanceof TaskNotFoundError) return EXIT.notFound;
  if (err instanceof EndpointError) return EXIT.unreachable;
  if (err instanceof ConflictError) return EXIT.conflict;
  if (err instanceof WaitTimeoutError) return EXIT.timeout;
  return EXIT.error;
}

/** Run a command body; errors become a message on stderr (JSON with --json) and an exit code. */
// biome-ignore lint/suspicious/noConfusingVoidType: command bodies return an exit code, or nothing for 0.
function run<A extends unknown[]>(body: (...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const options = command.optsWithGlobals() as EndpointOptions;
    try {
      process.exitCode = (await body(...args)) ?? EXIT.ok;
    } catch (err) {
      if (err instanceof CliExit) return void (process.exitCode = err.code);
      const code = exitCodeOf(err);
      const e = err as Error & { task?: Task };
      const message = e.message;
      process.stderr.write(
        options.json
          ? `${JSON.stringify({ error: { type: e.name, message, exit: code, ...(e.task ? { task: toWire(e.task) } : {}) } })}\n`
          : `skytask: ${message}\n`,
      );
      process.exitCode = code;
    }
  };
}

function endpoint(command: Command): Command {
  return command
    .option('--url <url>', `JSON-RPC endpoint (env ${SETTINGS.url.env}; default the local stack)`)
    .option('--token <token>', `bearer token (env ${SETTINGS.token.env})`)
    .option('--sigv4', 'sign with SigV4 (automatic for an execute-api host)')
    .option('--json', 'JSON output for scripts');
}

export function registerClientCommands(program: Command): void {
  endpoint(program.command('jobs').description('List the jobs')).action(
    run(async (options: EndpointOptions) => {
      const jobs = await clientOf(options).jobList();
      out(options, jobs, () =>
        jobs
          .map((j) => `${j.name.padEnd(20)} ${j.type.padEnd(8)} ${(j.doc.split('\n')[0] ?? '').slice(0, 80)}`)
          .join('\n'),
      );
    }),
  );

  endpoint(
    program
      .command('queue')
      .description('Queue a task: skytask queue addition a=1 b=2 (values are JSON when they parse, else strings)')
      .argument('<job>', 'job name')
      .argument('[kwargs...]', 'key=value pairs')
      .option('--id <id>', 'task id (queueing an id that exists returns that task)')
      .option('--delay <seconds>', 'seconds before the task is due')
      .option('--expiry <seconds>', 'seconds after it is due before it expires')
      .option('--wait', 'wait until the task is ready; exit 1 if it ends FAILURE or REVOKED')
      .option('--timeout <seconds>', 'with --wait: give up after this long (exit 6)'),
  ).action(
    run(
      async (
        job: string,
        pairs: string[],
        options: EndpointOptions & { id?: string; delay?: string; expiry?: string; wait?: boolean; timeout?: string },
      ) => {
        const client = clientOf(options);
        const task = await client.queueTask(job, parseKwargs(pairs), {
          id: options.id,
          delay: options.delay === undefined ? undefined : seconds(options.delay),
          expiry: options.expiry === undefined ? undefined : seconds(options.expiry),
        });
        if (!task) {
          out(options, null, () => `not queued: job "${job}" cannot overlap and an equal task is not finished`);
          return EXIT.ok;
        }
        if (!options.wait) return out(options, toWire(task), () => humanTask(task));
        if (!options.json) process.stdout.write(`queued ${task.id}\n`);
        return waitAndReport(client, task.id, options);
      },
    ),
  );

  endpoint(program.command('get').description('Show a task').argument('<id>')).action(
    run(async (id: string, options: EndpointOptions) => {
      const task = await clientOf(options).getTask(id);
      if (!task) throw new TaskNotFoundError(id);
      out(options, toWire(task), () => humanTask(task));
    }),
  );

  endpoint(
    program
      .command('wait')
      .description('Wait until a task is ready; exit 1 if it ends FAILURE or REVOKED')
      .argument('<id>')
      .option('--timeout <seconds>', 'give up after this long (exit 6)'),
  ).action(
    run(async (id: string, options: EndpointOptions & { timeout?: string }) =>
      waitAndReport(clientOf(options), id, options),
    ),
  );

  endpoint(
    program
      .command('tasks')
      .description('List tasks, newest first')
      .option('--job <name>', 'of this job')
      .option('--status <status>', 'QUEUED, STARTED, RETRY, REVOKED, FAILURE or SUCCESS')
      .option('--parent <id>', 'sub-tasks of this task')
      .option('--limit <n>', 'at most this many (1-1000)', '20')
      .option('--cursor <cursor>', 'the next page of an earlier listing'),
  ).action(
    run(
      async (
        options: EndpointOptions & { job?: string; status?: string; parent?: string; limit: string; cursor?: string },
      ) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit))
          throw new ValidationError(`--limit must be a whole number, not "${options.limit}"`);
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
      },
    ),
  );

  endpoint(program.command('revoke').description('Revoke a task that is not ready').argument('<id>')).action(
    run(async (id: string, options: EndpointOptions) => {
      const task = await clientOf(options).revokeTask(id);
      out(options, toWire(task), () =>
        task.status === 'REVOKED' ? `revoked ${id}` : `revoke requested: ${id} is running`,
      );
    }),
  );

  endpoint(
    program
      .command('redrive')
      .description('Move dead-lettered task messages back to the queue')
      .option('--limit <n>', 'at most this many'),
  ).action(
    run(async (options: EndpointOptions & { limit?: string }) => {
      const result = await clientOf(options).redriveDeadLetters(
        options.limit === undefined ? undefined : Number(options.limit),
      );
      out(options, result, () => `moved ${result.moved.length}, dropped ${result.dropped}, left ${result.skipped}`);
    }),
  );

  endpoint(program.command('stats').description('Queue depth, messages in flight, dead letters')).action(
    run(async (options: EndpointOptions) => {
      const s = await clientOf(options).queueStats();
      out(options, { queued: s.queued, delayed: s.delayed, in_flight: s.inFlight, dead_letters: s.deadLetters }, () =>
        [
          `queued       ${s.queued}`,
          `delayed      ${s.delayed}`,
          `in flight    ${s.inFlight}`,
          `dead letters ${s.deadLetters}`,
        ].join('\n'),
      );
    }),
  );
}
