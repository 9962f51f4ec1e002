/** The `skytask` command line. */
import { parseArgs } from 'node:util';
import pretty from 'pino-pretty';
import { createLogger } from '../lib/index.js';
import { startStack } from './stack.js';

const HELP = `skytask — a distributed task queue for AWS serverless

Usage:
  skytask start [--jobs FILE] [--port N] [--data-dir DIR] [--json]
      Run the local stack: DynamoDB and SQS emulators, the consumer, the scheduler
      (periodic jobs, tasks due later), JSON-RPC at http://127.0.0.1:PORT/rpc.
      Ctrl-C stops it; running tasks get a grace period.

Options:
  --jobs FILE      jobs module (env SKYTASK_JOBS; default: the sample jobs)
  --port N         JSON-RPC port (env PORT; default 8060)
  --data-dir DIR   where the local data lives (env SKYTASK_DATA_DIR; default .skytask)
  --json           structured JSON logs even at a terminal
  -h, --help       this help
`;

// Node 20 is what this machine has; the SDK's notice about Node 22 would open every log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    jobs: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const command = positionals[0];
if (values.help || !command) {
  process.stdout.write(HELP);
  process.exit(command || values.help ? 0 : 1);
}
if (command !== 'start') {
  process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
  process.exit(2);
}

const json = values.json || !process.stdout.isTTY;
const logger = createLogger(
  json ? {} : { stream: pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }) },
);
const port = Number(values.port ?? process.env.PORT ?? 8060);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a port number, not "${values.port ?? process.env.PORT}"\n`);
  process.exit(2);
}
const jobs =
  values.jobs ?? process.env.SKYTASK_JOBS ?? new URL('../examples/jobs.ts', import.meta.url).pathname;

try {
  const stack = await startStack({
    jobs,
    port,
    dataDir: values['data-dir'] ?? process.env.SKYTASK_DATA_DIR ?? '.skytask',
    logger,
    graceSeconds: Number(process.env.SKYTASK_GRACE_SECONDS ?? 30),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: no new tasks; press Ctrl-C again to exit at once');
    stack.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (err) {
  logger.error({ err }, 'the local stack could not start');
  process.exit(1);
}
