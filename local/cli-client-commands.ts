/**
 * The client commands of the `skytask` CLI: jobs, queue, get, wait, tasks, revoke,
 * redrive, dead-letters, purge, stats, cost, and the workflow commands — their arguments
 * and options. Human output by default, `--json` for scripts (tasks in their wire form, as
 * JSON-RPC returns them). What they do is in cli-client-actions.ts, imported only when one runs: `--help` never loads the client.
 */
import type { Command } from 'commander';
import { SETTINGS } from '../lib/settings.js';
import type { ActionName } from './cli-client-actions.js';

/** The action of a client command: its body, imported when the command runs; the exit code set. */
function action(name: ActionName) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const { runAction } = await import('./cli-client-actions.js');
    process.exitCode = await runAction(name, args, command.optsWithGlobals());
  };
}

/** A client command: its endpoint options, its action. */
function clientCommand(command: Command, name: ActionName): void {
  command
    .option('--url <url>', `JSON-RPC endpoint (env ${SETTINGS.url.env}; default the local stack)`)
    .option('--token <token>', `bearer token (env ${SETTINGS.token.env})`)
    .option('--sigv4', 'sign with SigV4 (automatic for an execute-api host)')
    .option('--json', 'JSON output for scripts')
    .action(action(name));
}

/** Declare the client commands on `program`. */
export function registerClientCommands(program: Command): void {
  registerTaskCommands(program);
  registerWorkflowCommands(program);
}

/** The task, queue and dead-letter commands. */
function registerTaskCommands(program: Command): void {
  clientCommand(program.command('jobs').description('List the jobs'), 'jobs');
  clientCommand(
    program
      .command('queue')
      .description('Queue a task: skytask queue addition a=1 b=2 (values are JSON when they parse, else strings)')
      .argument('<job>', 'job name')
      .argument('[kwargs...]', 'key=value pairs')
      .option(
        '--kwargs-file <path>',
        'the kwargs as a JSON object, from a file or - for stdin (key=value pairs go over it)',
      )
      .option('--id <id>', 'task id (queueing an id that exists returns that task)')
      .option('--delay <seconds>', 'seconds before the task is due')
      .option('--expiry <seconds>', 'seconds after it is due before it expires')
      .option('--priority <priority>', "high, default or low (default: the job's)")
      .option('--wait', 'wait until the task is ready; exit 1 if it ends FAILURE or REVOKED')
      .option('--timeout <seconds>', 'with --wait: give up after this long (exit 6)'),
    'queue',
  );
  clientCommand(program.command('get').description('Show a task').argument('<id>'), 'get');
  clientCommand(
    program
      .command('wait')
      .description('Wait until a task is ready; exit 1 if it ends FAILURE or REVOKED')
      .argument('<id>')
      .option('--timeout <seconds>', 'give up after this long (exit 6)'),
    'wait',
  );
  clientCommand(
    program
      .command('tasks')
      .description('List tasks, newest first')
      .option('--job <name>', 'of this job')
      .option('--status <status>', 'QUEUED, STARTED, RETRY, WAITING, REVOKED, FAILURE or SUCCESS')
      .option('--parent <id>', 'sub-tasks of this task')
      .option('--limit <n>', 'at most this many (1-1000)', '20')
      .option('--cursor <cursor>', 'the next page of an earlier listing'),
    'tasks',
  );
  clientCommand(program.command('revoke').description('Revoke a task that is not ready').argument('<id>'), 'revoke');
  registerQueueCommands(program);
}

/** The commands about the queue as a whole: dead letters, its depth, what its tasks cost. */
function registerQueueCommands(program: Command): void {
  clientCommand(
    program
      .command('redrive')
      .description('Move dead-lettered task messages back to the queue')
      .option('--limit <n>', 'at most this many'),
    'redrive',
  );
  clientCommand(
    program
      .command('dead-letters')
      .description('List the tasks that ended dead-lettered (why, when), newest first, and count the letters')
      .option('--limit <n>', 'at most this many (1-1000)', '20')
      .option('--cursor <cursor>', 'the next page of an earlier listing'),
    'deadLetters',
  );
  clientCommand(
    program
      .command('purge')
      .description('Delete dead letters: these tasks’ (their tasks stay FAILURE), or every one with --all')
      .argument('[ids...]', 'task ids')
      .option('--all', 'every dead letter')
      .option('--limit <n>', 'look at most at this many letters'),
    'purge',
  );
  clientCommand(program.command('stats').description('Queue depth, messages in flight, dead letters'), 'stats');
  clientCommand(
    program
      .command('cost')
      .description('What the tasks queued in a period cost, by job, at AWS list prices (docs/cost.md)')
      .option('--job <name...>', 'these jobs only (default: every job)')
      .option('--since <seconds>', 'tasks queued in the last this many seconds', '86400')
      .option('--limit <n>', 'sum at most this many tasks: the newest of the period, across the jobs')
      .option('--memory-mb <MB>', 'price the run time of tasks run off Lambda (no GB-seconds) at this memory'),
    'cost',
  );
}

/** The workflow commands (docs/workflows.md). */
function registerWorkflowCommands(program: Command): void {
  clientCommand(
    program
      .command('queue-workflow')
      .description(
        'Queue a workflow: the params of queue_chain, queue_group or queue_chord as JSON, from a file or stdin',
      )
      .argument('<kind>', 'chain, group or chord')
      .argument('[file]', 'a JSON file of the params (default: stdin)')
      .option('--wait', 'wait until the workflow has ended; exit 1 unless it ends SUCCESS')
      .option('--timeout <seconds>', 'with --wait: give up after this long'),
    'queue-workflow',
  );
  clientCommand(
    program
      .command('workflow')
      .description('Show a workflow: its status, counts, callback and a page of its tasks')
      .argument('<id>')
      .option('--limit <n>', 'tasks on the page (0-1000)', '20')
      .option('--cursor <cursor>', 'the next page of an earlier listing'),
    'workflow',
  );
  clientCommand(
    program.command('revoke-workflow').description("Revoke a workflow's tasks that are not ready").argument('<id>'),
    'revoke-workflow',
  );
}
